//! Roving focus: a table body or a tab list is one Tab stop; the arrow keys
//! (and Home/End) move focus inside it. Only the DOM's focus and `tabindex`
//! change here; what Enter or a click does stays with the element's own handler.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};

/// Moves focus from `from` to `to` and hands the Tab stop over.
fn hand_over(from: &Element, to: &Element) {
    let _ = from.set_attribute("tabindex", "-1");
    let _ = to.set_attribute("tabindex", "0");
    if let Some(h) = to.dyn_ref::<HtmlElement>() {
        let _ = h.focus();
    }
}

/// The target among `items` for `key` from position `i` of `n` (`prev`/`next` keys given).
fn step(key: &str, i: usize, n: usize, prev: &str, next: &str) -> Option<usize> {
    match key {
        k if k == next => Some((i + 1).min(n - 1)),
        k if k == prev => Some(i.saturating_sub(1)),
        "Home" => Some(0),
        "End" => Some(n - 1),
        "PageDown" => Some((i + 10).min(n - 1)),
        "PageUp" => Some(i.saturating_sub(10)),
        _ => None,
    }
}

fn children_of(parent: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = parent.query_selector_all(selector) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<Element>().ok()).collect()
}

/// `container` is found from the event's target (Yew delegates events to the
/// app's root, so `currentTarget` is not the element the handler is on).
fn roam(e: &KeyboardEvent, container: &str, selector: &str, prev: &str, next: &str) -> Option<Element> {
    let target: Element = e.target()?.dyn_into().ok()?;
    let parent = target.closest(container).ok()??;
    let items = children_of(&parent, selector);
    let active = web_sys::window()?.document()?.active_element()?;
    let i = items.iter().position(|x| *x == active || x.contains(Some(&active)))?;
    let j = step(&e.key(), i, items.len(), prev, next)?;
    e.prevent_default();
    hand_over(&items[i], &items[j]);
    Some(items[j].clone())
}

/// On a `<tbody>`: ArrowUp/ArrowDown between its rows.
pub fn rows(e: KeyboardEvent) {
    roam(&e, "tbody", ":scope > tr", "ArrowUp", "ArrowDown");
}

/// On a `role=tablist`: ArrowLeft/ArrowRight between tabs, activating the one reached.
pub fn tabs(e: KeyboardEvent) {
    if let Some(t) = roam(&e, "[role=tablist]", "[role=tab]", "ArrowLeft", "ArrowRight") {
        if let Some(h) = t.dyn_ref::<HtmlElement>() {
            h.click();
        }
    }
}

/// On the flame chart: ArrowLeft/ArrowRight (and Up/Down) through its cells.
pub fn cells(e: KeyboardEvent) {
    if roam(&e, "svg", "g.cell", "ArrowLeft", "ArrowRight").is_none() {
        roam(&e, "svg", "g.cell", "ArrowUp", "ArrowDown");
    }
}
