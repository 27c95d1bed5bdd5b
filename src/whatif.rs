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
//! | key | rewrite | source |
//! |---|---|---|
//! | `relu-square` | `Relu(x)` → `Mul(x, x)` | the square activation of CryptoNets (Gilad-Bachrach et al., ICML 2016) and Delphi's quadratic approximation layers (Mishra et al., USENIX Security 2020) |
//! | `maxpool-avg` | `MaxPool` → `AveragePool`, same window, strides, pads | MiniONN / CryptoNets practice: average pooling needs no comparisons |
//! | `gelu-tanh` | exact GELU → `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` | Hendrycks & Gimpel 2016; the decomposition is the one PyTorch exports below opset 20 (`torch/onnx/symbolic_opset9.py`, `gelu`, approximate="tanh") |
//! | `gelu-quad` | GELU → `0.125·x² + 0.25·x + 0.5` | MPCFormer "Quad" (Li et al., ICLR 2023, §3.2; `DachengLi1/MPCFormer`, `quad`) |
//! | `softmax-2relu` | `Softmax(x)` → `relu(x) / Σ relu(x)` | MPCFormer "2ReLU" (`examples/pytorch/secure-models/utils.py`, `softmax_2RELU`) |
//! | `softmax-2quad` | `Softmax(x)` → `(x + c)² / Σ (x + c)²`, c = 5 | MPCFormer "2Quad" (§3.2, `softmax_2quad`, c = 5) |

use crate::graph::{Attr, Graph, Node, Origin, Tensor};
use crate::loader::wire::put_bytes;
use crate::scope::scope_of;
use prost::Message;
use std::collections::{BTreeMap, HashMap, HashSet};
use tract_onnx::pb;

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

/// Who produces and who consumes each tensor.
struct Wiring<'g> {
    producer: HashMap<&'g str, usize>,
    consumers: HashMap<&'g str, Vec<usize>>,
    outputs: HashSet<&'g str>,
}

impl<'g> Wiring<'g> {
    fn new(g: &'g Graph) -> Self {
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
    fn sole_consumer(&self, t: &str) -> Option<usize> {
        match self.consumers.get(t).map(Vec::as_slice) {
            Some([i]) if !self.outputs.contains(t) => Some(*i),
            _ => None,
        }
    }
}

/// Value of a public scalar (a Constant output or small constant initializer).
fn scalar(t: &Tensor) -> Option<f64> {
    match (t.origin, t.value.as_deref()) {
        (Origin::Constant, Some([v])) => Some(*v),
        _ => None,
    }
}

fn near(v: f64, want: f64) -> bool {
    (v - want).abs() <= 1e-4 * want.abs().max(1.0)
}

/// For a binary node with one public scalar operand ≈ `want`: the other operand.
fn other_than_scalar(n: &Node, want: f64) -> Option<&Tensor> {
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
fn other_input<'n>(n: &'n Node, name: &str) -> Option<&'n Tensor> {
    match n.inputs.as_slice() {
        [a, b] if a.name == name => Some(b),
        [a, b] if b.name == name => Some(a),
        _ => None,
    }
}

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

/// Unique node and tensor names for the new nodes.
struct Names(HashSet<String>);

impl Names {
    fn new(g: &Graph) -> Names {
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
    fn fresh(&mut self, base: &str) -> String {
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
struct Group<'a> {
    names: &'a mut Names,
    group: String,
    /// Element type and shape of the site's input.
    dtype: String,
    shape: Vec<u64>,
    nodes: Vec<Node>,
}

impl<'a> Group<'a> {
    fn new(names: &'a mut Names, prefix: &str, tag: &str, x: &Tensor) -> Option<Group<'a>> {
        let shape = x.shape.clone()?;
        if !matches!(x.dtype.as_str(), "float" | "double") {
            return None;
        }
        let group = names.fresh(&format!("{prefix}{tag}"));
        Some(Group { names, group, dtype: x.dtype.clone(), shape, nodes: Vec::new() })
    }
    fn node_name(&mut self, op: &str) -> String {
        self.names.fresh(&format!("{}/{op}", self.group))
    }
    fn tensor(&mut self, node: &str, shape: Vec<u64>, dtype: &str, origin: Origin, value: Option<Vec<f64>>) -> Tensor {
        Tensor {
            name: self.names.fresh(&format!("{node}_output_0")),
            shape: Some(shape),
            dtype: dtype.into(),
            origin,
            value,
        }
    }
    fn push(
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
    fn op(&mut self, op: &str, inputs: Vec<Tensor>) -> Tensor {
        let (shape, dtype) = (self.shape.clone(), self.dtype.clone());
        let name = self.node_name(op);
        let out = self.tensor(&name, shape, &dtype, Origin::Activation, None);
        self.push(name, op, inputs, out, BTreeMap::new())
    }
    /// A `Constant` node holding a public value (stored as the file will hold
    /// it: f32-rounded for `float`).
    fn constant(&mut self, shape: Vec<u64>, dtype: &str, value: Vec<f64>) -> Tensor {
        let value = if dtype == "float" { value.into_iter().map(|v| f64::from(v as f32)).collect() } else { value };
        let name = self.node_name("Constant");
        let out = self.tensor(&name, shape, dtype, Origin::Constant, Some(value));
        self.push(name, "Constant", Vec::new(), out, BTreeMap::new())
    }
    /// A scalar of the site's float type.
    fn scalar(&mut self, v: f64) -> Tensor {
        let dtype = self.dtype.clone();
        self.constant(Vec::new(), &dtype, vec![v])
    }
    /// `ReduceSum(x, axes, keepdims=1)`: axes as an input from opset 13, as an
    /// attribute before.
    fn reduce_sum(&mut self, x: Tensor, axes: &[usize], opset: i64) -> Tensor {
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
    fn finish(mut self, op: &str, inputs: Vec<Tensor>, out: &Tensor) -> Vec<Node> {
        let name = self.node_name(op);
        self.push(name, op, inputs, out.clone(), BTreeMap::new());
        self.nodes
    }
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

/// The graph's Constant nodes whose every output is read only by `removed`
/// nodes: they go with them.
fn orphaned_constants(g: &Graph, w: &Wiring, removed: &[usize]) -> Vec<usize> {
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
        let one = |n: Node, what| Edit { what, remove: vec![i], nodes: vec![n] };
        let mut edit = None;
        match (n.op.as_str(), n.domain.as_str()) {
            ("Relu", "") if w.relu_square && n.inputs.len() == 1 => {
                let mut m = n.clone();
                m.op = "Mul".into();
                m.inputs = vec![n.inputs[0].clone(), n.inputs[0].clone()];
                edit = Some(one(m, "relu-square"));
            }
            // AveragePool has no dilations before opset 19 and no Indices output.
            ("MaxPool", "") if w.maxpool_avg => {
                let dilated = n.attr_ints("dilations").is_some_and(|d| d.iter().any(|&v| v != 1));
                let indices_used = n.outputs.get(1).is_some_and(|t| {
                    wiring.consumers.contains_key(t.name.as_str()) || wiring.outputs.contains(t.name.as_str())
                });
                if !dilated && !indices_used {
                    let mut m = n.clone();
                    m.op = "AveragePool".into();
                    m.attrs.remove("dilations");
                    m.attrs.remove("storage_order");
                    m.outputs.truncate(1);
                    edit = Some(one(m, "maxpool-avg"));
                }
            }
            ("Gelu", "") if w.gelu == Some(GeluSub::Tanh) && n.attr_str("approximate") != Some("tanh") => {
                let mut m = n.clone();
                m.attrs.insert("approximate".into(), Attr::Str("tanh".into()));
                edit = Some(one(m, "gelu-tanh"));
            }
            ("Gelu", "") if w.gelu == Some(GeluSub::Quad) && n.inputs.len() == 1 => {
                let prefix = n.name.rfind('/').map_or(String::new(), |k| n.name[..=k].to_string());
                if let Some(b) = Group::new(&mut names, &prefix, "gelu_quad", &n.inputs[0]) {
                    edit = Some(one_of(vec![i], gelu_quad_nodes(b, &n.inputs[0], &n.outputs[0]), "gelu-quad"));
                }
            }
            ("Erf", "") if w.gelu.is_some() => {
                if let Some(site) = gelu_at(g, &wiring, i).filter(|s| s.nodes.iter().all(|k| !used.contains(k))) {
                    let mut remove = site.nodes.clone();
                    remove.extend(orphaned_constants(g, &wiring, &site.nodes));
                    remove.sort_unstable();
                    let (tag, what) = if w.gelu == Some(GeluSub::Tanh) {
                        ("gelu_tanh", "gelu-tanh")
                    } else {
                        ("gelu_quad", "gelu-quad")
                    };
                    if let Some(mut b) = Group::new(&mut names, &site.prefix, tag, &site.x) {
                        let nodes = match w.gelu {
                            // Opset 20 has the Gelu operator: one node, as PyTorch exports it there.
                            Some(GeluSub::Tanh) if g.opset >= 20 => {
                                let attrs = BTreeMap::from([("approximate".to_string(), Attr::Str("tanh".into()))]);
                                let name = b.node_name("Gelu");
                                b.push(name, "Gelu", vec![site.x.clone()], site.out.clone(), attrs);
                                b.nodes
                            }
                            Some(GeluSub::Tanh) => gelu_tanh_nodes(b, &site.x, &site.out),
                            _ => gelu_quad_nodes(b, &site.x, &site.out),
                        };
                        edit = Some(one_of(remove, nodes, what));
                    }
                }
            }
            ("Softmax", "") if w.softmax.is_some() && n.inputs.len() == 1 => {
                let x = &n.inputs[0];
                let rank = x.shape.as_ref().map_or(0, Vec::len) as i64;
                // Opset < 13 normalises over all axes from `axis` on (default 1); from 13 over `axis` (default −1).
                let axis = n.attr_int("axis").unwrap_or(if g.opset < 13 { 1 } else { -1 });
                let a = if axis < 0 { axis + rank } else { axis };
                if rank > 0 && (0..rank).contains(&a) {
                    let axes: Vec<usize> =
                        if g.opset < 13 { (a as usize..rank as usize).collect() } else { vec![a as usize] };
                    let prefix = n.name.rfind('/').map_or(String::new(), |k| n.name[..=k].to_string());
                    let (tag, what) = match w.softmax {
                        Some(SoftmaxSub::TwoRelu) => ("softmax_2relu", "softmax-2relu"),
                        _ => ("softmax_2quad", "softmax-2quad"),
                    };
                    if let Some(mut b) = Group::new(&mut names, &prefix, tag, x) {
                        let num = if w.softmax == Some(SoftmaxSub::TwoRelu) {
                            b.op("Relu", vec![x.clone()])
                        } else {
                            let c = b.scalar(TWO_QUAD_C);
                            let s = b.op("Add", vec![x.clone(), c]);
                            b.op("Mul", vec![s.clone(), s])
                        };
                        let den = b.reduce_sum(num.clone(), &axes, g.opset);
                        edit = Some(one_of(vec![i], b.finish("Div", vec![num, den], &n.outputs[0]), what));
                    }
                }
            }
            _ => {}
        }
        if let Some(e) = edit {
            used.extend(e.remove.iter().copied());
            edits.push(e);
        }
    }
    edits.sort_by_key(|e| e.remove.last().copied());
    edits
}

fn one_of(remove: Vec<usize>, nodes: Vec<Node>, what: &'static str) -> Edit {
    Edit { what, remove, nodes }
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

// ---------------------------------------------------------------------------
// The same rewrite on the ONNX file.

/// One protobuf field: number, the whole field's bytes, and the payload of a
/// length-delimited field.
struct Field<'a> {
    number: u32,
    raw: &'a [u8],
    payload: Option<&'a [u8]>,
}

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    for i in 0..10 {
        let b = *buf.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("varint longer than 10 bytes".into())
}

/// Splits a message into its fields, without decoding them.
fn fields(buf: &[u8]) -> Result<Vec<Field<'_>>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let start = pos;
        let tag = varint(buf, &mut pos)?;
        let skip = |pos: &mut usize, n: usize| -> Result<(), String> {
            *pos = pos
                .checked_add(n)
                .filter(|&e| e <= buf.len())
                .ok_or_else(|| format!("truncated field at byte {start}"))?;
            Ok(())
        };
        let mut payload = None;
        match tag & 7 {
            0 => {
                varint(buf, &mut pos)?;
            }
            1 => skip(&mut pos, 8)?,
            5 => skip(&mut pos, 4)?,
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?).map_err(|_| "length too large")?;
                let from = pos;
                skip(&mut pos, len)?;
                payload = Some(&buf[from..pos]);
            }
            _ => return Err(format!("unsupported wire type at byte {start}")),
        }
        out.push(Field { number: (tag >> 3) as u32, raw: &buf[start..pos], payload });
    }
    Ok(out)
}

/// The graph name the loader gives a node (`NodeProto.name`, else its first output).
fn node_name(p: &pb::NodeProto, i: usize) -> String {
    if !p.name.is_empty() {
        p.name.clone()
    } else if p.output.first().is_some_and(|o| !o.is_empty()) {
        p.output[0].clone()
    } else {
        format!("{}-{}", i, p.op_type)
    }
}

/// An attribute as the loader reads it (scalar and list types only).
fn attr_of(a: &pb::AttributeProto) -> Option<Attr> {
    Some(match a.r#type {
        1 => Attr::Float(f64::from(a.f)),
        2 => Attr::Int(a.i),
        3 => Attr::Str(String::from_utf8_lossy(&a.s).into_owned()),
        6 => Attr::Floats(a.floats.iter().map(|&x| f64::from(x)).collect()),
        7 => Attr::Ints(a.ints.clone()),
        _ => return None,
    })
}

fn attr_proto(name: &str, v: &Attr) -> pb::AttributeProto {
    let mut a = pb::AttributeProto { name: name.into(), ..Default::default() };
    match v {
        Attr::Float(f) => (a.r#type, a.f) = (1, *f as f32),
        Attr::Int(i) => (a.r#type, a.i) = (2, *i),
        Attr::Str(s) => (a.r#type, a.s) = (3, s.as_bytes().to_vec()),
        Attr::Floats(f) => (a.r#type, a.floats) = (6, f.iter().map(|&x| x as f32).collect()),
        Attr::Ints(i) => (a.r#type, a.ints) = (7, i.clone()),
    }
    a
}

/// `Constant`'s `value` tensor for a new node's output.
fn constant_tensor(t: &Tensor) -> Result<pb::TensorProto, String> {
    let shape = t.shape.clone().unwrap_or_default();
    let v = t.value.clone().unwrap_or_default();
    let mut p = pb::TensorProto { dims: shape.iter().map(|&d| d as i64).collect(), ..Default::default() };
    match t.dtype.as_str() {
        "float" => (p.data_type, p.float_data) = (1, v.iter().map(|&x| x as f32).collect()),
        "double" => (p.data_type, p.double_data) = (11, v),
        "int64" => (p.data_type, p.int64_data) = (7, v.iter().map(|&x| x as i64).collect()),
        other => return Err(format!("cannot write a {other} constant")),
    }
    Ok(p)
}

/// A new node as a NodeProto. A node that keeps the name of a node it replaces
/// starts from that node's proto (doc string, attributes it keeps unchanged).
fn node_proto(n: &Node, originals: &[(String, pb::NodeProto)]) -> Result<pb::NodeProto, String> {
    let mut p = originals.iter().find(|(name, _)| *name == n.name).map(|(_, p)| p.clone()).unwrap_or_default();
    p.name = n.name.clone();
    p.op_type = n.op.clone();
    if !(p.domain == "ai.onnx" && n.domain.is_empty()) {
        p.domain = n.domain.clone();
    }
    p.input = n.inputs.iter().map(|t| t.name.clone()).collect();
    p.output = n.outputs.iter().map(|t| t.name.clone()).collect();
    p.attribute.retain(|a| attr_of(a).is_some_and(|v| n.attrs.get(&a.name) == Some(&v)));
    for (k, v) in &n.attrs {
        if !p.attribute.iter().any(|a| &a.name == k) {
            p.attribute.push(attr_proto(k, v));
        }
    }
    if n.op == "Constant" {
        let t = n.outputs.first().ok_or("a Constant node without output")?;
        p.attribute = vec![pb::AttributeProto {
            name: "value".into(),
            r#type: 4,
            t: Some(constant_tensor(t)?),
            ..Default::default()
        }];
    }
    Ok(p)
}

fn rewrite_graph(buf: &[u8], g: &Graph, edits: &[Edit]) -> Result<Vec<u8>, String> {
    let fs = fields(buf)?;
    let raw_nodes: Vec<&[u8]> = fs.iter().filter(|f| f.number == 1).filter_map(|f| f.payload).collect();
    if raw_nodes.len() != g.nodes.len() {
        return Err(format!(
            "the file has {} nodes, the loaded model {}: reload the file and try again",
            raw_nodes.len(),
            g.nodes.len()
        ));
    }
    let protos: Vec<pb::NodeProto> =
        raw_nodes.iter().map(|b| pb::NodeProto::decode(*b).map_err(|e| e.to_string())).collect::<Result<_, _>>()?;
    for (p, n) in protos.iter().zip(&g.nodes) {
        if p.op_type != n.op {
            return Err(format!("node {} is {} in the file but {} in the loaded model", n.name, p.op_type, n.op));
        }
    }
    let mut at: HashMap<usize, &Edit> = HashMap::new();
    let mut removed = HashSet::new();
    for e in edits {
        removed.extend(e.remove.iter().copied());
        at.insert(*e.remove.last().ok_or("empty edit")?, e);
    }
    // Tensors that no longer exist lose their value_info.
    let mut gone: HashSet<&str> = edits
        .iter()
        .flat_map(|e| e.remove.iter().flat_map(|&i| g.nodes[i].outputs.iter().map(|t| t.name.as_str())))
        .collect();
    for e in edits {
        for n in &e.nodes {
            for t in &n.outputs {
                gone.remove(t.name.as_str());
            }
        }
    }
    let mut nodes_out = Vec::new();
    for (i, raw) in raw_nodes.iter().enumerate() {
        if let Some(e) = at.get(&i) {
            let originals: Vec<(String, pb::NodeProto)> =
                e.remove.iter().map(|&k| (node_name(&protos[k], k), protos[k].clone())).collect();
            for n in &e.nodes {
                put_bytes(&mut nodes_out, 1, &node_proto(n, &originals)?.encode_to_vec());
            }
        } else if !removed.contains(&i) {
            put_bytes(&mut nodes_out, 1, raw);
        }
    }
    let mut out = Vec::with_capacity(buf.len() + nodes_out.len());
    let mut nodes_written = false;
    for f in &fs {
        match (f.number, f.payload) {
            (1, Some(_)) => {
                if !nodes_written {
                    out.extend_from_slice(&nodes_out);
                    nodes_written = true;
                }
            }
            (13, Some(vi)) => {
                let name = pb::ValueInfoProto::decode(vi).map(|v| v.name).unwrap_or_default();
                if !gone.contains(name.as_str()) {
                    out.extend_from_slice(f.raw);
                }
            }
            _ => out.extend_from_slice(f.raw),
        }
    }
    Ok(out)
}

/// Applies the substitutions to the ONNX file `bytes` that `g` was loaded from
/// (at any batch size): returns the new file and how many sites changed.
/// Only the graph's node list (and the value_info of removed tensors) changes;
/// every other field, the weights included, is copied byte for byte.
pub fn apply_onnx(bytes: &[u8], g: &Graph, w: WhatIf) -> Result<(Vec<u8>, usize), String> {
    let edits = plan(g, w);
    let mut out = Vec::with_capacity(bytes.len() + 4096);
    let mut graphs = 0;
    for f in fields(bytes).map_err(|e| format!("not a valid ONNX file: {e}"))? {
        match (f.number, f.payload) {
            (7, Some(gb)) => {
                graphs += 1;
                put_bytes(&mut out, 7, &rewrite_graph(gb, g, &edits)?);
            }
            _ => out.extend_from_slice(f.raw),
        }
    }
    if graphs != 1 {
        return Err("not an ONNX model (no single graph)".into());
    }
    Ok((out, edits.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{load, profile, LoadOptions, ProfileRequest};

    fn sample(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/static/samples/{name}.onnx", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }
    fn loaded(name: &str) -> (Vec<u8>, Graph) {
        let b = sample(name);
        let g = load(&b, &LoadOptions { file_name: format!("{name}.onnx"), ..Default::default() }).unwrap();
        (b, g)
    }
    fn totals(g: &Graph) -> Vec<(String, u64, u64, usize)> {
        let r = profile(g, &ProfileRequest::default()).unwrap();
        r.frameworks.iter().map(|f| (f.framework.clone(), f.total.bytes, f.total.rounds, f.unsupported.len())).collect()
    }
    fn ops(g: &Graph) -> Vec<&str> {
        g.nodes.iter().map(|n| n.op.as_str()).collect()
    }
    /// Every tensor a node reads is a graph input, a public/weight tensor, or
    /// written by an earlier node; every output name is written once.
    fn consistent(g: &Graph) {
        let mut seen: HashSet<&str> = g.inputs.iter().map(|t| t.name.as_str()).collect();
        for n in &g.nodes {
            for t in &n.inputs {
                assert!(
                    seen.contains(t.name.as_str()) || t.origin != Origin::Activation,
                    "{} reads {} before it is written",
                    n.name,
                    t.name
                );
            }
            for t in &n.outputs {
                assert!(seen.insert(t.name.as_str()), "{} written twice", t.name);
            }
        }
        for t in &g.outputs {
            assert!(seen.contains(t.name.as_str()), "graph output {} not written", t.name);
        }
    }

    #[test]
    fn parse_lists_and_conflicts() {
        let w = WhatIf::parse("relu-square, maxpool-avg,gelu-tanh,softmax-2quad").unwrap();
        assert_eq!(
            w,
            WhatIf {
                relu_square: true,
                maxpool_avg: true,
                gelu: Some(GeluSub::Tanh),
                softmax: Some(SoftmaxSub::TwoQuad)
            }
        );
        assert_eq!(w.keys(), ["relu-square", "maxpool-avg", "gelu-tanh", "softmax-2quad"]);
        assert_eq!(WhatIf::parse("").unwrap(), WhatIf::default());
        assert_eq!(
            WhatIf::parse("relu2,avgpool").unwrap(),
            WhatIf { relu_square: true, maxpool_avg: true, ..Default::default() }
        );
        assert!(WhatIf::parse("gelu-tanh,gelu-quad").unwrap_err().contains("exclude"));
        assert!(WhatIf::parse("softmax-2relu,softmax-2quad").unwrap_err().contains("exclude"));
        assert!(WhatIf::parse("relu-cube").unwrap_err().contains("unknown what-if 'relu-cube'"));
        let t = WhatIf::default().with("gelu-tanh", true).unwrap().with("gelu-quad", true).unwrap();
        assert_eq!(t.gelu, Some(GeluSub::Quad));
        assert_eq!(t.with("gelu-tanh", false).unwrap().gelu, Some(GeluSub::Quad));
        assert!(!t.with("gelu-quad", false).unwrap().any());
    }

    #[test]
    fn relu_and_maxpool_on_lenet() {
        let (_, g) = loaded("lenet");
        let (g2, n) = apply(&g, WhatIf::parse("relu-square,maxpool-avg").unwrap());
        // LeNet: 4 ReLU, 2 MaxPool (the sample's node list).
        assert_eq!(n, 6);
        assert_eq!(g2.nodes.len(), g.nodes.len());
        for (a, b) in g.nodes.iter().zip(&g2.nodes) {
            assert_eq!(a.name, b.name);
            assert_eq!(a.out_shape(0), b.out_shape(0));
            match a.op.as_str() {
                "Relu" => assert!(b.op == "Mul" && b.inputs[0] == a.inputs[0] && b.inputs[1] == a.inputs[0]),
                "MaxPool" => assert!(
                    b.op == "AveragePool"
                        && b.attrs.get("kernel_shape") == a.attrs.get("kernel_shape")
                        && b.outputs.len() == 1
                ),
                _ => assert_eq!(a, b),
            }
        }
        consistent(&g2);
    }

    #[test]
    fn gelu_tanh_replaces_the_erf_pattern() {
        let (_, g) = loaded("transformer_block");
        let (g2, n) = apply(&g, WhatIf::parse("gelu-tanh").unwrap());
        assert_eq!(n, 1);
        consistent(&g2);
        // Removed: Constant(√2), Div, Erf, Constant(1), Add, Mul, Constant(0.5), Mul (8 nodes);
        // added: 4 Constants and 9 ops.
        assert_eq!(g2.nodes.len(), g.nodes.len() - 8 + 13);
        assert!(!ops(&g2).contains(&"Erf"));
        let new: Vec<&Node> = g2.nodes.iter().filter(|n| n.name.starts_with("/gelu_tanh/")).collect();
        let new_ops: Vec<&str> = new.iter().map(|n| n.op.as_str()).collect();
        assert_eq!(
            new_ops,
            [
                "Mul", "Mul", "Constant", "Mul", "Add", "Constant", "Mul", "Tanh", "Constant", "Add", "Mul",
                "Constant", "Mul"
            ]
        );
        let last = new.last().unwrap();
        assert_eq!(last.outputs[0].name, "/Mul_1_output_0");
        assert_eq!(new[0].inputs[0].name, "/intermediate/Add_output_0");
        assert!(new.iter().all(|n| n.scope == ["gelu_tanh"]));
        // The two public constants of the tanh form, as f32.
        assert_eq!(new[2].outputs[0].value, Some(vec![f64::from(0.044715f32)]));
        assert_eq!(new[5].outputs[0].value, Some(vec![f64::from((2.0 / std::f64::consts::PI).sqrt() as f32)]));
    }

    /// SEMI2K prices `Gelu(approximate="tanh")` with its own rule (jax.nn.gelu:
    /// x², x³, three public products, tanh, one product). The opset < 20
    /// rewrite spells the same function as nine elementwise nodes priced by
    /// the Mul/Add/Tanh rules: 3 products, 3 truncations and one tanh, so the
    /// two totals must agree.
    #[test]
    fn tanh_decomposition_prices_like_semi2k_gelu_rule() {
        let (_, mut g) = loaded("transformer_block");
        let semi2k = |g: &Graph| {
            let r = profile(g, &ProfileRequest { frameworks: vec!["semi2k".into()], ..Default::default() }).unwrap();
            (r.frameworks[0].total.bytes, r.frameworks[0].total.rounds, r.frameworks[0].unsupported.len())
        };
        let w = WhatIf::parse("gelu-tanh").unwrap();
        let decomposed = apply(&g, w).0;
        g.opset = 20;
        let single = apply(&g, w).0;
        assert_eq!(single.nodes.iter().filter(|n| n.op == "Gelu").count(), 1);
        assert_eq!(single.nodes.len(), g.nodes.len() - 8 + 1);
        consistent(&single);
        assert_eq!(semi2k(&decomposed), semi2k(&single));
        assert!(semi2k(&decomposed).0 < semi2k(&apply(&g, WhatIf::default()).0).0);
    }

    #[test]
    fn softmax_rewrites_have_the_right_shapes() {
        let (_, g) = loaded("transformer_block");
        let sm = g.nodes.iter().find(|n| n.op == "Softmax").unwrap();
        let x = sm.in_shape(0).unwrap().to_vec();
        assert_eq!(x, [1, 4, 64, 64]);
        for (key, new_ops) in [
            ("softmax-2relu", vec!["Relu", "Constant", "ReduceSum", "Div"]),
            ("softmax-2quad", vec!["Constant", "Add", "Mul", "Constant", "ReduceSum", "Div"]),
        ] {
            let (g2, n) = apply(&g, WhatIf::parse(key).unwrap());
            assert_eq!(n, 1);
            consistent(&g2);
            assert!(!ops(&g2).contains(&"Softmax"));
            let new: Vec<&Node> =
                g2.nodes.iter().filter(|n| n.scope.last().is_some_and(|s| s.starts_with("softmax_"))).collect();
            assert_eq!(new.iter().map(|n| n.op.as_str()).collect::<Vec<_>>(), new_ops);
            let rs = new.iter().find(|n| n.op == "ReduceSum").unwrap();
            assert_eq!(rs.out_shape(0), Some(&[1, 4, 64, 1][..]));
            assert_eq!(rs.inputs[1].value, Some(vec![3.0]));
            assert_eq!(rs.attr_int("keepdims"), Some(1));
            let div = new.last().unwrap();
            assert_eq!(div.outputs[0], sm.outputs[0]);
            assert_eq!(div.in_shape(0), Some(&x[..]));
            assert_eq!(div.in_shape(1), Some(&[1, 4, 64, 1][..]));
        }
    }

    #[test]
    fn gelu_quad_and_softmax_before_opset_13() {
        let (_, mut g) = loaded("transformer_block");
        g.opset = 11;
        let (g2, n) = apply(&g, WhatIf::parse("gelu-quad,softmax-2relu").unwrap());
        assert_eq!(n, 2);
        consistent(&g2);
        let rs = g2.nodes.iter().find(|n| n.op == "ReduceSum").unwrap();
        // Opset 11 Softmax normalises over every axis from `axis` on: axis = -1 here, so [3].
        assert_eq!(rs.attr_ints("axes"), Some(&[3][..]));
        assert_eq!(rs.inputs.len(), 1);
        let quad: Vec<&str> =
            g2.nodes.iter().filter(|n| n.name.starts_with("/gelu_quad/")).map(|n| n.op.as_str()).collect();
        assert_eq!(quad, ["Mul", "Constant", "Mul", "Constant", "Mul", "Add", "Constant", "Add"]);
    }

    #[test]
    fn totals_drop_for_crypten_and_semi2k() {
        let (_, g) = loaded("transformer_block");
        let before = totals(&g);
        let after = totals(&apply(&g, WhatIf::parse("gelu-tanh,softmax-2quad").unwrap()).0);
        for fw in ["crypten", "semi2k"] {
            let b = before.iter().find(|x| x.0 == fw).unwrap();
            let a = after.iter().find(|x| x.0 == fw).unwrap();
            assert!(a.1 < b.1, "{fw}: {} → {}", b.1, a.1);
            assert_eq!(a.3, b.3, "{fw}: no node may become unpriced");
        }
    }

    #[test]
    fn substituted_onnx_reloads_to_the_same_costs() {
        for (name, list) in [
            ("transformer_block", "gelu-tanh,softmax-2quad"),
            ("transformer_block", "gelu-quad,softmax-2relu"),
            ("lenet", "relu-square,maxpool-avg"),
            ("resnet18", "relu-square,maxpool-avg"),
            ("bert_base", "gelu-tanh,softmax-2relu"),
        ] {
            let (bytes, g) = loaded(name);
            let w = WhatIf::parse(list).unwrap();
            let (g2, n) = apply(&g, w);
            let (onnx, n2) = apply_onnx(&bytes, &g, w).unwrap();
            assert_eq!(n, n2);
            assert!(n > 0, "{name}: nothing substituted");
            let back = load(&onnx, &LoadOptions { file_name: format!("{name}.onnx"), ..Default::default() }).unwrap();
            assert!(back.unsupported.is_empty(), "{name}: {:?}", back.unsupported);
            assert_eq!(ops(&back), ops(&g2), "{name}");
            assert_eq!(
                back.nodes.iter().map(|n| &n.scope).collect::<Vec<_>>(),
                g2.nodes.iter().map(|n| &n.scope).collect::<Vec<_>>()
            );
            assert_eq!(totals(&back), totals(&g2), "{name} {list}");
            assert_eq!(back.parameters, g.parameters);
        }
    }

    #[test]
    fn onnx_for_another_file_is_refused() {
        let (_, g) = loaded("lenet");
        let other = sample("resnet18");
        let e = apply_onnx(&other, &g, WhatIf::parse("relu-square").unwrap()).unwrap_err();
        assert!(e.contains("nodes"), "{e}");
        assert!(apply_onnx(b"\x3a\x05ab", &g, WhatIf::default()).unwrap_err().contains("not a valid ONNX"));
    }
}
