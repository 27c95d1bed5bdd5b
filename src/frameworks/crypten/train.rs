//! One CrypTen training step beyond the forward pass: the cross-entropy loss,
//! `loss.backward()` through CrypTen's autograd (`crypten/gradients.py`), and
//! the optimizer step (`crypten/optim/sgd.py`).

use super::ops::{max_rows, Unpriced};
use super::proto::Tally;
use super::Config;
use crate::graph::Node;

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

/// Backward of one forward node, as CrypTen's autograd functions compute it.
pub fn backward(node: &Node, cfg: &Config, t: &mut Tally) -> Result<(), Unpriced> {
    let g = node.out_numel(0);
    let d = node.out_shape(0).map_or(1, |s| s.len() as u64);
    match node.op.as_str() {
        "Add" | "Sub" | "Neg" | "Flatten" | "Reshape" | "Transpose" | "Concat" | "Squeeze" | "Unsqueeze"
        | "Dropout" | "Identity" | "Constant" | "Shape" | "Gather" | "Slice" | "Pad" | "Cast" => {}
        "AveragePool" | "GlobalAveragePool" | "ReduceMean" => t.truncate(node.in_numel(0), d),
        // Gemm = `alpha·(x @ Wᵀ) + beta·b` (`module.py` `Gemm.forward`). Backward of
        // each product with a public Python float (`AutogradMul.backward`) also
        // computes the useless gradient w.r.t. the float as a private product:
        // 4|g|, 1 round each. The matmul (`AutogradMatMul.backward`): grad input
        // `g @ W` (2(|g|+|W|)) and grad weight `gᵀ @ x` (2(|x|+|g|)), 2 rounds;
        // the input gradient is computed even for the first layer.
        "Gemm" | "MatMul" => {
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
        }
        // Conv (`AutogradConv2D.backward`): grad input by a transposed
        // convolution (2(|g|+|W|)) and grad weight by a convolution of the input
        // with `grad_output` repeated C_in times (2(|x| + C_in·|g|)), 2 rounds.
        "Conv" => {
            let (x, w) = (node.in_numel(0), node.in_numel(1));
            let c_in = node.in_shape(0).and_then(|s| s.get(1).copied()).unwrap_or(1);
            t.mul("grad input conv_transpose(g, W)", g, w, x, 4);
            t.mul("grad weight conv(x, g)", x, c_in * g, w, 4);
        }
        // ReLU backward: `g · (x ≥ 0)` with the stored 0/1 mask, untruncated: 4n, 1.
        "Relu" => t.mul_bit("g·mask", g, g, g, d),
        // Sigmoid (`AutogradSigmoid.backward`): `g·p·(1−p)`, two private products.
        "Sigmoid" => {
            t.mul("g·p", g, g, g, d);
            t.mul("·(1−p)", g, g, g, d);
        }
        // Softmax (`AutogradSoftmax.backward`): `(g − Σ(p·g))·p`, two private products.
        "Softmax" => {
            t.mul("p·g", g, g, g, d);
            t.mul("(g−Σpg)·p", g, g, g, d);
        }
        // Clip → hardtanh (`AutogradHardtanh.backward`): the saved 0/1
        // (encrypted) window mask times the gradient: one private product.
        // Pow (`AutogradPow.backward`): the saved `p·x^(p−1)` times g.
        // Sqrt (`AutogradSqrt.backward`): `inv_sqrt/2 · g`.
        "Clip" | "Pow" | "Sqrt" => t.mul("saved·g", g, g, g, d),
        // Erf (`AutogradErf.backward`): `exp(−x²)·2/√π·g`: x² by `pos_pow(2)`
        // (a square), exp, the public factor, one private product.
        "Erf" => {
            t.square(g, d);
            t.exp(g, d, cfg.exp_iters);
            t.mul("g·exp(−x²)", g, g, g, d);
        }
        // Mul (`AutogradMul.backward`): `g·other` and `g·self`, private products
        // only for private factors (a public factor is local for 2 parties).
        "Mul" => {
            let priv0 = node.inputs.first().is_some_and(|x| x.origin != crate::graph::Origin::Constant);
            let priv1 = node.inputs.get(1).is_some_and(|x| x.origin != crate::graph::Origin::Constant);
            if priv0 && priv1 {
                t.mul("g·other", g, node.in_numel(1), g, d);
                t.mul("g·self", g, node.in_numel(0), g, d);
            } else {
                // The public factor's gradient is computed anyway (`g·self`, a
                // private product); `g·other` with the public factor is local.
                let x = if priv0 { node.in_numel(0) } else { node.in_numel(1) };
                t.mul("g·x (gradient w.r.t. the public factor, unused)", g, x, g, d);
            }
        }
        // Div by a public value: `g / c`, local for 2 parties. By a private
        // tensor (`AutogradDiv.backward`): `1/y·g`, and `(1/y)²·x·g`.
        "Div" => {
            let private_divisor = node.inputs.get(1).is_some_and(|x| x.origin != crate::graph::Origin::Constant);
            if private_divisor {
                let m = node.in_numel(1);
                t.mul("(1/y)·g", m, g, g, d);
                t.square(m, d);
                t.mul("(1/y)²·x", m, node.in_numel(0), g, d);
                t.mul("·g", g, g, g, d);
            } else {
                t.truncate(g, d);
            }
        }
        // MaxPool backward (`AutogradMaxPool2D.backward`): the one-hot indices
        // (scale 1) times the gradient spread over the k² window: 2(r + r·k²), 1.
        "MaxPool" => {
            let k: u64 = node.attr_ints("kernel_shape").map_or(1, |k| k.iter().map(|&v| v.max(1) as u64).product());
            t.mul_bit("g·onehot indices", g, g * k, g * k, d + 1);
        }
        _ => return Err(Unpriced::Unknown),
    }
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

/// Forward ops whose autograd version (used while training, when the input
/// carries a gradient) costs differently from inference. Returns false when
/// the inference rule applies.
///
/// - Clip → `AutogradHardtanh.forward`: `stack([x−min, max−x]).gt(0)` (one
///   comparison on 2n), the mask sum, and one private product `mask·x`.
/// - Pow(p) → `AutogradPow.forward`: `x^(p−1)` by the power recursion, then a
///   private product with x (instead of a square for p = 2).
pub fn training_forward(node: &Node, cfg: &Config, t: &mut Tally) -> bool {
    let n = node.out_numel(0);
    let d = node.out_shape(0).map_or(1, |s| s.len() as u64);
    match node.op.as_str() {
        "Clip" => {
            t.ltz(2 * n, d + 1);
            t.mul("mask·x", n, n, n, d);
            true
        }
        "Pow" => {
            let Some(p) = node.inputs.get(1).and_then(|e| e.value.as_ref()).and_then(|v| v.first().copied()) else {
                return false;
            };
            if p.fract() != 0.0 || p < 1.0 {
                return false;
            }
            t.pow(n, d, p as i64 - 1);
            t.mul("x^(p−1)·x", n, n, n, d);
            let _ = cfg;
            true
        }
        _ => false,
    }
}
