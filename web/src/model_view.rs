//! The model: inputs with shapes, notes, unsupported ops, and every node.

use crate::app::{App, Msg};
use crate::fmt;
use mpclens::report::Report;
use std::rc::Rc;
use yew::prelude::*;

/// Rows drawn at once: a large model's table fills in over a few frames, so drawing it never
/// holds the page for long (BERT-base has some 700 nodes).
const ROWS_FIRST: usize = 120;
const ROWS_STEP: usize = 240;

#[derive(Properties, PartialEq)]
pub struct NodeTableProps {
    pub report: Rc<Report>,
    pub query: String,
}

/// Every node (or those the search matches), drawn in batches of [`ROWS_STEP`] one frame
/// apart; `data-complete` says when all are there.
#[function_component(NodeTable)]
pub fn node_table(p: &NodeTableProps) -> Html {
    let limit = use_state(|| ROWS_FIRST);
    let q = &p.query;
    let matching: Vec<&mpclens::report::NodeRow> =
        p.report.nodes.iter().filter(|n| matches(q, &n.name, &n.op)).collect();
    let total = matching.len();
    {
        let limit = limit.clone();
        use_effect_with((*limit, total), move |(at, total)| {
            let more = (*at < *total).then(|| {
                let next = *at + ROWS_STEP;
                gloo::timers::callback::Timeout::new(0, move || limit.set(next))
            });
            move || drop(more)
        });
    }
    let rows = matching.iter().take(*limit).map(|n| {
        html! {
            <tr>
                <td class="name">{n.name.clone()}</td>
                <td>{n.op.clone()}</td>
                <td>{if n.scope.is_empty() { "(root)".to_string() } else { n.scope.join(" › ") }}</td>
                <td class="shape">{fmt::shapes(&n.inputs)}</td>
                <td class="shape">{fmt::shapes(&n.outputs)}</td>
                <td class="num">{fmt::int(n.elements)}</td>
            </tr>
        }
    });
    html! {
        <table id="nodes" class="data" data-complete={(*limit >= total).to_string()}>
            <thead><tr><th>{"name"}</th><th>{"op"}</th><th>{"scope"}</th><th>{"input shapes"}</th><th>{"output shapes"}</th><th>{"elements"}</th></tr></thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}

pub fn search_box(app: &App, ctx: &Context<App>, what: &str) -> Html {
    html! {
        <label class="search">{format!("Search {what} ")}
            <input type="search" id="search" placeholder="name or op type (Ctrl+F)" value={app.st.search.clone()}
                oninput={ctx.link().callback(|e: InputEvent| Msg::SetSearch(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))} />
        </label>
    }
}

pub fn matches(q: &str, name: &str, op: &str) -> bool {
    let q = q.trim().to_ascii_lowercase();
    q.is_empty()
        || name.to_ascii_lowercase().contains(&q)
        || op.to_ascii_lowercase() == q
        || op.to_ascii_lowercase().contains(&q)
}

pub fn view(app: &App, ctx: &Context<App>) -> Html {
    let Some(r) = &app.report else { return html! {} };
    let m = &r.model;
    let inputs = m.inputs.iter().map(|t| html! { <li><code>{t.name.clone()}</code>{": "}{fmt::shape(&t.shape)}{" "}<span class="dtype">{t.dtype.clone()}</span></li> });
    let outputs =
        m.outputs.iter().map(|t| html! { <li><code>{t.name.clone()}</code>{": "}{fmt::shape(&t.shape)}</li> });
    let notes = m.notes.iter().map(|n| html! { <li>{n.clone()}</li> });
    let unsupported = if r.unsupported.is_empty() {
        html! { <p id="unsupported-none">{"Every node was understood and has shapes."}</p> }
    } else {
        let rows = r
            .unsupported
            .iter()
            .map(|p| html! { <tr><td>{p.node.clone()}</td><td>{p.op.clone()}</td><td>{p.reason.clone()}</td></tr> });
        html! { <table id="unsupported"><thead><tr><th>{"node"}</th><th>{"op"}</th><th>{"reason"}</th></tr></thead><tbody>{ for rows }</tbody></table> }
    };
    let q = app.st.search.clone();
    let shown = r.nodes.iter().filter(|n| matches(&q, &n.name, &n.op)).count();
    html! {
        <div class="model">
            <h2 id="model-title">{format!("{} — {} nodes, opset {}, {} parameters", m.file, m.node_count, m.opset, fmt::int(m.parameters))}</h2>
            if let Some((short, t)) = timing(app) {
                <details class="small timing"><summary id="timing-summary">{short}</summary><p id="timing">{t}</p></details>
            }
            <div class="cols">
                <div><h3>{"Inputs"}</h3><ul id="inputs">{ for inputs }</ul></div>
                <div><h3>{"Outputs"}</h3><ul id="outputs">{ for outputs }</ul></div>
            </div>
            if !m.notes.is_empty() { <h3>{"Notes"}</h3><ul class="notes">{ for notes }</ul> }
            <h3>{"Unsupported ops"}</h3>
            { unsupported }
            <h3>{format!("Nodes ({shown} of {})", r.nodes.len())}</h3>
            { search_box(app, ctx, "nodes") }
            <div class="scroll" tabindex="0" role="region" aria-label="Node table (scrolls)">
            <NodeTable key={app.report_no.to_string()} report={r.clone()} query={q} />
            </div>
        </div>
    }
}

/// "Loaded in 1.10 s (read 0.50 s, parse + profile 0.60 s …)".
/// The load's timing: a short line ("Loaded in …") and the figures behind it.
fn timing(app: &App) -> Option<(String, String)> {
    let get = |k: &str| app.timing.iter().find(|(n, _)| n == k).map(|x| x.1);
    let (s, r, p) = (get("start")?, get("read")?, get("profiled")?);
    let file = app.source.as_ref().map_or(0, |s| s.file.as_ref().map_or(s.bytes.len(), |f| f.size() as usize));
    Some((
        format!("Loaded in {}: timing and memory", fmt::seconds((p - s) / 1e3)),
        format!(
            "Loaded in {} (read {}, parse and profile {}; in the worker: parse {}, price {}, node rows {}){}. Memory for the analysis: {} in the worker, {} in the page, for a {} file.",
            fmt::seconds((p - s) / 1e3),
            fmt::seconds((r - s) / 1e3),
            fmt::seconds((p - r) / 1e3),
            fmt::seconds(app.worker_ms.0 / 1e3),
            fmt::seconds(app.worker_ms.1 / 1e3),
            fmt::seconds(app.worker_ms.2 / 1e3),
            get("summary").map_or(String::new(), |w| format!(
                "; the what-if savings {} later ({} in the worker)",
                fmt::seconds((w - p) / 1e3),
                fmt::seconds(app.worker_ms.3 / 1e3)
            )),
            fmt::bytes(app.worker_memory),
            fmt::bytes(wasm_memory_bytes()),
            fmt::bytes(file as u64)
        ) + &app.read_note.as_ref().map(|n| format!(" {n}")).unwrap_or_default(),
    ))
}

/// Size of this module's linear memory: it only grows, so it is the peak.
pub fn wasm_memory_bytes() -> u64 {
    #[cfg(target_arch = "wasm32")]
    return core::arch::wasm32::memory_size::<0>() as u64 * 65536;
    #[cfg(not(target_arch = "wasm32"))]
    0
}
