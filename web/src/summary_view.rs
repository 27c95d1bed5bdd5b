//! The first thing shown after a load: the model, each framework's cost, where
//! the cost sits and the what-ifs that save most. A component over props: it
//! draws the core's [`mpclens::summary::Summary`] and computes nothing.

use crate::fmt;
use crate::roving;
use mpclens::report::Report;
use mpclens::summary::FrameworkSummary;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Rc<Report>,
    /// The framework the detail lines describe.
    pub framework: Option<String>,
    /// The what-if savings are still being priced (the rest of the summary is final).
    #[prop_or_default]
    pub pending: bool,
    pub on_select: Callback<String>,
}

fn pct(x: f64) -> String {
    format!("{:.0} %", 100.0 * x)
}

fn what_if_text(w: &mpclens::summary::Saving) -> String {
    let sign = if w.saved_bytes >= 0 { "−" } else { "+" };
    format!(
        "{}: {sign}{} ({sign}{:.1} %), {} on this network{}",
        w.label,
        fmt::bytes(w.saved_bytes.unsigned_abs()),
        100.0 * w.saved_share.abs(),
        if w.saved_seconds >= 0.0 {
            format!("−{}", fmt::seconds(w.saved_seconds))
        } else {
            format!("+{}", fmt::seconds(-w.saved_seconds))
        },
        if w.like_for_like { "" } else { " — not like for like (unpriced nodes change)" }
    )
}

#[function_component(SummaryView)]
pub fn summary_view(p: &Props) -> Html {
    let r = &p.report;
    let Some(s) = &r.summary else { return html! {} };
    if s.frameworks.is_empty() {
        return html! {};
    }
    let cur: &FrameworkSummary =
        s.frameworks.iter().find(|f| Some(&f.framework) == p.framework.as_ref()).unwrap_or(&s.frameworks[0]);
    let rows = s.frameworks.iter().map(|f| {
        let sel = f.framework == cur.framework;
        let (a, b) = (f.framework.clone(), f.framework.clone());
        let on_click = p.on_select.reform(move |_: MouseEvent| a.clone());
        let on_select = p.on_select.clone();
        let on_key = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_select.emit(b.clone());
            }
        });
        html! {
            <tr class={classes!("clickable", sel.then_some("selected"))} data-fw={f.framework.clone()}
                tabindex={if sel { "0" } else { "-1" }} aria-current={sel.then_some("true")} onclick={on_click} onkeydown={on_key}>
                <th scope="row" class="sum-fw" title={f.title.clone()}>{short_title(&f.title)}</th>
                <td class="num sum-bytes" data-v={f.bytes.to_string()}>{fmt::bytes(f.bytes)}</td>
                <td class="num sum-rounds" data-v={f.rounds.to_string()}>{fmt::int(f.rounds)}</td>
                <td class="num sum-seconds" data-v={f.seconds.to_string()}>{fmt::seconds(f.seconds)}</td>
                <td class={classes!("sum-coverage", f.partial.then_some("partial"))} title={f.coverage.clone()}>
                    {if f.partial { "partial" } else { "complete" }}</td>
            </tr>
        }
    });
    let ops = cur.top_ops.iter().map(|o| {
        html! { <li class="sum-op" data-op={o.name.clone()} data-bytes={o.bytes.to_string()}>
            <b>{o.name.clone()}</b>{format!(" {} ", pct(o.share))}<span class="small">{format!("({} nodes, {})", o.nodes, fmt::bytes(o.bytes))}</span></li> }
    });
    let layers = cur.top_layers.iter().map(|l| {
        html! { <li class="sum-layer" data-node={l.name.clone()} data-bytes={l.bytes.to_string()}>
            <span class="name">{l.name.clone()}</span>{format!(" {} ", pct(l.share))}<span class="small">{format!("({})", l.op)}</span></li> }
    });
    let best: Vec<_> = cur.what_ifs.iter().filter(|w| w.saved_bytes > 0 || w.saved_seconds > 0.0).take(2).collect();
    let what_ifs = best.iter().map(|w| {
        html! { <li class="sum-whatif" data-key={w.key.clone()} data-saved={w.saved_bytes.to_string()}>{what_if_text(w)}</li> }
    });
    html! {
        <section class="summary" id="summary" aria-labelledby="summary-title" data-complete={(!p.pending).to_string()}>
            <h2 id="summary-title"><span id="summary-model">{r.model.file.clone()}</span>
                <span class="small" id="summary-setup">{format!(" {} · batch {} · time at {} · {}", r.mode.as_str(), r.batch, net_text(&s.network), r.tool)}</span></h2>
            <div class="summary-grid">
                <table class="data summary-table" id="summary-table" aria-label="Cost per framework">
                    <thead><tr><th scope="col">{"framework"}</th><th scope="col">{"bytes"}</th><th scope="col">{"rounds"}</th><th scope="col">{"time"}</th><th scope="col">{"covers"}</th></tr></thead>
                    <tbody onkeydown={Callback::from(roving::rows)}>{ for rows }</tbody>
                </table>
                <div class="summary-detail" id="summary-detail">
                    <h3>{format!("Where {}'s cost is", cur.title)}</h3>
                    <ul class="inline" id="summary-ops" aria-label="Dearest op kinds">{ for ops }</ul>
                    <ul class="inline small" id="summary-layers" aria-label="Dearest layers">{ for layers }</ul>
                    <h3>{"What would save most"}</h3>
                    if p.pending {
                        <p class="small" id="summary-whatif-pending" role="status">{"Computing the what-if savings …"}</p>
                    } else if best.is_empty() {
                        <p class="small" id="summary-no-whatif">{"No substitution applies to this model or saves anything."}</p>
                    } else {
                        <ul id="summary-whatifs">{ for what_ifs }</ul>
                    }
                </div>
            </div>
        </section>
    }
}

fn net_text(n: &mpclens::network::Network) -> String {
    format!("{} Mbit/s, {} RTT", n.bits_per_second / 1e6, fmt::seconds(n.rtt_seconds))
}

/// A framework's title without its parenthesised source ("CryptFlow2 (EzPC SCI f24bf3e)" →
/// "CryptFlow2"), so the summary's rows stay one line high; the full title is the tooltip.
fn short_title(title: &str) -> String {
    title.split(" (").next().unwrap_or(title).to_string()
}
