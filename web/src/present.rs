//! Presentation mode: one chart per screen in large type, stepped with the
//! arrow keys through a guided walk — what secret sharing costs, this model's
//! dearest layers, the what-if that fixes them, and where each framework is
//! fastest. A component over props: it draws the core's summary.

use crate::charts::{self, Bar, Opts};
use crate::fmt;
use mpclens::crossover::FastestMap;
use mpclens::report::Report;
use mpclens::summary::FrameworkSummary;
use std::rc::Rc;
use yew::prelude::*;

/// Screens in the walk.
pub const STEPS: usize = 4;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Rc<Report>,
    pub map: Option<Rc<FastestMap>>,
    pub framework: Option<String>,
    /// The summary's what-if savings are still being priced.
    #[prop_or_default]
    pub pending: bool,
    /// 0-based screen.
    pub step: usize,
    /// Drawing width in CSS pixels (the SVG then scales to the screen).
    pub width: f64,
    pub on_step: Callback<usize>,
    pub on_exit: Callback<()>,
}

/// A layer named by its whole scope path (`/layer1/layer1.0/Relu_1`, as the file names it),
/// with its op when the name does not say it; a name that reads like an op kind (a root-level
/// `Relu`) says it is one layer, so no layer bar looks like an op-kind bar.
fn layer_label(name: &str, op: &str, kinds: &[&str]) -> String {
    let last = name.rsplit('/').next().unwrap_or(name);
    let label = if last.starts_with(op) { name.to_string() } else { format!("{name} ({op})") };
    if kinds.contains(&label.as_str()) {
        format!("{label} (one layer)")
    } else {
        label
    }
}

fn pct(x: f64) -> String {
    format!("{:.0} %", 100.0 * x)
}

#[function_component(Present)]
pub fn present(p: &Props) -> Html {
    let r = &p.report;
    let Some(s) = &r.summary else { return html! {} };
    let Some(cur): Option<&FrameworkSummary> =
        s.frameworks.iter().find(|f| Some(&f.framework) == p.framework.as_ref()).or(s.frameworks.first())
    else {
        return html! { <p>{"No framework prices this model."}</p> };
    };
    let o = Opts { width: p.width, log: false };
    let step = p.step.min(STEPS - 1);
    let (heading, lead, body) = match step {
        0 => {
            let bars: Vec<Bar> = s
                .frameworks
                .iter()
                .map(|f| Bar {
                    label: f.title.split(" (").next().unwrap_or(&f.title).to_string(),
                    segments: vec![(f.seconds, "time", "time")],
                    text: format!(
                        "{} · {} · {} rounds",
                        fmt::seconds(f.seconds),
                        fmt::bytes(f.bytes),
                        fmt::int(f.rounds)
                    ),
                })
                .collect();
            (
                "What secret sharing costs".to_string(),
                format!(
                    "Every product of two secret values is a message; every comparison is several rounds. For {} that adds up to this, on a {} Mbit/s link with {} RTT:",
                    r.model.file,
                    s.network.bits_per_second / 1e6,
                    fmt::seconds(s.network.rtt_seconds)
                ),
                charts::hbars("present-chart", "Time per framework (communication only)", &bars, Opts { log: true, ..o }, fmt::seconds_f),
            )
        }
        1 => {
            let kinds: Vec<&str> = cur.top_ops.iter().map(|x| x.name.as_str()).collect();
            let bars: Vec<Bar> = cur
                .top_ops
                .iter()
                .map(|x| Bar {
                    label: x.name.clone(),
                    segments: vec![(x.bytes as f64, "online", "op kind (all its nodes)")],
                    text: format!("{} ({})", pct(x.share), fmt::bytes(x.bytes)),
                })
                .chain(cur.top_layers.iter().map(|x| Bar {
                    // The node's whole scope path: three ReLUs of one block stay three bars.
                    label: layer_label(&x.name, &x.op, &kinds),
                    segments: vec![(x.bytes as f64, "offline", "one layer")],
                    text: format!("{} ({})", pct(x.share), fmt::bytes(x.bytes)),
                }))
                .collect();
            let top = cur
                .top_ops
                .first()
                .map_or(String::new(), |t| format!("{} alone is {} of the bytes.", t.name, pct(t.share)));
            (
                "This model's biggest layers".to_string(),
                format!("In {}, the dearest op kinds (blue) and layers (orange). {top}", cur.title),
                charts::hbars(
                    "present-chart",
                    &format!("Dearest op kinds and layers — {}", cur.title),
                    &bars,
                    o,
                    fmt::bytes_f,
                ),
            )
        }
        2 => {
            let best = cur.what_ifs.iter().find(|w| w.saved_bytes > 0 || w.saved_seconds > 0.0);
            match best {
                Some(w) => {
                    let before = cur.bytes as f64;
                    let bars = vec![
                        Bar {
                            label: "as designed".into(),
                            segments: vec![(before, "online", "bytes")],
                            text: fmt::bytes(cur.bytes),
                        },
                        Bar {
                            label: w.label.clone(),
                            segments: vec![(w.bytes_after as f64, "rounds", "bytes")],
                            text: fmt::bytes(w.bytes_after),
                        },
                    ];
                    (
                        "The what-if that fixes them".to_string(),
                        format!(
                            "{}: {} sites changed, {} fewer bytes ({:.0} %) and {} saved per inference on this network{}.",
                            w.label,
                            w.sites,
                            fmt::bytes(w.saved_bytes.unsigned_abs()),
                            100.0 * w.saved_share,
                            fmt::seconds(w.saved_seconds),
                            if w.like_for_like { "" } else { " — not like for like: unpriced nodes change" }
                        ),
                        charts::hbars("present-chart", &format!("{} before and after — {}", "Bytes", cur.title), &bars, o, fmt::bytes_f),
                    )
                }
                None if p.pending => {
                    ("The what-if that fixes them".to_string(), "Computing the what-if savings …".to_string(), html! {})
                }
                None => (
                    "The what-if that fixes them".to_string(),
                    "No substitution applies to this model or saves anything for this framework.".to_string(),
                    html! {},
                ),
            }
        }
        _ => (
            "Which framework, on which network".to_string(),
            "Few bytes win on fast links, few rounds on distant ones:".to_string(),
            match &p.map {
                Some(m) => {
                    html! { <crate::network_map::NetworkMap map={m.clone()} report={r.clone()} width={p.width} /> }
                }
                None => html! {},
            },
        ),
    };
    let (back, next, exit) = (p.on_step.clone(), p.on_step.clone(), p.on_exit.clone());
    html! {
        <section class="present" id="present" aria-label={format!("Screen {} of {STEPS}: {heading}", step + 1)}>
            <header class="present-head">
                <h1 id="present-model">{r.model.file.clone()}</h1>
                <span id="present-step">{format!("{} / {STEPS}", step + 1)}</span>
                <button id="present-prev" disabled={step == 0} onclick={move |_| back.emit(step.saturating_sub(1))} aria-label="Previous screen">{"←"}</button>
                <button id="present-next" disabled={step + 1 >= STEPS} onclick={move |_| next.emit(step + 1)} aria-label="Next screen">{"→"}</button>
                <button id="present-exit" onclick={move |_| exit.emit(())}>{"Exit (Esc)"}</button>
            </header>
            <h2 id="present-title">{heading}</h2>
            <p class="present-lead" id="present-lead">{lead}</p>
            <div class="present-body">{body}</div>
            <p class="small present-keys">{"← → or Page Up/Down step through; Esc leaves."}</p>
        </section>
    }
}
