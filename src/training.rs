//! What a training step differentiates: which tensors carry a gradient and, per
//! node in backward order, which of its inputs need one.
//!
//! This is the framework-neutral part of the backward pass. Each framework
//! prices the plan with its own autodiff rules (CrypTen, for example, computes
//! some gradients the plan marks as unneeded; its module says which).

use crate::graph::{Graph, Origin};
use std::collections::BTreeSet;

/// One node of the backward pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackwardItem {
    /// Index into `graph.nodes`.
    pub node: usize,
    /// For each input slot: does the loss need a gradient with respect to it?
    pub needs_grad: Vec<bool>,
}

/// The backward pass of one training step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrainingPlan {
    /// Tensors that depend on a trainable weight (and so carry a gradient).
    pub requires_grad: BTreeSet<String>,
    /// Nodes with at least one gradient to propagate, in reverse topological order.
    pub backward: Vec<BackwardItem>,
    /// Names of the trainable weights (float initializers), in first-use order.
    pub weights: Vec<String>,
}

/// Builds the plan: a tensor requires a gradient if it is a weight or is computed
/// from one. Private inputs (the data) do not.
pub fn plan(graph: &Graph) -> TrainingPlan {
    let mut req = BTreeSet::new();
    let mut weights = Vec::new();
    for n in &graph.nodes {
        for t in &n.inputs {
            if t.origin == Origin::Weight && req.insert(t.name.clone()) {
                weights.push(t.name.clone());
            }
        }
        if n.inputs.iter().any(|t| req.contains(&t.name)) {
            for o in &n.outputs {
                req.insert(o.name.clone());
            }
        }
    }
    let backward = graph
        .nodes
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, n)| n.outputs.iter().any(|o| req.contains(&o.name)))
        .map(|(i, n)| BackwardItem { node: i, needs_grad: n.inputs.iter().map(|t| req.contains(&t.name)).collect() })
        .collect();
    TrainingPlan { requires_grad: req, backward, weights }
}
