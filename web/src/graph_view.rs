//! The graph view: the model's dataflow graph laid out by the core
//! ([`mpclens::dataflow`]), each box shaded by its share of the selected
//! framework's bytes or rounds, with a side panel for the selected box.
//! A component over props: it draws the layout and computes no cost.

use crate::fmt;
use crate::gesture::{self, Anchor, Zoomer};
use mpclens::dataflow::{self, Layout, Metric, Unit, BOX_H, BOX_W};
use mpclens::graph::{Attr, Graph, Origin, Tensor};
use mpclens::report::{FrameworkReport, Report};
use mpclens::share::{GRAPH_ZOOM_MAX, GRAPH_ZOOM_MIN};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub layout: Rc<Layout>,
    pub graph: Rc<Graph>,
    pub report: Rc<Report>,
    /// The framework the colours and the panel's costs are for.
    pub framework: Option<String>,
    /// The selected box's id.
    pub focus: Option<String>,
    pub metric: Metric,
    pub log: bool,
    pub on_select: Callback<String>,
    /// Opens a closed scope, or closes an open one (by scope path).
    pub on_toggle: Callback<String>,
    pub on_metric: Callback<Metric>,
    /// Picks the framework the shading is for (the page-wide selection).
    pub on_framework: Callback<String>,
    pub on_log: Callback<bool>,
    /// `true`: close every scope; `false`: back to the default opening.
    pub on_reset: Callback<bool>,
    /// The zoom (1 = natural size; None: fitted to the width, at most 1).
    pub zoom: Option<f64>,
    pub on_zoom: Callback<Option<f64>>,
}

/// Drawing margin around the boxes.
const PAD: f64 = 12.0;

/// The factor of one zoom step (button, key).
const ZOOM_STEP: f64 = 1.25;

fn clamp_zoom(z: f64) -> f64 {
    if z.is_finite() {
        z.clamp(GRAPH_ZOOM_MIN, GRAPH_ZOOM_MAX)
    } else {
        1.0
    }
}

/// "Fit width": the whole width in `room` pixels, but never above the natural size (a small
/// graph is not blown up).
fn fit_zoom(room: f64, w: f64) -> f64 {
    clamp_zoom((room / w).min(1.0))
}

fn share_text(u: &Unit, metric: Metric) -> String {
    match metric {
        Metric::Bytes => format!("{} ({:.1} %)", fmt::bytes(u.bytes), 100.0 * u.share),
        Metric::Rounds => format!("{} rounds ({:.1} %)", fmt::int(u.rounds), 100.0 * u.share),
    }
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// A node box whose name is its op kind ("Conv") or ends with it ("conv1_Conv"): the name alone,
/// on one line (two would say the op kind twice).
fn one_line(u: &Unit) -> Option<&str> {
    let (name, op) = (u.sub.to_ascii_lowercase(), u.label.to_ascii_lowercase());
    (!u.scope && !op.is_empty() && name.ends_with(&op)).then_some(u.sub.as_str())
}

/// Moves focus to box `i` and hands it the Tab stop.
fn focus_unit(svg: &web_sys::Element, i: usize) {
    let Ok(Some(to)) = svg.query_selector(&format!("g.unit[data-i=\"{i}\"]")) else { return };
    if let Ok(Some(from)) = svg.query_selector("g.unit[tabindex=\"0\"]") {
        let _ = from.set_attribute("tabindex", "-1");
    }
    let _ = to.set_attribute("tabindex", "0");
    if let Some(h) = to.dyn_ref::<web_sys::SvgElement>() {
        let _ = h.focus();
    }
}

#[function_component(GraphView)]
pub fn graph_view(p: &Props) -> Html {
    let l = &p.layout;
    let canvas = use_node_ref();
    // The canvas's width, measured (on mount and when the window is resized): "fit" needs it.
    let room = use_state_eq(|| None::<f64>);
    let w = l.width + 2.0 * PAD;
    let z = match (p.zoom, *room) {
        (Some(z), _) => clamp_zoom(z),
        (None, Some(r)) => fit_zoom(r, w),
        (None, None) => 1.0,
    };
    // Where the drawing must land after the next zoom is drawn, and the zoom drawn now (for
    // the gesture listeners, made once).
    let anchor = use_mut_ref(|| None::<Anchor>);
    let now = use_mut_ref(|| Rc::new(Cell::new(z)));
    let now = now.borrow().clone();
    now.set(z);
    let on_zoom = use_mut_ref(|| p.on_zoom.clone());
    *on_zoom.borrow_mut() = p.on_zoom.clone();
    {
        let (canvas, anchor) = (canvas.clone(), anchor.clone());
        use_effect_with(z.to_bits(), move |_| {
            if let (Some(a), Some(c)) = (anchor.borrow_mut().take(), canvas.cast::<web_sys::Element>()) {
                a.apply(&c, (z, z));
            }
        });
    }
    // Asks the store for zoom `to`, the anchor kept in place (scrolled now if the zoom stays).
    let zoom_to: Rc<dyn Fn(f64, Anchor)> = {
        let (canvas, anchor, now, on_zoom) = (canvas.clone(), anchor.clone(), now.clone(), on_zoom.clone());
        Rc::new(move |to: f64, a: Anchor| {
            let to = clamp_zoom(to);
            if (to - now.get()).abs() < 1e-9 {
                if let Some(c) = canvas.cast::<web_sys::Element>() {
                    a.apply(&c, (to, to));
                }
                return;
            }
            *anchor.borrow_mut() = Some(a);
            on_zoom.borrow().emit(Some(to));
        })
    };
    // Zoom about the canvas's centre (buttons, keys).
    let zoom_centre = {
        let (canvas, zoom_to) = (canvas.clone(), zoom_to.clone());
        Rc::new(move |to: f64| {
            if let Some(c) = canvas.cast::<web_sys::Element>() {
                let (vx, vy) = (c.client_width() as f64 / 2.0, c.client_height() as f64 / 2.0);
                zoom_to(to, Anchor::under(&c, (z, z), vx, vy));
            }
        })
    };
    let fit = {
        let (on_zoom, anchor) = (p.on_zoom.clone(), anchor.clone());
        Rc::new(move || {
            *anchor.borrow_mut() = Some(Anchor { x: 0.0, y: 0.0, vx: 0.0, vy: 0.0 });
            on_zoom.emit(None)
        })
    };
    {
        let (canvas, room, zoom_to, now) = (canvas.clone(), room.clone(), zoom_to.clone(), now.clone());
        use_effect_with((), move |_| {
            let measure = {
                let canvas = canvas.clone();
                move || {
                    if let Some(c) = canvas.cast::<web_sys::Element>() {
                        let r = c.client_width() as f64 - 4.0;
                        if r > 0.0 {
                            room.set(Some(r));
                        }
                    }
                }
            };
            measure();
            let mut listeners = Vec::new();
            if let Some(w) = web_sys::window() {
                listeners.push(gloo::events::EventListener::new(&w, "resize", move |_| measure()));
            }
            if let Some(c) = canvas.cast::<web_sys::Element>() {
                listeners.extend(gesture::listen(&c, Zoomer { now, to: zoom_to, both_axes: true }));
            }
            move || drop(listeners)
        });
    }
    let on_zoom_key = {
        let (zoom_centre, fit) = (zoom_centre.clone(), fit.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "+" | "=" => {
                e.prevent_default();
                zoom_centre(z * ZOOM_STEP)
            }
            "-" | "_" => {
                e.prevent_default();
                zoom_centre(z / ZOOM_STEP)
            }
            "0" => {
                e.prevent_default();
                fit()
            }
            _ => {}
        })
    };
    let fr: Option<&FrameworkReport> =
        p.report.frameworks.iter().find(|f| Some(&f.framework) == p.framework.as_ref()).or(p.report.frameworks.first());
    let focus_i = p.focus.as_ref().and_then(|f| l.units.iter().position(|u| &u.id == f));
    let tab_i = focus_i.unwrap_or(0);
    let edges = l.edges.iter().map(|e| {
        let d = path(&e.points);
        let back = l.units[e.from].layer >= l.units[e.to].layer;
        html! { <path class={classes!("edge", back.then_some("back"))} d={d} /> }
    });
    let layout = p.layout.clone();
    let units = l.units.iter().enumerate().map(|(i, u)| {
        let (x, y) = (u.x + PAD, u.y + PAD);
        let id = u.id.clone();
        let sel = p.on_select.clone();
        let (id2, sel2, tog, layout) = (u.id.clone(), p.on_select.clone(), p.on_toggle.clone(), layout.clone());
        let scope = u.scope;
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            match key.as_str() {
                "Enter" | " " => {
                    e.prevent_default();
                    sel2.emit(id2.clone());
                }
                "o" | "O" if scope => tog.emit(id2.clone()),
                _ => {
                    if let Some(j) = dataflow::neighbour(&layout, i, &key) {
                        e.prevent_default();
                        let svg = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|t| t.closest("svg").ok().flatten());
                        if let Some(svg) = svg {
                            focus_unit(&svg, j);
                        }
                    }
                }
            }
        });
        let kind = if u.scope { format!("scope, {} nodes", u.nodes) } else { format!("{} node", u.label) };
        let mut flags = Vec::new();
        if u.public {
            flags.push("public".to_string());
        }
        if u.unpriced > 0 {
            flags.push(format!("{} unpriced", u.unpriced));
        }
        let tip = format!(
            "{} ({kind}): {}{}",
            u.id,
            share_text(u, p.metric),
            if flags.is_empty() { String::new() } else { format!("; {}", flags.join(", ")) }
        );
        let heat = if fr.is_some() { format!("--p:{:.0}%", 6.0 + 84.0 * u.heat) } else { "--p:0%".into() };
        html! {
            <g key={u.id.clone()} class={classes!("unit", if u.scope { "scope" } else { "node" }, u.public.then_some("public"), (u.unpriced > 0).then_some("unpriced"), (focus_i == Some(i)).then_some("selected"))}
                data-i={i.to_string()} data-id={u.id.clone()} data-share={u.share.to_string()}
                tabindex={if i == tab_i { "0" } else { "-1" }} role="button"
                onclick={move |_| sel.emit(id.clone())} {onkeydown}>
                // The title names the box (the drawn text may be cut, so it is no aria-label).
                <title>{tip}</title>
                <rect class="box" x={format!("{x:.1}")} y={format!("{y:.1}")} width={BOX_W.to_string()} height={BOX_H.to_string()} rx={if u.scope { "8" } else { "3" }} style={heat} />
                if let Some(name) = one_line(u) {
                    <text class="l1" x={format!("{:.1}", x + 6.0)} y={format!("{:.1}", y + BOX_H / 2.0 + 4.0)}>{cut(name, 19)}</text>
                } else {
                    <text class="l1" x={format!("{:.1}", x + 6.0)} y={format!("{:.1}", y + 15.0)}>{cut(&u.label, 19)}{if u.scope { " ▸" } else { "" }}</text>
                    <text class="l2" x={format!("{:.1}", x + 6.0)} y={format!("{:.1}", y + 30.0)}>{cut(&u.sub, 22)}</text>
                }
                if u.unpriced > 0 { <text class="badge" x={format!("{:.1}", x + BOX_W - 6.0)} y={format!("{:.1}", y + 15.0)} text-anchor="end">{"!"}</text> }
            </g>
        }
    });
    let (w, h) = (l.width + 2.0 * PAD, l.height + 2.0 * PAD);
    let metric_name = match p.metric {
        Metric::Bytes => "bytes",
        Metric::Rounds => "rounds",
    };
    let title = format!(
        "Dataflow graph of {}: {} boxes; shade = share of {}'s {metric_name}{}",
        p.report.model.file,
        l.units.len(),
        fr.map_or("no framework", |f| f.title.as_str()),
        if p.log { " (log scale)" } else { "" }
    );
    let on_metric = p.on_metric.clone();
    let metric_pick = Callback::from(move |e: Event| {
        let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
        on_metric.emit(if v == "rounds" { Metric::Rounds } else { Metric::Bytes });
    });
    let on_framework = p.on_framework.clone();
    let framework_pick = Callback::from(move |e: Event| {
        on_framework.emit(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value());
    });
    let fw_options = p.report.frameworks.iter().map(|f| {
        html! { <option value={f.framework.clone()} selected={fr.is_some_and(|x| x.framework == f.framework)}>{f.title.clone()}</option> }
    });
    let (zin, zout, zfit, zone) = (zoom_centre.clone(), zoom_centre.clone(), fit.clone(), zoom_centre.clone());
    let (on_log, log) = (p.on_log.clone(), p.log);
    let (r1, r2) = (p.on_reset.clone(), p.on_reset.clone());
    html! {
        <div class="graph-view">
            <div class="row graph-controls">
                <label>{"Framework "}<select id="graph-framework" onchange={framework_pick}>{ for fw_options }</select></label>
                <label>{"Shade by "}<select id="graph-metric" onchange={metric_pick}>
                    <option value="bytes" selected={p.metric == Metric::Bytes}>{"bytes"}</option>
                    <option value="rounds" selected={p.metric == Metric::Rounds}>{"rounds"}</option>
                </select></label>
                <label class="log-toggle"><input type="checkbox" id="graph-log" checked={log} onchange={move |_| on_log.emit(!log)} />{" log scale"}</label>
                <button id="graph-collapse" onclick={move |_| r1.emit(true)}>{"Close every scope"}</button>
                <button id="graph-default" onclick={move |_| r2.emit(false)}>{"Default view"}</button>
                { legend(l, p.log) }
                <span class="graph-zoom" role="group" aria-label="Zoom">
                    <button id="graph-zoom-out" aria-label="Zoom out" onclick={move |_| zout(z / ZOOM_STEP)}>{"−"}</button>
                    <output id="graph-zoom" aria-live="polite" data-fit={p.zoom.is_none().to_string()}>{format!("{:.0} %", 100.0 * z)}</output>
                    <button id="graph-zoom-in" aria-label="Zoom in" onclick={move |_| zin(z * ZOOM_STEP)}>{"+"}</button>
                    <button id="graph-zoom-fit" onclick={move |_| zfit()}>{"Fit width"}</button>
                    <button id="graph-zoom-100" onclick={move |_| zone(1.0)}>{"100 %"}</button>
                </span>
            </div>
            <details class="small graph-hint"><summary>{"How to read and move the graph"}</summary>
            <p id="graph-hint">{"Rounded boxes (▸) are scopes: select one and open it from the panel (or press O). Arrow keys move between boxes, Enter selects; + and − zoom, 0 fits the width (never above 100 %); Ctrl + wheel or a pinch zooms at the pointer, and on a touch screen one finger moves the drawing. Dashed: public (computed in the clear, free); “!”: nodes this framework cannot price."}</p></details>
            <div class="graph-wrap">
                <div class="graph-canvas" role="region" aria-label="Dataflow graph (scrollable, zoomable)" tabindex="-1" ref={canvas}
                    onkeydown={on_zoom_key}>
                    <svg id="graph" class="chart graph" xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {w:.0} {h:.0}")} width={format!("{:.0}", w * z)} height={format!("{:.0}", h * z)} role="group" aria-label={title} data-zoom={z.to_string()}>
                        <g class="edges" aria-hidden="true">{ for edges }</g>
                        { for units }
                    </svg>
                </div>
                { panel(p, fr, focus_i.map(|i| &l.units[i])) }
            </div>
        </div>
    }
}

/// An SVG path through `pts`: vertical curves between consecutive points.
fn path(pts: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (k, (x, y)) in pts.iter().enumerate() {
        let (x, y) = (x + PAD, y + PAD);
        if k == 0 {
            d.push_str(&format!("M{x:.1},{y:.1}"));
        } else {
            let (px, py) = (pts[k - 1].0 + PAD, pts[k - 1].1 + PAD);
            let my = (py + y) / 2.0;
            d.push_str(&format!(" C{px:.1},{my:.1} {x:.1},{my:.1} {x:.1},{y:.1}"));
        }
    }
    d
}

fn legend(l: &Layout, log: bool) -> Html {
    if l.legend.is_empty() {
        return html! {};
    }
    let stops = l.legend.iter().map(|(t, share)| {
        html! { <span class="stop" style={format!("--p:{:.0}%", 6.0 + 84.0 * t)}>{format!("{}{}", if log && *t == 0.0 { "≤ " } else { "" }, pct(*share))}</span> }
    });
    html! { <div class="graph-legend" id="graph-legend" aria-label="Colour legend: share of the total">{"share of total: "}{ for stops }</div> }
}

fn pct(x: f64) -> String {
    if x == 0.0 {
        "0 %".into()
    } else if x < 0.001 {
        format!("{:.3} %", 100.0 * x)
    } else if x < 0.1 {
        format!("{:.1} %", 100.0 * x)
    } else {
        format!("{:.0} %", 100.0 * x)
    }
}

fn tensor_row(t: &Tensor) -> Html {
    let origin = match t.origin {
        Origin::Input => "input",
        Origin::Weight => "weight",
        Origin::Constant => "public",
        Origin::Activation => "activation",
    };
    html! { <tr><td class="name">{t.name.clone()}</td><td>{fmt::shape(&t.shape)}</td><td>{t.dtype.clone()}</td><td>{origin}</td></tr> }
}

fn attr_text(a: &Attr) -> String {
    match a {
        Attr::Int(v) => v.to_string(),
        Attr::Float(v) => v.to_string(),
        Attr::Ints(v) => format!("[{}]", v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")),
        Attr::Floats(v) => format!("[{}]", v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")),
        Attr::Str(s) => s.clone(),
    }
}

/// The side panel: the selected box's details.
fn panel(p: &Props, fr: Option<&FrameworkReport>, u: Option<&Unit>) -> Html {
    let Some(u) = u else {
        return html! { <aside class="graph-panel" id="graph-panel" aria-label="Selected box"><p>{"Select a box (click, or Enter) to see its shapes, attributes and cost steps."}</p></aside> };
    };
    let fw_title = fr.map_or(String::new(), |f| f.title.clone());
    let cost = html! {
        <p id="graph-cost">{format!("{}: {} in {} rounds ({:.1} % of the {}).", fw_title, fmt::bytes(u.bytes), fmt::int(u.rounds), 100.0 * u.share,
            match p.metric { Metric::Bytes => "bytes", Metric::Rounds => "rounds" })}</p>
    };
    let flags = html! { <>
        if u.public { <p class="note">{"Public: every value here is computed in the clear (shapes, masks, constants), so it costs nothing."}</p> }
        if u.unpriced > 0 { <p class="approx">{format!("{} node(s) here cannot be priced by {fw_title}: the totals leave them out.", u.unpriced)}</p> }
    </> };
    if u.scope {
        let (tog, id) = (p.on_toggle.clone(), u.id.clone());
        return html! {
            <aside class="graph-panel" id="graph-panel" aria-label="Selected box">
                <h3>{format!("Scope {}", u.id)}</h3>
                <p>{format!("{} nodes.", u.nodes)}</p>
                { cost }{ flags }
                <button id="graph-open" onclick={move |_| tog.emit(id.clone())}>{"Open this scope"}</button>
            </aside>
        };
    }
    let Some(n) = p.graph.nodes.get(u.first) else { return html! {} };
    let rows: Vec<&mpclens::report::NodeCost> =
        fr.map(|f| f.nodes.iter().filter(|c| c.node == n.name).collect()).unwrap_or_default();
    let steps = rows.iter().flat_map(|c| {
        c.steps.iter().map(move |s| html! { <tr><td>{c.phase.as_str()}</td><td>{s.name.clone()}</td><td class="num">{fmt::int(s.count)}</td><td>{s.detail.clone()}</td><td class="num">{fmt::bytes(s.cost.bytes)}</td><td class="num">{fmt::int(s.cost.rounds)}</td></tr> })
    });
    let approx = rows
        .iter()
        .filter_map(|c| c.approximate.clone())
        .map(|a| html! { <p class="approx">{format!("Approximate: {a}")}</p> });
    let in_scope = (!n.scope.is_empty()).then(|| {
        let (s, tog) = (n.scope.join("/"), p.on_toggle.clone());
        let close = s.clone();
        html! { <p class="small">{"In scope "}<code>{s}</code>{" "}
        <button id="graph-close" onclick={move |_| tog.emit(close.clone())}>{"Close this scope"}</button></p> }
    });
    let attrs =
        n.attrs.iter().map(|(k, v)| html! { <tr><td>{k.clone()}</td><td class="name">{attr_text(v)}</td></tr> });
    html! {
        <aside class="graph-panel" id="graph-panel" aria-label="Selected box">
            <h3>{format!("{} ({})", n.name, n.op)}</h3>
            { for in_scope }
            { cost }{ flags }{ for approx }
            <h4>{"Inputs"}</h4>
            <table class="data" id="graph-inputs"><thead><tr><th>{"tensor"}</th><th>{"shape"}</th><th>{"type"}</th><th>{"kind"}</th></tr></thead><tbody>{ for n.inputs.iter().map(tensor_row) }</tbody></table>
            <h4>{"Outputs"}</h4>
            <table class="data" id="graph-outputs"><thead><tr><th>{"tensor"}</th><th>{"shape"}</th><th>{"type"}</th><th>{"kind"}</th></tr></thead><tbody>{ for n.outputs.iter().map(tensor_row) }</tbody></table>
            if !n.attrs.is_empty() {
                <h4>{"Attributes"}</h4>
                <table class="data" id="graph-attrs"><tbody>{ for attrs }</tbody></table>
            }
            if !rows.is_empty() {
                <h4>{"Cost steps"}</h4>
                <table class="data" id="graph-steps"><thead><tr><th>{"phase"}</th><th>{"protocol step"}</th><th>{"count"}</th><th>{"formula / detail"}</th><th>{"bytes"}</th><th>{"rounds"}</th></tr></thead><tbody>{ for steps }</tbody></table>
            }
            <h4>{"Learn"}</h4>
            <p id="graph-learn">{crate::learn::explain(&n.op)}</p>
            if let Some(f) = fr { <p class="small">{format!("One round in {}: {}.", f.title, f.round_definition)}</p> }
        </aside>
    }
}
