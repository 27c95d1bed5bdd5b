//! The address bar's held-back rewrite (`App::sync_url` writes at most every 250 ms, the last
//! change a moment later) is written at once when the page is hidden or left
//! (`visibilitychange`, `pagehide`), so nothing is lost when the tab closes or goes to the
//! background. A reload's address is fixed before the page hears `pagehide`, though, so the
//! rewrite is also kept in `sessionStorage` with the address it replaces: the next page of this
//! tab takes it if it opens on that same address ([`restore`]).

use gloo::events::EventListener;
use std::cell::RefCell;
use std::rc::Rc;

/// The `sessionStorage` key: "old fragment \n new fragment".
const KEY: &str = "mpclens-url-pending";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

fn hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// At start: the address's fragment, or the newer one a reload would have lost (then written
/// into the address too). The kept rewrite is used once, and only on the address it replaces.
pub fn restore() -> String {
    let now = hash();
    let Some(s) = storage() else { return now };
    let kept = s.get_item(KEY).ok().flatten();
    let _ = s.remove_item(KEY);
    match kept.as_deref().and_then(|k| k.split_once('\n')) {
        Some((from, to)) if from == now && !to.is_empty() => {
            if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(to));
            }
            to.to_string()
        }
        _ => now,
    }
}

/// The rewrite `App::sync_url` holds back (an address `#…`), shared with the window's listeners.
#[derive(Clone, Default)]
pub struct Held(Rc<RefCell<Option<String>>>);

impl Held {
    /// `url` is due but held back.
    pub fn hold(&self, url: &str) {
        *self.0.borrow_mut() = Some(url.to_string());
    }

    /// The address is up to date.
    pub fn clear(&self) {
        self.0.borrow_mut().take();
    }

    /// Writes the held rewrite now, and keeps it for a reload.
    fn flush(&self) {
        let Some(url) = self.0.borrow_mut().take() else { return };
        if let Some(s) = storage() {
            let _ = s.set_item(KEY, &format!("{}\n{url}", hash()));
        }
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }

    /// Flushes on `pagehide` and when the page is hidden; back in view, a kept rewrite is
    /// dropped (the page goes on writing the address itself).
    pub fn listeners(&self) -> Vec<EventListener> {
        let (Some(w), Some(doc)) = (web_sys::window(), web_sys::window().and_then(|w| w.document())) else {
            return Vec::new();
        };
        let (a, b) = (self.clone(), self.clone());
        vec![
            EventListener::new(&w, "pagehide", move |_| a.flush()),
            EventListener::new(&doc, "visibilitychange", move |_| {
                let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
                if hidden {
                    b.flush();
                } else if let Some(s) = storage() {
                    let _ = s.remove_item(KEY);
                }
            }),
        ]
    }
}
