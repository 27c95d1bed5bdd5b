//! What-if: the core's substitutions (`mpclens::whatif`) applied to the loaded
//! graph and re-priced by the same cost models (in the worker), with the
//! substituted ONNX file offered as a download (written in the worker).

use crate::app::{App, Msg};
use crate::fmt;
pub use mpclens::whatif::WhatIf;
use mpclens::whatif::SUBSTITUTIONS;
use yew::prelude::*;

pub use crate::jobs::Deltas;

/// The change column. When the substitution changes how many nodes a framework
/// cannot price, the two totals cover different work: the byte change is shown
/// but marked as not like for like, never as a plain saving.
fn change_text(b0: u64, b1: u64, u0: usize, u1: usize) -> String {
    if u0 == u1 {
        delta_text(b0, b1)
    } else {
        format!("{} — not like for like: unpriced nodes {u0} → {u1}", delta_text(b0, b1))
    }
}

fn delta_text(b0: u64, b1: u64) -> String {
    let delta = b1 as i128 - b0 as i128;
    let pct = if b0 > 0 { format!("{:+.1}%", delta as f64 * 100.0 / b0 as f64) } else { "–".into() };
    format!("{}{} ({pct})", if delta < 0 { "−" } else { "+" }, fmt::bytes(delta.unsigned_abs() as u64))
}

pub fn view(app: &App, ctx: &Context<App>) -> Html {
    let link = ctx.link();
    let w = app.whatif;
    let table = match &app.whatif_result {
        None => html! { <p class="small">{"Tick a substitution to re-price the model with it."}</p> },
        Some((d, changed)) => {
            let rows = d.iter().map(|(t, b0, b1, r0, r1, u0, u1)| {
                html! { <tr><th scope="row">{t.clone()}</th><td class="num">{fmt::bytes(*b0)}</td><td class="num">{fmt::bytes(*b1)}</td>
                    <td class={classes!("num", "whatif-delta", (u0 != u1).then_some("coverage-changed"))} data-delta={(*b1 as i128 - *b0 as i128).to_string()}>{change_text(*b0, *b1, *u0, *u1)}</td>
                    <td class="num">{format!("{} → {}", fmt::int(*r0), fmt::int(*r1))}</td>
                    <td class="num" title="Nodes this framework cannot run: not priced, so a change here changes what the totals cover">{if (u0, u1) == (&0, &0) { "–".to_string() } else { format!("{u0} → {u1}") }}</td></tr> }
            });
            html! { <>
                <p class="small" id="whatif-changed">{format!("{changed} site(s) substituted.")}</p>
                <table class="data" id="whatif"><thead><tr><th>{"framework"}</th><th>{"bytes before"}</th><th>{"after"}</th><th>{"change"}</th><th>{"rounds"}</th><th>{"unsupported"}</th></tr></thead><tbody>{ for rows }</tbody></table>
                <button id="whatif-download" onclick={link.callback(|_| Msg::WhatIfDownload)}>{"Download the substituted ONNX"}</button>
            </> }
        }
    };
    let boxes = SUBSTITUTIONS.iter().map(|(key, label)| {
        let on = w.has(key);
        let key: &'static str = key;
        html! {
            <label><input type="checkbox" id={format!("whatif-{key}")} checked={on}
                onchange={link.callback(move |_| Msg::WhatIf(w.with(key, !on).unwrap_or(w)))} />{format!(" {label}")}</label>
        }
    });
    html! {
        <section class="whatif" aria-label="What-if substitutions">
            <h3>{"What if…"}</h3>
            <p class="small">{"Substitutions used to design MPC-friendly models (CryptoNets, Delphi, MPCFormer). The two GELU and the two Softmax variants exclude each other."}</p>
            <div class="whatif-options">{ for boxes }</div>
            { table }
        </section>
    }
}
