//! ONNX node → the JAX program a user would write for it → what SPU runs.
//!
//! The convention (validation/spu/CONVENTION.md, shared with the validation
//! interpreter): float initializers are secret inputs (public with
//! `weights=public`); Constant nodes and static-slot initializers are public
//! constants; every op maps to the jax/lax call named in its arm below.
//! Before SPU runs the program, XLA's passes (`compiler/front_end/hlo_importer.cc`)
//! and SPU's pphlo passes rewrite it; the arms price what survives.

use super::approx;
use super::proto::Tally;
use super::Config;
use crate::graph::Origin;
use crate::graph::{Node, Shape};
use crate::ops::Table;

/// Why a node could not be priced.
#[derive(Debug)]
pub enum Unpriced {
    /// The op has no modelled JAX/SPU counterpart.
    Unknown,
    /// `x ** y` with a secret exponent (SPU: exp2(y·log2 x)) is not modelled.
    SecretExponent,
    /// A needed attribute or constant is missing (name given).
    Missing(&'static str),
}

/// What an arm needs to know about the program around the node.
pub struct Ctx<'a> {
    /// Is input `i` secret? (Public: constants, public weights, values computed
    /// only from public values.)
    pub secret: &'a dyn Fn(usize) -> bool,
    /// The divisor of this Div is a Sqrt that SPU's `rewrite_div_sqrt_patterns`
    /// turns into `x · rsqrt(v)`.
    pub div_by_rewritten_sqrt: bool,
    /// This Sqrt's only consumers are rewritten divisions: it runs as `rsqrt`.
    pub sqrt_as_rsqrt: bool,
    /// BatchNorm: an earlier node computed the same `rsqrt(var + ε)` (CSE).
    pub rsqrt_reused: bool,
    /// Where: the condition is an equality result (Equal, IsNaN), which SPU
    /// holds as a full-width boolean share rather than a 1-bit one.
    pub equality_condition: bool,
    /// Training, a select (Where, LeakyRelu, PRelu) the gradient flows through: its condition
    /// feeds the backward's selects too, and SPU converts the comparison's 1-bit share to
    /// arithmetic once (`spu.prefer_a` in the compiled step program), so the forward select is a
    /// 1-bit B2A and a `mul_aa` instead of a `mul_a1b`.
    pub condition_reused: bool,
}

/// Number of reducer calls of SPU's `TreeReduce` over a length-`len` axis
/// (`kernel/hlo/reduce.cc`): one per halving, plus one per odd tail.
pub fn tree_calls(mut len: u64) -> u64 {
    let mut calls = 0;
    while len > 1 {
        if len % 2 == 1 {
            calls += 1;
        }
        calls += 1;
        len /= 2;
    }
    calls
}

/// Pairs per row of each reducer call of `TreeReduce` over a length-`len` axis, in call order:
/// `⌊len/2⌋` per halving, then one per odd tail (`kernel/hlo/reduce.cc`).
pub fn tree_levels(mut len: u64) -> Vec<u64> {
    let (mut halves, mut tails) = (vec![], 0);
    while len > 1 {
        tails += len % 2;
        halves.push(len / 2);
        len /= 2;
    }
    halves.extend(std::iter::repeat_n(1, tails as usize));
    halves
}

/// A max-reduction of `rows` rows of length `len`: `len − 1` compare-and-select
/// per row in `tree_calls(len)` sequential calls (SPU `TreeReduce`). Each call
/// is one `max` (MSB + `mul_a1b`) on all the pairs of that level at once
/// (priced call by call: CHEETAH's packing depends on a call's size).
pub fn max_reduce(t: &mut Tally, rows: u64, len: u64) {
    let calls = tree_calls(len);
    if calls == 0 {
        return;
    }
    let mut sub = Tally::new(&t.ring);
    for pairs in tree_levels(len) {
        sub.max(rows * pairs);
    }
    let detail = format!("{} compares per row of {len}, {calls} sequential levels", len - 1);
    t.repeated("max tree (MSB + select)", rows * (len - 1), &sub, &sub, 1, detail);
}

fn shape(node: &Node, i: usize) -> Shape {
    node.in_shape(i).map(<[u64]>::to_vec).unwrap_or_default()
}

fn norm_axis(axis: i64, rank: usize) -> usize {
    let r = rank as i64;
    (if axis < 0 { axis + r } else { axis }).clamp(0, (r - 1).max(0)) as usize
}

/// Rows × length of a reduction of input 0 over `axis`.
pub(super) fn rows(node: &Node, axis: i64) -> (u64, u64, usize) {
    let s = shape(node, 0);
    let a = norm_axis(axis, s.len());
    let k = s.get(a).copied().unwrap_or(1).max(1);
    (node.in_numel(0) / k, k, a)
}

/// The axes an ONNX reduction reduces (attribute or, opset ≥ 13/18, input 1).
fn reduce_axes(node: &Node) -> Vec<usize> {
    let rank = shape(node, 0).len();
    let axes: Option<Vec<i64>> = node
        .attr_ints("axes")
        .map(<[i64]>::to_vec)
        .or_else(|| node.inputs.get(1).and_then(|t| t.value.as_ref()).map(|v| v.iter().map(|&x| x as i64).collect()));
    match axes {
        Some(a) if !a.is_empty() => a.iter().map(|&x| norm_axis(x, rank)).collect(),
        _ => (0..rank).collect(),
    }
}

/// `Gemm`/`MatMul` as `jnp.dot`/`jnp.matmul`: SPU's `f_mmul` = matrix Beaver
/// product + one truncation of the output (`hal/fxp_base.cc` `f_mmul`). Leading
/// dims of a 3-D+ × 2-D product fold into `m` (XLA `DotDecomposer`); true
/// batch dims loop (`kernel/hlo/basic_binary.cc` `DotGeneral`): one product
/// and one truncation per batch element, 2 rounds each. Unit batch dims are
/// removed by `BatchDotSimplification`.
#[allow(clippy::too_many_arguments)] // each argument is one of SPU's dot-general dimensions or options
fn matmul(
    t: &mut Tally,
    cfg: &Config,
    a: &[u64],
    b: &[u64],
    secret_a: bool,
    secret_b: bool,
    trans_a: bool,
    trans_b: bool,
) {
    let (a, b) = (a.to_vec(), b.to_vec());
    let (m, k_a, k_b, n, batch) = match (a.len(), b.len()) {
        (1, 1) => (1, a[0], b[0], 1, 1),
        (1, _) => (1, a[0], b[b.len() - 2], b[b.len() - 1], b[..b.len() - 2].iter().product()),
        (_, 1) => (a[..a.len() - 1].iter().product(), a[a.len() - 1], b[0], 1, 1),
        (_, 2) => {
            let (m, k) = if trans_a { (a[1], a[0]) } else { (a[..a.len() - 1].iter().product(), a[a.len() - 1]) };
            let (kb, n) = if trans_b { (b[1], b[0]) } else { (b[0], b[1]) };
            (m, k, kb, n, 1)
        }
        _ => {
            // Batched: batch dims broadcast between the operands.
            let (ra, rb) = (a.len(), b.len());
            let ba: Vec<u64> = a[..ra - 2].to_vec();
            let bb: Vec<u64> = b[..rb - 2].to_vec();
            let r = ba.len().max(bb.len());
            let mut batch = 1u64;
            for i in 0..r {
                let da = if i + ba.len() >= r { ba[i + ba.len() - r] } else { 1 };
                let db = if i + bb.len() >= r { bb[i + bb.len() - r] } else { 1 };
                batch *= da.max(db);
            }
            (a[ra - 2], a[ra - 1], b[rb - 2], b[rb - 1], batch)
        }
    };
    let _ = k_b;
    let k = k_a;
    if secret_a && secret_b {
        // Σ over batch elements; each tile reports its own rounds.
        let mut one = Tally::new(&t.ring);
        one.mmul_aa(m, k, n, cfg.mmul_split);
        one.trunc(m * n);
        if batch == 1 {
            t.absorb(one);
        } else {
            let detail = format!("{batch} × [matrix Beaver ({m}×{k})·({k}×{n}) + truncation]");
            t.repeated("batched matmul (loop)", batch, &one.times(batch), &one, batch, detail);
        }
    } else if secret_a || secret_b {
        // Secret × public: local product, then the truncation.
        t.trunc(batch * m * n);
    }
}

/// Output spatial size and the im2col geometry of a Conv node.
fn conv_geometry(node: &Node) -> Option<(u64, u64, u64, u64)> {
    let x = node.in_shape(0)?;
    let w = node.in_shape(1)?;
    let y = node.out_shape(0)?;
    let (nb, c) = (x[0], x[1]);
    // Conv kernels are O×C/g×kh×kw; ConvTranspose kernels C×O/g×kh×kw.
    let o = if node.op == "ConvTranspose" { w[1] * node.attr_int("group").unwrap_or(1).max(1) as u64 } else { w[0] };
    let dil = node.attr_ints("dilations").map(<[i64]>::to_vec).unwrap_or_default();
    // Dilated kernel: `applyConvolutionPadding` pads the kernel with zeros
    // (interior padding), so the contraction is over the dilated extent.
    let mut kk = 1u64;
    for (i, &kd) in w[2..].iter().enumerate() {
        let d = dil.get(i).copied().unwrap_or(1).max(1) as u64;
        kk *= (kd.max(1) - 1) * d + 1;
    }
    let out_spatial: u64 = y[2..].iter().product();
    // Grouped convolutions become one full convolution
    // (XLA `ConvolutionGroupConverter`, run unconditionally by SPU's importer):
    // the contraction covers all C input channels.
    let _ = node.attr_int("group");
    Some((nb * out_spatial, c * kk, o, nb * out_spatial * o))
}

/// How SPU prices one op's forward: the node, the settings, the program around it, the tally.
pub type Price = fn(&Node, &Config, &Ctx, &mut Tally) -> Result<(), Unpriced>;

/// SPU's forward price table (SEMI2K; ABY3 and SPU CHEETAH run the same lowering with their own
/// kernels behind `Tally`): op → the JAX program a user writes for it, as SPU runs it. An op
/// without an entry is unpriced (`forward`). Adding an op: one row here, with its function below
/// (and the op in `src/ops/`); it then prices under SEMI2K, ABY3 and SPU CHEETAH alike.
static PRICES: Table<Price> = &[
    // Ops that only move, reshape or add shares: local, no communication.
    ("Add", local),
    ("Sub", local),
    ("Neg", local),
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
    ("Tile", local),
    ("DepthToSpace", local),
    ("SpaceToDepth", local),
    // Not is a local XOR.
    ("Not", local),
    ("Gemm", gemm),
    ("MatMul", matmul_op),
    ("Einsum", einsum),
    ("Conv", conv),
    ("ConvTranspose", conv),
    ("Relu", relu),
    ("Max", max_min),
    ("Min", max_min),
    ("Clip", clip),
    ("PRelu", prelu),
    ("LeakyRelu", leaky_relu),
    ("HardSigmoid", hard_sigmoid),
    ("HardSwish", hard_sigmoid),
    ("Abs", abs),
    ("Less", less),
    ("Greater", less),
    ("LessOrEqual", less),
    ("GreaterOrEqual", less),
    ("Equal", equal),
    ("IsNaN", is_nan),
    ("And", and),
    ("Where", where_op),
    ("Sigmoid", sigmoid),
    ("Tanh", tanh),
    ("Sin", sin),
    ("Cos", cos),
    ("Exp", exp),
    ("Log", log),
    ("Erf", erf_op),
    ("Gelu", gelu),
    ("Sqrt", sqrt),
    ("Reciprocal", reciprocal),
    ("Mul", mul),
    ("Div", div),
    ("Pow", pow),
    ("Cast", cast),
    ("MaxPool", max_pool),
    ("GlobalMaxPool", global_max_pool),
    ("AveragePool", average),
    ("GlobalAveragePool", average),
    ("ReduceMean", average),
    ("ReduceMax", reduce_max),
    ("ReduceMin", reduce_max),
    ("ArgMax", argmax),
    ("ArgMin", argmax),
    ("Softmax", softmax),
    ("LogSoftmax", softmax),
    ("BatchNormalization", batch_norm),
    ("InstanceNormalization", instance_norm),
    ("LayerNormalization", layer_norm),
    ("SimplifiedLayerNormalization", rms_norm),
];

/// The ops SPU's forward prices (checked against the op registry).
#[cfg(test)]
pub(crate) fn priced_ops() -> Vec<&'static str> {
    crate::ops::table::ops(PRICES).collect()
}

/// Prices one inference node through [`PRICES`]. Costs are per party (both parties send the
/// same). A node on public values only is evaluated in the clear (free), apart from the
/// products, which price their secret operands themselves.
pub fn forward(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let (s0, s1) = secrets(node, cx);
    if !s0 && !s1 && !matches!(node.op.as_str(), "Conv" | "Gemm" | "MatMul") {
        return Ok(()); // all-public: evaluated in the clear
    }
    match crate::ops::lookup(PRICES, &node.op) {
        Some(price) => price(node, cfg, cx, t),
        None => Err(Unpriced::Unknown),
    }
}

/// Whether inputs 0 and 1 are secret.
fn secrets(node: &Node, cx: &Ctx) -> (bool, bool) {
    ((cx.secret)(0), node.inputs.len() > 1 && (cx.secret)(1))
}

/// Reshapes, copies, share additions and XORs: local, no communication.
fn local(_: &Node, _: &Config, _: &Ctx, _: &mut Tally) -> Result<(), Unpriced> {
    Ok(())
}

/// Gemm → `jnp.dot` with the transposes (see [`matmul`]); alpha and beta are public multiplies,
/// one truncation each, only when ≠ 1.
fn gemm(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    let (s0, s1) = secrets(node, cx);
    let (a, b) = (shape(node, 0), shape(node, 1));
    let ta = node.attr_int("transA").unwrap_or(0) != 0;
    let tb = node.attr_int("transB").unwrap_or(0) != 0;
    matmul(t, cfg, &a, &b, s0, s1, ta, tb);
    if node.attr_float("alpha").unwrap_or(1.0) != 1.0 {
        t.trunc(n);
    }
    if node.inputs.len() > 2 && node.attr_float("beta").unwrap_or(1.0) != 1.0 && (cx.secret)(2) {
        t.trunc(node.in_numel(2));
    }
    Ok(())
}

/// MatMul → `jnp.matmul` (see [`matmul`]).
fn matmul_op(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let (s0, s1) = secrets(node, cx);
    matmul(t, cfg, &shape(node, 0), &shape(node, 1), s0, s1, false, false);
    Ok(())
}

/// Conv → `lax.conv_general_dilated` → im2col + one matmul (`kernel/hlo/convolution.cc`
/// `Convolution2D`): the expanded input is (N·Ho·Wo) × (C·kh·kw), the kernel (C·kh·kw) × O;
/// padding is a free pad.
fn conv(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let (s0, s1) = secrets(node, cx);
    let (m, k, o, out) = conv_geometry(node).ok_or(Unpriced::Missing("conv shapes"))?;
    if s0 && s1 {
        t.mmul_aa(m, k, o, cfg.mmul_split);
        t.trunc(out);
    } else if s0 || s1 {
        t.trunc(out);
    }
    Ok(())
}

/// Relu → `jax.nn.relu` = `maximum(x, 0)`: compare + select.
fn relu(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    approx::relu(t, node.out_numel(0));
    Ok(())
}

/// Max / Min of k inputs → k − 1 `jnp.maximum`/`minimum`: one compare-and-select each.
fn max_min(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    for _ in 1..node.inputs.len() {
        t.max(n);
    }
    Ok(())
}

/// Clip → `jnp.clip` = `minimum(maximum(x, lo), hi)`: one compare-and-select per bound.
fn clip(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    let bounds = node
        .inputs
        .len()
        .saturating_sub(1)
        .max(usize::from(node.attrs.contains_key("min")) + usize::from(node.attrs.contains_key("max")));
    for _ in 0..bounds.max(1) {
        t.max(n);
    }
    Ok(())
}

/// PRelu → `jnp.where(x >= 0, x, slope·x)`: MSB, the product with the slope (f_mul when the slope
/// is secret), select.
fn prelu(node: &Node, _: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    t.msb(n);
    if secrets(node, cx).1 {
        t.f_mul("slope·x", n);
    } else {
        t.trunc(n);
    }
    select_bit(t, n, cx);
    Ok(())
}

/// LeakyRelu → `jnp.where(x >= 0, x, α·x)`: MSB, the public product's truncation, select.
fn leaky_relu(node: &Node, _: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    t.msb(n);
    t.trunc(n);
    select_bit(t, n, cx);
    Ok(())
}

/// HardSigmoid → `max(0, min(1, αx+β))`: truncation + two compare-and-select; HardSwish adds the
/// product with x.
fn hard_sigmoid(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    t.trunc(n);
    approx::clamp(t, n);
    if node.op == "HardSwish" {
        t.f_mul("x·hardsigmoid(x)", n);
    }
    Ok(())
}

/// Abs → `jnp.abs` (see `approx::abs`).
fn abs(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    approx::abs(t, node.out_numel(0));
    Ok(())
}

/// Less / Greater / LessOrEqual / GreaterOrEqual → one comparison (`f_less`).
fn less(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    t.less(node.out_numel(0));
    Ok(())
}

/// Equal → `f_equal` → `equal_ss`.
fn equal(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    t.equal(node.out_numel(0));
    Ok(())
}

/// IsNaN → `jnp.isnan(x)` = `x != x`: SPU has no NaN test on fixed point and runs the full
/// secret equality (`f_equal` → `equal_ss`) and a free NOT. FM64: 104n bytes, 7 rounds
/// (transformer/isnan).
fn is_nan(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    t.equal(node.out_numel(0));
    Ok(())
}

/// And of two secret booleans (`jnp.logical_and`, pphlo `and` → `and_bb` on 1-bit shares),
/// each protocol's `AndBB`: SEMI2K opens `x⊕a`, `y⊕b` (`2·w(1)·n` bytes, 1 round); ABY3 rotates
/// one share (`w(1)·n`, 1 round); CHEETAH opens both packed to bits (`2·ℓ·⌈n/k⌉` bytes, 2 send
/// actions). Measured at FM64 and FM128 (transformer/and_secret under each protocol). With one
/// public operand it is local.
fn and(node: &Node, _: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    if let (true, true) = secrets(node, cx) {
        t.and_bb("AND of 1-bit shares", node.out_numel(0), 1, 1);
    }
    Ok(())
}

/// `jnp.where(c, x, y)` → pphlo select → `_mux`: `y + c·(x − y)`. A public condition
/// (exporters' masks) selects in the clear: free (transformer/where_public_mask). A 1-bit secret
/// condition (a comparison's MSB) multiplies by `mul_a1b`. An equality result is a full-width
/// boolean share: `mixed_mul` converts it by a B2A of that share (k bits in SEMI2K, 8 in ABY3:
/// `Ring::eq_bits`, aby3/train_train_where_equal_b2.json), then `mul_aa` (`hal/polymorphic.cc`
/// `mul`; transformer/isnan_where). SPU's `optimize_select` turns `select(p, x, 0)` into
/// `mul(p, x)`: same cost (transformer/where_zero_false, where_zero_true).
fn where_op(node: &Node, _: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    if !(cx.secret)(0) {
        return Ok(());
    }
    if cx.equality_condition {
        t.select_on_equality("equality condition · x", n, t.ring.eq_bits());
    } else {
        select_bit(t, n, cx);
    }
    Ok(())
}

/// A select by a comparison's 1-bit share: `mul_a1b`, or, when the condition is reused by the
/// backward (`Ctx::condition_reused`), its B2A and a `mul_aa` (no truncation: a 0/1 integer).
fn select_bit(t: &mut Tally, n: u64, cx: &Ctx) {
    if cx.condition_reused {
        t.b2a(n, 1);
        t.mul_aa("select (arithmetic condition)", n);
    } else {
        t.mul_a1b(n);
    }
}

/// Sigmoid → `jax.nn.sigmoid` (see `approx::sigmoid`).
fn sigmoid(node: &Node, cfg: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    approx::sigmoid(t, node.out_numel(0), cfg);
    Ok(())
}

/// Tanh → `jnp.tanh` (see `approx::tanh`).
fn tanh(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    approx::tanh(t, node.out_numel(0));
    Ok(())
}

/// Sin → `jnp.sin` (see `approx::sin`).
fn sin(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    approx::sin(t, node.out_numel(0));
    Ok(())
}

/// Cos → `jnp.cos` (see `approx::cos`).
fn cos(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    approx::cos(t, node.out_numel(0));
    Ok(())
}

/// Exp → `jnp.exp` (see `approx::exp`).
fn exp(node: &Node, cfg: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    approx::exp(t, node.out_numel(0), cfg);
    Ok(())
}

/// Log → `jnp.log` (see `approx::log`).
fn log(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    approx::log(t, node.out_numel(0));
    Ok(())
}

/// Erf → `lax.erf` (see [`erf`]).
fn erf_op(node: &Node, cfg: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    erf(t, node.out_numel(0), cfg);
    Ok(())
}

/// Gelu (opset 20) → `jax.nn.gelu`: tanh form x³ (2 f_mul), 3 public multiplies, tanh, one
/// f_mul; exact form through `erfc` (see [`gelu_erfc`]).
fn gelu(node: &Node, cfg: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    if node.attr_str("approximate") == Some("tanh") {
        t.f_mul("x²", n);
        t.f_mul("x³", n);
        t.trunc(n);
        t.trunc(n);
        approx::tanh(t, n);
        t.trunc(n);
        t.f_mul("0.5x·(1+tanh)", n);
    } else {
        gelu_erfc(t, n, cfg);
    }
    Ok(())
}

/// Sqrt → `jnp.sqrt`, or `rsqrt` when all its consumers are divisions SPU's
/// `rewrite_div_sqrt_patterns` rewrites (see `Ctx::sqrt_as_rsqrt`).
fn sqrt(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    if cx.sqrt_as_rsqrt {
        approx::rsqrt(t, n, cfg);
    } else {
        approx::sqrt(t, n, cfg);
    }
    Ok(())
}

/// Reciprocal → `1.0 / x` (see `approx::reciprocal`). `1.0 / jnp.sqrt(v)`: SPU's
/// `rewrite_div_sqrt_patterns` makes it `1 · rsqrt(v)` (the Sqrt prices the rsqrt; the product
/// with the constant 1 folds away). Measured: transformer/rmsnorm_reciprocal.
fn reciprocal(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    if !cx.div_by_rewritten_sqrt {
        approx::reciprocal(t, node.out_numel(0), cfg);
    }
    Ok(())
}

/// Mul → `x * y`: `f_mul` of two secrets; by a public value a truncation.
fn mul(node: &Node, _: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    if let (true, true) = secrets(node, cx) {
        t.f_mul("x·y", n);
    } else {
        t.trunc(n);
    }
    Ok(())
}

/// Div → `x / y`. `c / sqrt(v)` → `c · rsqrt(v)`: the constant 1 of torch's exported rsqrt
/// folds away (transformer/rmsnorm_rsqrt); any other constant is a public multiply. `x /
/// sqrt(v)` → `x · rsqrt(v)`: one f_mul. By a secret y: SPU's division (or, with
/// `enable_optimize_denominator_with_broadcast` and a broadcast y, one reciprocal per y element
/// and an f_mul). By a public constant: `x · (1/c)` (XLA algebraic simplifier): a truncation.
fn div(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    let (s0, s1) = secrets(node, cx);
    if cx.div_by_rewritten_sqrt && !s0 {
        let one = node.inputs.first().and_then(|c| c.value.as_ref()).is_some_and(|v| v.iter().all(|&x| x == 1.0));
        if !one {
            t.trunc(n);
        }
    } else if cx.div_by_rewritten_sqrt {
        t.f_mul("x·rsqrt(v)", n);
    } else if s1 {
        if cfg.optimize_denominator && node.in_numel(1) < n {
            approx::reciprocal(t, node.in_numel(1), cfg);
            t.f_mul("x·(1/y)", n);
        } else {
            approx::div_secret_num(t, n, cfg, s0);
        }
    } else {
        t.trunc(n);
    }
    Ok(())
}

/// Pow with a public integer exponent → `lax.integer_pow`: binary exponentiation, one f_mul per
/// squaring and per set bit after the first (a negative exponent adds the reciprocal). The
/// exponent is a static slot (validation/spu/CONVENTION.md): a float initializer there is a
/// public constant, not a secret weight.
fn pow(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    let static_exponent = node.inputs.get(1).is_some_and(|e| e.value.is_some() && e.origin != Origin::Activation);
    if secrets(node, cx).1 && !static_exponent {
        return Err(Unpriced::SecretExponent);
    }
    let p = node
        .inputs
        .get(1)
        .and_then(|e| e.value.as_ref())
        .and_then(|v| v.first().copied())
        .ok_or(Unpriced::Missing("Pow exponent"))?;
    if p.fract() != 0.0 || p == 0.0 {
        return Err(Unpriced::Unknown);
    }
    let e = p.abs() as u64;
    let muls = (63 - e.leading_zeros() as u64) + (e.count_ones() as u64 - 1);
    for _ in 0..muls {
        t.f_mul("integer_pow", n);
    }
    if p < 0.0 {
        approx::reciprocal(t, n, cfg);
    }
    Ok(())
}

/// Cast of a secret float to an integer type: `fxp2int`. Other casts are free.
fn cast(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let to = node.attr_int("to").unwrap_or(1);
    let from_float =
        node.inputs.first().is_some_and(|x| matches!(x.dtype.as_str(), "float" | "float16" | "double" | "bfloat16"));
    if from_float && !matches!(to, 1 | 10 | 11 | 16) {
        t.fxp2int(node.out_numel(0));
    }
    Ok(())
}

/// MaxPool → `lax.reduce_window(max)` with ONNX pads: SPU expands the windows and tree-reduces
/// each (`reduce.cc` `ReduceWindowWithoutDilation`).
fn max_pool(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let w: u64 = node
        .attr_ints("kernel_shape")
        .ok_or(Unpriced::Missing("kernel_shape"))?
        .iter()
        .map(|&v| v.max(1) as u64)
        .product();
    max_reduce(t, node.out_numel(0), w);
    Ok(())
}

/// GlobalMaxPool → `jnp.max` over the spatial axes: one tree per channel.
fn global_max_pool(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let s = shape(node, 0);
    let w: u64 = s[2..].iter().product();
    max_reduce(t, node.out_numel(0), w);
    Ok(())
}

/// Averages: window sums are local, the division by the public count is a multiply by its
/// inverse: one truncation per output.
fn average(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    t.trunc(node.out_numel(0));
    Ok(())
}

/// ReduceMax / ReduceMin → `jnp.max`/`min` over the axes: one tree per row. The init value is
/// only folded in when axis 0 is reduced (`pphlo_executor.cc` ReduceOp, `canIgnoreInitialValue`).
fn reduce_max(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let axes = reduce_axes(node);
    let s = shape(node, 0);
    let len: u64 = axes.iter().map(|&a| s.get(a).copied().unwrap_or(1)).product();
    let rows = node.in_numel(0) / len.max(1);
    max_reduce(t, rows, len);
    if axes.contains(&0) {
        t.max(rows);
    }
    Ok(())
}

/// ArgMax → `jnp.argmax`: a variadic reduce over (value, index) whose comparator (jax `_argmax`)
/// tests `x < y`, NaN (`x == x`), equality and the index order: per compared pair 2 equalities,
/// 2 MSB, 3 ANDs on 1-bit shares and 2 selects (each a full-width B2A + `mul_aa`), over SPU's
/// `TreeReduce` levels. FM64: 374 B per pair, 35 rounds per level.
fn argmax(node: &Node, _: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let (r, len, axis) = rows(node, node.attr_int("axis").unwrap_or(0));
    let mut levels = tree_levels(len);
    if axis == 0 {
        levels.push(1);
    }
    let (calls, pairs) = (levels.len(), r * levels.iter().sum::<u64>());
    let mut all = Tally::new(&t.ring);
    for c in levels {
        argmax_pair(&mut all, r * c);
    }
    let detail = format!("{pairs} (value, index) comparisons in {calls} levels");
    t.repeated("argmax comparator tree", pairs, &all, &all, 1, detail);
    Ok(())
}

/// Softmax → `jax.nn.softmax`: `jnp.max(initial=-inf)` (tree + one more max against the initial
/// value, which jax applies explicitly), exp of the shifted input, and a per-element division by
/// the row sums (or, with `enable_optimize_denominator_with_broadcast`, one reciprocal per row
/// and an f_mul per element). LogSoftmax: log of the row sums instead of the division.
fn softmax(node: &Node, cfg: &Config, _: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let (r, len, axis) = rows(node, node.attr_int("axis").unwrap_or(-1));
    max_reduce(t, r, len);
    if axis == 0 {
        t.max(r);
    }
    t.max(r);
    approx::exp(t, r * len, cfg);
    if node.op == "Softmax" {
        if cfg.optimize_denominator {
            approx::reciprocal(t, r, cfg);
            t.f_mul("e·(1/Σe)", r * len);
        } else {
            approx::div(t, r * len, cfg);
        }
    } else {
        approx::log(t, r);
    }
    Ok(())
}

/// BatchNormalization as written: `(x − mean) / jnp.sqrt(var + eps) * scale + bias`; the division
/// by a broadcast sqrt becomes `· rsqrt` (`rewrite_div_sqrt_patterns.cc`), rsqrt on C elements
/// (once per variance tensor: XLA's CSE, `Ctx::rsqrt_reused`).
fn batch_norm(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    let c = node.in_numel(1);
    if (cx.secret)(4) {
        if !cx.rsqrt_reused {
            approx::rsqrt(t, c, cfg);
        }
        t.f_mul("(x−μ)·rsqrt(σ²+ε)", n);
    } else {
        t.trunc(n);
    }
    if (cx.secret)(1) {
        t.f_mul("·γ", n);
    } else {
        t.trunc(n);
    }
    Ok(())
}

/// InstanceNormalization: mean over H·W (truncation), (x−μ)² (f_mul), mean (truncation), then
/// `(x−μ)/sqrt(var+ε)·s + b` — the division by the [N, C] statistic keeps SPU's full division
/// when N or C is 1 (see `div_sqrt_rewrite_applies`), else becomes `· rsqrt`.
fn instance_norm(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    let s = shape(node, 0);
    let stats = s.first().copied().unwrap_or(1) * s.get(1).copied().unwrap_or(1);
    t.trunc(stats);
    t.f_mul("(x−μ)²", n);
    t.trunc(stats);
    let unit = s.first() == Some(&1) || s.get(1) == Some(&1);
    if unit {
        approx::sqrt(t, stats, cfg);
        approx::div(t, n, cfg);
    } else {
        approx::rsqrt(t, stats, cfg);
        t.f_mul("(x−μ)·rsqrt", n);
    }
    if secrets(node, cx).1 {
        t.f_mul("·s", n);
    } else {
        t.trunc(n);
    }
    Ok(())
}

/// LayerNormalization (opset 17): mean (truncation), (x−μ)² (f_mul), mean (truncation), rsqrt per
/// row (div-sqrt rewrite), ·rsqrt and ·γ (f_mul). Statistics of shape s[..axis]: a unit dim there
/// blocks the rewrite (full sqrt and division); `enable_optimize_denominator_with_broadcast` then
/// turns that division into one reciprocal per row and a product (transformer/layernorm_b1,
/// measured).
fn layer_norm(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    let s = shape(node, 0);
    let axis = norm_axis(node.attr_int("axis").unwrap_or(-1), s.len());
    let r: u64 = s[..axis].iter().product();
    t.trunc(r);
    t.f_mul("(x−μ)²", n);
    t.trunc(r);
    if s[..axis].contains(&1) {
        approx::sqrt(t, r, cfg);
        if cfg.optimize_denominator {
            approx::reciprocal(t, r, cfg);
            t.f_mul("(x−μ)·(1/sqrt)", n);
        } else {
            approx::div(t, n, cfg);
        }
    } else {
        approx::rsqrt(t, r, cfg);
        t.f_mul("(x−μ)·rsqrt", n);
    }
    if (cx.secret)(1) {
        t.f_mul("·γ", n);
    } else {
        t.trunc(n);
    }
    Ok(())
}

/// onnxruntime's fused RMSNorm, run as `x / jnp.sqrt(jnp.mean(x², axes) + ε) · γ`
/// (validation/spu/CONVENTION.md): x² (f_mul), the mean (truncation per row), rsqrt per row (the
/// div-sqrt rewrite; a unit dim in the statistics keeps the full division, as for LayerNorm),
/// · rsqrt and · γ (f_mul). Measured: transformer/simplified_layernorm.
fn rms_norm(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let n = node.out_numel(0);
    let s = shape(node, 0);
    let axis = norm_axis(node.attr_int("axis").unwrap_or(-1), s.len());
    let r: u64 = s[..axis].iter().product();
    t.f_mul("x²", n);
    t.trunc(r);
    if s[..axis].contains(&1) {
        approx::sqrt(t, r, cfg);
        approx::div(t, n, cfg);
    } else {
        approx::rsqrt(t, r, cfg);
        t.f_mul("x·rsqrt", n);
    }
    if (cx.secret)(1) {
        t.f_mul("·γ", n);
    } else {
        t.trunc(n);
    }
    Ok(())
}

/// One comparator of jax's argmax reduce, on `n` pairs (see [`argmax`]).
fn argmax_pair(t: &mut Tally, n: u64) {
    t.less(n);
    t.equal(n); // x == x (NaN test)
    t.and_bb("OR (AND of 1-bit shares)", n, 1, 1);
    t.select_on_equality("select value", n, t.ring.eq_bits());
    t.equal(n);
    t.less(n); // index order
    t.and_bb("AND of 1-bit shares", n, 1, 1);
    t.and_bb("OR (AND of 1-bit shares)", n, 1, 1);
    t.select_on_equality("select index", n, t.ring.eq_bits());
}

/// Einsum of two operands → `jnp.einsum` → one `dot_general`: indices in both
/// operands and the output are batch dims (looped), indices in both operands
/// only are contracted.
fn einsum(node: &Node, cfg: &Config, cx: &Ctx, t: &mut Tally) -> Result<(), Unpriced> {
    let (s0, s1) = secrets(node, cx);
    let eq = node.attr_str("equation").ok_or(Unpriced::Missing("equation"))?.replace(' ', "");
    let (lhs, out) = eq.split_once("->").ok_or(Unpriced::Unknown)?;
    let ops: Vec<&str> = lhs.split(',').collect();
    if ops.len() != 2 || eq.contains("...") {
        return Err(Unpriced::Unknown);
    }
    let (a, b) = (shape(node, 0), shape(node, 1));
    let dim =
        |sub: &str, s: &[u64], c: char| sub.chars().position(|x| x == c).and_then(|i| s.get(i).copied()).unwrap_or(1);
    let (mut batch, mut m, mut k, mut n) = (1u64, 1u64, 1u64, 1u64);
    for c in ops[0].chars() {
        let (in_b, in_out) = (ops[1].contains(c), out.contains(c));
        match (in_b, in_out) {
            (true, true) => batch *= dim(ops[0], &a, c),
            (true, false) => k *= dim(ops[0], &a, c),
            (false, _) => m *= dim(ops[0], &a, c),
        }
    }
    for c in ops[1].chars().filter(|&c| !ops[0].contains(c)) {
        n *= dim(ops[1], &b, c);
    }
    matmul(t, cfg, &[batch, m, k], &[batch, k, n], s0, s1, false, false);
    Ok(())
}

/// `lax.erf` → `custom_call @mhlo.erf` → SPU's own `f_erf` (`fxp_approx.cc`):
/// `x < 0` (MSB), `|x|` (`f_abs`), `|x| < 3` (MSB), `ErfImpl(|x|)` =
/// `1 − 1/p(|x|)⁴` with a degree-4 polynomial, two `f_square` and
/// `reciprocal_goldschmidt_positive`, then two selects (`mul_a1b`).
/// FM64: 721n bytes, 60 rounds.
pub fn erf(t: &mut Tally, n: u64, cfg: &Config) {
    t.less(n);
    approx::abs(t, n);
    t.less(n);
    approx::polynomial(t, n, 4);
    t.f_square(n);
    t.f_square(n);
    approx::reciprocal_positive(t, n, cfg);
    t.mul_a1b(n);
    t.mul_a1b(n);
}

/// `jax.nn.gelu(x, approximate=False)` in jax 0.4.34 is `0.5·x·erfc(−x/√2)`,
/// and `lax.erfc` reaches SPU already expanded by XLA into its float32
/// rational approximation (the pphlo program has no erfc op): on `z = −x/√2`,
/// `|z|`, four comparisons, `z²`, a 6-term polynomial in z² (small |z|),
/// `exp(−z²)/|z|` times 8- and 7-term polynomials in `1/z²` (large |z|),
/// two reciprocals, four selects. Read off the compiled program:
/// 23 f_mul, 5 public-multiply truncations, 4 MSB, 4 selects, |·|, exp,
/// 2 reciprocals. FM64: 1951n bytes, 181 rounds.
pub fn gelu_erfc(t: &mut Tally, n: u64, cfg: &Config) {
    t.trunc(n); // 0.5·x
    t.trunc(n); // z = −x·(1/√2)
    approx::abs(t, n);
    t.less(n); // |z| < 1
    t.f_mul("z²", n);
    t.trunc(n); // first Horner coefficient
    for _ in 0..5 {
        t.f_mul("Horner step in z²", n);
    }
    t.f_mul("z·P(z²)", n);
    t.less(n); // z < 0
    t.less(n); // −z² < log(min float)
    approx::exp(t, n, cfg);
    approx::reciprocal(t, n, cfg); // 1/|z|
    t.f_mul("exp(−z²)/|z|", n);
    t.less(n); // |z| < 2
    approx::reciprocal(t, n, cfg); // 1/z²
    t.trunc(n);
    for _ in 0..7 {
        t.f_mul("Horner step in 1/z²", n);
    }
    t.trunc(n);
    for _ in 0..6 {
        t.f_mul("Horner step in 1/z²", n);
    }
    t.mul_a1b(n);
    t.f_mul("exp(−z²)/|z|·R", n);
    t.mul_a1b(n);
    t.mul_a1b(n);
    t.mul_a1b(n);
    t.f_mul("0.5x·erfc", n);
}
