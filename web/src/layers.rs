//! Per-layer table, top layers, scope roll-up and icicle; per-op-type; compare; learn.

use crate::app::{App, Msg};
use crate::charts::{self, Bar, Cell};
use crate::fmt;
use crate::model_view::{matches, search_box};
use crate::overview::empty_state;
use mpclens::report::{FrameworkReport, NodeCost};
use mpclens::settings::Allowed;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use yew::prelude::*;

/// A node's input and output shapes.
type Io<'a> = (&'a Vec<Option<Vec<u64>>>, &'a Vec<Option<Vec<u64>>>);

pub fn current(app: &App) -> Option<&FrameworkReport> {
    let r = app.report.as_ref()?;
    let f = app.st.framework.as_deref();
    r.frameworks.iter().find(|x| Some(x.framework.as_str()) == f).or(r.frameworks.first())
}

fn picker(app: &App, ctx: &Context<App>, id: &str, label: &str, value: Option<&str>, compare: bool) -> Html {
    let Some(r) = &app.report else { return html! {} };
    let cb = ctx.link().callback(move |e: Event| {
        let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
        if compare {
            Msg::SetCompare(v)
        } else {
            Msg::SetFramework(v)
        }
    });
    // For B: A's framework with one setting changed (`fw@key=value`).
    let alternatives = match (compare, current(app)) {
        (true, Some(a)) => setting_alternatives(app, &a.framework),
        _ => Vec::new(),
    };
    html! {
        <label>{format!("{label} ")}
            <select id={id.to_string()} onchange={cb}>
                <optgroup label="Frameworks">
                    { for r.frameworks.iter().map(|f| html!{ <option value={f.framework.clone()} selected={Some(f.framework.as_str()) == value}>{f.title.clone()}</option> }) }
                </optgroup>
                if !alternatives.is_empty() {
                    <optgroup label="A with one setting changed">
                        { for alternatives.iter().map(|(v, text)| html!{ <option value={v.clone()} selected={Some(v.as_str()) == value}>{text.clone()}</option> }) }
                    </optgroup>
                }
            </select>
        </label>
    }
}

/// (`fw@key=value`, label) for every other value of each of `fw`'s settings
/// (integer settings: their bounds and default).
fn setting_alternatives(app: &App, fw: &str) -> Vec<(String, String)> {
    let Some(model) = mpclens::frameworks::by_name(fw) else { return Vec::new() };
    let mut out = Vec::new();
    for spec in model.settings() {
        let cur = app.st.settings.get(fw).and_then(|m| m.get(spec.key)).map(String::as_str).unwrap_or(spec.default);
        let values: Vec<String> = match &spec.allowed {
            Allowed::OneOf(words) => words.iter().map(|w| w.to_string()).collect(),
            Allowed::Bool => vec!["true".into(), "false".into()],
            Allowed::Int { min, max } => {
                let mut v = vec![min.to_string(), spec.default.to_string(), max.to_string()];
                v.dedup();
                v
            }
        };
        for v in values.into_iter().filter(|v| v != cur) {
            out.push((format!("{fw}@{}={v}", spec.key), format!("{} = {v}", spec.key)));
        }
    }
    out
}

fn phase_tag(n: &NodeCost) -> String {
    n.phase.as_str().to_string()
}

/// Shown for the moment between a report's first drawing and its node rows being read.
fn rows_coming() -> Html {
    html! { <p class="small" role="status" id="rows-coming">{"Reading the per-layer rows …"}</p> }
}

pub fn view(app: &App, ctx: &Context<App>) -> Html {
    let Some(r) = &app.report else { return html! {} };
    let Some(f) = current(app) else { return empty_state() };
    if app.rows_pending() {
        return rows_coming();
    }
    let link = ctx.link();
    let shapes: HashMap<&str, Io> = r.nodes.iter().map(|n| (n.name.as_str(), (&n.inputs, &n.outputs))).collect();
    let total = f.total.bytes;
    let mut rows: Vec<&NodeCost> = f.nodes.iter().filter(|n| matches(&app.st.search, &n.node, &n.op)).collect();
    let (col, desc) = app.sort;
    rows.sort_by(|a, b| {
        let o = match col {
            "name" => a.node.cmp(&b.node),
            "op" => a.op.cmp(&b.op),
            "rounds" => a.cost.rounds.cmp(&b.cost.rounds),
            "online" => a.cost.online.cmp(&b.cost.online),
            "offline" => a.cost.offline.cmp(&b.cost.offline),
            _ => a.cost.bytes.cmp(&b.cost.bytes),
        };
        if desc {
            o.reverse()
        } else {
            o
        }
    });
    let head = |c: &'static str, label: &str| {
        let mark = if col == c {
            if desc {
                " ▼"
            } else {
                " ▲"
            }
        } else {
            ""
        };
        let sort = if col == c {
            if desc {
                "descending"
            } else {
                "ascending"
            }
        } else {
            "none"
        };
        html! { <th aria-sort={sort}><button class="sort" id={format!("sort-{c}")} onclick={link.callback(move |_| Msg::Sort(c))}>{format!("{label}{mark}")}</button></th> }
    };
    let body = rows.iter().map(|n| {
        let (ins, outs) = shapes.get(n.node.as_str()).map(|(i, o)| (fmt::shapes(i), fmt::shapes(o))).unwrap_or_default();
        let name = n.node.clone();
        let sel = app.st.selected.as_deref() == Some(n.node.as_str());
        let first = rows.first().is_some_and(|f| f.node == n.node) && !rows.iter().any(|x| app.st.selected.as_deref() == Some(x.node.as_str()));
        html! {
            <tr class={classes!("clickable", sel.then_some("selected"))} tabindex={if sel || first { "0" } else { "-1" }}
                onclick={link.callback(move |_| Msg::Select(name.clone()))}
                onkeydown={{ let name = n.node.clone(); link.batch_callback(move |e: KeyboardEvent| (e.key() == "Enter").then(|| Msg::Select(name.clone()))) }}>
                <td class="name">{n.node.clone()}{n.approximate.as_ref().map(|a| html!{ <span class="approx" title={a.clone()}>{" ≈"}</span> })}</td>
                <td>{n.scope.join(" › ")}</td><td>{n.op.clone()}</td>
                if r.mode == mpclens::Mode::Training { <td>{phase_tag(n)}</td> }
                <td class="shape">{ins}</td><td class="shape">{outs}</td>
                <td class="num">{fmt::bytes(n.cost.bytes)}</td><td class="num">{fmt::int(n.cost.rounds)}</td>
                <td class="num">{fmt::percent(n.cost.bytes, total)}</td>
                <td class="num">{fmt::bytes(n.cost.online)}</td><td class="num">{fmt::bytes(n.cost.offline)}</td>
            </tr>
        }
    });
    // Top layers.
    let mut top: Vec<&NodeCost> = f.nodes.iter().collect();
    top.sort_by_key(|n| std::cmp::Reverse(n.cost.bytes));
    let bars: Vec<Bar> = top
        .iter()
        .take(15)
        .map(|n| Bar {
            label: n.node.clone(),
            segments: vec![(n.cost.online as f64, "online", "online"), (n.cost.offline as f64, "offline", "offline")],
            text: fmt::bytes(n.cost.bytes),
        })
        .collect();
    // Roll-up by scope.
    let depth = app.st.depth;
    let mut groups: BTreeMap<String, (u64, u64, usize)> = BTreeMap::new();
    for n in &f.nodes {
        let k = if n.scope.is_empty() {
            "(root)".to_string()
        } else {
            n.scope.iter().take(depth.max(1)).cloned().collect::<Vec<_>>().join("/")
        };
        let e = groups.entry(k).or_default();
        e.0 += n.cost.bytes;
        e.1 += n.cost.rounds;
        e.2 += 1;
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.1 .0));
    let group_rows = groups.iter().map(|(k, (b, rd, c))| html! { <tr><td>{k.clone()}</td><td class="num">{c}</td><td class="num">{fmt::bytes(*b)}</td><td class="num">{fmt::int(*rd)}</td><td class="num">{fmt::percent(*b, total)}</td></tr> });
    let max_depth = f.nodes.iter().map(|n| n.scope.len()).max().unwrap_or(0).max(1);
    let on_depth = link.callback(|e: Event| {
        Msg::SetDepth(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value().parse().unwrap_or(1))
    });
    html! {
        <div class="layers">
            <div class="row">{ picker(app, ctx, "framework", "Framework", Some(f.framework.as_str()), false) }{ search_box(app, ctx, "layers") }</div>
            <div class="scroll">
            <table class="data wide" id="layers">
                <thead><tr>{head("name", "name")}<th>{"scope"}</th>{head("op", "op")}
                    if r.mode == mpclens::Mode::Training { <th>{"phase"}</th> }
                    <th>{"inputs"}</th><th>{"outputs"}</th>{head("bytes", "bytes")}{head("rounds", "rounds")}<th>{"% of total"}</th>{head("online", "online")}{head("offline", "offline")}</tr></thead>
                <tbody onkeydown={Callback::from(crate::roving::rows)}>{ for body }</tbody>
                <tfoot><tr><th>{"total"}</th><td></td><td></td>if r.mode == mpclens::Mode::Training { <td></td> }<td></td><td></td>
                    <td class="num" id="layers-total">{fmt::bytes(f.total.bytes)}</td><td class="num">{fmt::int(f.total.rounds)}</td><td class="num">{"100%"}</td>
                    <td class="num">{fmt::bytes(f.total.online)}</td><td class="num">{fmt::bytes(f.total.offline)}</td></tr></tfoot>
            </table>
            </div>
            { charts::hbars("chart-top", &format!("Top layers by bytes — {}", f.title), &bars, app.chart_opts(), fmt::bytes_f) }
            <h3>{"Roll-up by scope"}</h3>
            <label>{"Depth "}<select id="depth" onchange={on_depth}>{ for (1..=max_depth).map(|d| html!{ <option value={d.to_string()} selected={d == depth}>{d}</option> }) }</select></label>
            <table class="data" id="rollup"><thead><tr><th>{"scope"}</th><th>{"nodes"}</th><th>{"bytes"}</th><th>{"rounds"}</th><th>{"%"}</th></tr></thead><tbody>{ for group_rows }</tbody></table>
            { icicle(app, ctx, f) }
        </div>
    }
}

fn icicle(app: &App, ctx: &Context<App>, f: &FrameworkReport) -> Html {
    let total = f.total.bytes.max(1) as f64;
    // Nodes in file order keep scopes contiguous; each level merges equal prefixes.
    let mut cells: Vec<Cell> = Vec::new();
    let max_d = f.nodes.iter().map(|n| n.scope.len()).max().unwrap_or(0);
    for d in 0..=max_d {
        let mut start = 0.0;
        for n in &f.nodes {
            let w = n.cost.bytes as f64 / total;
            let label = if d < n.scope.len() {
                n.scope[..=d].join("/")
            } else if d == n.scope.len() {
                format!("{}/{}", n.scope.join("/"), n.node.rsplit('/').next().unwrap_or(&n.node))
            } else {
                String::new()
            };
            if !label.is_empty() {
                match cells.last_mut() {
                    Some(c) if c.depth == d && c.label == label && (c.start + c.width - start).abs() < 1e-12 => {
                        c.width += w
                    }
                    _ => cells.push(Cell { depth: d, start, width: w, label, text: String::new(), share: 0.0 }),
                }
            }
            start += w;
        }
    }
    for c in &mut cells {
        c.text = fmt::bytes((c.width * total) as u64);
        c.share = c.width;
    }
    let zoom = app.st.flame.clone();
    let reset = (zoom.is_some() || app.flame_scale > 1.0).then(|| {
        let link = ctx.link().clone();
        Callback::from(move |_: MouseEvent| {
            link.send_message(Msg::FlameZoom(None));
            link.send_message(Msg::FlameScale(1.0));
        })
    });
    let controls = html! {
        <p class="small">{"Flame view: click a block (or Enter) to zoom into it, Escape or the button to zoom out; ←/→ move between blocks. A pinch (or Ctrl + wheel) magnifies it sideways; one finger moves it."}
            if let Some(z) = &zoom { {" Zoomed into "}<code id="flame-zoom">{z.clone()}</code> }
            if let Some(r) = reset { {" "}<button id="flame-reset" onclick={r}>{"Show all"}</button> }</p>
    };
    html! { <div class="flame-box">
        <crate::flame_view::FlameView cells={Rc::new(cells)}
            title={format!("Scope tree (flame view): width ∝ bytes, colour ∝ share — {}", f.title)}
            {zoom} scale={app.flame_scale} width={app.chart_opts().width}
            on_zoom={ctx.link().callback(Msg::FlameZoom)} on_scale={ctx.link().callback(Msg::FlameScale)}>
            { controls }
        </crate::flame_view::FlameView>
    </div> }
}

pub fn ops_view(app: &App, ctx: &Context<App>) -> Html {
    let Some(r) = &app.report else { return html! {} };
    if app.rows_pending() {
        return rows_coming();
    }
    if r.frameworks.is_empty() {
        return empty_state();
    }
    let _ = ctx;
    let sections = r.frameworks.iter().map(|f| {
        let mut by: BTreeMap<&str, (u64, u64, u64, u64, usize)> = BTreeMap::new();
        for n in &f.nodes {
            let e = by.entry(n.op.as_str()).or_default();
            e.0 += n.cost.bytes;
            e.1 += n.cost.rounds;
            e.2 += n.cost.online;
            e.3 += n.cost.offline;
            e.4 += 1;
        }
        let mut v: Vec<_> = by.into_iter().collect();
        v.sort_by_key(|x| std::cmp::Reverse(x.1 .0));
        let bars: Vec<Bar> = v.iter().map(|(op, c)| Bar { label: op.to_string(), segments: vec![(c.2 as f64, "online", "online"), (c.3 as f64, "offline", "offline")], text: format!("{} ({})", fmt::bytes(c.0), fmt::percent(c.0, f.total.bytes)) }).collect();
        let rows = v.iter().map(|(op, c)| html! { <tr><td>{op.to_string()}</td><td class="num">{c.4}</td><td class="num">{fmt::bytes(c.0)}</td><td class="num">{fmt::int(c.1)}</td><td class="num">{fmt::percent(c.0, f.total.bytes)}</td></tr> });
        html! {
            <section class="optype">
                { charts::hbars(&format!("chart-ops-{}", f.framework), &format!("Bytes per op type — {}", f.title), &bars, app.chart_opts(), fmt::bytes_f) }
                <table class="data ops"><thead><tr><th>{"op"}</th><th>{"nodes"}</th><th>{"bytes"}</th><th>{"rounds"}</th><th>{"%"}</th></tr></thead><tbody>{ for rows }</tbody></table>
            </section>
        }
    });
    html! { <div class="ops">{ heat_table(r) }{ log_toggle(app, ctx) }{ for sections }</div> }
}

pub fn compare_view(app: &App, ctx: &Context<App>) -> Html {
    let Some(r) = &app.report else { return html! {} };
    if app.rows_pending() {
        return rows_coming();
    }
    if r.frameworks.is_empty() {
        return empty_state();
    }
    let a = current(app).unwrap();
    let alt = app.compare_alt.as_deref().filter(|(c, _)| app.st.compare.as_deref() == Some(c.as_str())).map(|(_, f)| f);
    let b = alt
        .or_else(|| app.st.compare.as_deref().and_then(|c| r.frameworks.iter().find(|f| f.framework == c)))
        .or_else(|| r.frameworks.iter().find(|f| f.framework != a.framework))
        .unwrap_or(a);
    let b_title = match (alt, app.st.compare.as_deref().and_then(|c| c.split_once('@'))) {
        (Some(_), Some((_, kv))) => format!("{} with {kv}", b.title),
        _ => b.title.clone(),
    };
    let bmap: HashMap<(&str, &str), &NodeCost> =
        b.nodes.iter().map(|n| ((n.node.as_str(), n.phase.as_str()), n)).collect();
    let mut rows: Vec<(String, String, u64, u64)> = a
        .nodes
        .iter()
        .map(|n| {
            (
                n.node.clone(),
                n.op.clone(),
                n.cost.bytes,
                bmap.get(&(n.node.as_str(), n.phase.as_str())).map(|x| x.cost.bytes).unwrap_or(0),
            )
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse((r.3 as i128 - r.2 as i128).unsigned_abs()));
    let body = rows.iter().filter(|r| matches(&app.st.search, &r.0, &r.1)).take(200).map(|(n, op, x, y)| {
        let d = *y as i128 - *x as i128;
        html! { <tr><td class="name">{n.clone()}</td><td>{op.clone()}</td><td class="num">{fmt::bytes(*x)}</td><td class="num">{fmt::bytes(*y)}</td>
            <td class="num">{format!("{}{}", if d < 0 { "−" } else { "+" }, fmt::bytes(d.unsigned_abs() as u64))}</td>
            <td class="num">{if *x > 0 { format!("{:.2}×", *y as f64 / *x as f64) } else { "–".into() }}</td></tr> }
    });
    html! {
        <div class="compare">
            <div class="row">{ search_box(app, ctx, "nodes") }{ picker(app, ctx, "framework", "A", Some(a.framework.as_str()), false) }{ picker(app, ctx, "compare", "B", Some(if alt.is_some() { app.st.compare.as_deref().unwrap_or_default() } else { b.framework.as_str() }), true) }</div>
            <p id="compare-total">{format!("Total: {} = {} vs {} = {} ({:.2}×).", a.title, fmt::bytes(a.total.bytes), b_title, fmt::bytes(b.total.bytes), b.total.bytes as f64 / a.total.bytes.max(1) as f64)}</p>
            <table class="data wide" id="compare"><thead><tr><th>{"node"}</th><th>{"op"}</th><th>{"A bytes"}</th><th>{"B bytes"}</th><th>{"B − A"}</th><th>{"B / A"}</th></tr></thead><tbody>{ for body }</tbody></table>
        </div>
    }
}

pub fn learn_view(app: &App, ctx: &Context<App>) -> Html {
    let intro = html! {
        <div class="intro">
            <h3>{"How MPC inference costs communication"}</h3>
            <p>{"In secret sharing, each private value x is split into random shares held by different parties (for two parties, x = x₀ + x₁ mod 2ᵏ). Additions and multiplications by public constants are local: no message is sent."}</p>
            <p>{"Multiplying two secret values needs help. With a Beaver triple (a, b, c = a·b) prepared in advance (the offline phase, by a dealer or by oblivious transfer / homomorphic encryption), the parties open x − a and y − b to each other in one round and finish locally. Linear layers (Conv, MatMul) cost bytes proportional to their inputs."}</p>
            <p>{"Comparisons (ReLU, MaxPool, the max inside Softmax) are not arithmetic: frameworks convert to bits and run a comparison circuit, which needs several sequential rounds. That is why a ReLU can cost more time than a large Conv on a high-latency network even when it moves fewer bytes."}</p>
            <p>{"Setup versus steady state (SPU CHEETAH). A CHEETAH runtime pays once before its first inference: the Ferret silent-OT bootstrap (base OTs and a first LPN extension, about 0.94 MB for each OT instance: a kernel over more than 2048 elements is split over up to min(48, cores) instances, and each is bootstrapped once, then refilled once early) and the exchange of homomorphic-encryption keys at the first MatMul or Conv (about 19 MB at FM64, 106 MB at FM128). Later inferences on the same runtime, the steady state, pay only per-inference traffic: the report's total. Two stores drain as inferences run and are refilled in lumps that the total leaves out: Ferret's pool of about 10 million OTs (about 266 KB per refill) and the cache of Beaver triples for small products (made by HE, 4096 at a time). HE ciphertexts are compressed, so their sizes, and the HE rows, vary by up to about 0.05 % from run to run; the OT rows are exact. The warnings give the figures."}</p>
            <p>{"Who sends what (SPU ABY3). Three parties hold replicated shares. Most kernels send the same from every party, but truncation, equality and small B2A conversions pick which party plays which role from a random public pivot drawn per call, so one party's bytes change from run to run while the sum over the three parties does not. The report therefore gives the exact total, and per party only the kernels with fixed roles."}</p>
        </div>
    };
    let Some(f) = current(app) else { return html! { <div class="learn">{intro}{ empty_state() }</div> } };
    let sel = app.st.selected.as_deref().and_then(|s| f.nodes.iter().find(|n| n.node == s));
    let detail = match sel {
        None => {
            html! { <p id="learn-hint">{"Click a row in “Per layer” (or press Enter on it) to see how that node is computed and where its bytes and rounds come from."}</p> }
        }
        Some(n) => {
            let steps = n.steps.iter().map(|s| html! { <tr><td>{s.name.clone()}</td><td class="num">{fmt::int(s.count)}</td><td>{s.detail.clone()}</td><td class="num">{fmt::bytes(s.cost.bytes)}</td><td class="num">{fmt::int(s.cost.rounds)}</td></tr> });
            html! {
                <div id="learn-node">
                    <h3>{format!("{} ({}) in {}", n.node, n.op, f.title)}</h3>
                    <p>{format!("{} in {} rounds ({} online, {} offline).", fmt::bytes(n.cost.bytes), fmt::int(n.cost.rounds), fmt::bytes(n.cost.online), fmt::bytes(n.cost.offline))}</p>
                    if let Some(a) = &n.approximate { <p class="approx">{format!("Approximate: {a}")}</p> }
                    <table class="data" id="steps"><thead><tr><th>{"protocol step"}</th><th>{"count"}</th><th>{"formula / detail"}</th><th>{"bytes"}</th><th>{"rounds"}</th></tr></thead><tbody>{ for steps }</tbody></table>
                    <p class="small">{format!("One round in {}: {}. Counting: {}", f.title, f.round_definition, f.counting)}</p>
                </div>
            }
        }
    };
    let _ = ctx;
    html! { <div class="learn">{detail}{intro}</div> }
}

/// Op kind × framework: each cell is the op kind's share of that framework's
/// bytes (from the core's summary), shaded by it.
fn heat_table(r: &mpclens::Report) -> Html {
    let Some(s) = &r.summary else { return html! {} };
    let heads = s.frameworks.iter().map(|f| html! { <th scope="col">{f.title.clone()}</th> });
    let rows = s.op_kinds.iter().map(|k| {
        let cells = k.share.iter().zip(&k.bytes).zip(&k.rounds).map(|((sh, b), rd)| {
            let p = (sh * 100.0).round() as u32;
            html! { <td class="num heat" style={format!("--p:{}%", (sh * 85.0).round())} data-share={sh.to_string()}
                title={format!("{} in {} rounds", fmt::bytes(*b), fmt::int(*rd))}>{if *b == 0 { "–".to_string() } else if p == 0 { "<1 %".into() } else { format!("{p} %") }}</td> }
        });
        html! { <tr><th scope="row">{k.op.clone()}</th>{ for cells }</tr> }
    });
    html! {
        <div class="heat-box">
            <h3 id="heat-title">{"Share of each framework's bytes, per op kind"}</h3>
            <div class="hscroll" tabindex="0" role="region" aria-labelledby="heat-title">
            <table class="data heat-table" id="heat"><thead><tr><th scope="col">{"op kind"}</th>{ for heads }</tr></thead><tbody>{ for rows }</tbody></table>
            </div>
        </div>
    }
}

/// The log-scale switch shared by every bar chart.
pub fn log_toggle(app: &App, ctx: &Context<App>) -> Html {
    let on = app.log_on();
    html! { <label class="log-toggle"><input type="checkbox" id="log-scale" checked={on}
    onchange={ctx.link().callback(move |_| Msg::SetLog(!on))} />{" log scale (bars ∝ log of the value)"}</label> }
}
