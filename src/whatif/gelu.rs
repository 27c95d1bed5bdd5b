//! `gelu-tanh` and `gelu-quad`: a Gelu node, or the exact-GELU pattern of exports below
//! opset 20 (found from its Erf), becomes the tanh form or MPCFormer's Quad.

use super::site::{near, orphaned_constants, other_input, other_than_scalar, scalar, Group, Names, Wiring};
use super::{one, Edit, GeluSub};
use crate::graph::{Attr, Graph, Node, Tensor};
use std::collections::{BTreeMap, HashSet};

/// A recognised exact GELU: its input, output, and the nodes it spans.
struct GeluSite {
    x: Tensor,
    out: Tensor,
    nodes: Vec<usize>,
    /// Where the new nodes' names start (`/encoder/layer.0/`).
    prefix: String,
}

/// The exact-GELU pattern PyTorch exports below opset 20
/// (`torch/onnx/symbolic_opset9.py`, `gelu`): `Div(x, √2) → Erf → Add(·, 1) →
/// Mul(x, ·) → Mul(·, 0.5)`; also `x·(1/√2)` for the Div and the 0.5 applied to
/// `x` or to `1 + erf` first (the Hugging Face `x * 0.5 * (1 + erf(x / √2))`).
/// Every intermediate tensor must have this pattern as its only reader.
fn gelu_at(g: &Graph, w: &Wiring, e: usize) -> Option<GeluSite> {
    let erf = &g.nodes[e];
    if erf.op != "Erf" || erf.inputs.len() != 1 || erf.outputs.len() != 1 {
        return None;
    }
    let d = *w.producer.get(erf.inputs[0].name.as_str())?;
    w.sole_consumer(&erf.inputs[0].name)?;
    let dn = &g.nodes[d];
    let x = match dn.op.as_str() {
        "Div" if dn.inputs.len() == 2 && scalar(&dn.inputs[1]).is_some_and(|v| near(v, std::f64::consts::SQRT_2)) => {
            &dn.inputs[0]
        }
        "Mul" => other_than_scalar(dn, std::f64::consts::FRAC_1_SQRT_2)?,
        _ => return None,
    };
    let a = w.sole_consumer(&erf.outputs[0].name)?;
    let an = &g.nodes[a];
    if an.op != "Add" || other_than_scalar(an, 1.0)?.name != erf.outputs[0].name {
        return None;
    }
    let m = w.sole_consumer(&an.outputs.first()?.name)?;
    let mn = &g.nodes[m];
    if mn.op != "Mul" {
        return None;
    }
    let a_out = &an.outputs[0].name;
    let mut nodes = vec![d, e, a, m];
    let out = if let Some(y) = other_than_scalar(mn, 0.5).filter(|y| &y.name == a_out) {
        // (1 + erf) · 0.5, then · x
        let m2 = w.sole_consumer(&mn.outputs.first()?.name)?;
        let m2n = &g.nodes[m2];
        (m2n.op == "Mul" && other_input(m2n, &mn.outputs[0].name)?.name == x.name && y.name == *a_out).then_some(())?;
        nodes.push(m2);
        m2n.outputs.first()?
    } else {
        let y = other_input(mn, a_out)?;
        if y.name == x.name {
            // x · (1 + erf), then · 0.5
            let m2 = w.sole_consumer(&mn.outputs.first()?.name)?;
            let m2n = &g.nodes[m2];
            (m2n.op == "Mul" && other_than_scalar(m2n, 0.5)?.name == mn.outputs[0].name).then_some(())?;
            nodes.push(m2);
            m2n.outputs.first()?
        } else {
            // (x · 0.5) · (1 + erf)
            let h = *w.producer.get(y.name.as_str())?;
            let hn = &g.nodes[h];
            (hn.op == "Mul" && other_than_scalar(hn, 0.5)?.name == x.name && w.sole_consumer(&y.name) == Some(m))
                .then_some(())?;
            nodes.push(h);
            mn.outputs.first()?
        }
    };
    nodes.sort_unstable();
    let prefix = match erf.name.rfind('/') {
        Some(i) => erf.name[..=i].to_string(),
        None => String::new(),
    };
    Some(GeluSite { x: x.clone(), out: out.clone(), nodes, prefix })
}

/// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x·x·x)))`, in the order PyTorch
/// exports it below opset 20 (`symbolic_opset9.py`, `gelu`, approximate="tanh").
fn gelu_tanh_nodes(mut b: Group, x: &Tensor, out: &Tensor) -> Vec<Node> {
    let x2 = b.op("Mul", vec![x.clone(), x.clone()]);
    let x3 = b.op("Mul", vec![x.clone(), x2]);
    let kappa = b.scalar(0.044715);
    let k = b.op("Mul", vec![x3, kappa]);
    let inner = b.op("Add", vec![x.clone(), k]);
    let beta = b.scalar((2.0 / std::f64::consts::PI).sqrt());
    let inner = b.op("Mul", vec![inner, beta]);
    let t = b.op("Tanh", vec![inner]);
    let one = b.scalar(1.0);
    let t1 = b.op("Add", vec![t, one]);
    let xt = b.op("Mul", vec![x.clone(), t1]);
    let half = b.scalar(0.5);
    b.finish("Mul", vec![xt, half], out)
}

/// MPCFormer's Quad: `0.125·x² + 0.25·x + 0.5`.
fn gelu_quad_nodes(mut b: Group, x: &Tensor, out: &Tensor) -> Vec<Node> {
    let sq = b.op("Mul", vec![x.clone(), x.clone()]);
    let c2 = b.scalar(0.125);
    let a = b.op("Mul", vec![sq, c2]);
    let c1 = b.scalar(0.25);
    let l = b.op("Mul", vec![x.clone(), c1]);
    let s = b.op("Add", vec![a, l]);
    let c0 = b.scalar(0.5);
    b.finish("Add", vec![s, c0], out)
}

/// A Gelu node (opset ≥ 20): the tanh form is the same node with `approximate="tanh"`.
pub(super) fn at_gelu(i: usize, n: &Node, sub: GeluSub, names: &mut Names) -> Option<Edit> {
    match sub {
        GeluSub::Tanh if n.attr_str("approximate") != Some("tanh") => {
            let mut m = n.clone();
            m.attrs.insert("approximate".into(), Attr::Str("tanh".into()));
            Some(one(i, m, "gelu-tanh"))
        }
        GeluSub::Quad if n.inputs.len() == 1 => {
            let prefix = n.name.rfind('/').map_or(String::new(), |k| n.name[..=k].to_string());
            let b = Group::new(names, &prefix, "gelu_quad", &n.inputs[0])?;
            Some(Edit { what: "gelu-quad", remove: vec![i], nodes: gelu_quad_nodes(b, &n.inputs[0], &n.outputs[0]) })
        }
        _ => None,
    }
}

/// The exact-GELU pattern around the Erf node `i`, with the Constant nodes only it reads.
pub(super) fn at_erf(
    g: &Graph,
    i: usize,
    sub: GeluSub,
    wiring: &Wiring,
    names: &mut Names,
    used: &HashSet<usize>,
) -> Option<Edit> {
    let site = gelu_at(g, wiring, i).filter(|s| s.nodes.iter().all(|k| !used.contains(k)))?;
    let mut remove = site.nodes.clone();
    remove.extend(orphaned_constants(g, wiring, &site.nodes));
    remove.sort_unstable();
    let (tag, what) = match sub {
        GeluSub::Tanh => ("gelu_tanh", "gelu-tanh"),
        GeluSub::Quad => ("gelu_quad", "gelu-quad"),
    };
    let mut b = Group::new(names, &site.prefix, tag, &site.x)?;
    let nodes = match sub {
        // Opset 20 has the Gelu operator: one node, as PyTorch exports it there.
        GeluSub::Tanh if g.opset >= 20 => {
            let attrs = BTreeMap::from([("approximate".to_string(), Attr::Str("tanh".into()))]);
            let name = b.node_name("Gelu");
            b.push(name, "Gelu", vec![site.x.clone()], site.out.clone(), attrs);
            b.nodes
        }
        GeluSub::Tanh => gelu_tanh_nodes(b, &site.x, &site.out),
        GeluSub::Quad => gelu_quad_nodes(b, &site.x, &site.out),
    };
    Some(Edit { what, remove, nodes })
}
