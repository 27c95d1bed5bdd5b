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
pub fn backward(node: &Node, t: &mut Tally) -> Result<(), Unpriced> {
    let g = node.out_numel(0);
    let d = node.out_shape(0).map_or(1, |s| s.len() as u64);
    match node.op.as_str() {
        "Add" | "Sub" | "Flatten" | "Reshape" | "Transpose" | "Concat" | "Squeeze" | "Unsqueeze" | "Dropout" | "Identity" | "Constant" | "Shape"
        | "Gather" | "Slice" | "Pad" | "Cast" => {}
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
