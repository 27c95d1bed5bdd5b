//! The model graph: the contract between the loader and every cost model.
//!
//! A [`Graph`] is a plain, serialisable description of an ONNX model with every
//! shape made concrete. It names no parser type: cost models, training passes and
//! views depend on this module only, never on tract or the protobuf.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A concrete tensor shape. Dimensions are `u64`; element counts use [`numel`].
pub type Shape = Vec<u64>;

/// Number of elements of a shape, or `None` if it does not fit in `u64`.
///
/// Every size computation in the crate goes through this (or `u128`) so a hostile
/// file with dims of 2^62 can never overflow silently.
pub fn numel(shape: &[u64]) -> Option<u64> {
    shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))
}

/// Largest tensor (in elements) the loader passes on with a known shape: 2^40.
/// A larger tensor's shape is reported as unknown and its node listed as
/// unsupported, so cost models can multiply element counts by per-element
/// costs of up to 2^23 bytes without overflowing `u64`.
pub const MAX_ELEMENTS: u64 = 1 << 40;

/// Element type of a tensor, as ONNX names it (`float`, `int64`, …).
pub type DType = String;

/// Where a tensor's value comes from. Cost models use this to tell secret data
/// (activations, inputs, weights) from public constants (shapes, axes, exponents).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A graph input that is not an initializer: the private data.
    Input,
    /// A float initializer: the model's parameters (secret in every framework here).
    Weight,
    /// Public: a `Constant` node's output, an integer or one-element float initializer, a public
    /// input (integer-typed by default) or a value computed from public values only
    /// (`src/public.rs`).
    Constant,
    /// The output of another node.
    Activation,
}

/// One tensor as seen by a node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tensor {
    pub name: String,
    /// Concrete shape; `None` when shape inference could not determine it (the
    /// node is then listed in [`Graph::unsupported`]).
    pub shape: Option<Shape>,
    pub dtype: DType,
    pub origin: Origin,
    /// The value of a small constant (≤ 4096 elements), when known: Reshape
    /// targets, Pow exponents, Clip bounds, axes. Floats are stored as f64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Vec<f64>>,
}

impl Tensor {
    /// Element count, `None` when the shape is unknown or overflows.
    pub fn numel(&self) -> Option<u64> {
        self.shape.as_deref().and_then(numel)
    }
    /// True for data the parties hold secret-shared (inputs, weights, activations).
    pub fn is_private(&self) -> bool {
        self.origin != Origin::Constant
    }
}

/// An ONNX attribute value, reduced to what cost models need.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Attr {
    Int(i64),
    Float(f64),
    Ints(Vec<i64>),
    Floats(Vec<f64>),
    Str(String),
}

/// One ONNX node with concrete shapes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// `NodeProto.name`, or the first output name when the name is empty.
    pub name: String,
    /// ONNX `op_type`, exactly as in the file (`Conv`, `Gemm`, …).
    pub op: String,
    /// ONNX domain; empty for the default `ai.onnx` domain.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub domain: String,
    /// Module path rebuilt from the node name (`/layer1/layer1.0/conv1/Conv` →
    /// `["layer1", "layer1.0", "conv1"]`). Empty for top-level nodes.
    pub scope: Vec<String>,
    /// Inputs in ONNX order; an omitted optional input is absent from the list
    /// but keeps its position in [`Node::input_slots`].
    pub inputs: Vec<Tensor>,
    pub outputs: Vec<Tensor>,
    /// Attributes with their ONNX names (`kernel_shape`, `strides`, `pads`,
    /// `dilations`, `group`, `axis`, `perm`, `transB`, …). Subgraph attributes
    /// are not kept.
    pub attrs: BTreeMap<String, Attr>,
}

impl Node {
    pub fn attr_int(&self, key: &str) -> Option<i64> {
        match self.attrs.get(key)? {
            Attr::Int(v) => Some(*v),
            _ => None,
        }
    }
    pub fn attr_float(&self, key: &str) -> Option<f64> {
        match self.attrs.get(key)? {
            Attr::Float(v) => Some(*v),
            Attr::Int(v) => Some(*v as f64),
            _ => None,
        }
    }
    pub fn attr_ints(&self, key: &str) -> Option<&[i64]> {
        match self.attrs.get(key)? {
            Attr::Ints(v) => Some(v),
            _ => None,
        }
    }
    pub fn attr_str(&self, key: &str) -> Option<&str> {
        match self.attrs.get(key)? {
            Attr::Str(v) => Some(v),
            _ => None,
        }
    }
    /// Shape of input `i`, if present and known.
    pub fn in_shape(&self, i: usize) -> Option<&[u64]> {
        self.inputs.get(i)?.shape.as_deref()
    }
    /// Shape of output `i`, if known.
    pub fn out_shape(&self, i: usize) -> Option<&[u64]> {
        self.outputs.get(i)?.shape.as_deref()
    }
    /// Element count of input `i` (0 when absent or unknown).
    pub fn in_numel(&self, i: usize) -> u64 {
        self.inputs.get(i).and_then(Tensor::numel).unwrap_or(0)
    }
    /// Element count of output `i` (0 when unknown).
    pub fn out_numel(&self, i: usize) -> u64 {
        self.outputs.get(i).and_then(Tensor::numel).unwrap_or(0)
    }
    /// True when every input and output shape is known.
    pub fn shapes_known(&self) -> bool {
        self.inputs.iter().chain(&self.outputs).all(|t| t.shape.is_some())
    }
    /// True when every output is public ([`Origin::Constant`]): the parties compute it in the
    /// clear, so no framework prices it (`src/public.rs`).
    pub fn is_public(&self) -> bool {
        !self.outputs.is_empty() && self.outputs.iter().all(|t| t.origin == Origin::Constant)
    }
    /// Scope joined with `/`, or `(root)`.
    pub fn scope_path(&self) -> String {
        if self.scope.is_empty() {
            "(root)".to_string()
        } else {
            self.scope.join("/")
        }
    }
}

/// Something the loader could not do for one node; the rest of the graph is kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub node: String,
    pub op: String,
    pub reason: String,
}

/// A loaded model. Nodes are in the file's (topological) order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    /// File name the user gave (no path).
    pub file: String,
    /// Default-domain opset version.
    pub opset: i64,
    pub producer: String,
    /// Private inputs (not weights), with their concrete shapes.
    pub inputs: Vec<Tensor>,
    pub outputs: Vec<Tensor>,
    pub nodes: Vec<Node>,
    /// Nodes whose op is unknown to the parser or whose shapes could not be
    /// inferred. The graph is still usable; costs skip these nodes.
    pub unsupported: Vec<Problem>,
    /// Total parameter count (elements of float initializers).
    pub parameters: u64,
    /// Notes the user should read (re-batched constants, defaulted dims, …).
    pub notes: Vec<String>,
}

impl Graph {
    /// `(batch, classes)` of a classifier's first output, the shape a training
    /// step's cross-entropy loss needs; `None` for other outputs.
    pub fn classification_logits(&self) -> Option<(u64, u64)> {
        match self.outputs.first()?.shape.as_deref()? {
            [b, c] => Some((*b, *c)),
            _ => None,
        }
    }

    /// The batch size: dim 0 of the first private input (1 when absent).
    pub fn batch(&self) -> u64 {
        self.inputs.first().and_then(|t| t.shape.as_ref()).and_then(|s| s.first().copied()).unwrap_or(1)
    }
}
