//! Bandwidth × RTT: which framework is fastest where. Draws the core's
//! [`mpclens::crossover::FastestMap`] (a component over props; no arithmetic
//! beyond placing cells), with the network presets marked and a table as its
//! text equivalent.

use crate::fmt;
use mpclens::crossover::FastestMap;
use mpclens::report::Report;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub map: Rc<FastestMap>,
    pub report: Rc<Report>,
    /// Drawing width in CSS pixels.
    pub width: f64,
}

fn mbps_text(m: f64) -> String {
    if m >= 1000.0 {
        format!("{} Gbit/s", trim(m / 1000.0))
    } else {
        format!("{} Mbit/s", trim(m))
    }
}

fn ms_text(r: f64) -> String {
    format!("{} ms", trim(r))
}

fn trim(x: f64) -> String {
    let s = if x >= 10.0 { format!("{x:.0}") } else { format!("{x:.2}") };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[function_component(NetworkMap)]
pub fn network_map(p: &Props) -> Html {
    let m = &p.map;
    let Some(s) = &p.report.summary else { return html! {} };
    let title = |i: usize| s.frameworks.get(i).map_or(String::new(), |f| f.title.clone());
    let left_out = (!m.left_out.is_empty()).then(|| {
        html! { <p class="small" id="map-left-out">{"Not ranked (their totals leave nodes out): "}{m.left_out.iter().map(|(_, why)| why.clone()).collect::<Vec<_>>().join("; ")}</p> }
    });
    if m.cells.is_empty() {
        return html! { <section class="network-map" id="network-map"><h3>{"Where each framework is fastest"}</h3>
        <p>{"No framework prices every node of this model, so none can be ranked by time."}</p>{ for left_out }</section> };
    }
    let (cols, rows) = (m.mbps.len(), m.rtt_ms.len());
    // Room on the right for the last bandwidth label, above for the RTT axis title.
    let (left, top, bottom, right) = (64.0, 22.0, 40.0, 44.0);
    let cell = ((p.width.min(760.0) - left - right) / cols as f64).clamp(10.0, 30.0);
    let (w, h) = (left + cell * cols as f64 + right, top + cell * rows as f64 + bottom);
    // Columns left to right by bandwidth; rows bottom to top by RTT.
    let x = |c: f64| left + c * cell;
    let y = |r: f64| top + (rows as f64 - 1.0 - r) * cell;
    let col_of = |mbps: f64| (mbps / m.mbps[0]).log10() * mpclens::crossover::STEPS_PER_DECADE as f64;
    let row_of = |ms: f64| (ms / m.rtt_ms[0]).log10() * mpclens::crossover::STEPS_PER_DECADE as f64;
    let rects = m.cells.iter().enumerate().flat_map(|(r, row)| {
        row.iter().enumerate().map(move |(c, cl)| {
            let tip = format!(
                "{}, RTT {}: {} fastest ({}{})",
                mbps_text(m.mbps[c]),
                ms_text(m.rtt_ms[r]),
                title(cl.fastest),
                fmt::seconds(cl.seconds),
                cl.lead.map_or(String::new(), |l| format!("; the next is {l:.2}× slower"))
            );
            html! { <rect class={format!("fw{}", cl.fastest % 8)} data-fw={s.frameworks[cl.fastest].framework.clone()}
                x={format!("{:.1}", x(c as f64))} y={format!("{:.1}", y(r as f64))} width={format!("{:.1}", cell)} height={format!("{:.1}", cell)}><title>{tip}</title></rect> }
        })
    });
    let decade = mpclens::crossover::STEPS_PER_DECADE;
    let xticks = m.mbps.iter().enumerate().filter(|(i, _)| i % decade == 0).map(|(i, v)| {
        html! { <text class="axis" x={format!("{:.1}", x(i as f64 + 0.5))} y={format!("{:.1}", top + cell * rows as f64 + 14.0)} text-anchor="middle">{mbps_text(*v)}</text> }
    });
    let yticks = m.rtt_ms.iter().enumerate().filter(|(i, _)| i % decade == 0).map(|(i, v)| {
        html! { <text class="axis" x={format!("{:.1}", left - 4.0)} y={format!("{:.1}", y(i as f64) + cell / 2.0 + 4.0)} text-anchor="end">{ms_text(*v)}</text> }
    });
    let marks = m.points.iter().enumerate().map(|(k, pt)| {
        let (cx, cy) = (x(col_of(pt.mbps) + 0.5), y(row_of(pt.rtt_ms)) + cell / 2.0);
        let inside = cx >= left && cx <= x(cols as f64) && cy >= top && cy <= top + cell * rows as f64;
        let last = k + 1 == m.points.len();
        if !inside {
            return html! {};
        }
        html! { <g class={classes!("mark", last.then_some("current"))}><circle cx={format!("{cx:.1}")} cy={format!("{cy:.1}")} r={if last { "7" } else { "5" }} />
            <text x={format!("{:.1}", cx + 8.0)} y={format!("{:.1}", cy + 4.0)}>{(k + 1).to_string()}</text></g> }
    });
    let winners: std::collections::BTreeSet<usize> = m.cells.iter().flatten().map(|c| c.fastest).collect();
    let legend = winners
        .iter()
        .map(|&i| html! { <li><span class={format!("swatch fw{}", i % 8)} aria-hidden="true"></span>{title(i)}</li> });
    let table = m.points.iter().enumerate().map(|(k, pt)| {
        let last = k + 1 == m.points.len();
        html! { <tr><td class="num">{(k + 1).to_string()}</td><th scope="row">{if last { format!("{} (the summary's network)", pt.name) } else { pt.name.clone() }}</th>
            <td class="num">{mbps_text(pt.mbps)}</td><td class="num">{ms_text(pt.rtt_ms)}</td>
            <td class="fastest">{pt.fastest.map_or("–".into(), title)}</td><td class="num">{fmt::seconds(pt.seconds)}</td></tr> }
    });
    let aria = format!(
        "Map of the fastest framework over bandwidth ({} to {}) and round-trip time ({} to {}); the table below lists it at each preset.",
        mbps_text(m.mbps[0]),
        mbps_text(m.mbps[cols - 1]),
        ms_text(m.rtt_ms[0]),
        ms_text(m.rtt_ms[rows - 1])
    );
    html! {
        <section class="network-map" id="network-map">
            <h3>{"Where each framework is fastest"}</h3>
            <p class="small">{"Time = 8 × bytes / bandwidth + rounds × RTT for each framework's total; each cell shows the fastest. Few bytes win on slow links, few rounds on distant ones. Numbered dots: the network presets."}</p>
            <div class="map-row">
                <svg id="chart-network-map" class="chart map" xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {w:.0} {h:.0}")} width={format!("{w:.0}")} height={format!("{h:.0}")} role="img" aria-label={aria}>
                    { for rects }
                    { for xticks }{ for yticks }
                    <text class="axis" x={format!("{:.1}", left + cell * cols as f64 / 2.0)} y={format!("{:.1}", h - 6.0)} text-anchor="middle">{"bandwidth (log scale) →"}</text>
                    <text class="axis" x="4" y="12">{"RTT ↑"}</text>
                    { for marks }
                </svg>
                <ul class="map-legend" id="map-legend">{ for legend }</ul>
            </div>
            <table class="data" id="map-presets"><thead><tr><th>{"#"}</th><th>{"network"}</th><th>{"bandwidth"}</th><th>{"RTT"}</th><th>{"fastest"}</th><th>{"its time"}</th></tr></thead><tbody>{ for table }</tbody></table>
            { for left_out }
        </section>
    }
}
