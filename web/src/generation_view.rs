//! LLM generation: the prefill and per-token decode of a decoder model, with a chart of cost per
//! pass against the sequence length and of the running total against generated tokens. The core
//! ([`mpclens::generation`]) prices every pass and computes the series; this view only asks and draws.

use crate::fmt;
use mpclens::generation::{self, DecoderAxes, Generation};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The decoder's axes (the core found a token input with a symbolic sequence).
    pub axes: Rc<DecoderAxes>,
    /// The last generation priced, or why not.
    pub result: Option<Rc<Result<Generation, String>>>,
    /// Pricing is under way (in the worker).
    pub busy: bool,
    /// The form as typed (the store keeps it): prompt tokens, new tokens.
    pub prompt: String,
    pub tokens: String,
    /// The charts' y axis: log or linear (None: log when the values span more than two
    /// orders of magnitude).
    pub log: Option<bool>,
    /// The charts' width in CSS pixels.
    pub width: f64,
    /// A field typed into: (`true` for the prompt, text).
    pub on_input: Callback<(bool, String)>,
    pub on_log: Callback<bool>,
    /// The store parses the form and asks the worker.
    pub on_run: Callback<()>,
}

/// Average glyph width of the 13 px chart font (as in `charts`).
const CH: f64 = 7.4;

/// A y axis: linear from 0, or log10 over whole decades; its ticks (values).
struct YAxis {
    log: bool,
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl YAxis {
    fn new(ys: &[f64], log: bool) -> YAxis {
        let max = ys.iter().copied().fold(0.0, f64::max);
        if log {
            let min = ys.iter().copied().filter(|y| *y > 0.0).fold(f64::INFINITY, f64::min);
            let (lo, hi) = if min.is_finite() { (min.log10().floor(), max.log10().ceil()) } else { (0.0, 1.0) };
            let hi = hi.max(lo + 1.0);
            let decades = (hi - lo) as usize;
            let step = decades.div_ceil(6).max(1);
            let ticks = (0..=decades).step_by(step).map(|d| 10f64.powf(lo + d as f64)).collect();
            YAxis { log, lo, hi, ticks }
        } else {
            // About four steps of 1, 2 or 5 × 10^k.
            let raw = (max / 4.0).max(1.0);
            let p = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * p).find(|s| *s >= raw).unwrap_or(10.0 * p);
            let hi = (max / step).ceil().max(1.0) * step;
            let ticks = (0..=((hi / step).round() as usize)).map(|i| i as f64 * step).collect();
            YAxis { log, lo: 0.0, hi, ticks }
        }
    }
    /// 0 at the bottom, 1 at the top (a zero on a log axis sits at the bottom).
    fn frac(&self, y: f64) -> f64 {
        if self.log {
            if y <= 0.0 {
                0.0
            } else {
                ((y.log10() - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
            }
        } else {
            (y / self.hi).clamp(0.0, 1.0)
        }
    }
}

/// Six colours; frameworks past the sixth reuse them dashed, so no two lines look alike.
fn series_class(i: usize) -> String {
    format!("s{}{}", i % 6, if i >= 6 { " dashed" } else { "" })
}

/// One line chart: a series per framework, `pick` chooses (x, y) from each point. The y labels'
/// column and the title's lines are sized to their text, so no label is cut.
fn chart(
    id: &str,
    title: &str,
    xlabel: &str,
    g: &Generation,
    pick: fn(&generation::GenerationPoint) -> (u64, u64),
    log: bool,
    width: f64,
) -> Html {
    let all: Vec<(u64, u64)> = g.frameworks.iter().flat_map(|f| f.series.iter().map(pick)).collect();
    let ys: Vec<f64> = all.iter().map(|p| p.1 as f64).collect();
    let y = YAxis::new(&ys, log);
    let labels: Vec<String> = y.ticks.iter().map(|v| fmt::bytes(*v as u64)).collect();
    // As wide as the container (drawn at 1:1, so the text stays 13 px), a little taller when wide.
    let w = width.max(280.0);
    let l = labels.iter().map(|s| s.chars().count()).max().unwrap_or(4) as f64 * CH + 14.0;
    let r = 14.0;
    let full_title = if log { format!("{title} (log scale)") } else { title.to_string() };
    let title_lines = crate::charts::wrap(&full_title, ((w - 8.0) / (CH + 0.6)) as usize);
    let t = 16.0 * title_lines.len() as f64 + 12.0;
    let (b, plot_h) = (40.0, (w * 0.25).clamp(170.0, 280.0));
    let h = t + plot_h + b;
    // The x axis spans the data (the per-pass chart starts at the prompt length, not 0).
    let xs = (all.iter().map(|p| p.0).min().unwrap_or(0) as f64, all.iter().map(|p| p.0).max().unwrap_or(1) as f64);
    let px = |x: f64| l + (x - xs.0) / (xs.1 - xs.0).max(1.0) * (w - l - r);
    let py = |v: f64| t + (1.0 - y.frac(v)) * plot_h;
    let lines = g.frameworks.iter().enumerate().map(|(i, f)| {
        let d: Vec<String> = f
            .series
            .iter()
            .map(pick)
            .enumerate()
            .map(|(k, (x, v))| format!("{}{:.1},{:.1}", if k == 0 { "M" } else { "L" }, px(x as f64), py(v as f64)))
            .collect();
        html! { <g class={series_class(i)} data-fw={f.framework.clone()}><path d={d.join(" ")} fill="none" stroke-width="2"><title>{f.title.clone()}</title></path></g> }
    });
    let ticks = y.ticks.iter().zip(&labels).map(|(v, s)| {
        let ty = py(*v);
        html! { <g class="y-tick">
            <line class="grid" x1={format!("{l:.1}")} x2={format!("{:.1}", w - r)} y1={format!("{ty:.1}")} y2={format!("{ty:.1}")} />
            <text class="axis" x={format!("{:.1}", l - 6.0)} y={format!("{:.1}", ty + 4.0)} text-anchor="end">{s.clone()}</text>
        </g> }
    });
    let title_text = title_lines
        .iter()
        .enumerate()
        .map(|(i, s)| html! { <tspan x="4" y={format!("{}", 16 + 16 * i)}>{s.clone()}</tspan> });
    html! {
        <svg id={id.to_string()} class={classes!("chart", log.then_some("log"))} xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {w:.0} {h:.0}")}
            width={format!("{w:.0}")} height={format!("{h:.0}")} role="img" aria-label={full_title.clone()}>
            <text class="title">{ for title_text }</text>
            { for ticks }
            <line class="axisline" x1={format!("{l:.1}")} y1={format!("{:.1}", t + plot_h)} x2={format!("{:.1}", w - r)} y2={format!("{:.1}", t + plot_h)} />
            <line class="axisline" x1={format!("{l:.1}")} y1={format!("{t:.1}")} x2={format!("{l:.1}")} y2={format!("{:.1}", t + plot_h)} />
            <text class="axis x-min" x={format!("{l:.1}")} y={format!("{:.0}", t + plot_h + 16.0)} text-anchor="start">{xs.0.to_string()}</text>
            <text class="axis x-max" x={format!("{:.1}", w - r)} y={format!("{:.0}", t + plot_h + 16.0)} text-anchor="end">{xs.1.to_string()}</text>
            <text class="axis" x={format!("{:.0}", (l + w - r) / 2.0)} y={format!("{:.0}", h - 6.0)} text-anchor="middle">{xlabel.to_string()}</text>
            { for lines }
        </svg>
    }
}

/// Log by default when the values span more than two orders of magnitude.
fn wide_span(g: &Generation) -> bool {
    mpclens::report::spans_two_orders(
        g.frameworks.iter().flat_map(|f| f.series.iter().flat_map(|p| [p.bytes, p.cumulative_bytes])),
    )
}

/// Which of the model's dims each pass sets.
fn axes_note(a: &DecoderAxes) -> String {
    let mut set = vec![format!("{} (tokens in the pass)", a.sequence)];
    set.extend(a.past.iter().map(|p| format!("{p} (KV-cache length)")));
    set.extend(a.total.iter().map(|t| format!("{t} (past + new tokens)")));
    format!("Each pass sets {} itself; the other dims and the batch are those above.", set.join(", "))
}

/// The frameworks' line styles, shared by both charts.
fn legend(g: &Generation) -> Html {
    let items = g.frameworks.iter().enumerate().map(|(i, f)| {
        html! { <li data-fw={f.framework.clone()}><svg class="swatch" width="22" height="10" aria-hidden="true"><g class={series_class(i)}><path d="M1,5 L21,5" stroke-width="3" /></g></svg>{f.title.clone()}</li> }
    });
    html! { <ul class="gen-legend" id="generation-legend" aria-label="Frameworks">{ for items }</ul> }
}

#[function_component(GenerationView)]
pub fn generation_view(p: &Props) -> Html {
    let run = p.on_run.reform(|_: MouseEvent| ());
    let input = |prompt: bool| {
        p.on_input.reform(move |e: InputEvent| (prompt, e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let body = match p.result.as_deref() {
        None => html! {},
        Some(Err(e)) => html! { <p class="error" role="alert" id="generation-error">{e.clone()}</p> },
        Some(Ok(g)) => {
            let rows = g.frameworks.iter().map(|f| {
                let flag = if f.partial {
                    " (partial)"
                } else if f.approximate {
                    " ≈"
                } else {
                    ""
                };
                html! { <tr><td>{f.title.clone()}</td><td class="num">{fmt::bytes(f.prefill.bytes)}</td>
                <td class="num">{f.steps.first().map(|c| fmt::bytes(c.bytes)).unwrap_or_default()}</td>
                <td class="num">{f.steps.last().map(|c| fmt::bytes(c.bytes)).unwrap_or_default()}</td>
                <td class="num">{format!("{}{flag}", fmt::bytes(f.total.bytes))}</td>
                <td class="num">{f.total.rounds.to_string()}</td></tr> }
            });
            let log = p.log.unwrap_or_else(|| wide_span(g));
            let on_log = p.on_log.reform(move |_: Event| !log);
            html! { <>
                <p class="small" id="generation-method">{g.method.clone()}</p>
                <table class="data" id="generation-table"><thead><tr><th>{"framework"}</th><th>{"prefill"}</th>
                    <th>{"first decode step"}</th><th>{"last decode step"}</th><th>{"total bytes"}</th><th>{"rounds"}</th></tr></thead>
                    <tbody>{ for rows }</tbody></table>
                { legend(g) }
                <label class="log-toggle"><input type="checkbox" id="generation-log" checked={log} onchange={on_log} />{" log scale (y axis)"}</label>
                { chart("generation-per-pass", "Bytes per pass against the sequence length", "tokens in the sequence", g, |p| (p.sequence, p.bytes), log, p.width) }
                { chart("generation-cumulative", "Total bytes against generated tokens", "generated tokens", g, |p| (p.tokens, p.cumulative_bytes), log, p.width) }
            </> }
        }
    };
    html! {
        <section id="generation" aria-labelledby="generation-title">
            <h2 id="generation-title">{"LLM generation: prefill and decode"}</h2>
            <p class="small" id="generation-axes">{axes_note(&p.axes)}</p>
            <label>{"prompt tokens "}<input id="prompt-len" type="number" min="1" value={p.prompt.clone()} oninput={input(true)} /></label>
            {" "}<label>{"new tokens "}<input id="gen-tokens" type="number" min="1" value={p.tokens.clone()} oninput={input(false)} /></label>
            {" "}<button id="generation-run" onclick={run} disabled={p.busy}>{if p.busy { "Pricing …" } else { "Price generation" }}</button>
            { body }
        </section>
    }
}
