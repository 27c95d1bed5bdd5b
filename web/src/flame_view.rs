//! The flame view (icicle of the scope tree) in a box that scrolls sideways: a component over
//! props, so it can hold the gesture listeners. Clicking a block zooms into its scope (the
//! store's `st.flame`); a pinch or Ctrl + wheel magnifies the drawing horizontally (the store's
//! `flame_scale`), one finger moves it. The drawing itself is [`crate::charts::flame`].

use crate::charts::{self, Cell};
use crate::gesture::{self, Anchor, Zoomer};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub cells: Rc<Vec<Cell>>,
    pub title: String,
    /// The zoomed scope (None: the whole model).
    pub zoom: Option<String>,
    /// Horizontal magnification (1: the box's width).
    pub scale: f64,
    /// The box's width in CSS pixels.
    pub width: f64,
    pub on_zoom: Callback<Option<String>>,
    pub on_scale: Callback<f64>,
    /// Drawn between the heading and the drawing (the view's hint and buttons).
    #[prop_or_default]
    pub children: Html,
}

#[function_component(FlameView)]
pub fn flame_view(p: &Props) -> Html {
    let boxed = use_node_ref();
    let anchor = use_mut_ref(|| None::<Anchor>);
    let now = use_mut_ref(|| Rc::new(std::cell::Cell::new(p.scale)));
    let now = now.borrow().clone();
    now.set(p.scale);
    let on_scale = use_mut_ref(|| p.on_scale.clone());
    *on_scale.borrow_mut() = p.on_scale.clone();
    {
        let (boxed, anchor, s) = (boxed.clone(), anchor.clone(), p.scale);
        use_effect_with(p.scale.to_bits(), move |_| {
            if let (Some(a), Some(b)) = (anchor.borrow_mut().take(), boxed.cast::<web_sys::Element>()) {
                a.apply(&b, (s, 1.0));
            }
        });
    }
    {
        let (boxed, anchor, now) = (boxed.clone(), anchor.clone(), now.clone());
        use_effect_with((), move |_| {
            let to: Rc<dyn Fn(f64, Anchor)> = {
                let (boxed, now) = (boxed.clone(), now.clone());
                Rc::new(move |s: f64, a: Anchor| {
                    let s = s.clamp(1.0, crate::app::FLAME_SCALE_MAX);
                    if (s - now.get()).abs() < 1e-9 {
                        if let Some(b) = boxed.cast::<web_sys::Element>() {
                            a.apply(&b, (s, 1.0));
                        }
                        return;
                    }
                    *anchor.borrow_mut() = Some(a);
                    on_scale.borrow().emit(s);
                })
            };
            let listeners = boxed
                .cast::<web_sys::Element>()
                .map(|b| gesture::listen(&b, Zoomer { now, to, both_axes: false }))
                .unwrap_or_default();
            move || drop(listeners)
        });
    }
    // The heading stays above the box: magnified, only the drawing scrolls sideways.
    html! { <>
        <h3 class="flame-title" id="flame-title">{p.title.clone()}</h3>
        { p.children.clone() }
        <div class="flame-scroll" ref={boxed} data-scale={p.scale.to_string()}>
            { charts::flame("chart-icicle", &p.title, &p.cells, p.zoom.as_deref(), p.on_zoom.clone(), p.width * p.scale) }
        </div>
    </> }
}
