//! Every framework side by side: bytes (online/offline), rounds, estimated time.

use crate::app::{App, Msg};
use crate::charts::{self, Bar};
use crate::fmt;
use mpclens::network::{self, Network};
use yew::prelude::*;

pub fn empty_state() -> Html {
    html! {
        <div class="empty" id="no-frameworks">
            <h3>{"No cost model in this build yet"}</h3>
            <p>{"The model loaded and its graph is shown under “Model & nodes”. This build registers no MPC framework cost model, so there are no costs to show; frameworks appear here as soon as they are registered."}</p>
        </div>
    }
}

pub fn view(app: &App, ctx: &Context<App>) -> Html {
    let Some(r) = &app.report else { return html! {} };
    if r.frameworks.is_empty() {
        return empty_state();
    }
    let custom = Network::custom(app.st.bandwidth_mbps, app.st.rtt_ms);
    let mut nets = network::presets();
    nets.push(custom.clone());
    let net_heads = nets.iter().map(|n| html! { <th title={n.source.clone()}>{format!("time: {}", n.name)}</th> });
    let bars: Vec<Bar> = r
        .frameworks
        .iter()
        .map(|f| Bar {
            label: f.title.clone(),
            segments: vec![(f.total.online as f64, "online", "online"), (f.total.offline as f64, "offline", "offline")],
            text: fmt::bytes(f.total.bytes),
        })
        .collect();
    let rows = r.frameworks.iter().map(|f| {
        let t = &f.total;
        let (fw, fw2) = (f.framework.clone(), f.framework.clone());
        let sel = app.st.framework.as_deref() == Some(f.framework.as_str());
        html! {
            <tr class={classes!("clickable", sel.then_some("selected"))} tabindex={if sel { "0" } else { "-1" }}
                onclick={ctx.link().callback(move |_| Msg::SetFramework(fw.clone()))}
                onkeydown={ctx.link().batch_callback(move |e: KeyboardEvent| (e.key() == "Enter").then(|| Msg::SetFramework(fw2.clone())))}>
                <th scope="row" title={f.counting.clone()}>{f.title.clone()}</th>
                <td class="num total-bytes" data-bytes={t.bytes.to_string()}>{fmt::bytes(t.bytes)}</td>
                <td class="num">{fmt::bytes(t.online)}</td>
                <td class="num">{fmt::bytes(t.offline)}</td>
                <td class="num total-rounds">{fmt::int(t.rounds)}</td>
                { for nets.iter().map(|n| html! { <td class="num">{fmt::seconds(n.seconds(t))}</td> }) }
                <td>{f.round_definition.clone()}</td>
                <td class={classes!("coverage", f.coverage.partial.then_some("partial"))}>{f.coverage.summary()}</td>
            </tr>
        }
    });
    let phases = if r.mode == mpclens::Mode::Training {
        let rows = r.frameworks.iter().map(|f| {
            let cells = f.phases.iter().map(|p| html! { <td class="num">{format!("{} / {} rounds", fmt::bytes(p.cost.bytes), fmt::int(p.cost.rounds))}</td> });
            html! { <tr><th scope="row">{f.title.clone()}</th>{ for cells }</tr> }
        });
        html! {
            <><h3>{"Training step by phase"}</h3>
            <table class="data" id="phases"><thead><tr><th>{"framework"}</th><th>{"forward"}</th><th>{"loss"}</th><th>{"backward"}</th><th>{"update"}</th></tr></thead><tbody>{ for rows }</tbody></table></>
        }
    } else {
        html! {}
    };
    let warnings = r.frameworks.iter().flat_map(|f| {
        let unsup = (!f.unsupported.is_empty()).then(|| {
            format!(
                "{}: {} node(s) not priced ({})",
                f.title,
                f.unsupported.len(),
                f.unsupported
                    .iter()
                    .map(|p| p.op.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        f.warnings.iter().map(move |w| format!("{}: {w}", f.title)).chain(unsup)
    });
    let sweep = if app.sweep.is_empty() {
        html! { <button id="sweep" onclick={ctx.link().callback(|_| Msg::Sweep)}>{"Compute the batch sweep (1–64)"}</button> }
    } else {
        let xs: Vec<u64> = app.sweep.iter().map(|s| s.0).collect();
        let series: Vec<(String, Vec<f64>)> = r
            .frameworks
            .iter()
            .map(|f| {
                (
                    f.framework.clone(),
                    app.sweep
                        .iter()
                        .map(|(_, v)| v.iter().find(|x| x.0 == f.framework).map(|x| x.1 as f64).unwrap_or(0.0))
                        .collect(),
                )
            })
            .collect();
        charts::lines(
            "chart-sweep",
            "Total bytes vs batch size",
            &xs,
            &series,
            &|v| fmt::bytes(v as u64),
            app.chart_opts().width,
        )
    };
    html! {
        <div class="overview">
            { crate::layers::log_toggle(app, ctx) }
            { charts::hbars("chart-overview", "Total communication per framework (online + offline)", &bars, app.chart_opts(), fmt::bytes_f) }
            { side_charts(app) }
            <p class="formula" id="formula">{"Estimated time = 8 × bytes / bandwidth + rounds × RTT (communication only; computation and overlap ignored, so a lower bound). "}
                {format!("Custom: {}.", custom.formula())}</p>
            <ul class="small" id="net-sources">{ for network::presets().iter().map(|n| html! { <li>{format!("{}: {}", n.name, n.source)}</li> }) }</ul>
            if let Some(m) = &app.fastest { <crate::network_map::NetworkMap map={m.clone()} report={r.clone()} width={app.chart_opts().width} /> }
            <table class="data wide" id="overview">
                <thead><tr><th>{"framework"}</th><th>{"bytes"}</th><th>{"online"}</th><th>{"offline"}</th><th>{"rounds"}</th>{ for net_heads }<th>{"one round is"}</th><th>{"what the total covers"}</th></tr></thead>
                <tbody onkeydown={Callback::from(crate::roving::rows)}>{ for rows }</tbody>
            </table>
            { phases }
            <ul class="warnings">{ for warnings.map(|w| html!{ <li>{w}</li> }) }</ul>
            { crate::whatif::view(app, ctx) }
            <h3>{"Batch sweep"}</h3>
            { sweep }
        </div>
    }
}

/// Rounds and time on the chosen network, beside the bytes (times from the core's summary).
fn side_charts(app: &App) -> Html {
    let Some(s) = app.report.as_ref().and_then(|r| r.summary.as_ref()) else { return html! {} };
    let rounds: Vec<Bar> = s
        .frameworks
        .iter()
        .map(|f| Bar {
            label: f.title.clone(),
            segments: vec![(f.rounds as f64, "rounds", "rounds")],
            text: fmt::int(f.rounds),
        })
        .collect();
    let time: Vec<Bar> = s
        .frameworks
        .iter()
        .map(|f| Bar {
            label: f.title.clone(),
            segments: vec![(f.seconds, "time", "time")],
            text: fmt::seconds(f.seconds),
        })
        .collect();
    let mut o = app.chart_opts();
    // Two side by side when there is room.
    if o.width >= 900.0 {
        o.width = (o.width - 24.0) / 2.0;
    }
    html! {
        <div class="chart-pair">
            { charts::hbars("chart-rounds", "Communication rounds per framework", &rounds, o, fmt::int_f) }
            { charts::hbars("chart-time", &format!("Estimated time at {} Mbit/s, {} RTT", app.st.bandwidth_mbps, fmt::seconds(app.st.rtt_ms / 1e3)), &time, o, fmt::seconds_f) }
        </div>
    }
}
