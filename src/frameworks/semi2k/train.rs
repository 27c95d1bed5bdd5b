//! One SGD step under SPU, as the JAX program
//! `w − lr · grad(mean softmax cross-entropy)(w)` compiles: the loss value
//! itself is dead code (only the new weights are returned), so XLA removes its
//! `log`; JAX's backward reuses the forward's ReLU masks; SPU's
//! `optimize_maxpool` pass turns a max pool and its `select_and_scatter`
//! into `argmax` + `maxpool_scatter`. Every rule below was read off the
//! compiled pphlo program of a step and checked against real runs
//! (tests/fixtures/spu/models/*train*).

use super::ops::max_reduce;
use super::proto::{Protocol, Tally};
use super::{approx, Config, Program};
use crate::graph::{Graph, Node, Origin, Problem};
use crate::ops::Table;
use crate::report::{FrameworkReport, NodeCost, Phase};
use crate::training::plan;

/// Forward cost of a max pool in a training step: with the maxpool
/// optimisation (default) and a gradient flowing through it, SPU runs
/// `pphlo.argmax` (`kernel/hlo/reduce.cc` `ArgMax`): a `TreeReduce` over the
/// window of (value, one-hot index) pairs; each pair compares (MSB), turns the
/// bit arithmetic (1-bit B2A, `_prefer_a`), selects the value (`mul_aa`) and
/// the W-wide one-hot index (`mul_aa`, free on the first level where the
/// indices are the public identity).
pub fn maxpool_argmax(t: &mut Tally, n_out: u64, window: u64) {
    let mut len = window;
    let mut level = 0;
    let mut tails = 0u64;
    while len > 1 {
        let half = len / 2;
        if len % 2 == 1 {
            tails += 1;
        }
        argmax_level(t, n_out * half, window, level == 0);
        len = half;
        level += 1;
    }
    for _ in 0..tails {
        argmax_level(t, n_out, window, false);
    }
}

fn argmax_level(t: &mut Tally, pairs: u64, window: u64, public_index: bool) {
    t.less(pairs);
    t.b2a(pairs, 1);
    t.mul_aa("select value", pairs);
    if !public_index {
        t.mul_aa("select one-hot index", pairs * window);
    }
}

/// Backward of a max pool without SPU's maxpool optimisation: XLA's
/// `select_and_scatter` (`kernel/hlo/select_and_scatter.cc`
/// `SelectAndScatter`) recomputes each window's arg-max by a `TreeReduce`
/// of (value, iota index) pairs — a comparison (MSB), the value select
/// (`mul_a1b`) and the index select (first level: the public iota turned
/// secret, a 1-bit B2A and a `mul_aa`; later levels `mul_a1b`) — then a
/// one-hot `equal` of the selected position with the iota on N·W elements
/// and `ScatterWindow`'s product of the gradient with that one-hot mask
/// (`mul_a1b`). Checked on LeNet (FM64): 9,405,568 B, 54 rounds for both pools.
pub fn select_and_scatter(t: &mut Tally, n_out: u64, window: u64) {
    let mut len = window;
    let mut first = true;
    let mut tails = 0u64;
    while len > 1 {
        let half = len / 2;
        if len % 2 == 1 {
            tails += 1;
        }
        sas_level(t, n_out * half, first);
        first = false;
        len = half;
    }
    for _ in 0..tails {
        sas_level(t, n_out, false);
    }
    t.equal(n_out * window);
    t.mul_a1b(n_out * window);
}

fn sas_level(t: &mut Tally, pairs: u64, first: bool) {
    t.less(pairs);
    t.mul_a1b(pairs);
    if first {
        t.b2a(pairs, 1);
        t.mul_aa("select iota index", pairs);
    } else {
        t.mul_a1b(pairs);
    }
}

/// VJP of `jnp.maximum(x, c)` (jax `lax.max` JVP, `_balanced_eq`): the
/// gradient share is `(x == z ? 1 : 0) / (c == z ? 2 : 1)`: two equalities,
/// two 0/1-to-arithmetic conversions of the equality bits (`multiply`/`select`
/// with public operands: a B2A of the equality's share, `Ring::eq_bits`), a
/// secret division, and the product with g. Measured on the MLP step with
/// `relu=jnp.maximum` (FM64): 769 B and 56 rounds per element, against
/// jax.nn.relu's 16 B and 1 round.
fn balanced_max_vjp(t: &mut Tally, g: u64, cfg: &Config) {
    // The equality's boolean share: the full ring in SEMI2K, 8 bits in ABY3 (measured on the
    // HardSigmoid and HardSwish steps, tests/fixtures/spu/aby3/train_train_hard*_b2.json).
    let k = t.ring.eq_bits();
    t.equal(g);
    t.b2a(g, k);
    t.equal(g);
    t.b2a(g, k);
    approx::div(t, g, cfg);
    t.f_mul("g·mask", g);
}

/// One batched product `batch × (m×k)(k×n)` with its truncation per element.
fn batched(t: &mut Tally, cfg: &Config, batch: u64, m: u64, k: u64, n: u64) {
    for _ in 0..batch {
        if !crate::budget::spend(1) {
            break; // a runaway batch: the profile reports the exhausted budget
        }
        t.mmul_aa(m, k, n, cfg.mmul_split);
        t.trunc(m * n);
    }
}

/// Adds the loss, backward and update rows of one training step.
/// `sealed`: the public scalars ABY3 already sealed in this program (see `aby3::sealed_scalars`).
pub fn rows(
    graph: &Graph,
    cfg: &Config,
    program: &Program,
    sealed: &mut std::collections::BTreeSet<String>,
    report: &mut FrameworkReport,
) {
    let Some((b, c)) = graph.classification_logits() else {
        report.warnings.push(
            "Training needs a [batch, classes] output for the cross-entropy loss; only the forward pass is priced."
                .into(),
        );
        return;
    };
    let p = plan(graph);
    let row = |name: &str, op: &str, phase: Phase, t: Tally| NodeCost {
        node: name.into(),
        op: op.into(),
        scope: Vec::new(),
        phase,
        cost: t.total(),
        steps: t.steps,
        approximate: None,
    };

    // Loss forward that survives dead-code elimination: log_softmax's max
    // (tree + the explicit `initial=-inf` max) and exp. Its log is dead.
    let mut t = Tally::new(&cfg.ring);
    if cfg.ring.protocol == Protocol::Aby3 {
        // log_softmax's max initial −inf and the sum's 0 (sealed once per program).
        for c in ["-inf", "0"] {
            if sealed.insert(c.to_string()) {
                super::aby3::p2a(&mut t, c, 1);
            }
        }
    }
    max_reduce(&mut t, b, c);
    t.max(b);
    if b == 1 {
        // XLA drops the unit batch dim, so the max reduces axis 0, where SPU folds the initial
        // value in with one more max (`pphlo_executor.cc` ReduceOp `canIgnoreInitialValue`, as
        // for Softmax over axis 0; train_train_layernorm_seq_b1.json).
        t.max(b);
    }
    approx::exp(&mut t, b * c, cfg);
    report.nodes.push(row("loss/softmax_cross_entropy", "SoftmaxCrossEntropy", Phase::Loss, t));

    // Loss backward: −y/B (public multiply: truncation), then
    // log_softmax's VJP `g − softmax·Σg`, computed as `exp · (Σg / Σexp)`:
    // one division per row and one f_mul per logit.
    let mut t = Tally::new(&cfg.ring);
    t.trunc(b * c);
    approx::div(&mut t, b, cfg);
    t.f_mul("exp·(Σg/Σexp)", b * c);
    report.nodes.push(row("loss/softmax_cross_entropy.backward", "SoftmaxCrossEntropy", Phase::Backward, t));

    for item in &p.backward {
        let node = &graph.nodes[item.node];
        crate::budget::at_node(&node.name, &node.op);
        let mut t = Tally::new(&cfg.ring);
        match backward(node, &item.needs_grad, cfg, program, &mut t) {
            Ok(()) if t.steps.is_empty() => {}
            Ok(()) => {
                // Rules checked against real SPU steps (MLP, LeNet, the tiny transformer
                // classifier); the others were read off compiled step programs but not yet measured.
                let measured = matches!(
                    node.op.as_str(),
                    "Gemm"
                        | "Conv"
                        | "Relu"
                        | "MaxPool"
                        | "Flatten"
                        | "Reshape"
                        | "MatMul"
                        | "ReduceMean"
                        | "Div"
                        | "Mul"
                        | "Pow"
                        | "Sqrt"
                        | "Softmax"
                        | "Erf"
                        | "LayerNormalization"
                        | "Gelu"
                        | "HardSigmoid"
                        | "HardSwish"
                        | "Abs"
                        | "Exp"
                        | "Tanh"
                        | "Sigmoid"
                        | "LogSoftmax"
                        | "ReduceMax"
                        | "Where"
                        | "LeakyRelu"
                        | "PRelu"
                        | "Max"
                        | "Min"
                        | "Log"
                        | "Reciprocal"
                        | "BatchNormalization"
                        | "Einsum"
                        | "ConvTranspose"
                        | "InstanceNormalization"
                        | "GlobalMaxPool"
                        | "AveragePool"
                        | "GlobalAveragePool"
                        | "Clip"
                );
                let mut approximate = (!measured).then(|| {
                    "backward derived from the compiled JAX step program, not yet measured in SPU".to_string()
                });
                if node.op == "MaxPool" && !cfg.maxpool_optimization && cfg.ring.parties() > 2 {
                    // Measured (LeNet b8 step, FM64): ABY3 sends 7.46 MB (15 %) more than
                    // this rule; SEMI2K with 3 parties 100,864 B (0.07 %) less per party.
                    approximate = Some(if cfg.ring.protocol == Protocol::Aby3 {
                        "select_and_scatter under ABY3 is not modelled exactly: the measured LeNet step sends 15 % more"
                            .into()
                    } else {
                        "select_and_scatter with more than 2 parties is not modelled exactly: the measured 3-party LeNet step sends 0.07 % less".into()
                    });
                }
                report.nodes.push(NodeCost {
                    node: node.name.clone(),
                    op: node.op.clone(),
                    scope: node.scope.clone(),
                    phase: Phase::Backward,
                    cost: t.total(),
                    steps: t.steps,
                    approximate,
                })
            }
            Err(()) => report.unsupported.push(Problem {
                node: node.name.clone(),
                op: node.op.clone(),
                reason: if node.op == "Conv" && node.attr_int("group").unwrap_or(1) != 1 {
                    GROUPED_CONV_BACKWARD.into()
                } else {
                    "backward of this op under JAX autodiff in SPU not modelled".into()
                },
            }),
        }
    }

    // Update `w − lr·g`: a public multiply per parameter tensor, each its own
    // truncation (one round per tensor).
    let mut t = Tally::new(&cfg.ring);
    for (_, n) in weights(graph, program) {
        t.trunc(n);
    }
    report.nodes.push(row("update/SGD", "SGD", Phase::Update, t));
}

/// Trainable (secret float) parameter tensors, each once.
fn weights(graph: &Graph, program: &Program) -> Vec<(String, u64)> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for n in &graph.nodes {
        for (i, t) in n.inputs.iter().enumerate() {
            if t.origin == Origin::Weight && program.secret(n, i) && seen.insert(t.name.clone()) {
                out.push((t.name.clone(), t.numel().unwrap_or(0)));
            }
        }
    }
    out
}

/// SPU 0.9.5 cannot compile the gradient of a grouped (e.g. depthwise) convolution: its MLIR
/// pipeline aborts (`DialectConversion.cpp`: "rewrite was neither rolled back nor committed")
/// while the same step with group 1 compiles and runs (validation/spu/train.py on
/// tests/fixtures/spu/models/depthwise_cnn.onnx, recorded in train_depthwise_cnn_b2.json).
const GROUPED_CONV_BACKWARD: &str = "SPU 0.9.5 cannot train a grouped (depthwise) convolution: its compiler aborts on the gradient (MLIR DialectConversion assertion), recorded by validation/spu/train.py; the forward is priced";

/// What a VJP needs besides the node: which inputs need a gradient, the settings, the program.
struct Grad<'a> {
    needs: &'a [bool],
    cfg: &'a Config,
    program: &'a Program,
}

impl Grad<'_> {
    fn need(&self, i: usize) -> bool {
        self.needs.get(i).copied().unwrap_or(false)
    }
}

/// How SPU prices one op's backward (`Err` when this form is not modelled).
type Vjp = fn(&Node, &Grad, &mut Tally) -> Result<(), ()>;

/// SPU's backward price table: op → the VJPs JAX emits for it in a training step, as SPU runs
/// them. An op without an entry is unpriced in training (`backward`).
static BACKWARD: Table<Vjp> = &[
    // Gradients of moves, reshapes and share additions: local.
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
    ("Gemm", matmul),
    ("MatMul", matmul),
    ("Conv", conv),
    ("ConvTranspose", conv),
    ("Relu", relu),
    ("Clip", clip),
    ("MaxPool", max_pool),
    ("GlobalMaxPool", max_pool),
    ("AveragePool", average),
    ("GlobalAveragePool", average),
    ("ReduceMean", average),
    ("Sigmoid", sigmoid),
    ("Softmax", softmax),
    ("Mul", mul),
    ("Div", div),
    ("Sqrt", sqrt),
    ("Pow", pow),
    ("Erf", erf),
    ("LayerNormalization", layer_norm),
    ("Gelu", gelu),
    ("HardSigmoid", hard_sigmoid),
    ("HardSwish", hard_swish),
    ("Abs", abs),
    ("Exp", exp),
    ("Tanh", tanh),
    ("LogSoftmax", log_softmax),
    ("ReduceMax", reduce_max),
    ("Where", where_op),
    // Comparisons: boolean outputs carry no gradient (jax differentiates neither branch).
    ("Greater", local),
    ("Less", local),
    ("Equal", local),
    ("GreaterOrEqual", local),
    ("LessOrEqual", local),
    ("LeakyRelu", leaky_relu),
    ("PRelu", prelu),
    ("Einsum", einsum),
    ("BatchNormalization", batch_norm),
    ("InstanceNormalization", instance_norm),
    ("Log", log),
    ("Reciprocal", reciprocal),
    ("Max", max_min),
    ("Min", max_min),
];

/// The ops SPU's backward prices (checked against the op registry).
#[cfg(test)]
pub(crate) fn backward_ops() -> Vec<&'static str> {
    crate::ops::table::ops(BACKWARD).collect()
}

/// Backward of one node through [`BACKWARD`]: the VJPs JAX emits for the inputs that need a
/// gradient.
fn backward(node: &Node, needs: &[bool], cfg: &Config, program: &Program, t: &mut Tally) -> Result<(), ()> {
    let cx = Grad { needs, cfg, program };
    match crate::ops::lookup(BACKWARD, &node.op) {
        Some(vjp) => vjp(node, &cx, t),
        None => Err(()),
    }
}

/// Moves, reshapes and share additions pass the gradient on locally.
fn local(_: &Node, _: &Grad, _: &mut Tally) -> Result<(), ()> {
    Ok(())
}

/// y = x·Wᵀ + b: dX = dY·W, dW = dYᵀ·X (one matrix Beaver product and one truncation each); db
/// is a local sum. Leading dims of a 3-D+ input fold into the rows. Batched MatMul (attention):
/// each operand's gradient is another batched product, looped per batch element like the
/// forward: dA = g·Bᵀ: (m×n)(n×k); dB = Aᵀ·g: (k×m)(m×n).
fn matmul(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let cfg = cx.cfg;
    let batched_operands =
        node.in_shape(0).is_some_and(|a| a.len() > 2) && node.in_shape(1).is_some_and(|b| b.len() > 2);
    if node.op == "MatMul" && batched_operands {
        let (a, b) = (node.in_shape(0).ok_or(())?, node.in_shape(1).ok_or(())?);
        let (ra, rb) = (a.len(), b.len());
        let batch: u64 = a[..ra - 2].iter().product();
        let (m, k, n) = (a[ra - 2], a[ra - 1], b[rb - 1]);
        if cx.need(0) {
            batched(t, cfg, batch, m, n, k);
        }
        if cx.need(1) {
            batched(t, cfg, batch, k, m, n);
        }
        return Ok(());
    }
    let (a, w) = (node.in_shape(0).ok_or(())?, node.in_shape(1).ok_or(())?);
    if w.len() != 2 || a.len() < 2 {
        return Err(());
    }
    let a = [a[..a.len() - 1].iter().product(), a[a.len() - 1]];
    let trans_b = node.op == "Gemm" && node.attr_int("transB").unwrap_or(0) != 0;
    let (bsz, k) = (a[0], a[1]);
    let n = if trans_b { w[0] } else { w[1] };
    if cx.need(0) {
        t.mmul_aa(bsz, n, k, cfg.mmul_split);
        t.trunc(bsz * k);
    }
    if cx.need(1) {
        t.mmul_aa(n, bsz, k, cfg.mmul_split);
        t.trunc(n * k);
    }
    Ok(())
}

/// Conv: dX = conv(pad(dY), reverse(W)) over the input's positions (contraction O·kh·kw); dW =
/// conv of the input (batch as channels) with dY as the kernel (contraction Ho'·Wo'·N, Ho' =
/// (Ho−1)·s+1 with the stride as kernel dilation), output C·kh·kw × O. A grouped conv is not
/// priced (`GROUPED_CONV_BACKWARD`).
fn conv(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let cfg = cx.cfg;
    let (x, w, y) = (node.in_shape(0).ok_or(())?, node.in_shape(1).ok_or(())?, node.out_shape(0).ok_or(())?);
    if node.attr_int("group").unwrap_or(1) != 1 || x.len() != 4 {
        return Err(());
    }
    let (nb, cin, h, wd) = (x[0], x[1], x[2], x[3]);
    if node.op == "ConvTranspose" {
        return conv_transpose(node, cx, t, [nb, cin, h, wd], [w[1], w[2], w[3]]);
    }
    let (o, kh, kw) = (w[0], w[2], w[3]);
    let (ho, wo) = (y[2], y[3]);
    let s = node.attr_ints("strides").map(<[i64]>::to_vec).unwrap_or_else(|| vec![1, 1]);
    let (sh, sw) = (s[0].max(1) as u64, s.get(1).copied().unwrap_or(1).max(1) as u64);
    if cx.need(0) {
        t.mmul_aa(nb * h * wd, o * kh * kw, cin, cfg.mmul_split);
        t.trunc(nb * h * wd * cin);
    }
    if cx.need(1) {
        let k = ((ho - 1) * sh + 1) * ((wo - 1) * sw + 1) * nb;
        t.mmul_aa(cin * kh * kw, k, o, cfg.mmul_split);
        t.trunc(cin * kh * kw * o);
    }
    Ok(())
}

/// ReLU (jax.nn.relu): the forward mask times the gradient, `mul_a1b`; written as `jnp.maximum`,
/// the balanced-eq VJP.
fn relu(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    if cx.cfg.relu_as_maximum {
        balanced_max_vjp(t, g, cx.cfg);
    } else {
        t.mul_a1b(g);
    }
    Ok(())
}

/// Clip → `jnp.clip` = min(max(x, lo), hi): one balanced-eq VJP per bound.
fn clip(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    let bounds = node
        .inputs
        .len()
        .saturating_sub(1)
        .max(usize::from(node.attrs.contains_key("min")) + usize::from(node.attrs.contains_key("max")))
        .max(1);
    for _ in 0..bounds {
        balanced_max_vjp(t, g, cx.cfg);
    }
    Ok(())
}

/// Window size of a max pool: its kernel, or a global pool's spatial extent (`onnx2jax.py` runs
/// GlobalMaxPool as a `reduce_window` over H×W, which SPU's maxpool optimisation turns into
/// `argmax` + `maxpool_scatter` as for MaxPool; train_train_cnn_instancenorm_b2.json).
pub fn pool_window(node: &Node) -> Option<u64> {
    if node.op == "GlobalMaxPool" {
        return Some(node.in_shape(0)?.get(2..)?.iter().product());
    }
    Some(node.attr_ints("kernel_shape")?.iter().map(|&v| v.max(1) as u64).product())
}

/// Max pool (and GlobalMaxPool), optimised: `maxpool_scatter` multiplies the broadcast gradient by the one-hot window
/// indices (`mul_aa`, no truncation); without the optimisation `select_and_scatter`.
fn max_pool(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    let w = pool_window(node).ok_or(())?;
    if cx.cfg.maxpool_optimization {
        t.mul_aa("maxpool_scatter", g * w);
    } else {
        select_and_scatter(t, g, w);
    }
    Ok(())
}

/// Averages: the gradient times 1/count (truncation), spread locally. XLA folds consecutive
/// constant scalings separated only by broadcasts/reshapes into one, so a pool whose gradient
/// comes straight from another average's backward adds nothing.
fn average(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    if !cx.program.scaled_gradient(node) {
        t.trunc(node.out_numel(0));
    }
    Ok(())
}

/// Sigmoid: `g·s·(1−s)`: two f_mul.
fn sigmoid(node: &Node, _: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    t.f_mul("s·(1−s)", g);
    t.f_mul("g·s(1−s)", g);
    Ok(())
}

/// Softmax as jax.nn.softmax computes it (`e / Σe`, differentiated as written): `g/Σe` (a
/// division per element), `(Σe)²` and its reciprocal per row, `g·(1/(Σe)²)·e`, and the exp's
/// `(·)·e`.
fn softmax(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    node.in_shape(0).ok_or(())?;
    let rows = super::ops::rows(node, node.attr_int("axis").unwrap_or(-1)).0;
    approx::div(t, g, cx.cfg);
    t.f_mul("(Σe)²", rows);
    approx::reciprocal(t, rows, cx.cfg);
    t.f_mul("g·(1/(Σe)²)", g);
    t.f_mul("·e", g);
    t.f_mul("exp VJP ·e", g);
    Ok(())
}

/// Mul: `g·other` and `g·self` for the inputs that need a gradient (f_mul each); `x·x` one
/// (train_train_log_b2.json); by a public constant a truncation.
fn mul(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    if node.inputs.len() == 2 && node.inputs[0].name == node.inputs[1].name {
        // x·x: jax's two `g·x` terms are one product after XLA's CSE, doubled locally (`add`).
        t.f_mul("g·x", g);
    } else if cx.program.secret(node, 0) && cx.program.secret(node, 1) {
        for i in 0..2 {
            if cx.need(i) {
                t.f_mul("g·other", g);
            }
        }
    } else {
        t.trunc(g);
    }
    Ok(())
}

/// Div by a public constant: `g·(1/c)`, a truncation. Division by a sqrt rewritten to
/// `x·rsqrt(v)` (LayerNorm): `g·rsqrt` for the numerator; for the denominator `rsqrt²` per row and
/// `g·x·rsqrt²`. Any other secret division is not modelled.
fn div(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    if !cx.program.secret(node, 1) {
        t.trunc(g);
    } else if cx.program.rewritten_divs.contains(&node.name) {
        let rows = node.in_numel(1);
        if cx.need(0) {
            t.f_mul("g·rsqrt", g);
        }
        if cx.need(1) {
            t.f_mul("rsqrt²", rows);
            t.f_mul("g·rsqrt²", g);
            t.f_mul("·x", g);
        }
    } else {
        return Err(());
    }
    Ok(())
}

/// Sqrt running as rsqrt (LayerNorm): `g·0.5·rsqrt`: truncation + f_mul. A plain sqrt is not
/// modelled.
fn sqrt(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    if !cx.program.rsqrt_sqrts.contains(&node.name) {
        return Err(());
    }
    let g = node.out_numel(0);
    t.trunc(g);
    t.f_mul("g·rsqrt/2", g);
    Ok(())
}

/// Pow(x, 2) → `x·x`: VJP `g·2x`, the 2 folded into the incoming gradient's constant scaling:
/// one f_mul. Other exponents are not modelled.
fn pow(node: &Node, _: &Grad, t: &mut Tally) -> Result<(), ()> {
    if node.inputs.get(1).and_then(|e| e.value.as_ref()).and_then(|v| v.first().copied()) != Some(2.0) {
        return Err(());
    }
    t.f_mul("g·2x", node.out_numel(0));
    Ok(())
}

/// Erf (`lax.erf`'s JVP `2/√π·exp(−x²)`): the constant (truncation), x² (f_mul), exp, and the
/// product with g.
fn erf(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    t.trunc(g);
    t.f_mul("x²", g);
    approx::exp(t, g, cx.cfg);
    t.f_mul("g·exp(−x²)", g);
    Ok(())
}

/// LayerNormalization as the JAX lowering writes it (`onnx2jax.py` `op_layernorm`: `(x − μ) /
/// jnp.sqrt(var + ε) · γ + β`, var = `mean((x − μ)²)`), differentiated op by op, as the decomposed
/// export's nodes: `·γ` (`g·γ` and `g·x̂` for dγ, an f_mul each; a public γ a truncation), the
/// division rewritten to `· rsqrt` (`g·rsqrt` per element; `rsqrt²` per row, `g·rsqrt²` and `·x`
/// per element), the rsqrt's `g·rsqrt/2` (truncation + f_mul per row), the variance mean's
/// scaling (truncation per row), `(x − μ)²`'s `g·2x` (f_mul) and μ's scaling (truncation per
/// row); `+β` and `x − μ` are local. Measured: Gemm → LayerNorm → Gemm on [2,16], 3,944 B and
/// 19 rounds per party at FM64 (train_train_layernorm_b2.json).
///
/// Statistics with a unit dim (batch 1: ViT, Swin) keep SPU's full division in the forward (no
/// rewrite), and the step program (read off its compiled pphlo) differs in two places: the
/// numerator's `g / sqrt(v)` is a division per element instead of `g·rsqrt`, and sqrt's JVP
/// `0.5 / sqrt(v)` is rewritten to `0.5·rsqrt(v)`, a rsqrt per row the forward did not compute
/// (train_train_layernorm_seq_b1.json, [1,4,16]).
fn layer_norm(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    norm_vjp(node, cx, t, node.attr_int("axis").unwrap_or(-1))
}

/// InstanceNormalization (`onnx2jax.py` `op_instancenorm`: the same lowering over the spatial
/// axes, statistics per sample and channel): LayerNorm's VJPs with the statistics axis 2, the
/// scale as γ. Measured without a unit dim (N·C = 2·4, train_train_cnn_instancenorm_b2.json,
/// read off the step program: the same products as LayerNorm's); with N or C = 1 the forward
/// keeps the full division (`ops::instance_norm`) and the backward follows LayerNorm's
/// unit-dim program, not measured for this op.
fn instance_norm(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    norm_vjp(node, cx, t, 2)
}

/// The normalisation VJPs of [`layer_norm`] over the axes from `axis` on.
fn norm_vjp(node: &Node, cx: &Grad, t: &mut Tally, axis: i64) -> Result<(), ()> {
    let s = node.in_shape(0).ok_or(())?;
    let r = s.len() as i64;
    let axis = (if axis < 0 { axis + r } else { axis }).clamp(0, (r - 1).max(0)) as usize;
    let full_division = s[..axis].contains(&1);
    let (g, rows) = (node.out_numel(0), s[..axis].iter().product::<u64>());
    if cx.program.secret(node, 1) {
        if cx.need(1) {
            t.f_mul("g·x̂ (dγ)", g);
        }
        if cx.need(0) {
            t.f_mul("g·γ", g);
        }
    } else if cx.need(0) {
        t.trunc(g);
    }
    if !cx.need(0) {
        return Ok(());
    }
    if full_division {
        approx::rsqrt(t, rows, cx.cfg);
        approx::div(t, g, cx.cfg);
    } else {
        t.f_mul("g·rsqrt", g);
    }
    t.f_mul("rsqrt²", rows);
    t.f_mul("g·rsqrt²", g);
    t.f_mul("·(x − μ)", g);
    t.trunc(rows);
    t.f_mul("g·rsqrt/2", rows);
    t.trunc(rows); // mean of the squares
    t.f_mul("g·2(x − μ)", g);
    t.trunc(rows); // mean μ
    Ok(())
}

/// Exact GELU (`jax.nn.gelu(x, approximate=False)` = `0.5·x·erfc(−x/√2)`): the product's VJP
/// (`g·0.5x` and `g·erfc`, an f_mul each, then `·0.5`), erfc's JVP `−2/√π·exp(−z²)` — XLA's CSE
/// reuses the forward's `exp(−z²)` from the erfc expansion, so one f_mul and the constant — and
/// `z = −x/√2`'s constant: 3 f_mul and 3 public multiplies (truncations). Measured: Gemm → Gelu →
/// Gemm on [2,16], 2,304 B and 9 rounds per party at FM64 (train_train_gelu_b2.json).
///
/// Tanh form (`x · 0.5·(1 + tanh(c·(x + 0.044715·x³)))`): `g·cdf` and `g·x` (f_mul each), `·0.5`,
/// tanh's VJP `g·(1 − y²)` (two f_mul), `·c`, `·0.044715`, and `x³`'s VJP `3·x²·g` with the
/// forward's x² reused (one f_mul and `·3`): 5 f_mul and 4 public multiplies. Measured: 3,712 B
/// and 14 rounds per party at FM64 (train_train_gelu_tanh_b2.json).
fn gelu(node: &Node, _: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    if node.attr_str("approximate") == Some("tanh") {
        t.f_mul("g·cdf", g);
        t.f_mul("g·x", g);
        t.trunc(g); // ·0.5
        t.f_mul("tanh²", g);
        t.f_mul("g·(1 − tanh²)", g);
        t.trunc(g); // ·√(2/π)
        t.trunc(g); // ·0.044715
        t.f_mul("g·x²", g);
        t.trunc(g); // ·3
        return Ok(());
    }
    t.f_mul("g·0.5x", g);
    t.f_mul("g·erfc", g);
    t.trunc(g); // ·0.5
    t.f_mul("·exp(−z²)", g);
    t.trunc(g); // ·(−2/√π)
    t.trunc(g); // ·(−1/√2)
    Ok(())
}

/// HardSigmoid (`jnp.clip(α·x + β, 0, 1)` = `minimum(maximum(·, 0), 1)`): a balanced-eq VJP per
/// bound, as Clip, then `·α` (a truncation). Measured: Gemm → HardSigmoid → Gemm on [2,16],
/// 49,344 B and 113 rounds per party at FM64 (train_train_hardsigmoid_b2.json).
fn hard_sigmoid(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    for _ in 0..2 {
        balanced_max_vjp(t, g, cx.cfg);
    }
    t.trunc(g); // ·α
    Ok(())
}

/// HardSwish (`x · jnp.clip(x/6 + 1/2, 0, 1)`): the product's VJP (`g·h`, `g·x`: an f_mul each),
/// then the HardSigmoid VJP of h. Measured: Gemm → HardSwish → Gemm on [2,16], 50,624 B and 117
/// rounds per party at FM64 (train_train_hardswish_b2.json).
fn hard_swish(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    t.f_mul("g·hardsigmoid(x)", g);
    t.f_mul("g·x", g);
    hard_sigmoid(node, cx, t)
}

/// Abs (`jnp.abs`; jax's JVP `select(x >= 0, g, −g)`): XLA and SPU's `optimize_select` leave
/// `select(x < 0, 0, g) − (x < 0)·g` in the step program (read off its pphlo): a comparison of
/// its own (the forward's `pphlo.abs` keeps its sign bit inside the kernel) and two products
/// with the 1-bit share (`mul_a1b`). Measured: Gemm → Abs → Gemm on [2,16]
/// (train_train_abs_b2.json).
fn abs(node: &Node, _: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    t.less(g);
    t.mul_a1b(g);
    t.mul_a1b(g);
    Ok(())
}

/// Exp (`jnp.exp`, JVP `g·exp(x)`): the forward's exp is reused, one f_mul
/// (train_train_exp_b2.json).
fn exp(node: &Node, _: &Grad, t: &mut Tally) -> Result<(), ()> {
    t.f_mul("g·exp(x)", node.out_numel(0));
    Ok(())
}

/// Tanh (`jnp.tanh`, JVP `g·(1 − y²)`): XLA factors it as `g·(1 − y) + g·(1 − y)·y` with the
/// forward's y: two f_mul (train_train_tanh_b2.json).
fn tanh(node: &Node, _: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    t.f_mul("g·(1 − y)", g);
    t.f_mul("·y", g);
    Ok(())
}

/// LogSoftmax (`jax.nn.log_softmax`, VJP `g − exp(x − m)·Σg/Σe`) with the forward's shifted
/// exponentials and row sums reused: one division per row and one f_mul per element, as the
/// loss's own log-softmax (train_train_logsoftmax_b2.json).
fn log_softmax(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    node.in_shape(0).ok_or(())?;
    let rows = super::ops::rows(node, node.attr_int("axis").unwrap_or(-1)).0;
    approx::div(t, rows, cx.cfg);
    t.f_mul("exp·(Σg/Σe)", g);
    Ok(())
}

/// ReduceMax (`jnp.max`; jax's reduce-max JVP spreads g over the positions equal to the max,
/// divided by their count): `x == max` (an equality per input element); the count, a sum of the
/// equality bits, whose `TreeReduce` (`kernel/hlo/reduce.cc`) adds boolean shares on its first
/// level only, each half converted by its own B2A (an odd tail once more, when it is added);
/// `g / count` per row (a secret division); and the product of the bits with the spread
/// gradient (B2A + `mul_aa`, no truncation: a 0/1 integer). Read off the compiled step program
/// and SPU's hal profile (`f_add` 256 B in 2 actions at FM64); train_train_reducemax_b2.json.
/// Only a reduction over the last axis was measured.
fn reduce_max(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let n = node.in_numel(0);
    let rows = node.out_numel(0);
    let len = n / rows.max(1);
    // The count converts the bits after `convert` made them a full-ring boolean share (ABY3:
    // k-bit B2As, train_train_reducemax_b2.json's `f_add`); the product converts the equality's
    // own share (ABY3: 8 bits, its `mixed_mul`).
    let (k, eq) = (t.ring.k, t.ring.eq_bits());
    t.equal(n);
    if len > 1 {
        t.b2a(rows * (len / 2), k);
        t.b2a(rows * (len / 2), k);
    }
    if len % 2 == 1 {
        t.b2a(rows, k);
    }
    approx::div(t, rows, cx.cfg);
    t.select_on_equality("(x == max)·g/count", n, eq);
    Ok(())
}

/// Where (`jnp.where(c, x, y)`, VJP `select(c, g, 0)` for x and `select(c, 0, g)` for y): per
/// branch needing a gradient, the condition, already arithmetic (the forward's `prefer_a`,
/// `ops::Ctx::condition_reused`, or an equality's converted share), times g: a `mul_aa` without
/// truncation (read off the step program: `multiply(c, g)` and `select(c, 0, g)`;
/// train_train_where_*_b2.json).
fn where_op(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    for i in [1, 2] {
        if cx.need(i) {
            t.mul_aa("g·condition", node.out_numel(0));
        }
    }
    Ok(())
}

/// LeakyRelu (`jax.nn.leaky_relu` = `jnp.where(x >= 0, x, α·x)`; read off the step program):
/// `select(x < 0, 0, g)` on the forward's arithmetic condition (`mul_aa`), `(x < 0)·g` on its
/// 1-bit share (`mul_a1b`), and `·α` (a truncation) (train_train_leakyrelu_b2.json).
fn leaky_relu(node: &Node, _: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    t.mul_aa("select(x < 0, 0, g)", g);
    t.mul_a1b(g);
    t.trunc(g); // ·α
    Ok(())
}

/// PRelu (`jnp.where(x >= 0, x, slope·x)`): as LeakyRelu, with `·slope` an f_mul for a secret
/// slope (a truncation for a public one), and the slope's own gradient `Σ (x < 0)·g·x`, an f_mul
/// (the sum over the broadcast is local) (train_train_prelu_b2.json).
fn prelu(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    if cx.need(0) {
        t.mul_aa("select(x < 0, 0, g)", g);
    }
    t.mul_a1b(g);
    if cx.need(0) {
        if cx.program.secret(node, 1) {
            t.f_mul("·slope", g);
        } else {
            t.trunc(g);
        }
    }
    if cx.need(1) {
        t.f_mul("(x < 0)·g·x", g);
    }
    Ok(())
}

/// Max / Min of two inputs (`jnp.maximum`/`minimum`, jax's `_balanced_eq` JVP for each operand:
/// `g·(x == z)/((y == z) + 1)`, and the same with x and y swapped). One operand needing a
/// gradient: the balanced-eq VJP as for Clip's bounds. Both (read off the step program): the two
/// equalities are shared, one of them is converted to arithmetic once (`prefer_a`) and the other
/// at each of its two uses (three B2As of the equality share), then a division and an f_mul per
/// operand (train_train_max_b2.json, train_train_min_b2.json). More than two inputs: not
/// modelled.
fn max_min(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    if node.inputs.len() != 2 {
        return Err(());
    }
    let g = node.out_numel(0);
    match (cx.need(0), cx.need(1)) {
        (true, true) => {
            let k = t.ring.eq_bits();
            t.equal(g);
            t.equal(g);
            for _ in 0..3 {
                t.b2a(g, k);
            }
            for _ in 0..2 {
                approx::div(t, g, cx.cfg);
                t.f_mul("g·mask", g);
            }
        }
        (false, false) => {}
        _ => balanced_max_vjp(t, g, cx.cfg),
    }
    Ok(())
}

/// Log (`jnp.log`, JVP `g / x`): a secret division per element (train_train_log_b2.json).
fn log(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    approx::div(t, node.out_numel(0), cx.cfg);
    Ok(())
}

/// Reciprocal (`1.0 / x`, JVP `−g / x²`): XLA writes it `g · (1 / (x·x))` (read off the step
/// program; the forward's 1/x is not reused): the square (an f_mul), a reciprocal and the product
/// with g (train_train_reciprocal_b2.json).
fn reciprocal(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let g = node.out_numel(0);
    t.f_mul("x·x", g);
    approx::reciprocal(t, g, cx.cfg);
    t.f_mul("g·(1/x²)", g);
    Ok(())
}

/// BatchNormalization as the JAX lowering writes it (`(x − mean) / jnp.sqrt(var + ε) · scale +
/// bias` with the running statistics as parameters, the division rewritten to `· rsqrt`),
/// differentiated as read off the step program: `g·scale` (f_mul; a public scale a truncation),
/// `·rsqrt` for x and the mean (f_mul), `x̂·g` for the scale (f_mul); for the variance `rsqrt²`
/// per channel, `·rsqrt²` and `·(x − mean)` per element (f_mul each), then sqrt's `0.5·rsqrt`
/// (rewritten from `0.5 / sqrt`: a truncation per channel) times the channel sums (f_mul); the
/// bias's and the mean's sums are local (train_model_cnn_batchnorm_b1.json).
fn batch_norm(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let n = node.out_numel(0);
    let c = node.in_numel(1);
    if !cx.program.secret(node, 4) {
        return Err(()); // public statistics: not measured
    }
    if cx.need(1) {
        t.f_mul("x̂·g (dscale)", n);
    }
    if !(cx.need(0) || cx.need(3) || cx.need(4)) {
        return Ok(());
    }
    if cx.program.secret(node, 1) {
        t.f_mul("g·scale", n);
    } else {
        t.trunc(n);
    }
    if cx.need(0) || cx.need(3) {
        t.f_mul("·rsqrt", n);
    }
    if cx.need(4) {
        t.f_mul("rsqrt²", c);
        t.f_mul("·rsqrt²", n);
        t.f_mul("·(x − mean)", n);
        t.trunc(c); // 0.5·rsqrt
        t.f_mul("Σ·0.5·rsqrt", c);
    }
    Ok(())
}

/// Einsum of two operands, as its forward reads it (`ops::einsum`: batch, rows m, contraction
/// k, columns n): each operand's gradient is another product, `dA = g·Bᵀ` ((m×n)(n×k)) and `dB =
/// Aᵀ·g` ((k×m)(m×n)), one matrix Beaver product and a truncation each, per batch element
/// (read off the step program of `bi,ij->bj`: two `dot`s; train_train_einsum_b2.json). Other
/// forms (one operand, ellipses) are not modelled.
fn einsum(node: &Node, cx: &Grad, t: &mut Tally) -> Result<(), ()> {
    let eq = node.attr_str("equation").ok_or(())?.replace(' ', "");
    let (lhs, out) = eq.split_once("->").ok_or(())?;
    let ops: Vec<&str> = lhs.split(',').collect();
    if ops.len() != 2 || eq.contains("...") {
        return Err(());
    }
    let (a, b) = (node.in_shape(0).ok_or(())?, node.in_shape(1).ok_or(())?);
    let dim =
        |sub: &str, s: &[u64], c: char| sub.chars().position(|x| x == c).and_then(|i| s.get(i).copied()).unwrap_or(1);
    let (mut batch, mut m, mut k, mut n) = (1u64, 1u64, 1u64, 1u64);
    for c in ops[0].chars() {
        match (ops[1].contains(c), out.contains(c)) {
            (true, true) => batch *= dim(ops[0], a, c),
            (true, false) => k *= dim(ops[0], a, c),
            (false, _) => m *= dim(ops[0], a, c),
        }
    }
    for c in ops[1].chars().filter(|&c| !ops[0].contains(c)) {
        n *= dim(ops[1], b, c);
    }
    if cx.need(0) {
        batched(t, cx.cfg, batch, m, n, k);
    }
    if cx.need(1) {
        batched(t, cx.cfg, batch, k, m, n);
    }
    Ok(())
}

/// ConvTranspose (`onnx2jax.py`: a convolution of the stride-dilated input with the flipped
/// kernel), read off the step program: dX is a plain strided convolution of g with the kernel
/// (positions N·H·W of the input, contraction O·kh·kw, C outputs); dW convolves g (O as batch, N
/// as features) with the stride-dilated input as the kernel (positions O·kh·kw, contraction
/// ((H−1)·s+1)·((W−1)·s+1)·N, C outputs); a truncation each (train_train_cnn_convtranspose_b2.json:
/// 2×2, stride 2). Dilations other than 1 are not modelled.
fn conv_transpose(node: &Node, cx: &Grad, t: &mut Tally, x: [u64; 4], w: [u64; 3]) -> Result<(), ()> {
    let ([nb, cin, h, wd], [o, kh, kw]) = (x, w);
    if node.attr_ints("dilations").is_some_and(|d| d.iter().any(|&v| v != 1)) {
        return Err(());
    }
    let s = node.attr_ints("strides").map(<[i64]>::to_vec).unwrap_or_else(|| vec![1, 1]);
    let (sh, sw) = (s[0].max(1) as u64, s.get(1).copied().unwrap_or(1).max(1) as u64);
    let cfg = cx.cfg;
    if cx.need(0) {
        t.mmul_aa(nb * h * wd, o * kh * kw, cin, cfg.mmul_split);
        t.trunc(nb * h * wd * cin);
    }
    if cx.need(1) {
        let k = ((h - 1) * sh + 1) * ((wd - 1) * sw + 1) * nb;
        t.mmul_aa(o * kh * kw, k, cin, cfg.mmul_split);
        t.trunc(o * kh * kw * cin);
    }
    Ok(())
}
