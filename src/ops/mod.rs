//! The op registry: what mpclens knows about each ONNX op, in one table ([`OPS`]) that the
//! loader (shape rules of our own), the public-value analysis (ops that read only shapes), the
//! cost models (checks of their free entries) and the summary (grouping by kind) all read.
//!
//! How each framework prices an op is that framework's own table (`PRICES` for the forward,
//! `BACKWARD` for training, in `src/frameworks/<name>/`; SEMI2K's serves ABY3 and SPU CHEETAH
//! too), keyed by the same op names: an op without an entry there is unsupported in that
//! framework (CryptFlow2, Cheetah and Delphi give the reason `src/frameworks/missing.rs` has).
//! Adding an op means one row here and one entry per framework table that can run it.

pub mod table;

pub use table::{lookup, Table};

use serde::{Deserialize, Serialize};

/// What an op does, for grouping and for the rules that depend on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Products with weights or between activations (Conv, Gemm, MatMul).
    Linear,
    /// Element-wise arithmetic (Add, Mul, Div, Pow).
    Arithmetic,
    /// Non-linear element-wise functions (Relu, Sigmoid, Gelu, Exp, Sqrt).
    Activation,
    /// Comparisons, selections and logic (Equal, Where, ArgMax, And).
    Comparison,
    /// Windowed reductions (MaxPool, AveragePool).
    Pooling,
    /// Normalisations over an axis, softmax included (BatchNorm, LayerNorm, Softmax).
    Normalization,
    /// Reductions over axes (ReduceSum, ReduceMean).
    Reduction,
    /// Moves, copies or selects values without arithmetic (Reshape, Transpose, Concat).
    Layout,
    /// Values computed from attributes or shapes alone (Constant, Shape, Range).
    Constant,
    /// Fused attention blocks of some exporters.
    Attention,
    /// Loss and optimizer rows of a training step.
    Training,
    /// An op the registry does not list.
    #[default]
    Other,
}

/// How the loader knows an op's output shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShapeRule {
    /// The parser (tract) types it.
    Parser,
    /// The parser cannot: output 0 has the shape and type of input 0 (`loader/analyse.rs`).
    SameAsInput,
    /// The parser cannot: a rule of the loader's own, written in `loader/analyse.rs`
    /// (`fallback_fact`).
    Loader,
}

/// One op.
#[derive(Clone, Copy, Debug)]
pub struct OpSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub shape: ShapeRule,
    /// Its outputs depend on its inputs' shapes only (Shape, Size), so they are public
    /// whatever the inputs hold (`src/public.rs`).
    pub shape_only: bool,
}

const fn op(name: &'static str, kind: Kind) -> OpSpec {
    OpSpec { name, kind, shape: ShapeRule::Parser, shape_only: false }
}

const fn same_shape(name: &'static str, kind: Kind) -> OpSpec {
    OpSpec { name, kind, shape: ShapeRule::SameAsInput, shape_only: false }
}

const fn loader_rule(name: &'static str, kind: Kind) -> OpSpec {
    OpSpec { name, kind, shape: ShapeRule::Loader, shape_only: false }
}

const fn shape_only(name: &'static str) -> OpSpec {
    OpSpec { name, kind: Kind::Constant, shape: ShapeRule::Parser, shape_only: true }
}

use Kind::*;

/// Every op mpclens names, alphabetical.
pub static OPS: &[OpSpec] = &[
    op("Abs", Activation),
    op("Add", Arithmetic),
    op("And", Comparison),
    op("ArgMax", Comparison),
    op("ArgMin", Comparison),
    loader_rule("Attention", Attention),
    op("AveragePool", Pooling),
    op("BatchNormalization", Normalization),
    same_shape("BiasAdd", Arithmetic),
    same_shape("BiasGelu", Activation),
    op("Cast", Layout),
    same_shape("Celu", Activation),
    op("Clip", Activation),
    op("Concat", Layout),
    op("Constant", Constant),
    op("ConstantOfShape", Constant),
    op("Conv", Linear),
    op("ConvTranspose", Linear),
    op("Cos", Activation),
    op("CrossEntropyLoss", Training),
    op("DepthToSpace", Layout),
    op("Div", Arithmetic),
    op("Dropout", Layout),
    op("Einsum", Linear),
    op("Equal", Comparison),
    op("Erf", Activation),
    op("Exp", Activation),
    op("Expand", Layout),
    same_shape("FastGelu", Activation),
    op("Flatten", Layout),
    op("Gather", Layout),
    op("GatherElements", Layout),
    op("GatherND", Layout),
    same_shape("Gelu", Activation),
    op("Gemm", Linear),
    op("GlobalAveragePool", Pooling),
    op("GlobalMaxPool", Pooling),
    op("Greater", Comparison),
    op("GreaterOrEqual", Comparison),
    op("HardSigmoid", Activation),
    op("HardSwish", Activation),
    op("Identity", Layout),
    op("InstanceNormalization", Normalization),
    op("IsNaN", Comparison),
    op("LayerNormalization", Normalization),
    op("LeakyRelu", Activation),
    op("Less", Comparison),
    op("LessOrEqual", Comparison),
    op("Log", Activation),
    op("LogSoftmax", Normalization),
    op("MatMul", Linear),
    op("Max", Comparison),
    op("MaxPool", Pooling),
    op("Min", Comparison),
    same_shape("Mish", Activation),
    op("Mul", Arithmetic),
    op("Neg", Arithmetic),
    op("Not", Comparison),
    op("Or", Comparison),
    op("PRelu", Activation),
    op("Pad", Layout),
    op("Pow", Arithmetic),
    same_shape("QuickGelu", Activation),
    same_shape("RMSNormalization", Normalization),
    op("Range", Constant),
    op("Reciprocal", Activation),
    op("ReduceMax", Reduction),
    op("ReduceMean", Reduction),
    op("ReduceMin", Reduction),
    op("ReduceSum", Reduction),
    op("Relu", Activation),
    op("Reshape", Layout),
    op("Resize", Layout),
    same_shape("RotaryEmbedding", Attention),
    op("SGD", Training),
    same_shape("Selu", Activation),
    shape_only("Shape"),
    same_shape("Shrink", Activation),
    op("Sigmoid", Activation),
    same_shape("SimplifiedLayerNormalization", Normalization),
    op("Sin", Activation),
    shape_only("Size"),
    same_shape("SkipLayerNormalization", Normalization),
    same_shape("SkipSimplifiedLayerNormalization", Normalization),
    op("Slice", Layout),
    op("Softmax", Normalization),
    op("SoftmaxCrossEntropy", Training),
    same_shape("Softplus", Activation),
    same_shape("Softsign", Activation),
    op("SpaceToDepth", Layout),
    op("Split", Layout),
    op("Sqrt", Activation),
    op("Squeeze", Layout),
    op("Sub", Arithmetic),
    op("Sum", Arithmetic),
    same_shape("Swish", Activation),
    op("Tanh", Activation),
    same_shape("ThresholdedRelu", Activation),
    op("Tile", Layout),
    op("Transpose", Layout),
    op("Trilu", Layout),
    op("Unsqueeze", Layout),
    loader_rule("Upsample", Layout),
    op("Where", Comparison),
];

/// The registry's entry for `op`, if it has one.
pub fn spec(op: &str) -> Option<&'static OpSpec> {
    OPS.binary_search_by(|s| s.name.cmp(op)).ok().map(|i| &OPS[i])
}

/// What `op` does ([`Kind::Other`] for an op the registry does not list).
pub fn kind(op: &str) -> Kind {
    spec(op).map_or(Kind::Other, |s| s.kind)
}

/// How the loader shapes `op` when the parser cannot.
pub fn shape_rule(op: &str) -> ShapeRule {
    spec(op).map_or(ShapeRule::Parser, |s| s.shape)
}

/// Whether `op`'s outputs depend on its inputs' shapes only.
pub fn reads_shapes_only(op: &str) -> bool {
    spec(op).is_some_and(|s| s.shape_only)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_has_no_duplicates() {
        for w in OPS.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
        assert_eq!(kind("Conv"), Kind::Linear);
        assert_eq!(kind("NoSuchOp"), Kind::Other);
        assert_eq!(shape_rule("Gelu"), ShapeRule::SameAsInput);
        assert!(reads_shapes_only("Shape") && !reads_shapes_only("Reshape"));
    }

    /// A framework's price table names only ops the registry knows, so each priced op has a kind
    /// and a shape rule.
    #[test]
    fn price_tables_name_registered_ops() {
        use crate::frameworks::{cheetah, crypten, cryptflow2, delphi, semi2k};
        for (fw, ops) in [
            ("cryptflow2", cryptflow2::priced_ops()),
            ("cheetah", cheetah::priced_ops()),
            ("delphi", delphi::priced_ops()),
            ("crypten", crypten::priced_ops()),
            ("crypten backward", crypten::backward_ops()),
            ("crypten autograd forward", crypten::autograd_forward_ops()),
            ("semi2k/aby3/spu-cheetah", semi2k::priced_ops()),
            ("semi2k/aby3 backward", semi2k::backward_ops()),
        ] {
            for op in &ops {
                assert!(spec(op).is_some(), "{fw} prices {op}, which the op registry does not list");
            }
            // `lookup` takes the first entry: a second one would be dead.
            let mut sorted = ops.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), ops.len(), "{fw}'s price table names an op twice");
        }
    }
}
