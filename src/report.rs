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
}

impl From<&Tensor> for TensorRow {
    fn from(t: &Tensor) -> Self {
        TensorRow { name: t.name.clone(), shape: t.shape.clone(), dtype: t.dtype.clone() }
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
}

impl Report {
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
                })
                .collect(),
            frameworks: Vec::new(),
        }
    }
}
