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
    /// (prompt tokens, new tokens) as typed: the store parses and asks the worker.
    pub on_run: Callback<(String, String)>,
}

/// Points as an SVG polyline path on linear axes: x over `xs` (the data's range), y from 0.
fn path(points: &[(f64, f64)], xs: (f64, f64), ymax: f64, (w, h, l, b, t): (f64, f64, f64, f64, f64)) -> String {
    let px = |x: f64| l + (x - xs.0) / (xs.1 - xs.0).max(1.0) * (w - l - 8.0);
    let py = |y: f64| t + (1.0 - y / ymax.max(1.0)) * (h - t - b);
    let d: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, px(*x), py(*y)))
        .collect();
    d.join(" ")
}

/// Six colours; frameworks past the sixth reuse them dashed, so no two lines look alike.
fn series_class(i: usize) -> String {
    format!("s{}{}", i % 6, if i >= 6 { " dashed" } else { "" })
}

/// One line chart: a series per framework, `pick` chooses (x, y) from each point.
fn chart(
    id: &str,
    title: &str,
    xlabel: &str,
    g: &Generation,
    pick: fn(&generation::GenerationPoint) -> (u64, u64),
) -> Html {
    let geo = (560.0, 220.0, 70.0, 36.0, 24.0);
    let (w, h, l, b, t) = geo;
    let all: Vec<(u64, u64)> = g.frameworks.iter().flat_map(|f| f.series.iter().map(pick)).collect();
    // The x axis spans the data (the per-pass chart starts at the prompt length, not 0).
    let xs = (all.iter().map(|p| p.0).min().unwrap_or(0) as f64, all.iter().map(|p| p.0).max().unwrap_or(1) as f64);
    let ymax = all.iter().map(|p| p.1).max().unwrap_or(1) as f64;
    let lines = g.frameworks.iter().enumerate().map(|(i, f)| {
        let pts: Vec<(f64, f64)> = f.series.iter().map(pick).map(|(x, y)| (x as f64, y as f64)).collect();
        html! { <g class={series_class(i)} data-fw={f.framework.clone()}><path d={path(&pts, xs, ymax, geo)} fill="none" stroke-width="2"><title>{f.title.clone()}</title></path></g> }
    });
    html! {
        <svg id={id.to_string()} class="chart" xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {w} {h}")}
            width={w.to_string()} height={h.to_string()} role="img" aria-label={title.to_string()}>
            <text class="title" x="4" y="16">{title.to_string()}</text>
            <line class="axisline" x1={l.to_string()} y1={(h - b).to_string()} x2={(w - 8.0).to_string()} y2={(h - b).to_string()} />
            <line class="axisline" x1={l.to_string()} y1={t.to_string()} x2={l.to_string()} y2={(h - b).to_string()} />
            <text class="axis" x={(l - 6.0).to_string()} y={format!("{:.0}", t + 4.0)} text-anchor="end">{fmt::bytes(ymax as u64)}</text>
            <text class="axis" x={(l - 6.0).to_string()} y={format!("{:.0}", h - b)} text-anchor="end">{"0"}</text>
            <text class="axis x-min" x={l.to_string()} y={format!("{:.0}", h - b + 16.0)} text-anchor="start">{xs.0.to_string()}</text>
            <text class="axis x-max" x={(w - 8.0).to_string()} y={format!("{:.0}", h - b + 16.0)} text-anchor="end">{xs.1.to_string()}</text>
            <text class="axis" x={format!("{:.0}", (l + w) / 2.0)} y={format!("{:.0}", h - 6.0)} text-anchor="middle">{xlabel.to_string()}</text>
            { for lines }
        </svg>
    }
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
    let prompt = use_state(|| generation::DEFAULT_PROMPT.to_string());
    let tokens = use_state(|| "8".to_string());
    let run = {
        let (prompt, tokens, on_run) = (prompt.clone(), tokens.clone(), p.on_run.clone());
        Callback::from(move |_: MouseEvent| on_run.emit(((*prompt).clone(), (*tokens).clone())))
    };
    let input = |state: &UseStateHandle<String>| {
        let s = state.clone();
        Callback::from(move |e: InputEvent| s.set(e.target_unchecked_into::<HtmlInputElement>().value()))
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
            html! { <>
                <p class="small" id="generation-method">{g.method.clone()}</p>
                <table class="grid" id="generation-table"><thead><tr><th>{"framework"}</th><th>{"prefill"}</th>
                    <th>{"first decode step"}</th><th>{"last decode step"}</th><th>{"total bytes"}</th><th>{"rounds"}</th></tr></thead>
                    <tbody>{ for rows }</tbody></table>
                { legend(g) }
                { chart("generation-per-pass", "Bytes per pass against the sequence length", "tokens in the sequence", g, |p| (p.sequence, p.bytes)) }
                { chart("generation-cumulative", "Total bytes against generated tokens", "generated tokens", g, |p| (p.tokens, p.cumulative_bytes)) }
            </> }
        }
    };
    html! {
        <section id="generation" aria-labelledby="generation-title">
            <h2 id="generation-title">{"LLM generation: prefill and decode"}</h2>
            <p class="small" id="generation-axes">{axes_note(&p.axes)}</p>
            <label>{"prompt tokens "}<input id="prompt-len" type="number" min="1" value={(*prompt).clone()} oninput={input(&prompt)} /></label>
            {" "}<label>{"new tokens "}<input id="gen-tokens" type="number" min="1" value={(*tokens).clone()} oninput={input(&tokens)} /></label>
            {" "}<button id="generation-run" onclick={run} disabled={p.busy}>{if p.busy { "Pricing …" } else { "Price generation" }}</button>
            { body }
        </section>
    }
}
