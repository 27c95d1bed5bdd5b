//! A panic must never leave a blank page: show the message and a reload button.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        web_sys::console::error_1(&msg.clone().into());
        let _ = show(&msg);
    }));
}

fn show(msg: &str) -> Option<()> {
    let doc = web_sys::window()?.document()?;
    let body = doc.body()?;
    let div = doc.create_element("div").ok()?;
    div.set_id("panic");
    div.set_attribute("role", "alertdialog").ok()?;
    let h = doc.create_element("h2").ok()?;
    h.set_text_content(Some("mpclens stopped because of an internal error"));
    let p = doc.create_element("pre").ok()?;
    p.set_text_content(Some(msg));
    let hint = doc.create_element("p").ok()?;
    hint.set_text_content(Some("Nothing was sent anywhere. Reload the page to start again; if it happens again with the same file, please report the message above."));
    let b = doc.create_element("button").ok()?;
    b.set_id("panic-reload");
    b.set_text_content(Some("Reload the page"));
    let cb = Closure::<dyn FnMut()>::new(|| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    b.add_event_listener_with_callback("click", cb.as_ref().unchecked_ref()).ok()?;
    cb.forget();
    div.append_child(&h).ok()?;
    div.append_child(&p).ok()?;
    div.append_child(&hint).ok()?;
    div.append_child(&b).ok()?;
    body.append_child(&div).ok()?;
    if let Ok(el) = b.dyn_into::<web_sys::HtmlElement>() {
        let _ = el.focus();
    }
    Some(())
}

/// `?debug=panic` in the URL panics on purpose, to test this hook.
pub fn debug_flag() {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    if search.split(['?', '&']).any(|p| p == "debug=panic") {
        panic!("debug panic requested by the URL (?debug=panic)");
    }
}
