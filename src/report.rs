//! The report: one object that the CLI prints and the web app draws.
//!
//! Its JSON form is the documented, versioned schema of README.md
//! ("JSON report schema"). Bump [`SCHEMA_VERSION`] on any incompatible change.

use crate::cost::{Cost, Step};
use crate::graph::{Graph, Problem, Shape, Tensor};
use crate::settings::Settings;
use serde::{Deserialize, Serialize};

/// Version of the JSON report schema.
pub const SCHEMA_VERSION: u32 = 1;

/// Inference (one forward pass) or one training step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Inference,
    Training,
}

impl Mode {
    pub fn parse(s: &str) -> Result<Mode, String> {
        match s.to_ascii_lowercase().as_str() {
            "inference" | "infer" => Ok(Mode::Inference),
            "training" | "train" => Ok(Mode::Training),
            _ => Err(format!("invalid mode '{s}': expected inference or training")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Inference => "inference",
            Mode::Training => "training",
        }
    }
}

/// The phases of a training step, as the frameworks' own loops split them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Forward,
    Loss,
    Backward,
    Update,
}

impl Phase {
    pub const ALL: [Phase; 4] = [Phase::Forward, Phase::Loss, Phase::Backward, Phase::Update];
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Forward => "forward",
            Phase::Loss => "loss",
            Phase::Backward => "backward",
            Phase::Update => "update",
        }
    }
}

/// The cost of one node (in one phase), with the protocol steps that make it up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeCost {
    /// The graph node's name; synthetic rows (loss, optimizer) use `loss/…`, `update/…`.
    pub node: String,
    pub op: String,
    pub scope: Vec<String>,
    pub phase: Phase,
    #[serde(flatten)]
    pub cost: Cost,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// Set when the figure is an approximation rather than the framework's exact
    /// traffic; says why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approximate: Option<String>,
}

/// One phase's total (training mode only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseCost {
    pub phase: Phase,
    #[serde(flatten)]
    pub cost: Cost,
}

/// Everything one framework says about one model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameworkReport {
    /// Registry name: crypten, semi2k, cryptflow2, cheetah, delphi.
    pub framework: String,
    /// Display name with the version modelled ("CrypTen 0.4.1").
    pub title: String,
    pub mode: Mode,
    /// Every effective setting, defaults included.
    pub settings: Settings,
    /// One line: what one round is in this framework.
    pub round_definition: String,
    /// How the framework's own tooling counts (which party, which channels, units).
    pub counting: String,
    pub total: Cost,
    /// Training: forward, loss, backward, update. Empty for inference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseCost>,
    pub nodes: Vec<NodeCost>,
    /// Nodes this framework cannot run, with the reason; not costed.
    #[serde(default)]
    pub unsupported: Vec<Problem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// How much of the model the total covers; filled by [`crate::profile`].
    #[serde(default)]
    pub coverage: Coverage,
}

/// What a framework's total covers. A total with any unpriced node is *partial*: every view
/// says so next to the figure, since the missing nodes are often the expensive ones.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Graph nodes in the model.
    pub nodes: usize,
    /// Nodes with at least one cost row (free ones included when the model lists them).
    pub priced: usize,
    /// Nodes with no cost row and no problem: layout and shape ops this framework runs for free.
    pub free: usize,
    /// Nodes this framework could not price (its own `unsupported` plus the model's).
    pub unpriced: usize,
    /// Nodes on public values only (shapes, constants, public inputs): computed in the clear,
    /// free in every framework, never shown to a cost model (`src/public.rs`).
    #[serde(default)]
    pub public: usize,
    /// Share of the model's output elements produced by unpriced nodes, 0–1.
    pub unpriced_element_share: f64,
    /// `unpriced > 0`, or the framework cannot run the requested mode at all.
    pub partial: bool,
    /// Set when the framework cannot run the mode (training on an inference-only framework).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode_unsupported: Option<String>,
}

impl Coverage {
    /// Counts `fr`'s coverage of `graph`; `model_problems` are the loader's unpriced nodes.
    pub fn of(graph: &Graph, fr: &FrameworkReport, model_problems: &[Problem]) -> Coverage {
        use std::collections::HashSet;
        let priced: HashSet<&str> = fr.nodes.iter().map(|n| n.node.as_str()).collect();
        let unpriced: HashSet<&str> = fr
            .unsupported
            .iter()
            .chain(model_problems)
            .map(|p| p.node.as_str())
            .filter(|n| !priced.contains(n))
            .collect();
        let public: HashSet<&str> = graph
            .nodes
            .iter()
            .filter(|n| n.is_public() && !priced.contains(n.name.as_str()))
            .map(|n| n.name.as_str())
            .collect();
        let unpriced: HashSet<&str> = unpriced.difference(&public).copied().collect();
        let total: u128 = graph.nodes.iter().map(|n| n.out_numel(0) as u128).sum();
        let missing: u128 =
            graph.nodes.iter().filter(|n| unpriced.contains(n.name.as_str())).map(|n| n.out_numel(0) as u128).sum();
        let in_graph_priced = graph.nodes.iter().filter(|n| priced.contains(n.name.as_str())).count();
        let in_graph_unpriced = graph.nodes.iter().filter(|n| unpriced.contains(n.name.as_str())).count();
        let unpriced_count = in_graph_unpriced.max(unpriced.len().min(graph.nodes.len()));
        Coverage {
            nodes: graph.nodes.len(),
            priced: in_graph_priced,
            free: graph.nodes.len().saturating_sub(in_graph_priced + unpriced_count + public.len()),
            unpriced: unpriced_count,
            public: public.len(),
            unpriced_element_share: if total == 0 { 0.0 } else { missing as f64 / total as f64 },
            partial: unpriced_count > 0,
            mode_unsupported: None,
        }
    }
    /// One line for a table: "partial: 12 of 796 nodes unpriced (3.1 % of elements)".
    pub fn summary(&self) -> String {
        if let Some(why) = &self.mode_unsupported {
            return format!("not available: {why}");
        }
        if self.partial {
            format!(
                "partial: {} of {} nodes unpriced ({:.1} % of output elements); {} priced, {} free, {} public",
                self.unpriced,
                self.nodes,
                100.0 * self.unpriced_element_share,
                self.priced,
                self.free,
                self.public
            )
        } else {
            format!(
                "complete: {} priced, {} free, {} public of {} nodes",
                self.priced, self.free, self.public, self.nodes
            )
        }
    }
}

impl FrameworkReport {
    /// Recomputes `total` and `phases` from `nodes`.
    pub fn finish(&mut self, parties: usize) {
        let mut total = Cost::zero(parties);
        let mut phases: Vec<PhaseCost> = Vec::new();
        for n in &self.nodes {
            total += &n.cost;
            if self.mode == Mode::Training {
                match phases.iter_mut().find(|p| p.phase == n.phase) {
                    Some(p) => p.cost += &n.cost,
                    None => phases.push(PhaseCost { phase: n.phase, cost: Cost::zero(parties) + n.cost.clone() }),
                }
            }
        }
        if self.mode == Mode::Training {
            for ph in Phase::ALL {
                if !phases.iter().any(|p| p.phase == ph) {
                    phases.push(PhaseCost { phase: ph, cost: Cost::zero(parties) });
                }
            }
            phases.sort_by_key(|p| p.phase);
        }
        self.total = total;
        self.phases = phases;
    }
}

/// A tensor as the report shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TensorRow {
    pub name: String,
    pub shape: Option<Shape>,
    pub dtype: String,
    /// Known to every party (`src/public.rs`); a model input is public or secret by this flag.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
}

impl From<&Tensor> for TensorRow {
    fn from(t: &Tensor) -> Self {
        let public = t.origin == crate::graph::Origin::Constant;
        TensorRow { name: t.name.clone(), shape: t.shape.clone(), dtype: t.dtype.clone(), public }
    }
}

/// The model section of the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub file: String,
    pub opset: i64,
    pub producer: String,
    pub inputs: Vec<TensorRow>,
    pub outputs: Vec<TensorRow>,
    pub node_count: usize,
    pub parameters: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One graph node as the report lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeRow {
    pub name: String,
    pub op: String,
    pub scope: Vec<String>,
    pub inputs: Vec<Option<Shape>>,
    pub outputs: Vec<Option<Shape>>,
    /// Elements of the first output (0 when unknown).
    pub elements: u64,
    /// Computed from public values only: free in every framework (`src/public.rs`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: String,
    pub mode: Mode,
    pub batch: u64,
    pub model: ModelSummary,
    pub unsupported: Vec<Problem>,
    pub nodes: Vec<NodeRow>,
    pub frameworks: Vec<FrameworkReport>,
    /// Headline figures, dearest layers and op kinds, best what-ifs; filled on
    /// request ([`crate::summary::summarize`]: CLI `--summary`, the web page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<crate::summary::Summary>,
    /// LLM generation: prefill and per-token decode ([`crate::generation`]); CLI `--gen-tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<crate::generation::Generation>,
}

/// Whether positive values span more than two orders of magnitude: where a linear bar chart
/// would leave the small bars as slivers, the page's charts start on a log scale.
pub fn spans_two_orders(values: impl IntoIterator<Item = u64>) -> bool {
    let (lo, hi) = values.into_iter().filter(|v| *v > 0).fold((u64::MAX, 0), |(lo, hi), v| (lo.min(v), hi.max(v)));
    hi > 0 && hi as f64 / lo as f64 > 100.0
}

impl Report {
    /// Whether the frameworks' total bytes span more than two orders of magnitude
    /// ([`spans_two_orders`]): the page's default for its log scale.
    pub fn totals_span_two_orders(&self) -> bool {
        spans_two_orders(self.frameworks.iter().map(|f| f.total.bytes))
    }

    /// The graph part of a report; `frameworks` is filled by [`crate::profile`].
    pub fn from_graph(g: &Graph, mode: Mode) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: format!("mpclens {}", env!("CARGO_PKG_VERSION")),
            mode,
            batch: g.batch(),
            model: ModelSummary {
                file: g.file.clone(),
                opset: g.opset,
                producer: g.producer.clone(),
                inputs: g.inputs.iter().map(TensorRow::from).collect(),
                outputs: g.outputs.iter().map(TensorRow::from).collect(),
                node_count: g.nodes.len(),
                parameters: g.parameters,
                notes: g.notes.clone(),
            },
            unsupported: g.unsupported.clone(),
            nodes: g
                .nodes
                .iter()
                .map(|n| NodeRow {
                    name: n.name.clone(),
                    op: n.op.clone(),
                    scope: n.scope.clone(),
                    inputs: n.inputs.iter().map(|t| t.shape.clone()).collect(),
                    outputs: n.outputs.iter().map(|t| t.shape.clone()).collect(),
                    elements: n.out_numel(0),
                    public: n.is_public(),
                })
                .collect(),
            frameworks: Vec::new(),
            summary: None,
            generation: None,
        }
    }
}
