//! What CryptFlow2, Cheetah and Delphi lack, said precisely, for the ops of today's exports
//! (the model zoo, validation/zoo). Public nodes never get here (`src/public.rs`).
//!
//! Sources: EzPC `Athos/ONNXCompiler/ONNXNodesAST.py` (the ONNX front end: Cast, Pad, Concat,
//! HardSigmoid, Relu, Div, Add, Sub, Mul, Gather, Gemm, Constant, Transpose, Split, ReduceMean
//! over two axes, MatMul, BatchNormalization, Unsqueeze, Reshape, Flatten, Conv, MaxPool, AvgPool,
//! GlobalAveragePool, ConvTranspose) and `SCI/src/library_fixed_uniform.h` (the functions its
//! programs call: Conv2DWrapper, Conv2DGroupWrapper, MatMul2D, ElemWiseActModelVectorMult,
//! ElemWiseSecretSharedVectorMult, ElemWiseVectorPublicDiv, Relu, MaxPool, AvgPool, ArgMax,
//! HardSigmoid, Max, Min, Floor, ScaleUp/ScaleDown). OpenCheetah's networks are written against the
//! same library. Delphi: `neural-network/src/layers` (Conv2d, FullyConnected, AvgPool, Identity,
//! ReLU, PolyApprox).

use crate::graph::Node;

/// A `ReduceMean` over the two spatial axes of an NCHW tensor: the dynamo exporter's
/// global average pool (`x.mean((2, 3))`). Same arithmetic as `GlobalAveragePool`: a local sum
/// and one division by H·W.
pub fn is_spatial_mean(n: &Node) -> bool {
    if n.op != "ReduceMean" || n.in_shape(0).map(<[u64]>::len) != Some(4) {
        return false;
    }
    let axes: Option<Vec<i64>> = match n.attr_ints("axes") {
        Some(a) => Some(a.to_vec()),
        None => n.inputs.get(1).and_then(|t| t.value.as_ref()).map(|v| v.iter().map(|&x| x as i64).collect()),
    };
    let Some(mut axes) = axes else { return false };
    for a in &mut axes {
        if *a < 0 {
            *a += 4;
        }
    }
    axes.sort_unstable();
    axes == [2, 3]
}

/// What SCI's network library (CryptFlow2's Athos → SCI flow, OpenCheetah's networks) lacks for
/// `op`; `who` names the framework in the message.
pub fn sci_lacks(who: &str, n: &Node) -> String {
    let op = n.op.as_str();
    let what = match op {
        "Softmax" | "LogSoftmax" | "Exp" => {
            "no exponential of a secret, hence no softmax (library_fixed_uniform has ArgMax only)".to_string()
        }
        "LayerNormalization" | "SimplifiedLayerNormalization" | "RMSNormalization" | "Sqrt" | "Reciprocal" => {
            "no square root or reciprocal of a secret, hence no LayerNorm/RMSNorm (only BatchNorm with public \
             statistics, ElemWiseActModelVectorMult)"
                .to_string()
        }
        "ReduceMean" => "no mean over non-spatial axes: Athos's ReduceMean is the spatial average pool only \
                         (a LayerNorm statistic needs a division by a secret standard deviation after it)"
            .to_string(),
        "Gelu" | "Erf" | "Tanh" | "Sigmoid" | "Softplus" | "Mish" | "Swish" => format!(
            "no {op}: the only smooth activation is HardSigmoid; the SIRNN math library (Sigmoid, TanH, Exp) is \
             not part of this flow"
        ),
        "Div" => "no division by a secret (ElemWiseVectorPublicDiv divides by a public value only)".to_string(),
        "Mul" | "Sub" | "Pow" | "Neg" | "Where" | "Expand" | "Slice" | "Split" | "Cast" | "ReduceSum" | "ReduceMax"
        | "GatherND" | "GatherElements" | "Equal" | "Less" | "Greater" | "And" | "Or" | "Not" | "IsNaN" | "Trilu"
        | "Range" | "ConstantOfShape" | "Tile" | "Resize" | "Einsum" => format!(
            "no {op} on secret data in this model (its network library has Conv, MatMul, BatchNorm, Relu, MaxPool, \
             AvgPool, ArgMax, HardSigmoid, Max/Min and secret×secret ElemWiseSecretSharedVectorMult, which is not \
             priced here)"
        ),
        _ => format!("no {op}"),
    };
    format!("{who}'s CNN flow (Athos → SCI library_fixed_uniform) has {what}")
}

/// What Delphi's layer set lacks for `n`.
pub fn delphi_lacks(n: &Node) -> String {
    let op = n.op.as_str();
    match op {
        "Conv" if n.in_shape(0).is_some_and(|s| s.len() != 4) => format!(
            "{}-D conv: Delphi's Conv2d layer is 2-D only; port it as a 2-D conv with a unit axis",
            n.in_shape(0).map_or(0, |s| s.len().saturating_sub(2))
        ),
        "MaxPool" => "Delphi has no MaxPool layer (a garbled max is not in neural-network/src/layers)".into(),
        "Softmax" | "LogSoftmax" => "Delphi has no softmax: the server returns its output share".into(),
        _ => format!("Delphi has no {op} layer (supported: Conv2d, FC, AvgPool, ReLU, PolyApprox)"),
    }
}

/// Delphi folds a BatchNorm into the conv right before it; any other producer leaves it as a
/// layer Delphi does not have. `producer` is the op that makes the BatchNorm's input.
pub fn delphi_bn_reason(producer: Option<&str>) -> Option<String> {
    match producer {
        Some("Conv") => None,
        Some(p) => Some(format!(
            "Delphi has no BatchNorm layer: it folds a BatchNorm into the conv right before it, and this one follows \
             a {p}"
        )),
        None => Some(
            "Delphi has no BatchNorm layer: it folds a BatchNorm into a preceding conv, and this one has \
                      none"
                .into(),
        ),
    }
}
