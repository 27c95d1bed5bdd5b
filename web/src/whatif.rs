//! What-if: substitutions that make a model MPC-friendlier, applied to the
//! loaded graph in the page and re-priced by the same cost models.

use crate::app::{App, Msg};
use crate::fmt;
use mpclens::Graph;
use yew::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct WhatIf {
    /// ReLU(x) → x·x (the square activation of CryptoNets/Delphi-style models).
    pub relu_square: bool,
    /// MaxPool → AveragePool with the same window (no comparisons).
    pub maxpool_avg: bool,
}

impl WhatIf {
    pub fn any(&self) -> bool {
        self.relu_square || self.maxpool_avg
    }
}

/// The graph with the substitutions applied; shapes are unchanged by both.
pub fn apply(g: &Graph, w: WhatIf) -> (Graph, usize) {
    let mut g = g.clone();
    let mut changed = 0;
    for n in &mut g.nodes {
        if w.relu_square && n.op == "Relu" && !n.inputs.is_empty() {
            n.op = "Mul".into();
            let x = n.inputs[0].clone();
            n.inputs = vec![x.clone(), x];
            changed += 1;
        } else if w.maxpool_avg && n.op == "MaxPool" {
            n.op = "AveragePool".into();
            n.attrs.remove("dilations");
            n.attrs.remove("storage_order");
            n.outputs.truncate(1);
            changed += 1;
        }
    }
    (g, changed)
}

/// Per framework: (title, bytes before, bytes after, rounds before, rounds after).
pub type Deltas = Vec<(String, u64, u64, u64, u64)>;

pub fn compute(app: &App) -> Option<(Deltas, usize)> {
    let (g, r) = (app.graph.as_ref()?, app.report.as_ref()?);
    if !app.whatif.any() {
        return None;
    }
    let (g2, changed) = apply(g, app.whatif);
    let r2 = mpclens::profile(&g2, &app.request()).ok()?;
    let d = r
        .frameworks
        .iter()
        .map(|f| {
            let after = r2.frameworks.iter().find(|x| x.framework == f.framework);
            (f.title.clone(), f.total.bytes, after.map_or(0, |a| a.total.bytes), f.total.rounds, after.map_or(0, |a| a.total.rounds))
        })
        .collect();
    Some((d, changed))
}

pub fn view(app: &App, ctx: &Context<App>) -> Html {
    let link = ctx.link();
    let w = app.whatif;
    let table = match &app.whatif_result {
        None => html! { <p class="small">{"Tick a substitution to re-price the model with it."}</p> },
        Some((d, changed)) => {
            let rows = d.iter().map(|(t, b0, b1, r0, r1)| {
                let delta = *b1 as i128 - *b0 as i128;
                html! { <tr><th scope="row">{t.clone()}</th><td class="num">{fmt::bytes(*b0)}</td><td class="num">{fmt::bytes(*b1)}</td>
                    <td class="num whatif-delta" data-delta={delta.to_string()}>{format!("{}{} ({})", if delta < 0 { "−" } else { "+" }, fmt::bytes(delta.unsigned_abs() as u64), if *b0 > 0 { format!("{:+.1}%", delta as f64 * 100.0 / *b0 as f64) } else { "–".into() })}</td>
                    <td class="num">{format!("{} → {}", fmt::int(*r0), fmt::int(*r1))}</td></tr> }
            });
            html! { <>
                <p class="small" id="whatif-changed">{format!("{changed} node(s) substituted.")}</p>
                <table class="data" id="whatif"><thead><tr><th>{"framework"}</th><th>{"bytes before"}</th><th>{"after"}</th><th>{"change"}</th><th>{"rounds"}</th></tr></thead><tbody>{ for rows }</tbody></table>
            </> }
        }
    };
    html! {
        <section class="whatif" aria-label="What-if substitutions">
            <h3>{"What if…"}</h3>
            <label><input type="checkbox" id="whatif-relu" checked={w.relu_square} onchange={link.callback(move |_| Msg::WhatIf(WhatIf { relu_square: !w.relu_square, ..w }))} />{" ReLU → x² (square)"}</label>
            {" "}
            <label><input type="checkbox" id="whatif-maxpool" checked={w.maxpool_avg} onchange={link.callback(move |_| Msg::WhatIf(WhatIf { maxpool_avg: !w.maxpool_avg, ..w }))} />{" MaxPool → AvgPool"}</label>
            { table }
        </section>
    }
}
