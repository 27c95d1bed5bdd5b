//! Finding sites and building their replacement nodes: who reads and writes each tensor,
//! public scalars, fresh names, and the node builder every substitution uses.

use crate::graph::{Attr, Graph, Node, Origin, Tensor};
use crate::scope::scope_of;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Who produces and who consumes each tensor.
pub(super) struct Wiring<'g> {
    pub(super) producer: HashMap<&'g str, usize>,
    pub(super) consumers: HashMap<&'g str, Vec<usize>>,
    pub(super) outputs: HashSet<&'g str>,
}

impl<'g> Wiring<'g> {
    pub(super) fn new(g: &'g Graph) -> Self {
        let mut producer = HashMap::new();
        let mut consumers: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, n) in g.nodes.iter().enumerate() {
            for t in &n.outputs {
                producer.insert(t.name.as_str(), i);
            }
            for t in &n.inputs {
                let c = consumers.entry(t.name.as_str()).or_default();
                if c.last() != Some(&i) {
                    c.push(i);
                }
            }
        }
        Wiring { producer, consumers, outputs: g.outputs.iter().map(|t| t.name.as_str()).collect() }
    }
    /// The single node that reads tensor `t` (and `t` is no graph output).
    pub(super) fn sole_consumer(&self, t: &str) -> Option<usize> {
        match self.consumers.get(t).map(Vec::as_slice) {
            Some([i]) if !self.outputs.contains(t) => Some(*i),
            _ => None,
        }
    }
}

/// Value of a public scalar (a Constant output or small constant initializer).
pub(super) fn scalar(t: &Tensor) -> Option<f64> {
    match (t.origin, t.value.as_deref()) {
        (Origin::Constant, Some([v])) => Some(*v),
        _ => None,
    }
}

pub(super) fn near(v: f64, want: f64) -> bool {
    (v - want).abs() <= 1e-4 * want.abs().max(1.0)
}

/// For a binary node with one public scalar operand ≈ `want`: the other operand.
pub(super) fn other_than_scalar(n: &Node, want: f64) -> Option<&Tensor> {
    if n.inputs.len() != 2 {
        return None;
    }
    match (scalar(&n.inputs[0]), scalar(&n.inputs[1])) {
        (_, Some(v)) if near(v, want) => Some(&n.inputs[0]),
        (Some(v), _) if near(v, want) => Some(&n.inputs[1]),
        _ => None,
    }
}

/// The other operand of a binary node, given one operand's name.
pub(super) fn other_input<'n>(n: &'n Node, name: &str) -> Option<&'n Tensor> {
    match n.inputs.as_slice() {
        [a, b] if a.name == name => Some(b),
        [a, b] if b.name == name => Some(a),
        _ => None,
    }
}

/// Unique node and tensor names for the new nodes.
pub(super) struct Names(HashSet<String>);

impl Names {
    pub(super) fn new(g: &Graph) -> Names {
        let mut s = HashSet::new();
        for t in g.inputs.iter().chain(&g.outputs) {
            s.insert(t.name.clone());
        }
        for n in &g.nodes {
            s.insert(n.name.clone());
            for t in n.inputs.iter().chain(&n.outputs) {
                s.insert(t.name.clone());
            }
        }
        Names(s)
    }
    pub(super) fn fresh(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut k = 0;
        while self.0.contains(&name) {
            k += 1;
            name = format!("{base}_{k}");
        }
        self.0.insert(name.clone());
        name
    }
}

/// Builds the replacement nodes of one site, named `<prefix><group>/<Op>` so
/// that they roll up under their own scope next to the original layer.
pub(super) struct Group<'a> {
    names: &'a mut Names,
    group: String,
    /// Element type and shape of the site's input.
    dtype: String,
    shape: Vec<u64>,
    pub(super) nodes: Vec<Node>,
}

impl<'a> Group<'a> {
    pub(super) fn new(names: &'a mut Names, prefix: &str, tag: &str, x: &Tensor) -> Option<Group<'a>> {
        let shape = x.shape.clone()?;
        if !matches!(x.dtype.as_str(), "float" | "double") {
            return None;
        }
        let group = names.fresh(&format!("{prefix}{tag}"));
        Some(Group { names, group, dtype: x.dtype.clone(), shape, nodes: Vec::new() })
    }
    pub(super) fn node_name(&mut self, op: &str) -> String {
        self.names.fresh(&format!("{}/{op}", self.group))
    }
    pub(super) fn tensor(
        &mut self,
        node: &str,
        shape: Vec<u64>,
        dtype: &str,
        origin: Origin,
        value: Option<Vec<f64>>,
    ) -> Tensor {
        Tensor {
            name: self.names.fresh(&format!("{node}_output_0")),
            shape: Some(shape),
            dtype: dtype.into(),
            origin,
            value,
        }
    }
    pub(super) fn push(
        &mut self,
        name: String,
        op: &str,
        inputs: Vec<Tensor>,
        out: Tensor,
        attrs: BTreeMap<String, Attr>,
    ) -> Tensor {
        self.nodes.push(Node {
            scope: scope_of(&name),
            name,
            op: op.into(),
            domain: String::new(),
            inputs,
            outputs: vec![out.clone()],
            attrs,
        });
        out
    }
    /// An activation with the site's shape, computed by a new `op` node.
    pub(super) fn op(&mut self, op: &str, inputs: Vec<Tensor>) -> Tensor {
        let (shape, dtype) = (self.shape.clone(), self.dtype.clone());
        let name = self.node_name(op);
        let out = self.tensor(&name, shape, &dtype, Origin::Activation, None);
        self.push(name, op, inputs, out, BTreeMap::new())
    }
    /// A `Constant` node holding a public value (stored as the file will hold
    /// it: f32-rounded for `float`).
    pub(super) fn constant(&mut self, shape: Vec<u64>, dtype: &str, value: Vec<f64>) -> Tensor {
        let value = if dtype == "float" { value.into_iter().map(|v| f64::from(v as f32)).collect() } else { value };
        let name = self.node_name("Constant");
        let out = self.tensor(&name, shape, dtype, Origin::Constant, Some(value));
        self.push(name, "Constant", Vec::new(), out, BTreeMap::new())
    }
    /// A scalar of the site's float type.
    pub(super) fn scalar(&mut self, v: f64) -> Tensor {
        let dtype = self.dtype.clone();
        self.constant(Vec::new(), &dtype, vec![v])
    }
    /// `ReduceSum(x, axes, keepdims=1)`: axes as an input from opset 13, as an
    /// attribute before.
    pub(super) fn reduce_sum(&mut self, x: Tensor, axes: &[usize], opset: i64) -> Tensor {
        let mut shape = self.shape.clone();
        for &a in axes {
            shape[a] = 1;
        }
        let ints: Vec<i64> = axes.iter().map(|&a| a as i64).collect();
        let mut attrs = BTreeMap::from([("keepdims".to_string(), Attr::Int(1))]);
        let mut inputs = vec![x];
        if opset >= 13 {
            inputs.push(self.constant(vec![ints.len() as u64], "int64", ints.iter().map(|&a| a as f64).collect()));
        } else {
            attrs.insert("axes".into(), Attr::Ints(ints));
        }
        let dtype = self.dtype.clone();
        let name = self.node_name("ReduceSum");
        let out = self.tensor(&name, shape, &dtype, Origin::Activation, None);
        self.push(name, "ReduceSum", inputs, out, attrs)
    }
    /// The last node writes the site's original output tensor.
    pub(super) fn finish(mut self, op: &str, inputs: Vec<Tensor>, out: &Tensor) -> Vec<Node> {
        let name = self.node_name(op);
        self.push(name, op, inputs, out.clone(), BTreeMap::new());
        self.nodes
    }
}

/// The graph's Constant nodes whose every output is read only by `removed`
/// nodes: they go with them.
pub(super) fn orphaned_constants(g: &Graph, w: &Wiring, removed: &[usize]) -> Vec<usize> {
    let set: HashSet<usize> = removed.iter().copied().collect();
    let mut out = Vec::new();
    for &i in removed {
        for t in &g.nodes[i].inputs {
            let Some(&p) = w.producer.get(t.name.as_str()) else { continue };
            let pn = &g.nodes[p];
            if pn.op != "Constant" || set.contains(&p) || out.contains(&p) {
                continue;
            }
            let only_here = pn.outputs.iter().all(|o| {
                !w.outputs.contains(o.name.as_str())
                    && w.consumers.get(o.name.as_str()).is_none_or(|c| c.iter().all(|c| set.contains(c)))
            });
            if only_here {
                out.push(p);
            }
        }
    }
    out
}
