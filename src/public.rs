//! Public values: what every party may see in the clear, so no framework spends a byte on it.
//!
//! The rule (README "Public and secret values"):
//! - A graph input is public when its element type is an integer or boolean (token ids,
//!   positions, attention masks) and secret when it is a float (pixels, audio features,
//!   embeddings), unless the request says otherwise for that input by name.
//! - Constants are public: `Constant` nodes, integer initializers, and float initializers of a
//!   single element (the attention scale, epsilons and exponents a dynamo export stores as
//!   initializers; no layer's parameter is one number; the loader gives them
//!   [`Origin::Constant`]). Other float initializers are weights, secret.
//! - A node's outputs are public when every input is public, or when it reads only shapes
//!   (`Shape`, `Size`). Everything else is secret.
//!
//! Public tensors get [`Origin::Constant`]; a node whose outputs are all public is public
//! ([`crate::graph::Node::is_public`]). The profiler hides public nodes from every cost model and
//! counts them in `Coverage::public`: each party computes them locally, as it computes shapes.

use crate::graph::{Graph, Origin};
use std::collections::{BTreeMap, HashSet};

/// Element types whose inputs are public by default.
pub fn public_by_default(dtype: &str) -> bool {
    dtype == "bool" || dtype.starts_with("int") || dtype.starts_with("uint")
}

/// Marks every public tensor of `graph` as [`Origin::Constant`]. `overrides` maps an input name to
/// `true` (public) or `false` (secret); an unknown name is an error that lists the inputs.
pub fn mark(graph: &mut Graph, overrides: &BTreeMap<String, bool>) -> Result<(), String> {
    for name in overrides.keys() {
        if !graph.inputs.iter().any(|t| &t.name == name) {
            let names: Vec<&str> = graph.inputs.iter().map(|t| t.name.as_str()).collect();
            return Err(format!("no input named '{name}': the model's inputs are {}", names.join(", ")));
        }
    }
    let mut public: HashSet<String> = HashSet::new();
    for t in &mut graph.inputs {
        if overrides.get(&t.name).copied().unwrap_or_else(|| public_by_default(&t.dtype)) {
            t.origin = Origin::Constant;
            public.insert(t.name.clone());
        }
    }
    for n in &mut graph.nodes {
        for t in &mut n.inputs {
            if public.contains(&t.name) {
                t.origin = Origin::Constant;
            } else if t.origin == Origin::Constant {
                public.insert(t.name.clone());
            }
        }
        let shape_only = crate::ops::reads_shapes_only(&n.op);
        let from_public = !n.inputs.is_empty() && n.inputs.iter().all(|t| t.origin == Origin::Constant);
        let is_public = shape_only || from_public || n.op == "Constant";
        for t in &mut n.outputs {
            t.origin = if is_public { Origin::Constant } else { Origin::Activation };
            if is_public {
                public.insert(t.name.clone());
            }
        }
    }
    for t in &mut graph.outputs {
        if public.contains(&t.name) {
            t.origin = Origin::Constant;
        }
    }
    Ok(())
}

/// The names of the public graph inputs, for the model summary.
pub fn public_inputs(graph: &Graph) -> Vec<&str> {
    graph.inputs.iter().filter(|t| t.origin == Origin::Constant).map(|t| t.name.as_str()).collect()
}
