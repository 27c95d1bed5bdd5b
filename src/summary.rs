//! The summary: the few figures that answer "what does this model cost, where
//! does the cost sit, and which change would save most" — computed here, once,
//! so the CLI (`profile --summary`) and the web page show the same numbers and
//! no view adds costs up itself.
//!
//! Everything is an aggregation of a [`Report`] (sums of node costs, shares of a
//! framework's total) plus, for the what-ifs, the report of the substituted graph
//! priced by the same cost models ([`crate::whatif::apply`]). Times use
//! [`Network::seconds`]; no new cost formula is introduced here.

use crate::cost::Cost;
use crate::graph::Graph;
use crate::network::Network;
use crate::profile::{profile, ProfileRequest};
use crate::report::{FrameworkReport, Report};
use crate::whatif::{WhatIf, SUBSTITUTIONS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many layers and op kinds a framework's summary names.
pub const TOP: usize = 3;

/// The summary of one report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The network every `seconds` figure assumes.
    pub network: Network,
    pub frameworks: Vec<FrameworkSummary>,
    /// Bytes and rounds per op kind and framework (the heat table), dearest first
    /// by their largest share of any framework's total.
    pub op_kinds: Vec<OpKind>,
}

/// One framework's headline figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameworkSummary {
    pub framework: String,
    pub title: String,
    pub bytes: u64,
    pub rounds: u64,
    /// Communication time of the total on [`Summary::network`].
    pub seconds: f64,
    /// The coverage line ("complete: …" or "partial: …").
    pub coverage: String,
    pub partial: bool,
    /// The [`TOP`] dearest layers (nodes) by bytes.
    pub top_layers: Vec<Share>,
    /// The [`TOP`] dearest op kinds by bytes.
    pub top_ops: Vec<Share>,
    /// Every single substitution that changes this model, most time saved first.
    pub what_ifs: Vec<Saving>,
}

/// A part of a framework's total: one layer, or every node of one op kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// The node's name, or the op kind.
    pub name: String,
    pub op: String,
    /// Cost rows summed (1 for a layer in inference).
    pub nodes: usize,
    pub bytes: u64,
    pub rounds: u64,
    /// `bytes / total bytes`, 0–1.
    pub share: f64,
}

/// What one substitution would change for one framework.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Saving {
    /// The what-if key (`relu-square`, …) and its label.
    pub key: String,
    pub label: String,
    /// Sites substituted in the graph.
    pub sites: usize,
    pub bytes_after: u64,
    pub rounds_after: u64,
    /// Bytes saved (negative: the substitution costs more).
    pub saved_bytes: i64,
    pub saved_rounds: i64,
    /// Seconds saved on [`Summary::network`].
    pub saved_seconds: f64,
    /// `saved_bytes / bytes before`, negative when dearer.
    pub saved_share: f64,
    /// False when the substitution changes how many nodes the framework cannot
    /// price: the two totals then cover different work and are not comparable.
    pub like_for_like: bool,
}

/// One op kind across every framework (aligned with [`Summary::frameworks`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpKind {
    pub op: String,
    /// What the op does (the op registry's [`crate::ops::Kind`]), for grouping ops.
    #[serde(default)]
    pub kind: crate::ops::Kind,
    pub bytes: Vec<u64>,
    pub rounds: Vec<u64>,
    /// Share of each framework's total bytes, 0–1.
    pub share: Vec<f64>,
}

/// Sums of a framework's cost rows per key, in first-seen order.
fn sum_by<'a>(
    f: &'a FrameworkReport,
    key: impl Fn(&'a crate::report::NodeCost) -> &'a str,
) -> Vec<(&'a str, &'a str, usize, Cost)> {
    let mut at: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out: Vec<(&str, &str, usize, Cost)> = Vec::new();
    for n in &f.nodes {
        let k = key(n);
        let i = *at.entry(k).or_insert_with(|| {
            out.push((k, n.op.as_str(), 0, Cost::default()));
            out.len() - 1
        });
        out[i].2 += 1;
        out[i].3 += &n.cost;
    }
    out
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The [`TOP`] dearest entries by bytes (ties: by name, for a stable order).
fn top(mut v: Vec<(&str, &str, usize, Cost)>, total: u64) -> Vec<Share> {
    v.sort_by(|a, b| b.3.bytes.cmp(&a.3.bytes).then_with(|| a.0.cmp(b.0)));
    v.into_iter()
        .filter(|x| x.3.bytes > 0)
        .take(TOP)
        .map(|(name, op, nodes, c)| Share {
            name: name.to_string(),
            op: op.to_string(),
            nodes,
            bytes: c.bytes,
            rounds: c.rounds,
            share: share(c.bytes, total),
        })
        .collect()
}

/// The summary of `report` (the profile of `graph` for `req`), times on `network`.
/// Prices the graph once more per substitution that applies to it.
pub fn summarize(graph: &Graph, report: &Report, req: &ProfileRequest, network: &Network) -> Summary {
    let mut s = first_look(report, network);
    add_what_ifs(&mut s, graph, report, req);
    s
}

/// The summary without its what-if savings (every `what_ifs` empty): sums of `report` only, so
/// it is ready at once; [`add_what_ifs`] completes it into [`summarize`]'s result. (The web
/// page shows this first and the savings when they are priced.)
pub fn first_look(report: &Report, network: &Network) -> Summary {
    let frameworks = report
        .frameworks
        .iter()
        .map(|f| {
            let t = &f.total;
            FrameworkSummary {
                framework: f.framework.clone(),
                title: f.title.clone(),
                bytes: t.bytes,
                rounds: t.rounds,
                seconds: network.seconds(t),
                coverage: f.coverage.summary(),
                partial: f.coverage.partial,
                top_layers: top(sum_by(f, |n| n.node.as_str()), t.bytes),
                top_ops: top(sum_by(f, |n| n.op.as_str()), t.bytes),
                what_ifs: Vec::new(),
            }
        })
        .collect();
    Summary { network: network.clone(), frameworks, op_kinds: op_kinds(report) }
}

/// Fills in `s`'s what-if savings (`s` is [`first_look`] of the same `report`): one
/// re-pricing of `graph` per substitution that changes it.
pub fn add_what_ifs(s: &mut Summary, graph: &Graph, report: &Report, req: &ProfileRequest) {
    let mut alternatives: Vec<(&str, &str, usize, Report)> = Vec::new();
    for (key, label) in SUBSTITUTIONS {
        let Ok(w) = WhatIf::default().with(key, true) else { continue };
        let (g2, sites) = crate::whatif::apply(graph, w);
        if sites == 0 {
            continue;
        }
        if let Ok(r2) = profile(&g2, req) {
            alternatives.push((key, label, sites, r2));
        }
    }
    let network = &s.network;
    for (fs, f) in s.frameworks.iter_mut().zip(&report.frameworks) {
        let t = &f.total;
        let seconds = fs.seconds;
        let mut what_ifs: Vec<Saving> = alternatives
            .iter()
            .filter_map(|(key, label, sites, r2)| {
                let a = r2.frameworks.iter().find(|x| x.framework == f.framework)?;
                let saved_bytes = t.bytes as i64 - a.total.bytes as i64;
                Some(Saving {
                    key: key.to_string(),
                    label: label.to_string(),
                    sites: *sites,
                    bytes_after: a.total.bytes,
                    rounds_after: a.total.rounds,
                    saved_bytes,
                    saved_rounds: t.rounds as i64 - a.total.rounds as i64,
                    saved_seconds: seconds - network.seconds(&a.total),
                    saved_share: if t.bytes == 0 { 0.0 } else { saved_bytes as f64 / t.bytes as f64 },
                    like_for_like: a.unsupported.len() == f.unsupported.len(),
                })
            })
            .collect();
        // Comparable savings first, then by time saved.
        what_ifs
            .sort_by(|a, b| b.like_for_like.cmp(&a.like_for_like).then(b.saved_seconds.total_cmp(&a.saved_seconds)));
        fs.what_ifs = what_ifs;
    }
}

/// Bytes and rounds per op kind for every framework.
fn op_kinds(report: &Report) -> Vec<OpKind> {
    let mut by: BTreeMap<&str, OpKind> = BTreeMap::new();
    let n = report.frameworks.len();
    for (i, f) in report.frameworks.iter().enumerate() {
        for (op, _, _, c) in sum_by(f, |n| n.op.as_str()) {
            let e = by.entry(op).or_insert_with(|| OpKind {
                op: op.to_string(),
                kind: crate::ops::kind(op),
                bytes: vec![0; n],
                rounds: vec![0; n],
                share: vec![0.0; n],
            });
            e.bytes[i] = c.bytes;
            e.rounds[i] = c.rounds;
            e.share[i] = share(c.bytes, f.total.bytes);
        }
    }
    let mut v: Vec<OpKind> = by.into_values().collect();
    let peak = |k: &OpKind| k.share.iter().copied().fold(0.0, f64::max);
    v.sort_by(|a, b| peak(b).total_cmp(&peak(a)).then_with(|| a.op.cmp(&b.op)));
    v
}
