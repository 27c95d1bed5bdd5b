//! What-if: the substitutions model designers make to get an MPC-friendlier
//! model, applied to a loaded [`Graph`] and re-priced by the unchanged cost
//! models.
//!
//! Every substitution rewrites nodes into ops the cost models already price
//! (Mul, Add, Tanh, Relu, ReduceSum, Div, AveragePool, Constant, and Gelu for
//! opset ≥ 20), with concrete shapes and dtypes, so no cost rule is added for
//! them. [`plan`] computes the rewrites once; [`apply`] applies them to the
//! graph and [`apply_onnx`] to the ONNX file, so the downloaded model reloads
//! into the same graph and prices the same.
//!
//! Files: `site.rs` finds sites and builds new nodes (wiring, fresh names, the
//! node builder); one file per substitution (`relu.rs`, `pool.rs`, `gelu.rs`,
//! `softmax.rs`); `onnx.rs` hands the same edits to the loader's file editor;
//! `tests.rs` compares each rewrite before and after, in the graph and reloaded
//! from the rewritten file.
//!
//! | key | rewrite | source |
//! |---|---|---|
//! | `relu-square` | `Relu(x)` → `Mul(x, x)` | the square activation of CryptoNets (Gilad-Bachrach et al., ICML 2016) and Delphi's quadratic approximation layers (Mishra et al., USENIX Security 2020) |
//! | `maxpool-avg` | `MaxPool` → `AveragePool`, same window, strides, pads | MiniONN / CryptoNets practice: average pooling needs no comparisons |
//! | `gelu-tanh` | exact GELU → `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` | Hendrycks & Gimpel 2016; the decomposition is the one PyTorch exports below opset 20 (`torch/onnx/symbolic_opset9.py`, `gelu`, approximate="tanh") |
//! | `gelu-quad` | GELU → `0.125·x² + 0.25·x + 0.5` | MPCFormer "Quad" (Li et al., ICLR 2023, §3.2; `DachengLi1/MPCFormer`, `quad`) |
//! | `softmax-2relu` | `Softmax(x)` → `relu(x) / Σ relu(x)` | MPCFormer "2ReLU" (`examples/pytorch/secure-models/utils.py`, `softmax_2RELU`) |
//! | `softmax-2quad` | `Softmax(x)` → `(x + c)² / Σ (x + c)²`, c = 5 | MPCFormer "2Quad" (§3.2, `softmax_2quad`, c = 5) |

mod gelu;
mod onnx;
mod pool;
mod relu;
mod site;
mod softmax;
#[cfg(test)]
mod tests;

pub use onnx::apply_onnx;

use crate::graph::{Graph, Node};
use site::{Names, Wiring};
use std::collections::{HashMap, HashSet};

/// What exact GELU becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeluSub {
    /// The tanh approximation.
    Tanh,
    /// MPCFormer's quadratic `0.125x² + 0.25x + 0.5`.
    Quad,
}

/// What Softmax becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoftmaxSub {
    /// `relu(x) / Σ relu(x)`.
    TwoRelu,
    /// `(x + 5)² / Σ (x + 5)²`.
    TwoQuad,
}

/// A set of substitutions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WhatIf {
    pub relu_square: bool,
    pub maxpool_avg: bool,
    pub gelu: Option<GeluSub>,
    pub softmax: Option<SoftmaxSub>,
}

/// Every substitution: (key, short label). Keys are what `--what-if` and share
/// links use.
pub const SUBSTITUTIONS: [(&str, &str); 6] = [
    ("relu-square", "ReLU → x²"),
    ("maxpool-avg", "MaxPool → AvgPool"),
    ("gelu-tanh", "GELU exact → tanh form"),
    ("gelu-quad", "GELU → 0.125x² + 0.25x + 0.5 (Quad)"),
    ("softmax-2relu", "Softmax → relu(x)/Σrelu(x) (2ReLU)"),
    ("softmax-2quad", "Softmax → (x+5)²/Σ(x+5)² (2Quad)"),
];

/// 2Quad's shift `c` (MPCFormer, `softmax_2quad`: `(scores + 5) ** 2`).
pub const TWO_QUAD_C: f64 = 5.0;

impl WhatIf {
    /// Parses a comma-separated list of keys (`relu-square,gelu-tanh`).
    /// The two GELU (and the two Softmax) substitutions exclude each other.
    pub fn parse(list: &str) -> Result<WhatIf, String> {
        let mut w = WhatIf::default();
        for key in list.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            let before = w;
            w = w.with(key, true)?;
            if before.gelu.is_some() && before.gelu != w.gelu {
                return Err("gelu-tanh and gelu-quad exclude each other: choose one".into());
            }
            if before.softmax.is_some() && before.softmax != w.softmax {
                return Err("softmax-2relu and softmax-2quad exclude each other: choose one".into());
            }
        }
        Ok(w)
    }

    /// This set with substitution `key` switched on or off. Switching one GELU
    /// (Softmax) variant on switches the other off.
    pub fn with(self, key: &str, on: bool) -> Result<WhatIf, String> {
        let mut w = self;
        match key {
            // `relu2` and `avgpool`: the keys of the first share links.
            "relu-square" | "relu2" => w.relu_square = on,
            "maxpool-avg" | "avgpool" => w.maxpool_avg = on,
            "gelu-tanh" => w.gelu = pick(w.gelu, GeluSub::Tanh, on),
            "gelu-quad" => w.gelu = pick(w.gelu, GeluSub::Quad, on),
            "softmax-2relu" => w.softmax = pick(w.softmax, SoftmaxSub::TwoRelu, on),
            "softmax-2quad" => w.softmax = pick(w.softmax, SoftmaxSub::TwoQuad, on),
            _ => {
                let keys: Vec<&str> = SUBSTITUTIONS.iter().map(|s| s.0).collect();
                return Err(format!("unknown what-if '{key}': expected one of {}", keys.join(", ")));
            }
        }
        Ok(w)
    }

    /// Whether substitution `key` is on.
    pub fn has(&self, key: &str) -> bool {
        self.keys().contains(&key)
    }

    /// The keys switched on, in [`SUBSTITUTIONS`] order.
    pub fn keys(&self) -> Vec<&'static str> {
        let on = [
            self.relu_square,
            self.maxpool_avg,
            self.gelu == Some(GeluSub::Tanh),
            self.gelu == Some(GeluSub::Quad),
            self.softmax == Some(SoftmaxSub::TwoRelu),
            self.softmax == Some(SoftmaxSub::TwoQuad),
        ];
        SUBSTITUTIONS.iter().zip(on).filter(|(_, on)| *on).map(|(s, _)| s.0).collect()
    }

    pub fn any(&self) -> bool {
        *self != WhatIf::default()
    }
}

fn pick<T: PartialEq + Copy>(cur: Option<T>, v: T, on: bool) -> Option<T> {
    if on {
        Some(v)
    } else if cur == Some(v) {
        None
    } else {
        cur
    }
}

/// One rewrite: the nodes at `remove` (ascending indices into `Graph::nodes`)
/// are replaced by `nodes`, placed where the last removed node was. A node
/// changed in place keeps its name.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    /// The substitution's key.
    pub what: &'static str,
    pub remove: Vec<usize>,
    pub nodes: Vec<Node>,
}

/// A rewrite of the node at `i` alone.
fn one(i: usize, n: Node, what: &'static str) -> Edit {
    Edit { what, remove: vec![i], nodes: vec![n] }
}

/// The rewrites `w` makes in `g`, in node order. Nodes whose shapes are unknown,
/// or whose type is not float/double for the polynomial forms, are left alone.
pub fn plan(g: &Graph, w: WhatIf) -> Vec<Edit> {
    let wiring = Wiring::new(g);
    let mut names = Names::new(g);
    let mut used: HashSet<usize> = HashSet::new();
    let mut edits = Vec::new();
    let unsupported: HashSet<&str> = g.unsupported.iter().map(|p| p.node.as_str()).collect();
    for (i, n) in g.nodes.iter().enumerate() {
        if used.contains(&i) || unsupported.contains(n.name.as_str()) || !n.shapes_known() {
            continue;
        }
        let edit = match (n.op.as_str(), n.domain.as_str()) {
            ("Relu", "") if w.relu_square => relu::square(i, n),
            ("MaxPool", "") if w.maxpool_avg => pool::max_to_avg(i, n, &wiring),
            ("Gelu", "") => w.gelu.and_then(|sub| gelu::at_gelu(i, n, sub, &mut names)),
            ("Erf", "") => w.gelu.and_then(|sub| gelu::at_erf(g, i, sub, &wiring, &mut names, &used)),
            ("Softmax", "") => w.softmax.and_then(|sub| softmax::at(g, i, sub, &mut names)),
            _ => None,
        };
        if let Some(e) = edit {
            used.extend(e.remove.iter().copied());
            edits.push(e);
        }
    }
    edits.sort_by_key(|e| e.remove.last().copied());
    edits
}

/// Applies planned edits to the graph.
pub fn apply_edits(g: &Graph, edits: &[Edit]) -> Graph {
    let mut at: HashMap<usize, &Edit> = HashMap::new();
    let mut removed = HashSet::new();
    for e in edits {
        removed.extend(e.remove.iter().copied());
        if let Some(&last) = e.remove.last() {
            at.insert(last, e);
        }
    }
    let mut out = g.clone();
    out.nodes.clear();
    for (i, n) in g.nodes.iter().enumerate() {
        if let Some(e) = at.get(&i) {
            out.nodes.extend(e.nodes.iter().cloned());
        } else if !removed.contains(&i) {
            out.nodes.push(n.clone());
        }
    }
    let names: HashSet<&str> = out.nodes.iter().map(|n| n.name.as_str()).collect();
    out.unsupported.retain(|p| names.contains(p.node.as_str()));
    out
}

/// The graph with the substitutions applied, and how many sites changed.
pub fn apply(g: &Graph, w: WhatIf) -> (Graph, usize) {
    let edits = plan(g, w);
    (apply_edits(g, &edits), edits.len())
}
