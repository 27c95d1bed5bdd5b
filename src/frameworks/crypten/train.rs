//! One CrypTen training step beyond the forward pass: the cross-entropy loss,
//! `loss.backward()` through CrypTen's autograd (`crypten/gradients.py`), and
//! the optimizer step (`crypten/optim/sgd.py`).

use super::ops::{max_rows, Price, Unpriced};
use super::proto::Tally;
use super::Config;
use crate::graph::Node;
use crate::ops::Table;

/// `CrossEntropyLoss` forward (`gradients.py` `AutogradCrossEntropy.forward`)
/// on `b` rows of `c` classes: softmax (max with argmax, exp, all-positive
/// reciprocal, one product), `log` of the probabilities (`log(input_in_01)`:
/// its `·100` is an integer product, free), the product with the encrypted
/// one-hot target (4n, 1 round); the sum and `/b` are local for 2 parties.
pub fn loss_forward(t: &mut Tally, b: u64, c: u64, cfg: &Config) {
    let n = b * c;
    max_rows(t, b, c, 2, cfg, true);
    t.exp(n, 2, cfg.exp_iters);
    t.reciprocal(b, 2, true, cfg.reciprocal_iters, cfg.exp_iters);
    t.mul("exp·(1/Σ)", n, b, n, 2);
    super::ops::log_pub(t, n, 2, cfg);
    t.mul("log p · target", n, n, n, 2);
    t.truncate(1, 0); // / b
}

/// `CrossEntropy` backward: `(softmax − y)/b` is local, then the product with
/// `grad_output`, which `loss.backward()` creates as an *encrypted* scalar 1
/// (`cryptensor.py` `backward`): a Beaver product with a 1-element operand,
/// 2(n+1) elements, 1 round.
pub fn loss_backward(t: &mut Tally, b: u64, c: u64) {
    let n = b * c;
    t.truncate(n, 2); // / b
    t.mul("∂loss · grad_output", n, 1, n, 2);
}

/// CrypTen's backward price table: op → the cost of its autograd function's `backward`
/// (`crypten/gradients.py`). An op without an entry is unpriced in training (`backward`).
static BACKWARD: Table<Price> = &[
    // Local gradients: additions, reshapes, copies and selections of the gradient.
    ("Add", free),
    ("Sub", free),
    ("Neg", free),
    ("Flatten", free),
    ("Reshape", free),
    ("Transpose", free),
    ("Concat", free),
    ("Squeeze", free),
    ("Unsqueeze", free),
    ("Dropout", free),
    ("Identity", free),
    ("Constant", free),
    ("Shape", free),
    ("Gather", free),
    ("Slice", free),
    ("Pad", free),
    ("Cast", free),
    ("AveragePool", average),
    ("GlobalAveragePool", average),
    ("ReduceMean", average),
    ("Gemm", matmul),
    ("MatMul", matmul),
    ("Conv", conv),
    ("Relu", relu),
    ("Sigmoid", sigmoid),
    ("Softmax", softmax),
    ("Clip", saved_times_g),
    ("Pow", saved_times_g),
    ("Sqrt", saved_times_g),
    ("Erf", erf),
    ("Mul", mul),
    ("Div", div),
    ("MaxPool", max_pool),
    ("Gelu", gelu),
    ("HardSwish", hard_swish),
    ("HardSigmoid", hard_sigmoid),
    ("LayerNormalization", inv_sqrt_in_place),
    ("SimplifiedLayerNormalization", inv_sqrt_in_place),
    ("Exp", saved_times_g),
    ("Tanh", square_times_g),
    ("Reciprocal", square_times_g),
    ("Log", log),
    ("LogSoftmax", log_softmax),
    ("Where", where_op),
    // `eq` has no autograd function: its 0/1 output carries no gradient.
    ("Equal", free),
];

/// The ops CrypTen's backward prices (checked against the op registry).
#[cfg(test)]
pub(crate) fn backward_ops() -> Vec<&'static str> {
    crate::ops::table::ops(BACKWARD).collect()
}

/// Why CrypTen 0.4.1 cannot train through the LayerNorm and RMSNorm ports: `inv_sqrt`
/// (`common/functions/approximations.py`) has no autograd function, so on a tensor that requires
/// a gradient it runs op by op under autograd and reaches its in-place updates (`y -= …`,
/// `y.mul_(…)`), which `CrypTensor.__getattribute__` refuses: "RuntimeError: Autograd is not
/// supported for in-place functions" in the training forward (recorded by
/// validation/crypten/train.py: tests/fixtures/crypten/train_train_layernorm_b2.json).
pub const INV_SQRT_IN_PLACE: &str = "CrypTen 0.4.1 cannot train through this port: its inv_sqrt updates in place (approximations.py), which autograd refuses (RuntimeError: Autograd is not supported for in-place functions; recorded by validation/crypten/train.py)";

/// Backward of one forward node through [`BACKWARD`], as CrypTen's autograd functions compute it.
pub fn backward(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    match crate::ops::lookup(BACKWARD, &node.op) {
        Some(price) => price(node, cfg, t),
        None => Err(Unpriced::Unknown),
    }
}

/// The gradient's elements and rank.
fn grad(node: &Node) -> (u64, u64) {
    (node.out_numel(0), node.out_shape(0).map_or(1, |s| s.len() as u64))
}

fn private(node: &Node, i: usize) -> bool {
    node.inputs.get(i).is_some_and(|x| x.origin != crate::graph::Origin::Constant)
}

/// Additions, reshapes and copies pass the gradient on locally.
fn free(_: &Node, _: &Config, _: &mut Tally) -> Result<(), Unpriced> {
    Ok(())
}

/// Averages: the gradient divided by the public count, spread locally (a truncation, free for
/// 2 parties).
fn average(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (_, d) = grad(node);
    t.truncate(node.in_numel(0), d);
    Ok(())
}

/// Gemm = `alpha·(x @ Wᵀ) + beta·b` (`module.py` `Gemm.forward`). Backward of each product with a
/// public Python float (`AutogradMul.backward`) also computes the useless gradient w.r.t. the
/// float as a private product: 4|g|, 1 round each. The matmul (`AutogradMatMul.backward`): grad
/// input `g @ W` (2(|g|+|W|)) and grad weight `gᵀ @ x` (2(|x|+|g|)), 2 rounds; the input gradient
/// is computed even for the first layer.
fn matmul(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    if node.op == "Gemm" && node.inputs.len() > 2 {
        let nb = node.in_numel(2);
        t.mul("∂(beta·b) w.r.t. beta", nb, nb, nb, 1);
    }
    if node.op == "Gemm" {
        t.mul("∂(alpha·xW) w.r.t. alpha", g, g, g, d);
    }
    let (x, w) = (node.in_numel(0), node.in_numel(1));
    t.mul("grad input g·W", g, w, x, d);
    t.mul("grad weight gᵀ·x", x, g, w, 2);
    Ok(())
}

/// Conv (`AutogradConv2D.backward`): grad input by a transposed convolution (2(|g|+|W|)) and
/// grad weight by a convolution of the input with `grad_output` repeated C_in times
/// (2(|x| + C_in·|g|)), 2 rounds.
fn conv(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, _) = grad(node);
    let (x, w) = (node.in_numel(0), node.in_numel(1));
    let c_in = node.in_shape(0).and_then(|s| s.get(1).copied()).unwrap_or(1);
    t.mul("grad input conv_transpose(g, W)", g, w, x, 4);
    t.mul("grad weight conv(x, g)", x, c_in * g, w, 4);
    Ok(())
}

/// ReLU backward: `g · (x ≥ 0)` with the stored 0/1 mask, untruncated: 4n, 1.
fn relu(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    t.mul_bit("g·mask", g, g, g, d);
    Ok(())
}

/// Sigmoid (`AutogradSigmoid.backward`): `g·p·(1−p)`, two private products.
fn sigmoid(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    t.mul("g·p", g, g, g, d);
    t.mul("·(1−p)", g, g, g, d);
    Ok(())
}

/// Softmax (`AutogradSoftmax.backward`): `(g − Σ(p·g))·p`, two private products.
fn softmax(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    t.mul("p·g", g, g, g, d);
    t.mul("(g−Σpg)·p", g, g, g, d);
    Ok(())
}

/// One private product of the gradient with a value the forward saved: Clip → hardtanh
/// (`AutogradHardtanh.backward`: the 0/1 window mask), Pow (`AutogradPow.backward`:
/// `p·x^(p−1)`), Sqrt (`AutogradSqrt.backward`: `inv_sqrt/2`), Exp (`AutogradExp.backward`:
/// `output·g`).
fn saved_times_g(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    t.mul("saved·g", g, g, g, d);
    Ok(())
}

/// Erf (`AutogradErf.backward`): `exp(−x²)·2/√π·g`: x² by `pos_pow(2)` (a square), exp, the
/// public factor, one private product.
fn erf(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    t.square(g, d);
    t.exp(g, d, cfg.exp_iters);
    t.mul("g·exp(−x²)", g, g, g, d);
    Ok(())
}

/// The square of a saved output, then its product with the gradient: Tanh
/// (`AutogradTanh.backward`: `g·(1 − y²)`) and Reciprocal (`AutogradReciprocal.backward`:
/// `−g·(1/x)²`); the square is a Beaver square (2n, 1 round), `1 −` and the negation are local.
fn square_times_g(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    t.square(g, d);
    t.mul("g·y²", g, g, g, d);
    Ok(())
}

/// Log (`AutogradLog.backward`): `g.div(x)` with an encrypted x, which `MPCTensor.div` computes
/// as `g.mul(x.reciprocal())` (`mpc/mpc.py`): the signed reciprocal, then one product.
fn log(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    t.reciprocal(g, d, false, cfg.reciprocal_iters, cfg.exp_iters);
    t.mul("g·(1/x)", g, g, g, d);
    Ok(())
}

/// LogSoftmax (`AutogradLogSoftmax.backward`): `g − exp(y)·Σg` over the axis: the exp of the
/// saved output, the local sum, one product broadcast over the axis.
fn log_softmax(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    let axis = node.out_shape(0).and_then(|s| {
        let a = node.attr_int("axis").unwrap_or(-1);
        let a = if a < 0 { a + s.len() as i64 } else { a };
        s.get(a as usize).copied()
    });
    let rows = g / axis.unwrap_or(1).max(1);
    t.exp(g, d, cfg.exp_iters);
    t.mul("exp(y)·Σg", g, rows, g, d);
    Ok(())
}

/// Where (`crypten.where`): an encrypted condition gives `c·x + (1 − c)·y`, two
/// `AutogradMul`s whose backward computes both factors' gradients, 4 private products (the
/// condition's too, though `eq` carries no gradient; products with the 0/1 condition, of encoder
/// scale 1, are not truncated). A public condition gives `x·c + y·(1 − c)`:
/// the gradient w.r.t. each public factor is still a private product (see [`mul`]).
fn where_op(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    if private(node, 0) {
        t.mul("g·x", g, g, g, d);
        t.mul_bit("g·c", g, g, g, d);
        t.mul("g·y", g, g, g, d);
        t.mul_bit("g·(1 − c)", g, g, g, d);
    } else {
        for i in [1, 2] {
            if private(node, i) {
                t.mul("g·x (gradient w.r.t. the public condition, unused)", g, g, g, d);
            }
        }
    }
    Ok(())
}

/// Mul (`AutogradMul.backward`): `g·other` and `g·self`, private products only for private
/// factors. With a public factor its gradient is computed anyway (`g·self`, a private
/// product); `g·other` with the public factor is local.
fn mul(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    let (priv0, priv1) = (private(node, 0), private(node, 1));
    if priv0 && priv1 {
        t.mul("g·other", g, node.in_numel(1), g, d);
        t.mul("g·self", g, node.in_numel(0), g, d);
    } else {
        let x = if priv0 { node.in_numel(0) } else { node.in_numel(1) };
        t.mul("g·x (gradient w.r.t. the public factor, unused)", g, x, g, d);
    }
    Ok(())
}

/// Div by a public value: `g / c`, local for 2 parties. By a private tensor
/// (`AutogradDiv.backward`): `1/y·g`, and `(1/y)²·x·g`.
fn div(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    if private(node, 1) {
        let m = node.in_numel(1);
        t.mul("(1/y)·g", m, g, g, d);
        t.square(m, d);
        t.mul("(1/y)²·x", m, node.in_numel(0), g, d);
        t.mul("·g", g, g, g, d);
    } else {
        t.truncate(g, d);
    }
    Ok(())
}

/// The LayerNorm and RMSNorm ports cannot be trained ([`INV_SQRT_IN_PLACE`]).
fn inv_sqrt_in_place(_: &Node, _: &Config, _: &mut Tally) -> Result<(), Unpriced> {
    Err(Unpriced::Fails(INV_SQRT_IN_PLACE))
}

/// Backward of the exact GELU port `x·((x/√2).erf() + 1)·0.5` (`ports.py` `Gelu`), autograd
/// function by function from the output: `·0.5` (`AutogradMul.backward` also computes the
/// gradient w.r.t. the public 0.5: a private product `g·(x·(erf+1))`, and `g·0.5`, a
/// truncation), `x·(erf + 1)` (two private products), `+1` (local), `erf` (`AutogradErf`: the
/// square, exp, the public factor and the product with g, as the Erf op), `x/√2` (public
/// division: a truncation). Per party, 2 parties, [2,16]: 8,704 B, 13 rounds
/// (train_train_gelu_b2.json `backward_calls`).
///
/// The tanh form `x·(((x + 0.044715·x.pow(3))·√(2/π)).tanh() + 1)·0.5`: the same outer products,
/// `AutogradTanh.backward` (`g·(1 − y²)`: a square and a product), the two public factors `√(2/π)`
/// and `0.044715` (each a truncation and its unused private product) and `AutogradPow.backward`
/// (the saved `3x²` times g: one product). Per party, 2 parties, [2,16]: 7,680 B, 8 rounds
/// (train_train_gelu_tanh_b2.json).
fn gelu(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    if node.attr_str("approximate") == Some("tanh") {
        t.truncate(g, d); // g·0.5
        t.mul("g·x(tanh+1) (gradient w.r.t. the public 0.5, unused)", g, g, g, d);
        t.mul("g·(tanh+1)", g, g, g, d);
        t.mul("g·x", g, g, g, d);
        t.square(g, d);
        t.mul("g·(1 − tanh²)", g, g, g, d);
        for c in ["√(2/π)", "0.044715"] {
            t.truncate(g, d);
            t.mul(&format!("gradient w.r.t. the public {c}, unused"), g, g, g, d);
        }
        t.mul("g·3x²", g, g, g, d);
        return Ok(());
    }
    t.truncate(g, d); // g·0.5
    t.mul("g·x(erf+1) (gradient w.r.t. the public 0.5, unused)", g, g, g, d);
    t.mul("g·(erf+1)", g, g, g, d);
    t.mul("g·x", g, g, g, d);
    erf(node, cfg, t)?;
    t.truncate(g, d); // g/√2
    Ok(())
}

/// Backward of the HardSigmoid port `(x·α + β).hardtanh(0, 1)` (`ports.py` `HardSigmoid`):
/// `AutogradHardtanh.backward` (the saved 0/1 window mask times g: one private product), `+β`
/// (local), `x·α` (`AutogradMul.backward`: `g·α`, a truncation, and the gradient w.r.t. the
/// public α, a private product `g·x`). Per party, 2 parties, [2,16]: 2,048 B, 2 rounds
/// (train_train_hardsigmoid_b2.json).
fn hard_sigmoid(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    t.mul("g·window mask", g, g, g, d);
    t.truncate(g, d); // g·α
    t.mul("g·x (gradient w.r.t. the public α, unused)", g, g, g, d);
    Ok(())
}

/// Backward of the HardSwish port `x·(x/6 + 1/2).hardtanh(0, 1)` (`ports.py` `HardSwish`): the
/// outer product `x·h` (two private products: `g·h`, `g·x`), then the HardSigmoid backward of
/// `h` (mask product, `·1/6` truncation and its unused private product). Per party, 2 parties,
/// [2,16]: 4,096 B, 4 rounds (train_train_hardswish_b2.json).
fn hard_swish(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    t.mul("g·hardsigmoid(x)", g, g, g, d);
    t.mul("g·x", g, g, g, d);
    hard_sigmoid(node, cfg, t)
}

/// MaxPool backward (`AutogradMaxPool2D.backward`): the one-hot indices (scale 1) times the
/// gradient spread over the k² window: 2(r + r·k²), 1.
fn max_pool(node: &Node, _: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let (g, d) = grad(node);
    let k: u64 = node.attr_ints("kernel_shape").map_or(1, |k| k.iter().map(|&v| v.max(1) as u64).product());
    t.mul_bit("g·onehot indices", g, g * k, g * k, d + 1);
    Ok(())
}

/// Tensors that carry a gradient in CrypTen's autograd: computed from a
/// parameter, except that `GlobalAveragePool` starts from `input.shallow_copy()`
/// (`nn/module.py`), which drops the autograd history — nothing before it is
/// differentiated (and its parameters get no gradient).
pub fn requires_grad(graph: &crate::graph::Graph) -> std::collections::BTreeSet<String> {
    let mut req = std::collections::BTreeSet::new();
    for n in &graph.nodes {
        let from_weight = n.inputs.iter().any(|t| t.origin == crate::graph::Origin::Weight || req.contains(&t.name));
        if from_weight && n.op != "GlobalAveragePool" {
            for o in &n.outputs {
                req.insert(o.name.clone());
            }
        }
    }
    req
}

/// Tensors `loss.backward()` reaches: walking back from the outputs through
/// inputs that carry a gradient.
pub fn reached(graph: &crate::graph::Graph) -> std::collections::BTreeSet<String> {
    let req = requires_grad(graph);
    let mut seen: std::collections::BTreeSet<String> =
        graph.outputs.iter().map(|t| t.name.clone()).filter(|n| req.contains(n)).collect();
    for n in graph.nodes.iter().rev() {
        if n.outputs.iter().any(|o| seen.contains(&o.name)) && n.op != "GlobalAveragePool" {
            for i in &n.inputs {
                if req.contains(&i.name) {
                    seen.insert(i.name.clone());
                }
            }
        }
    }
    seen
}

/// Forward ops whose autograd version (used while training, when the input carries a gradient)
/// costs differently from inference: op → its autograd forward, which returns false when the
/// inference rule applies after all.
static AUTOGRAD_FORWARD: Table<fn(&Node, &mut Tally) -> bool> = &[
    ("Clip", hardtanh_forward),
    ("Pow", pow_forward),
    ("HardSigmoid", hard_sigmoid_forward),
    ("HardSwish", hard_swish_forward),
];

/// The ops with an autograd forward of their own (checked against the op registry).
#[cfg(test)]
pub(crate) fn autograd_forward_ops() -> Vec<&'static str> {
    crate::ops::table::ops(AUTOGRAD_FORWARD).collect()
}

/// The autograd forward of `node` into `t`, if its op has one that applies ([`AUTOGRAD_FORWARD`]).
pub fn training_forward(node: &Node, t: &mut Tally) -> bool {
    crate::ops::lookup(AUTOGRAD_FORWARD, &node.op).is_some_and(|f| f(node, t))
}

/// Clip → `AutogradHardtanh.forward`: `stack([x−min, max−x]).gt(0)` (one comparison on 2n), the
/// mask sum, and one private product `mask·x`.
fn hardtanh_forward(node: &Node, t: &mut Tally) -> bool {
    let (n, d) = grad(node);
    t.ltz(2 * n, d + 1);
    t.mul("mask·x", n, n, n, d);
    true
}

/// The HardSigmoid port in autograd: `x·α` (a public product: a truncation, free for 2 parties)
/// and `AutogradHardtanh.forward` on it (see [`hardtanh_forward`]).
fn hard_sigmoid_forward(node: &Node, t: &mut Tally) -> bool {
    let (n, d) = grad(node);
    t.truncate(n, d);
    hardtanh_forward(node, t)
}

/// The HardSwish port in autograd: the HardSigmoid port's autograd forward on `x/6 + 1/2`, then
/// the private product with x.
fn hard_swish_forward(node: &Node, t: &mut Tally) -> bool {
    hard_sigmoid_forward(node, t);
    let (n, d) = grad(node);
    t.mul("x·hardsigmoid(x)", n, n, n, d);
    true
}

/// Pow(p) → `AutogradPow.forward`: `x^(p−1)` by the power recursion, then a private product with
/// x (instead of a square for p = 2). A non-integer or p < 1 keeps the inference rule.
fn pow_forward(node: &Node, t: &mut Tally) -> bool {
    let (n, d) = grad(node);
    let Some(p) = node.inputs.get(1).and_then(|e| e.value.as_ref()).and_then(|v| v.first().copied()) else {
        return false;
    };
    if p.fract() != 0.0 || p < 1.0 {
        return false;
    }
    t.pow(n, d, p as u64 - 1);
    t.mul("x^(p−1)·x", n, n, n, d);
    true
}
