//! The CSV export (README "CSV columns"): one row per framework, phase and
//! node; with no framework, one row per graph node. The CLI (`--format csv`)
//! and the web page's download both print this text.

use crate::report::Report;
use std::fmt::Write;

fn shape_text(s: &Option<Vec<u64>>) -> String {
    match s {
        Some(d) => format!("[{}]", d.iter().map(u64::to_string).collect::<Vec<_>>().join("×")),
        None => "?".into(),
    }
}

/// CSV: one row per (framework, phase, node); without frameworks, one row per graph node.
pub fn csv(r: &Report) -> String {
    fn q(s: &str) -> String {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let mut out = String::new();
    if r.frameworks.is_empty() {
        out.push_str("node,op,scope,inputs,outputs,elements\n");
        for n in &r.nodes {
            let ins = n.inputs.iter().map(shape_text).collect::<Vec<_>>().join(" ");
            let outs = n.outputs.iter().map(shape_text).collect::<Vec<_>>().join(" ");
            let _ = writeln!(
                out,
                "{},{},{},{},{},{}",
                q(&n.name),
                q(&n.op),
                q(&n.scope.join("/")),
                q(&ins),
                q(&outs),
                n.elements
            );
        }
        return out;
    }
    out.push_str("framework,phase,node,op,scope,bytes,rounds,online,offline,parties\n");
    for f in &r.frameworks {
        for n in &f.nodes {
            let parties =
                n.cost.parties.iter().map(|p| format!("{}:{}", p.bytes, p.rounds)).collect::<Vec<_>>().join(" ");
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{}",
                q(&f.framework),
                n.phase.as_str(),
                q(&n.node),
                q(&n.op),
                q(&n.scope.join("/")),
                n.cost.bytes,
                n.cost.rounds,
                n.cost.online,
                n.cost.offline,
                parties
            );
        }
    }
    out
}
