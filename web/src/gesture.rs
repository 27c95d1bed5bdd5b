//! Touch and wheel gestures on a scrollable drawing (the graph and flame views): one finger
//! pans it, two fingers pinch-zoom it about their midpoint, Ctrl + wheel (and a trackpad
//! pinch, which browsers send as one) zooms at the pointer. Mouse pointers are left alone:
//! a click still selects, a plain wheel still scrolls. The zoom itself is the store's: a
//! gesture only asks for one (`Zoomer::to`); where the drawing lands after it is drawn is
//! [`Anchor::apply`]'s job.

use gloo::events::{EventListener, EventListenerOptions};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, PointerEvent, WheelEvent};

/// A drawing point (unzoomed units) and where in the scroll box's viewport it must stay.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Anchor {
    pub x: f64,
    pub y: f64,
    pub vx: f64,
    pub vy: f64,
}

impl Anchor {
    /// The drawing point at viewport point (vx, vy) of `el`, drawn at zoom (zx, zy).
    pub fn under(el: &Element, (zx, zy): (f64, f64), vx: f64, vy: f64) -> Anchor {
        let (ox, oy) = origin(el);
        Anchor { x: (el.scroll_left() as f64 + vx - ox) / zx, y: (el.scroll_top() as f64 + vy - oy) / zy, vx, vy }
    }
    /// Scrolls `el`, now drawn at zoom (zx, zy), so the point is back at its viewport place.
    pub fn apply(&self, el: &Element, (zx, zy): (f64, f64)) {
        let (ox, oy) = origin(el);
        el.set_scroll_left((self.x * zx + ox - self.vx).round() as i32);
        el.set_scroll_top((self.y * zy + oy - self.vy).round() as i32);
    }
}

/// Where the drawing (the box's first child) starts in the box's scrolled content: not at 0
/// when a drawing narrower than the box is centred in it.
fn origin(el: &Element) -> (f64, f64) {
    let Some(d) = el.first_element_child() else { return (0.0, 0.0) };
    let (a, b) = (el.get_bounding_client_rect(), d.get_bounding_client_rect());
    (
        b.left() - a.left() - el.client_left() as f64 + el.scroll_left() as f64,
        b.top() - a.top() - el.client_top() as f64 + el.scroll_top() as f64,
    )
}

/// What a view gives the gestures: its zoom now, and how to ask for another.
#[derive(Clone)]
pub struct Zoomer {
    /// The zoom drawn now (kept current by the view on every render).
    pub now: Rc<Cell<f64>>,
    /// Asks for zoom `z` keeping the anchor in place.
    pub to: Rc<dyn Fn(f64, Anchor)>,
    /// The zoom scales the vertical axis too (the graph); the flame view scales only x.
    pub both_axes: bool,
}

impl Zoomer {
    fn scales(&self, z: f64) -> (f64, f64) {
        (z, if self.both_axes { z } else { 1.0 })
    }
}

#[derive(Default)]
struct Touches {
    /// Touch pointers down: (id, x, y) in client pixels, as last consumed.
    down: Vec<(i32, f64, f64)>,
    /// A pinch under way: the fingers' distance and the zoom when it began, and the drawing
    /// point under their midpoint then.
    pinch: Option<(f64, f64, Anchor)>,
}

/// The listeners (drop them to stop). `el` should have `touch-action: none` so the browser
/// leaves one- and two-finger gestures on it to these.
pub fn listen(el: &Element, z: Zoomer) -> Vec<EventListener> {
    let t = Rc::new(RefCell::new(Touches::default()));
    let passive_no = EventListenerOptions::enable_prevent_default();
    let mut out = Vec::new();
    {
        let t = t.clone();
        out.push(EventListener::new(el, "pointerdown", move |e| {
            let Some(e) = e.dyn_ref::<PointerEvent>().filter(|e| e.pointer_type() == "touch") else { return };
            let mut t = t.borrow_mut();
            t.down.retain(|p| p.0 != e.pointer_id());
            t.down.push((e.pointer_id(), e.client_x() as f64, e.client_y() as f64));
            t.pinch = None;
        }));
    }
    {
        let (t, el, z) = (t.clone(), el.clone(), z.clone());
        let target = el.clone();
        out.push(EventListener::new_with_options(&target, "pointermove", passive_no, move |e| {
            let Some(e) = e.dyn_ref::<PointerEvent>().filter(|e| e.pointer_type() == "touch") else { return };
            let mut t = t.borrow_mut();
            let id = e.pointer_id();
            let (x, y) = (e.client_x() as f64, e.client_y() as f64);
            let Some(k) = t.down.iter().position(|p| p.0 == id) else { return };
            e.prevent_default();
            if t.down.len() == 1 {
                // Pan: the drawing follows the finger; what the box cannot scroll vertically
                // scrolls the page, so a swipe over the drawing still moves past it.
                let (_, px, py) = t.down[0];
                let (dx, dy) = ((x - px).round(), (y - py).round());
                if dx == 0.0 && dy == 0.0 {
                    return;
                }
                let (sl, st) = (el.scroll_left(), el.scroll_top());
                el.set_scroll_left(sl - dx as i32);
                el.set_scroll_top(st - dy as i32);
                let left_y = -dy - (el.scroll_top() - st) as f64;
                if left_y != 0.0 {
                    if let Some(w) = web_sys::window() {
                        w.scroll_by_with_x_and_y(0.0, left_y);
                    }
                }
                t.down[0] = (id, px + dx, py + dy);
                return;
            }
            t.down[k] = (id, x, y);
            let (a, b) = (t.down[0], t.down[1]);
            let dist = ((a.1 - b.1).powi(2) + (a.2 - b.2).powi(2)).sqrt().max(1.0);
            let r = el.get_bounding_client_rect();
            let (mx, my) = ((a.1 + b.1) / 2.0 - r.left(), (a.2 + b.2) / 2.0 - r.top());
            let (d0, z0, at) = *t.pinch.get_or_insert_with(|| {
                let z0 = z.now.get();
                (dist, z0, Anchor::under(&el, z.scales(z0), mx, my))
            });
            drop(t);
            // The point first under the fingers stays under their midpoint: pinch and
            // two-finger pan at once.
            (z.to)(z0 * dist / d0, Anchor { vx: mx, vy: my, ..at });
        }));
    }
    for kind in ["pointerup", "pointercancel"] {
        let t = t.clone();
        out.push(EventListener::new(el, kind, move |e| {
            let Some(e) = e.dyn_ref::<PointerEvent>() else { return };
            let mut t = t.borrow_mut();
            t.down.retain(|p| p.0 != e.pointer_id());
            t.pinch = None;
        }));
    }
    // A listener of our own: Yew's wheel handlers are passive, so they could not stop the
    // browser's page zoom.
    {
        let el2 = el.clone();
        out.push(EventListener::new_with_options(el, "wheel", passive_no, move |e| {
            let Some(e) = e.dyn_ref::<WheelEvent>() else { return };
            if !(e.ctrl_key() || e.meta_key()) {
                return;
            }
            e.prevent_default();
            let r = el2.get_bounding_client_rect();
            let (vx, vy) = (e.client_x() as f64 - r.left(), e.client_y() as f64 - r.top());
            let now = z.now.get();
            let at = Anchor::under(&el2, z.scales(now), vx, vy);
            (z.to)(now * (-e.delta_y() * 0.01).exp().clamp(0.5, 2.0), at)
        }));
    }
    out
}
