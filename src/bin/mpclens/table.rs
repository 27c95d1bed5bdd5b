//! Terminal rendering of a report: aligned columns, human units, exact numbers
//! where they matter (totals also in bytes so scripts can grep them).

use mpclens::cost::Cost;
use mpclens::frameworks;
use mpclens::report::{FrameworkReport, Report};
use std::fmt::Write;

/// Bytes in decimal units (kB, MB, GB), as network people read them.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.2} {}", UNITS[u])
    }
}

fn shape_text(s: &Option<Vec<u64>>) -> String {
    match s {
        Some(d) => format!("[{}]", d.iter().map(u64::to_string).collect::<Vec<_>>().join("×")),
        None => "?".into(),
    }
}

/// Pads rows into left-aligned columns (numbers right-aligned).
fn columns(header: &[&str], rows: &[Vec<String>], numeric: &[bool]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = width[i] - c.chars().count();
            if numeric.get(i).copied().unwrap_or(false) {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(pad));
                }
            }
            if i + 1 < cells.len() {
                s.push_str("  ");
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    out += &line(width.iter().map(|w| "─".repeat(*w)).collect::<Vec<_>>().iter().map(String::as_str).collect());
    for r in rows {
        out += &line(r.iter().map(String::as_str).collect());
    }
    out
}

fn party_text(c: &Cost) -> String {
    c.parties
        .iter()
        .enumerate()
        .map(|(i, p)| format!("P{i} {} / {} rounds", human_bytes(p.bytes), p.rounds))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The whole report as text.
pub fn report(r: &Report, with_nodes: bool, top: usize) -> String {
    let mut out = String::new();
    let m = &r.model;
    let _ = writeln!(
        out,
        "model  {}  (opset {}, {} nodes, {} parameters, batch {}, {})",
        m.file,
        m.opset,
        m.node_count,
        m.parameters,
        r.batch,
        r.mode.as_str()
    );
    for t in &m.inputs {
        let secrecy = if t.public { "public" } else { "secret" };
        let _ = writeln!(out, "input  {}  {} {}  {secrecy}", t.name, t.dtype, shape_text(&t.shape));
    }
    for n in &m.notes {
        let _ = writeln!(out, "note   {n}");
    }
    if !r.unsupported.is_empty() {
        let _ =
            writeln!(out, "\nunsupported ({} nodes; the rest of the model is still profiled):", r.unsupported.len());
        for p in &r.unsupported {
            let _ = writeln!(out, "  {} ({}): {}", p.node, p.op, p.reason);
        }
    }
    if with_nodes || r.frameworks.is_empty() {
        out.push('\n');
        out += &nodes(r);
    }
    if r.frameworks.is_empty() {
        let _ = writeln!(out, "\nno framework cost model selected or available");
    }
    for f in &r.frameworks {
        out.push('\n');
        out += &framework(f, top);
    }
    out
}

fn nodes(r: &Report) -> String {
    let rows: Vec<Vec<String>> = r
        .nodes
        .iter()
        .map(|n| {
            vec![
                n.name.clone(),
                n.op.clone(),
                if n.scope.is_empty() { "(root)".into() } else { n.scope.join(" › ") },
                n.inputs.iter().map(shape_text).collect::<Vec<_>>().join(", "),
                n.outputs.iter().map(shape_text).collect::<Vec<_>>().join(", "),
                n.elements.to_string(),
                if n.public { "public" } else { "secret" }.into(),
            ]
        })
        .collect();
    columns(
        &["node", "op", "scope", "inputs", "outputs", "elements", "values"],
        &rows,
        &[false, false, false, false, false, true, false],
    )
}

fn framework(f: &FrameworkReport, top: usize) -> String {
    let mut out = String::new();
    let t = &f.total;
    let _ = writeln!(out, "━━ {} ({}) ━━", f.title, f.mode.as_str());
    let partial = if f.coverage.partial { "  [partial: see coverage]" } else { "" };
    let _ = writeln!(out, "total     {} ({} bytes), {} rounds{partial}", human_bytes(t.bytes), t.bytes, t.rounds);
    let _ = writeln!(out, "          online {}, offline {}", human_bytes(t.online), human_bytes(t.offline));
    let _ = writeln!(out, "parties   {}", party_text(t));
    let _ = writeln!(out, "coverage  {}", f.coverage.summary());
    for p in &f.phases {
        let _ = writeln!(
            out,
            "{:<9} {} ({} bytes), {} rounds",
            p.phase.as_str(),
            human_bytes(p.cost.bytes),
            p.cost.bytes,
            p.cost.rounds
        );
    }
    let _ = writeln!(
        out,
        "settings  {}",
        f.settings.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
    );
    let _ = writeln!(out, "round     {}", f.round_definition);
    let _ = writeln!(out, "counting  {}", f.counting);
    for w in &f.warnings {
        let _ = writeln!(out, "warning   {w}");
    }
    for p in &f.unsupported {
        let _ = writeln!(out, "cannot run {} ({}): {}", p.node, p.op, p.reason);
    }
    let mut idx: Vec<usize> = (0..f.nodes.len()).collect();
    idx.sort_by(|&a, &b| f.nodes[b].cost.bytes.cmp(&f.nodes[a].cost.bytes));
    let shown = if top == 0 { idx.len() } else { top.min(idx.len()) };
    let total = t.bytes.max(1) as f64;
    let rows: Vec<Vec<String>> = idx[..shown]
        .iter()
        .map(|&i| {
            let n = &f.nodes[i];
            vec![
                n.node.clone(),
                n.op.clone(),
                n.phase.as_str().into(),
                human_bytes(n.cost.bytes),
                n.cost.rounds.to_string(),
                format!("{:.1}%", 100.0 * n.cost.bytes as f64 / total),
                if n.approximate.is_some() { "≈".into() } else { String::new() },
            ]
        })
        .collect();
    let _ = writeln!(
        out,
        "\nlayers by bytes ({} of {}{}):",
        shown,
        f.nodes.len(),
        if shown < f.nodes.len() { "; --top 0 shows all" } else { "" }
    );
    out += &columns(
        &["node", "op", "phase", "bytes", "rounds", "share", ""],
        &rows,
        &[false, false, false, true, true, true, false],
    );
    if f.nodes.iter().any(|n| n.approximate.is_some()) {
        let _ = writeln!(out, "≈ approximate: see the JSON report's `approximate` field for why");
    }
    out
}

/// `mpclens frameworks`: every framework with its settings and defaults.
pub fn frameworks() -> String {
    let mut out = String::new();
    let all = frameworks::all();
    if all.is_empty() {
        out.push_str("no framework cost models are built in yet\n");
    }
    for f in all {
        let _ = writeln!(
            out,
            "{}  —  {}{}",
            f.name(),
            f.title(),
            if f.supports_training() { "  (inference, training)" } else { "  (inference)" }
        );
        for s in f.settings() {
            let _ = writeln!(out, "  --set {}.{}={}   [{}]  {}", f.name(), s.key, s.default, s.allowed_text(), s.help);
        }
    }
    out
}

/// The documented CSV (README "CSV columns"); the same text as the web page's export.
pub fn csv(r: &Report) -> String {
    mpclens::csv::csv(r)
}

/// The summary block (`--summary`): per framework the total, time, coverage,
/// the dearest op kinds and the what-if that saves most. Empty without a summary.
pub fn summary(r: &Report) -> String {
    let Some(s) = &r.summary else { return String::new() };
    let mut out = format!(
        "Summary of {} ({}, batch {}; times on {}: {})\n",
        r.model.file,
        r.mode.as_str(),
        r.batch,
        s.network.name,
        s.network.formula()
    );
    let w = s.frameworks.iter().map(|f| f.title.chars().count()).max().unwrap_or(0);
    for f in &s.frameworks {
        let ops: Vec<String> = f.top_ops.iter().map(|o| format!("{} {:.1} %", o.name, 100.0 * o.share)).collect();
        let best = f.what_ifs.first().filter(|w| w.saved_bytes > 0 && w.like_for_like).map_or_else(
            || "no substitution saves bytes".to_string(),
            |w| {
                format!(
                    "best what-if {}: saves {} ({:.1} %)",
                    w.key,
                    human_bytes(w.saved_bytes as u64),
                    100.0 * w.saved_share
                )
            },
        );
        let _ = writeln!(
            out,
            "  {:<w$} {:>10}  {} rounds  {}  {}{}\n  {:<w$} dearest: {}; {best}",
            f.title,
            human_bytes(f.bytes),
            f.rounds,
            mpclens::network::fmt_secs(f.seconds),
            if f.partial { "PARTIAL: " } else { "" },
            f.coverage,
            "",
            ops.join(", ")
        );
    }
    out + "\n"
}

/// The generation section (`--gen-tokens`): per framework the prefill, the first and last decode
/// step and the totals; empty without generation.
pub fn generation(r: &Report) -> String {
    let Some(g) = &r.generation else { return String::new() };
    let mut out = format!(
        "Generation: prompt {} tokens, {} new tokens ({} decode steps)\n  {}\n",
        g.prompt_len,
        g.gen_tokens,
        g.gen_tokens - 1,
        g.method
    );
    let rows: Vec<Vec<String>> = g
        .frameworks
        .iter()
        .map(|f| {
            let step =
                |c: Option<&Cost>| c.map(|c| format!("{} / {}", human_bytes(c.bytes), c.rounds)).unwrap_or("—".into());
            let flags = [(f.partial, "partial"), (f.approximate, "≈")]
                .iter()
                .filter(|x| x.0)
                .map(|x| x.1)
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                f.framework.clone(),
                format!("{} / {}", human_bytes(f.prefill.bytes), f.prefill.rounds),
                step(f.steps.first()),
                step(f.steps.last()),
                format!("{} / {}", human_bytes(f.decode.bytes), f.decode.rounds),
                format!("{} ({} B) / {}", human_bytes(f.total.bytes), f.total.bytes, f.total.rounds),
                flags,
            ]
        })
        .collect();
    out += &columns(
        &["framework", "prefill (bytes / rounds)", "first step", "last step", "decode", "total", ""],
        &rows,
        &[false, true, true, true, true, true, false],
    );
    out + "\n"
}
