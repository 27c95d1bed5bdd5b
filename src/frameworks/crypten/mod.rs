//! CrypTen 0.4.1 (facebookresearch/CrypTen): arithmetic secret sharing over
//! Z_2^64 with 16 fractional bits, Beaver triples from a trusted first party
//! (TFP, default) or a trusted third party (TTP).
//!
//! Figures are what CrypTen's own counters report (`get_communication_stats()`
//! with `cfg.communicator.verbose = True`), per party; `tests/crypten.rs`
//! compares them with counters recorded from real runs (validation/crypten/).

mod ops;
mod proto;
mod train;

#[cfg(test)]
pub(crate) use ops::priced_ops;
#[cfg(test)]
pub(crate) use train::{autograd_forward_ops, backward_ops};

use super::CostModel;
use crate::cost::Cost;
use crate::graph::{Graph, Problem};
use crate::report::{FrameworkReport, Mode, NodeCost, Phase};
use crate::settings::{Allowed, SettingSpec, Settings};
use proto::Tally;

pub struct CrypTen;

/// Settings and their defaults from CrypTen's `configs/default.yaml`.
const SETTINGS: &[SettingSpec] = &[
    SettingSpec { key: "parties", default: "2", allowed: Allowed::Int { min: 2, max: 16 }, help: "world size; 3+ makes truncation interactive and A2B deeper" },
    SettingSpec { key: "provider", default: "tfp", allowed: Allowed::OneOf(&["tfp", "ttp"]), help: "tuple provider (mpc.provider); TTP traffic is logged by rank 0 only" },
    SettingSpec { key: "max_method", default: "log_reduction", allowed: Allowed::OneOf(&["log_reduction", "pairwise"]), help: "functions.max_method (max, MaxPool, Softmax)" },
    SettingSpec { key: "exp_iterations", default: "8", allowed: Allowed::Int { min: 1, max: 32 }, help: "functions.exp_iterations" },
    SettingSpec { key: "reciprocal_nr_iters", default: "10", allowed: Allowed::Int { min: 1, max: 64 }, help: "functions.reciprocal_nr_iters" },
    SettingSpec { key: "sqrt_nr_iters", default: "3", allowed: Allowed::Int { min: 1, max: 64 }, help: "functions.sqrt_nr_iters" },
    SettingSpec { key: "log_iterations", default: "2", allowed: Allowed::Int { min: 1, max: 64 }, help: "functions.log_iterations" },
    SettingSpec { key: "erf_iterations", default: "8", allowed: Allowed::Int { min: 1, max: 64 }, help: "functions.erf_iterations" },
    SettingSpec { key: "optimizer", default: "sgd", allowed: Allowed::OneOf(&["sgd", "update_parameters"]), help: "training update: crypten.optim.SGD (no gradient threshold) or Module.update_parameters (grad_threshold=100)" },
];

/// The settings a cost formula reads.
pub struct Config {
    pub parties: usize,
    pub ttp: bool,
    pub max_method: String,
    pub exp_iters: u64,
    pub reciprocal_iters: u64,
    pub sqrt_iters: u64,
    pub log_iters: u64,
    pub erf_iters: u64,
    pub update_parameters: bool,
}

impl Config {
    fn from(s: &Settings) -> Config {
        Config {
            parties: s.int("parties").max(2) as usize,
            ttp: s.get("provider") == "ttp",
            max_method: s.get("max_method").to_string(),
            exp_iters: s.int("exp_iterations") as u64,
            reciprocal_iters: s.int("reciprocal_nr_iters") as u64,
            sqrt_iters: s.int("sqrt_nr_iters") as u64,
            log_iters: s.int("log_iterations") as u64,
            erf_iters: s.int("erf_iterations") as u64,
            update_parameters: s.get("optimizer") == "update_parameters",
        }
    }
}

impl CostModel for CrypTen {
    fn name(&self) -> &'static str {
        "crypten"
    }
    fn title(&self) -> &'static str {
        "CrypTen 0.4.1"
    }
    fn settings(&self) -> &'static [SettingSpec] {
        SETTINGS
    }
    fn supports_training(&self) -> bool {
        true
    }

    /// `crypten.nn.from_onnx` builds a module for every node, public or not, so an op it has no
    /// module for stops the load even when it only builds a mask from public values
    /// (`crypten/nn/onnx_converter.py` `_to_crypten`): the user computes it in the clear first.
    fn public_node_warnings(&self, public: &[&crate::graph::Node]) -> Vec<String> {
        let mut rejected: Vec<String> =
            public.iter().filter(|n| ops::port(&n.op).is_none()).filter_map(|n| ops::load_rejection(n)).collect();
        rejected.sort();
        rejected.dedup();
        if rejected.is_empty() {
            return Vec::new();
        }
        vec![format!(
            "CrypTen cannot run this model as exported: crypten.nn.from_onnx rejects {} on public values (no cost: compute them in the clear and pass the result as a public input).",
            rejected.join(", ")
        )]
    }
    fn profile(&self, graph: &Graph, mode: Mode, settings: &Settings) -> FrameworkReport {
        let cfg = Config::from(settings);
        let mut report = FrameworkReport {
            coverage: Default::default(),
            framework: self.name().into(),
            title: self.title().into(),
            mode,
            settings: settings.clone(),
            round_definition: "one communicator call (an all_reduce of a batch of tensors is one round), as counted by CrypTen's communicator".into(),
            counting: "per party, CrypTen's get_communication_stats() with communicator.verbose: 8 bytes per ring element, sends and receives both logged; TTP dealer traffic only in rank 0's counters (offline). Total = sum over parties / 2 + dealer traffic.".into(),
            total: Cost::zero(cfg.parties),
            phases: Vec::new(),
            nodes: Vec::new(),
            unsupported: Vec::new(),
            warnings: Vec::new(),
        };
        let mut cannot_load = Vec::new();
        let mut ported = Vec::new();
        let grads = train::requires_grad(graph);
        // The IsNaN port returns a public mask, so a Where on it has a public condition.
        let nan_masks: std::collections::HashSet<&str> = graph
            .nodes
            .iter()
            .filter(|n| n.op == "IsNaN")
            .flat_map(|n| n.outputs.iter().map(|o| o.name.as_str()))
            .collect();
        for node in &graph.nodes {
            let public_mask;
            let node = if node.op == "Where" && node.inputs.first().is_some_and(|c| nan_masks.contains(c.name.as_str()))
            {
                let mut n = node.clone();
                n.inputs[0].origin = crate::graph::Origin::Constant;
                public_mask = n;
                &public_mask
            } else {
                node
            };
            crate::budget::at_node(&node.name, &node.op);
            if graph.unsupported.iter().any(|p| p.node == node.name) {
                continue;
            }
            let rejected = ops::load_rejection(node);
            let loadable = rejected.is_none();
            let port = ops::node_port(node);
            if let Some(p) = port {
                ported.push(format!("{} as {p}", node.op));
            } else if let Some(what) = &rejected {
                cannot_load.push(what.clone());
            }
            let mut t = Tally::new(cfg.parties, cfg.ttp);
            let autograd = mode == Mode::Training && node.inputs.first().is_some_and(|x| grads.contains(&x.name));
            let priced = if autograd && train::training_forward(node, &mut t) {
                Ok(())
            } else {
                ops::forward(node, &cfg, &mut t)
            };
            match priced {
                Ok(()) => {
                    let approximate = if let Some(p) = port {
                        let why = match &rejected {
                            Some(what) if what == &node.op => format!("CrypTen's from_onnx has no {what}"),
                            Some(what) => format!("CrypTen's from_onnx cannot run {what}"),
                            None => format!("CrypTen's {} module fails on this form", node.op),
                        };
                        Some(format!("port: {why}; priced as the port {p} (validation/crypten/ports.py), measured"))
                    } else {
                        rejected
                            .as_ref()
                            .map(|what| {
                                format!(
                                    "CrypTen cannot load {what} from ONNX; costed from the math of its tensor function"
                                )
                            })
                            .or(t.approximate.take())
                    };
                    report.nodes.push(NodeCost {
                        node: node.name.clone(),
                        op: node.op.clone(),
                        scope: node.scope.clone(),
                        phase: Phase::Forward,
                        cost: t.total(),
                        steps: t.steps,
                        approximate,
                    });
                }
                Err(_) => report.unsupported.push(Problem {
                    node: node.name.clone(),
                    op: node.op.clone(),
                    reason: if loadable {
                        "cost of this op's CrypTen implementation not modelled".into()
                    } else {
                        format!("CrypTen does not support ONNX op {}", node.op)
                    },
                }),
            }
        }
        if mode == Mode::Training {
            self.training_rows(graph, &cfg, &mut report);
        }
        if !ported.is_empty() {
            ported.sort();
            ported.dedup();
            report.warnings.push(format!(
                "CrypTen cannot run these ops as exported (from_onnx has no module for them, or its module fails on this form); they are priced as the port a user writes with CrypTen's tensor functions: {}.",
                ported.join("; ")
            ));
        }
        if !cannot_load.is_empty() {
            cannot_load.sort();
            cannot_load.dedup();
            report.warnings.push(format!(
                "CrypTen cannot run this model as exported: crypten.nn.from_onnx rejects {}. Workarounds: {}, replace Tanh by 2·sigmoid(2x)−1, give shared initializers distinct values (removes Identity).",
                cannot_load.join(", "),
                opset_hint(graph)
            ));
        }
        report.finish(cfg.parties);
        report
    }
}

/// How to get an export `from_onnx` loads: at opset ≤ 16 torch decomposes LayerNorm into ops
/// CrypTen has. torch's dynamo exporter (the default since torch 2.9) writes opset 18 or later
/// and keeps `LayerNormalization` whole, so for its files (opset ≥ 18 from PyTorch) the hint names
/// the legacy exporter.
fn opset_hint(graph: &Graph) -> &'static str {
    if graph.producer == "pytorch" && graph.opset >= 18 {
        "this is a dynamo export (opset ≥ 18), which keeps LayerNormalization whole at any opset: export with the legacy exporter, torch.onnx.export(..., dynamo=False, opset_version=16), so LayerNorm decomposes"
    } else {
        "export at opset ≤ 16 (LayerNorm decomposes)"
    }
}

/// Nodes before a GlobalAveragePool whose parameters CrypTen's autograd never reaches: its
/// `GlobalAveragePool.forward` (crypten/nn/module.py) starts from `input.shallow_copy()`, a
/// new tensor without the autograd history, so `loss.backward()` stops there (`train::reached`).
fn cut_by_global_pool(graph: &Graph) -> Option<(String, usize)> {
    let pool = graph.nodes.iter().find(|n| n.op == "GlobalAveragePool")?;
    let reached = train::reached(graph);
    let lost = graph
        .nodes
        .iter()
        .filter(|n| {
            n.inputs.iter().any(|t| t.origin == crate::graph::Origin::Weight)
                && !n.outputs.iter().any(|o| reached.contains(&o.name))
        })
        .count();
    (lost > 0).then(|| (pool.name.clone(), lost))
}

/// The model's parameter tensors (float initializers), each once: name,
/// elements, dims.
fn weight_tensors(graph: &Graph) -> Vec<(String, u64, u64)> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for n in &graph.nodes {
        for t in &n.inputs {
            if t.origin == crate::graph::Origin::Weight && seen.insert(t.name.clone()) {
                out.push((t.name.clone(), t.numel().unwrap_or(0), t.shape.as_ref().map_or(1, |s| s.len() as u64)));
            }
        }
    }
    out
}

impl CrypTen {
    /// Loss, backward and update rows of one SGD step (2+ parties, TFP/TTP).
    fn training_rows(&self, graph: &Graph, cfg: &Config, report: &mut FrameworkReport) {
        let Some((b, c)) = graph.classification_logits() else {
            report.warnings.push(
                "Training needs a [batch, classes] output for the cross-entropy loss; only the forward pass is priced."
                    .into(),
            );
            return;
        };
        let row = |name: &str, op: &str, phase: Phase, t: Tally| NodeCost {
            node: name.into(),
            op: op.into(),
            scope: Vec::new(),
            phase,
            cost: t.total(),
            steps: t.steps,
            approximate: None,
        };
        let mut t = Tally::new(cfg.parties, cfg.ttp);
        train::loss_forward(&mut t, b, c, cfg);
        report.nodes.push(row("loss/CrossEntropyLoss", "CrossEntropyLoss", Phase::Loss, t));
        let mut t = Tally::new(cfg.parties, cfg.ttp);
        train::loss_backward(&mut t, b, c);
        report.nodes.push(row("loss/CrossEntropyLoss.backward", "CrossEntropyLoss", Phase::Backward, t));
        let grads = train::reached(graph);
        if let Some((pool, lost)) = cut_by_global_pool(graph) {
            report.warnings.push(format!(
                "CrypTen trains only the layers after GlobalAveragePool {pool}: its module starts from input.shallow_copy() (crypten/nn/module.py GlobalAveragePool.forward), which drops the autograd history, so loss.backward() stops there and {lost} layers with parameters before it get no gradient. Priced as CrypTen runs it (no backward before the pool). The same network exported with the pool as ReduceMean (torch's dynamo exporter) back-propagates through every layer and costs far more."
            ));
        }
        for node in graph.nodes.iter().rev() {
            crate::budget::at_node(&node.name, &node.op);
            // Only nodes CrypTen's autograd reaches from the loss.
            if !node.outputs.iter().any(|o| grads.contains(&o.name)) {
                continue;
            }
            if node.op == "BatchNormalization" {
                report.warnings.push(format!("CrypTen 0.4.1 cannot run this training step: in training mode its ONNX BatchNormalization module returns (output, running_mean, running_var, None, None) (nn/module.py BatchNormalization.forward), so the layer after {} receives a tuple (AttributeError). Export the model without BatchNorm (fold it) to train in CrypTen.", node.name));
            }
            if node.op == "ReduceMean" {
                report.warnings.push(format!("CrypTen 0.4.1 cannot run this training step: the backward of ReduceMean {} fails (AutogradMean.backward indexes the input size with the ONNX axes list: TypeError in crypten/gradients.py). Priced as if it worked (a public scaling, local).", node.name));
            }
            let mut t = Tally::new(cfg.parties, cfg.ttp);
            match train::backward(node, cfg, &mut t) {
                Ok(()) if t.steps.is_empty() => {}
                Ok(()) => report.nodes.push(NodeCost {
                    node: node.name.clone(),
                    op: node.op.clone(),
                    scope: node.scope.clone(),
                    phase: Phase::Backward,
                    cost: t.total(),
                    steps: t.steps,
                    approximate: None,
                }),
                Err(ops::Unpriced::Fails(why)) => {
                    report
                        .warnings
                        .push(format!("CrypTen 0.4.1 cannot run this training step ({}): {why}.", node.name));
                    report.unsupported.push(Problem {
                        node: node.name.clone(),
                        op: node.op.clone(),
                        reason: why.into(),
                    })
                }
                Err(ops::Unpriced::Unknown) => report.unsupported.push(Problem {
                    node: node.name.clone(),
                    op: node.op.clone(),
                    reason: "backward of this op under CrypTen's autograd not modelled".into(),
                }),
            }
        }
        let mut t = Tally::new(cfg.parties, cfg.ttp);
        if cfg.update_parameters {
            // `Module.update_parameters(lr)` with its default grad_threshold=100
            // (`nn/module.py`): per parameter tensor, clip the gradient by
            // `grad.square() > threshold²` → square (2n, 1), ltz (54n, 8), and the
            // product with the 0/1 mask (4n, 1): 60n elements, 10 rounds per tensor.
            for (name, n, d) in weight_tensors(graph) {
                let _ = name;
                t.square(n, d);
                t.ltz(n, d);
                t.mul_bit("grad·mask", n, n, n, d);
                t.truncate(n, d); // · lr
            }
            report.nodes.push(row("update/update_parameters", "update_parameters", Phase::Update, t));
        } else {
            // `crypten.optim.SGD.step` with the default grad_threshold=None:
            // `p −= lr·grad`, a product with a public float: local for 2 parties, a
            // truncation per parameter element for more (`optim/sgd.py`).
            t.truncate(graph.parameters, 1);
            report.nodes.push(row("update/SGD", "SGD", Phase::Update, t));
        }
    }
}
