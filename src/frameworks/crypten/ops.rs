//! ONNX node → the CrypTen calls its `crypten.nn` module makes (forward).
//!
//! Module behaviour from `crypten/nn/module.py` (the `from_onnx` modules) and
//! `crypten/nn/onnx_converter.py` (which ops load at all).

use super::proto::Tally;
use super::Config;
use crate::graph::{Node, Origin};
use crate::ops::Table;

/// ONNX op types `crypten.nn.from_onnx` can load: a `crypten.nn.module` class of
/// the same name or an alias in `ONNX_TO_CRYPTEN` (`onnx_converter.py`).
/// Why `crypten.nn.from_onnx` cannot run `node` (the op, or the op and the form it rejects),
/// or `None` when it can. A Gemm without its bias input C loads but fails on the first forward:
/// `crypten.nn.Gemm.forward` unpacks exactly three inputs (`a, b, c = tuple(x)`,
/// crypten/nn/module.py; recorded in tests/fixtures/crypten/op_gemm_nobias.json).
pub fn load_rejection(node: &Node) -> Option<String> {
    if !LOADABLE.contains(&node.op.as_str()) {
        return Some(node.op.clone());
    }
    // `Dropout.from_onnx` reads `attributes["ratio"]`, an attribute only up to opset 11
    // (later the ratio is an input): KeyError 'ratio' (recorded by validation/crypten/hf.py).
    if node.op == "Dropout" && !node.attrs.contains_key("ratio") {
        return Some("Dropout without its opset-11 `ratio` attribute (KeyError 'ratio')".into());
    }
    // `Mean`/`Sum.from_onnx` read `attributes["axes"]`; ReduceMean from opset 18 and ReduceSum
    // from opset 13 give the axes as an input: KeyError 'axes' (hf_llama_dynamo).
    if matches!(node.op.as_str(), "ReduceMean" | "ReduceSum") && node.inputs.len() > 1 {
        return Some(format!("{} with its axes as an input (KeyError 'axes')", node.op));
    }
    // `nn.Graph.forward` marks an input available by `value_list.index(name)` (nn/module.py), only
    // the first of two equal inputs, so a node like Mul(a, a) never runs: "nn.Graph.forward()
    // failed. Is graph unconnected?" (validation/crypten/train.py on train_log, train_reciprocal).
    let names: Vec<&str> = node.inputs.iter().map(|t| t.name.as_str()).filter(|n| !n.is_empty()).collect();
    if (1..names.len()).any(|i| names[..i].contains(&names[i])) {
        return Some(format!("{} taking the same tensor twice (nn.Graph.forward never runs it)", node.op));
    }
    (node.op == "Gemm" && node.inputs.len() < 3).then(|| "Gemm without its bias input C".to_string())
}

pub const LOADABLE: &[&str] = &[
    "Add",
    "AveragePool",
    "BatchNormalization",
    "Cast",
    "Clip",
    "Concat",
    "Constant",
    "ConstantOfShape",
    "Conv",
    "Div",
    "Dropout",
    "Equal",
    "Erf",
    "Exp",
    "Expand",
    "Flatten",
    "Gather",
    "Gemm",
    "GlobalAveragePool",
    "LogSoftmax",
    "MatMul",
    "MaxPool",
    "Mul",
    "Pad",
    "Pow",
    "Range",
    "ReduceMean",
    "ReduceSum",
    "Relu",
    "Reshape",
    "Shape",
    "Sigmoid",
    "Slice",
    "Softmax",
    "Sqrt",
    "Squeeze",
    "Sub",
    "Transpose",
    "Unsqueeze",
    "Where",
];

/// Ops `from_onnx` cannot load (CrypTen 0.4.1 has no LayerNorm, GELU, RMSNorm, Log or ConvTranspose
/// module) that a user ports with CrypTen's own tensor functions: each is
/// priced as that port, written and measured in validation/crypten/ports.py
/// (fixtures tests/fixtures/crypten/transformer/).
pub const PORTS: &[(&str, &str)] = &[
    (
        "LayerNormalization",
        "c = x − x.mean(-1, keepdim=True); c·(c.square().mean(-1, keepdim=True) + ε).inv_sqrt()·γ + β",
    ),
    ("SimplifiedLayerNormalization", "x·(x.pow(2).mean(-1, keepdim=True) + ε).inv_sqrt()·γ"),
    ("Gelu", "none: x·((x/√2).erf() + 1)·0.5; tanh: x·(((x + 0.044715·x.pow(3))·√(2/π)).tanh() + 1)·0.5"),
    ("Tanh", "x.tanh() = 2·sigmoid(2x) − 1"),
    ("Reciprocal", "x.reciprocal()"),
    ("Log", "x.log()"),
    ("ConvTranspose", "x.conv_transpose2d(w, stride, padding, output_padding, groups, dilation) + b"),
    ("Neg", "x.neg()"),
    ("Split", "x.split(sizes, axis)"),
    ("IsNaN", "an all-false public mask (fixed-point values are never NaN)"),
    ("HardSigmoid", "(x·alpha + beta).hardtanh(0, 1)"),
    ("HardSwish", "x·(x/6 + 1/2).hardtanh(0, 1)"),
];

/// `Div` of a public numerator by an encrypted divisor (torch's exported rsqrt, `Div(1, Sqrt)`):
/// CrypTen's own `Div` fails on it, so the port computes `y.reciprocal() · c` (`ports.py` `DivPort`).
const DIV_PORT: &str = "c/y as y.reciprocal()·c";

/// The port a user would write for an op `from_onnx` cannot load, if any.
pub fn port(op: &str) -> Option<&'static str> {
    PORTS.iter().find(|(o, _)| *o == op).map(|(_, p)| *p)
}

/// Whether a constant input holds a value past ±2^31 (torch's INT64_MAX slice end).
fn huge(node: &Node, i: usize) -> bool {
    node.inputs.get(i).and_then(|t| t.value.as_ref()).is_some_and(|v| v.iter().any(|x| x.abs() >= 2f64.powi(31)))
}

/// The port `node` runs as (`ports.py`, measured by validation/crypten/hf.py): its op's port, or
/// the port of a form CrypTen's own module loads but fails on or gets wrong. Each costs what the
/// module would: the same CrypTen tensor functions.
pub fn node_port(node: &Node) -> Option<&'static str> {
    if let Some(p) = port(&node.op) {
        return Some(p);
    }
    let form = match node.op.as_str() {
        "Div" if !private(node, 0) && private(node, 1) => DIV_PORT,
        // `Gemm.forward` unpacks `a, b, c`: ValueError without C.
        "Gemm" if node.inputs.len() < 3 => "a.matmul(b)·alpha (GemmPort)",
        // Without `axis` from_onnx's Gather takes from the flattened tensor (`take(indices, None)`).
        "Gather" if !node.attrs.contains_key("axis") => "x.take(indices, 0) (GatherPort: ONNX's default axis)",
        "ReduceMean" if node.inputs.len() > 1 => "x.mean(axes, keepdim)",
        "ReduceSum" if node.inputs.len() > 1 => "x.sum(axes, keepdim)",
        // `Slice.forward` casts the bounds to int32 (held as floats by its Constant): INT64_MAX
        // wraps negative (narrow(): length must be non-negative).
        "Slice" if huge(node, 1) || huge(node, 2) => "x.narrow with the bounds clamped to ±2^30 (SlicePort)",
        "Dropout" if !node.attrs.contains_key("ratio") => "dropped (the identity in inference)",
        // `crypten.where(c, x, y)` with a public c computes `x·c + y·(1 − c)`: a public x plus
        // an encrypted product raises NotImplementedError (torch + CrypTensor); the port adds in
        // the other order (transformer/isnan_where, after the IsNaN port's public mask).
        "Where" if !private(node, 0) && !private(node, 1) && private(node, 2) => "y·(1 − c) + x·c (WherePort)",
        _ => return None,
    };
    Some(form)
}

/// How CrypTen prices one op's forward: the node, the settings, the tally to fill.
pub type Price = fn(&Node, &Config, &mut Tally) -> Result<(), Unpriced>;

/// CrypTen's forward price table: op → the cost of the calls its module (or its port) makes.
/// An op without an entry is unpriced (`forward`). Adding an op: one row here, with its function
/// below (and the op in `src/ops/`).
static PRICES: Table<Price> = &[
    // Ops that move or combine shares locally: no communication.
    ("Add", local),
    ("Sub", local),
    ("Neg", local),
    ("Cast", local),
    ("Concat", local),
    ("Constant", local),
    ("ConstantOfShape", local),
    ("Dropout", local),
    ("Expand", local),
    ("Flatten", local),
    ("Gather", local),
    ("Identity", local),
    ("Pad", local),
    ("Range", local),
    ("ReduceSum", local),
    ("Reshape", local),
    ("Shape", local),
    ("Slice", local),
    ("Split", local),
    ("Squeeze", local),
    ("Transpose", local),
    ("Unsqueeze", local),
    // IsNaN port (`ports.py` `IsNaN`): a public all-false mask, no communication; the Where it
    // feeds is priced with a public condition (`mod.rs`) (transformer/isnan_where).
    ("IsNaN", local),
    ("Gemm", matmul),
    ("MatMul", matmul),
    ("Conv", conv),
    ("ConvTranspose", conv),
    ("Relu", relu),
    ("Clip", clip),
    ("Sigmoid", sigmoid_op),
    ("Tanh", sigmoid_op),
    ("Exp", exp),
    ("Erf", erf_op),
    ("Sqrt", sqrt),
    ("Reciprocal", reciprocal),
    ("Log", log),
    ("Pow", pow),
    ("Mul", mul),
    ("Div", div),
    ("AveragePool", average),
    ("GlobalAveragePool", average),
    ("ReduceMean", average),
    ("MaxPool", max_pool),
    ("Softmax", softmax_op),
    ("LogSoftmax", softmax_op),
    ("BatchNormalization", batch_norm),
    ("Equal", equal),
    ("Where", where_op),
    ("LayerNormalization", layer_norm),
    ("SimplifiedLayerNormalization", rms_norm),
    ("Gelu", gelu),
    ("HardSigmoid", hard_sigmoid),
    ("HardSwish", hard_swish),
];

/// The ops CrypTen's forward prices (checked against the op registry).
#[cfg(test)]
pub(crate) fn priced_ops() -> Vec<&'static str> {
    crate::ops::table::ops(PRICES).collect()
}

/// Why a node could not be priced.
pub enum Unpriced {
    /// The math of this op under CrypTen is not modelled.
    Unknown,
    /// CrypTen itself fails on it (why).
    Fails(&'static str),
}

fn private(node: &Node, i: usize) -> bool {
    node.inputs.get(i).is_some_and(|t| t.origin != Origin::Constant)
}

fn ndim(node: &Node) -> u64 {
    node.out_shape(0).map_or(1, |s| s.len() as u64)
}

/// Output elements and rank, the sizes most formulas read.
fn out(node: &Node) -> (u64, u64) {
    (node.out_numel(0), ndim(node))
}

/// Rows × row length of a reduction over `axis` of input 0.
fn rows(node: &Node, axis: i64) -> (u64, u64) {
    let shape = node.in_shape(0).unwrap_or(&[]);
    let r = shape.len() as i64;
    let a = if axis < 0 { axis + r } else { axis }.clamp(0, (r - 1).max(0)) as usize;
    let k = shape.get(a).copied().unwrap_or(1).max(1);
    (node.in_numel(0) / k, k)
}

/// Prices one forward node into `t` through [`PRICES`]; `Err` when the op has no entry.
pub fn forward(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    match crate::ops::lookup(PRICES, &node.op) {
        Some(price) => price(node, cfg, t),
        None => Err(Unpriced::Unknown),
    }
}

/// Reshapes, copies and share additions: local, no communication.
fn local(_: &Node, _: &Config, _: &mut Tally) -> Result<(), Unpriced> {
    Ok(())
}

/// Gemm (`module.py` `Gemm.forward`): `alpha·(x @ Wᵀ)` — a Beaver matmul of the input with the
/// encrypted weight (2(|x|+|W|), 1 round), then the public-float products `·alpha` and
/// `bias·beta` (truncations, free for 2 parties) and a local bias add. MatMul: the Beaver matmul
/// and its truncation.
fn matmul(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    t.beaver("matmul", node.in_numel(0), node.in_numel(1), n, d);
    t.truncate(n, d);
    if node.op == "Gemm" {
        t.truncate(n, d); // · alpha
        if node.inputs.len() > 2 {
            t.truncate(node.in_numel(2), node.in_shape(2).map_or(1, |s| s.len() as u64));
            // bias · beta
        }
    }
    Ok(())
}

/// Conv (`module.py` `Conv.forward` → `conv2d`): Beaver convolution of the unpadded input with
/// the encrypted kernel: 2(|x|+|W|), 1 round.
fn conv(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    t.beaver("conv", node.in_numel(0), node.in_numel(1), n, d);
    t.truncate(n, d);
    Ok(())
}

/// ReLU (`logic.py` `relu`): `x · x.gt(0)`, the comparison and the product with its bit.
fn relu(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    t.relu(n, d);
    Ok(())
}

/// Hardtanh (`logic.py` `hardtanh`): one ReLU on the stacked `[x−min; x−max]`: 2n elements
/// through the ReLU circuit.
fn clip(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    t.relu(2 * n, d + 1);
    Ok(())
}

/// Sigmoid, and Tanh as its port `2·sigmoid(2x) − 1` (see [`sigmoid`]).
fn sigmoid_op(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    sigmoid(t, n, d, cfg);
    Ok(())
}

/// exp (`approximations.py` `exp`): the limit form `(1 + x/2^k)^(2^k)`, k squarings.
fn exp(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    t.exp(n, d, cfg.exp_iters);
    Ok(())
}

/// erf by its Taylor series (see [`erf`]).
fn erf_op(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    erf(t, n, d, cfg);
    Ok(())
}

/// sqrt (`approximations.py` `sqrt`): `inv_sqrt(x)·x`, one private product after the inverse
/// square root.
fn sqrt(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    t.inv_sqrt(n, d, cfg.sqrt_iters, cfg.exp_iters);
    t.mul("inv_sqrt(x)·x", n, n, n, d);
    Ok(())
}

/// The signed reciprocal (`approximations.py` `reciprocal`, Newton–Raphson), the port of
/// Reciprocal.
fn reciprocal(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    t.reciprocal(n, d, false, cfg.reciprocal_iters, cfg.exp_iters);
    Ok(())
}

/// log (see [`log_pub`]).
fn log(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    log_pub(t, n, d, cfg);
    Ok(())
}

/// Pow with a public integer exponent: CrypTen's `pow` (`common/functions/power.py`). A negative
/// exponent takes the signed reciprocal first (`p < -1`: `self.reciprocal().pow(-p)`; `p = -1`:
/// `self.reciprocal()`), then the recursion on |p|; that path is read from the source, not
/// measured. Any other exponent is not modelled.
fn pow(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    let p =
        node.inputs.get(1).and_then(|e| e.value.as_ref()).and_then(|v| v.first().copied()).ok_or(Unpriced::Unknown)?;
    if p.fract() != 0.0 || !p.is_finite() {
        return Err(Unpriced::Unknown);
    }
    if p < 0.0 {
        t.reciprocal(n, d, false, cfg.reciprocal_iters, cfg.exp_iters);
        t.approximate = Some(format!(
            "Pow with exponent {p}: CrypTen takes the reciprocal, then pow({}) (power.py); read from the source, not measured",
            -p
        ));
    }
    t.pow(n, d, p.abs() as u64); // saturates past 2^64: 64 squarings, as good as any
    Ok(())
}

/// Mul: by a private tensor a Beaver product; by a public value local, plus a truncation for
/// more than 2 parties.
fn mul(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    if private(node, 0) && private(node, 1) {
        t.mul("x·y", node.in_numel(0), node.in_numel(1), n, d);
    } else {
        t.truncate(n, d);
    }
    Ok(())
}

/// Div by a private tensor: `x · reciprocal(y)` with the signed reciprocal (`mpc.py` `div`); by a
/// public value a truncation (free for 2 parties).
///
/// A public numerator over an encrypted divisor (torch's exported `rsqrt` is `Div(1, Sqrt)`)
/// makes CrypTen's `Div` module call `torch.Tensor.div(tensor, cryptensor)`, which CrypTen does
/// not override: NotImplementedError. Priced as the port a user writes (`ports.py` `DivPort`):
/// the signed reciprocal of y (`mpc.py` `reciprocal`), then the product with the public c (a
/// truncation, free for 2 parties) (transformer/rmsnorm_rsqrt, hf_llama_legacy).
fn div(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    if private(node, 1) {
        let m = node.in_numel(1);
        let dm = node.in_shape(1).map_or(1, |s| s.len() as u64);
        t.reciprocal(m, dm, false, cfg.reciprocal_iters, cfg.exp_iters);
        if private(node, 0) {
            t.mul("x·(1/y)", node.in_numel(0), m, n, d);
        } else {
            t.truncate(n, d);
        }
    } else {
        t.truncate(n, d);
    }
    Ok(())
}

/// AveragePool / GlobalAveragePool / ReduceMean: sum then divide by a public integer
/// (`arithmetic.py` `div`): free for 2 parties.
fn average(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    t.truncate(n, d);
    Ok(())
}

/// MaxPool: the max over each window (see [`max_rows`]) with its values.
fn max_pool(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    let k: u64 = node.attr_ints("kernel_shape").map_or(1, |k| k.iter().map(|&v| v.max(1) as u64).product());
    max_rows(t, n, k, d, cfg, true);
    Ok(())
}

/// Softmax / LogSoftmax over the node's axis (see [`softmax`]).
fn softmax_op(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let d = ndim(node);
    let (r, k) = rows(node, node.attr_int("axis").unwrap_or(-1));
    softmax(t, r, k, d, cfg, node.op == "LogSoftmax");
    Ok(())
}

/// BatchNormalization, eval (`gradients.py` `AutogradBatchNorm`): `inv_sqrt(running_var + eps)`
/// on C (recomputed on every forward: the cache test `if not self.train` tests a bound method),
/// then `(x − μ)·inv_var` and `·γ`: two Beaver products with a [1,C,1,1] operand.
fn batch_norm(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    let c = node.in_numel(1);
    t.inv_sqrt(c, 1, cfg.sqrt_iters, cfg.exp_iters);
    let x = node.in_numel(0);
    t.mul("(x−μ)·inv_std", x, c, n, d);
    t.mul("·γ", x, c, n, d);
    Ok(())
}

/// Equal (`logic.py` `eq`): the equality circuit.
fn equal(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    t.eq(n, d);
    Ok(())
}

/// `crypten.where` with a public condition (a Constant mask, a torch tensor): `x·c + y·(1 − c)` —
/// each encrypted branch times a public float tensor: a truncation, free for 2 parties
/// (transformer/where_public_mask). With an encrypted condition: the product with the bit.
fn where_op(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    if private(node, 0) {
        t.where_bit(n, d);
    } else {
        for _ in (1..3).filter(|&i| private(node, i)) {
            t.truncate(n, d);
        }
    }
    Ok(())
}

/// The LayerNorm port over the axes `axis..` (see [`norm_port`]).
fn layer_norm(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    let (r, _) = rows_from(node, node.attr_int("axis").unwrap_or(-1));
    norm_port(t, node, cfg, n, r, d, true);
    Ok(())
}

/// The RMSNorm port over the axes `axis..` (see [`norm_port`]).
fn rms_norm(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    let (r, _) = rows_from(node, node.attr_int("axis").unwrap_or(-1));
    norm_port(t, node, cfg, n, r, d, false);
    Ok(())
}

/// The GELU port, exact or tanh form (see [`gelu_port`]).
fn gelu(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    gelu_port(t, n, d, cfg, node.attr_str("approximate") == Some("tanh"));
    Ok(())
}

/// HardSigmoid port: `x·alpha + beta` (a public-float product: a truncation, free for 2 parties;
/// the add is local), then `hardtanh(0, 1)` as for Clip: one ReLU on the stacked [x−0; x−1]
/// (transformer/hardsigmoid).
fn hard_sigmoid(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (n, d) = out(node);
    t.truncate(n, d);
    t.relu(2 * n, d + 1);
    Ok(())
}

/// HardSwish port: the same hardtanh of `x/6 + 1/2`, then one private product with x
/// (transformer/hardswish).
fn hard_swish(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    hard_sigmoid(node, cfg, t)?;
    let (n, d) = out(node);
    t.mul("x·hardsigmoid(x)", n, n, n, d);
    Ok(())
}

/// Rows × row length of a normalisation over the axes `axis..` of input 0.
fn rows_from(node: &Node, axis: i64) -> (u64, u64) {
    let shape = node.in_shape(0).unwrap_or(&[]);
    let r = shape.len() as i64;
    let a = if axis < 0 { axis + r } else { axis }.clamp(0, r.max(0)) as usize;
    let k: u64 = shape[a..].iter().product::<u64>().max(1);
    (node.in_numel(0) / k, k)
}

/// The LayerNorm port (`ports.py` `layernorm`, `PORTS`) on `r` rows, `n`
/// elements: `x.mean` (a sum and a public integer division, `mpc.py` `div`:
/// a truncation, free for 2 parties), `c.square()` (`beaver.py` `square`),
/// its mean (truncation), `inv_sqrt` on the r statistics
/// (`approximations.py`), `c · inv_std` (a Beaver product broadcasting r over
/// n) and `· γ` (the encrypted parameter, |γ| elements). `+ β` is local.
/// The RMSNorm port (`rmsnorm`) skips the centring: `x.pow(2)` (= square),
/// mean, `inv_sqrt`, `x · inv_rms`, `· γ`.
/// LayerNorm, 2 parties, [2,4,8]: 6272 B per party (transformer/layernorm).
fn norm_port(t: &mut Tally, node: &Node, cfg: &Config, n: u64, r: u64, d: u64, centre: bool) {
    if centre {
        t.truncate(r, d); // x.mean
    }
    t.square(n, d);
    t.truncate(r, d); // mean of squares
    t.inv_sqrt(r, d, cfg.sqrt_iters, cfg.exp_iters);
    t.mul("x·inv_std", n, r, n, d);
    if private(node, 1) {
        t.mul("·γ", n, node.in_numel(1), n, d);
    } else {
        t.truncate(n, d);
    }
}

/// The GELU port (`ports.py` `gelu`). Exact form `x·((x/√2).erf() + 1)·0.5`:
/// `/√2` and `·0.5` are public-float products (truncations, free for 2
/// parties), erf by its Taylor series (`erf` below), one private product.
/// Tanh form `x·(((x + 0.044715·x.pow(3))·√(2/π)).tanh() + 1)·0.5`: `pow(3)`
/// (square, then `x²·x`), two public products, `tanh = 2·sigmoid(2x) − 1`
/// (`approximations.py` `tanh`, method "reciprocal"), one private product, `·0.5`.
fn gelu_port(t: &mut Tally, n: u64, d: u64, cfg: &Config, tanh: bool) {
    if tanh {
        t.pow(n, d, 3);
        t.truncate(n, d); // · 0.044715
        t.truncate(n, d); // · √(2/π)
        sigmoid(t, n, d, cfg);
    } else {
        t.truncate(n, d); // / √2
        erf(t, n, d, cfg);
    }
    t.mul("x·(1 + ·)", n, n, n, d);
    t.truncate(n, d); // · 0.5
}

/// Sigmoid, method "reciprocal" (`approximations.py` `sigmoid`): ltz (54n, 8),
/// `x·sign` (4n, 1), `exp(−|x|)` (2kn, k), reciprocal with public initial 0.75
/// and 3 NR iterations of which the first is public×private (2 × 6n, 4 rounds),
/// then `where` (8n, 2). Tanh = `2·sigmoid(2x) − 1` (integer products: free).
fn sigmoid(t: &mut Tally, n: u64, d: u64, cfg: &Config) {
    t.ltz(n, d);
    t.mul_bit("x·sign", n, n, n, d);
    t.exp(n, d, cfg.exp_iters);
    t.truncate(n, d); // first NR iteration: public 0.75 times a private value
    for _ in 1..3 {
        t.square(n, d);
        t.mul("y²·x", n, n, n, d);
    }
    t.where_bit(n, d);
}

/// erf, Taylor series (`approximations.py` `erf`): for k = 1..iters,
/// `x^(2k+1)` via `pos_pow` → `pow` (each power from x, by the pow recursion),
/// times a public coefficient. Two parties, 8 iterations: 94n, 34 rounds.
fn erf(t: &mut Tally, n: u64, d: u64, cfg: &Config) {
    for k in 1..=cfg.erf_iters {
        t.pow(n, d, 2 * k + 1);
        t.truncate(n, d); // · coefficient
    }
    t.truncate(n, d); // · 2/√π
}

/// log, Householder (`approximations.py` `log`, 2 iterations, order 8, exp
/// iterations 8): initial `exp` (2·8n, 8), then per iteration `exp(−y)`,
/// `x·exp(−y)` (4n, 1) and the order-8 polynomial (18n, 3 rounds).
/// For more than 2 parties, `x/120` and the polynomial's public coefficients
/// (one product on the 8 stacked powers) add truncations.
pub fn log_pub(t: &mut Tally, n: u64, d: u64, cfg: &Config) {
    t.truncate(n, d); // x / 120
    t.exp(n, d, cfg.exp_iters);
    for _ in 0..cfg.log_iters {
        t.exp(n, d, cfg.exp_iters);
        t.mul("x·exp(−y)", n, n, n, d);
        t.square(n, d);
        t.mul("poly: 2n×n", 2 * n, n, 2 * n, d + 1);
        t.mul("poly: 4n×n", 4 * n, n, 4 * n, d + 1);
        t.truncate(8 * n, d + 1); // · coefficients 1/(i+1), order 8
    }
}

/// `max(dim)` over `r` rows of length `k`, `log_reduction` (`maximum.py`
/// `_max_helper_log_reduction`): `⌊ln k⌋` tournament steps, each `where(x ≥ y,
/// x, y)` on ⌊m/2⌋ pairs (ltz + 2 untruncated products); `pairwise` max on the
/// m' survivors (ltz on (m'−1)·m' per row, a product tree over the m'−1
/// comparisons, tie-break `weighted_index` and `(x·onehot).sum`); then the
/// one-hot of the full row (eq on k) and its tie-break `weighted_index`
/// (`_argmax_helper`).
/// k = 4: 740 elements, 46 rounds per row; k = 9: 1674, 57.
pub fn max_rows(t: &mut Tally, r: u64, k: u64, d: u64, cfg: &Config, values: bool) {
    let mut m = k;
    if cfg.max_method == "log_reduction" {
        let steps = (k as f64).ln().floor() as u64;
        for _ in 0..steps {
            let h = m / 2;
            if h == 0 {
                break;
            }
            t.ltz(r * h, d);
            t.where_bit(r * h, d);
            m = m.div_ceil(2);
        }
    }
    pairwise(t, r, m, d);
    if values || cfg.max_method == "log_reduction" {
        t.mul_bit("x·onehot", r * m, r * m, r * m, d);
    }
    // Always, even when no tournament step ran (k ≤ 2, `int(ln 2) = 0`):
    // `_argmax_helper_all_tree_reductions` re-derives the one-hot by `eq`
    // against the max and `_argmax_helper` tie-breaks it (transformer/softmax_axis0).
    if cfg.max_method == "log_reduction" {
        t.eq(r * k, d);
        weighted_index(t, r, k, d);
    }
}

/// Pairwise max over rows of length m (`maximum.py` `_max_helper_pairwise`):
/// ltz on all (m−1)·m ordered differences, product tree over the m−1
/// comparisons per candidate, tie-break with `weighted_index`.
fn pairwise(t: &mut Tally, r: u64, m: u64, d: u64) {
    if m <= 1 {
        return;
    }
    // Quadratic in m: past the loader's tensor cap the count is refused, not wrapped.
    let pairs = r.checked_mul(m).and_then(|rm| rm.checked_mul(m - 1)).filter(|&p| p <= crate::graph::MAX_ELEMENTS);
    let Some(pairs) = pairs else { return t.saturated("pairwise comparisons") };
    t.ltz(pairs, d + 1);
    let mut q = m - 1;
    while q > 1 {
        let h = q / 2;
        t.mul_bit("comparison product", h * r * m, h * r * m, h * r * m, d + 1);
        q -= h;
    }
    weighted_index(t, r, m, d);
}

/// `weighted_index` (`common/functions/sampling.py`): `crypten.rand` (a 16-bit
/// B2A: 32r), one product with the row total (4r, scale 1) and ltz on r×k.
fn weighted_index(t: &mut Tally, r: u64, k: u64, d: u64) {
    t.symmetric("rand (16-bit B2A)", 32 * r, 1, format!("B2A of 16 random bits: 2·16·{r} elements"));
    t.dealer("B2A bits", 16 * r, d + 1);
    t.mul_bit("rand·row total", r, r, r, d);
    t.ltz(r * k, d);
}

/// Softmax over `r` rows of length `k` (`approximations.py` `softmax`): max
/// with argmax, `exp(x − max)`, a local sum, the all-positive reciprocal on r,
/// one product. LogSoftmax: `x − max − log(Σ exp)`: log on r instead.
fn softmax(t: &mut Tally, r: u64, k: u64, d: u64, cfg: &Config, log_softmax: bool) {
    if k <= 1 {
        return;
    }
    max_rows(t, r, k, d, cfg, true);
    let n = r * k;
    t.exp(n, d, cfg.exp_iters);
    if log_softmax {
        log_pub(t, r, d, cfg);
    } else {
        t.reciprocal(r, d, true, cfg.reciprocal_iters, cfg.exp_iters);
        t.mul("exp·(1/Σ)", n, r, n, d);
    }
}
