//! The model's inputs as the file declares them, before any dimension is pinned: names,
//! element types, fixed sizes and symbolic names. `src/generation.rs` reads the sequence and
//! past-length axes of a decoder from it.

use super::{wire, LoadError};
use prost::Message;
use std::collections::HashSet;
use tract_onnx::pb;
use tract_onnx::pb::tensor_shape_proto::dimension::Value as DimValue;
use tract_onnx::pb::type_proto::Value as TypeValue;

/// One axis of a declared input shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DimSig {
    Fixed(u64),
    /// A symbolic axis, under the name `--dim` takes (an unnamed one is `input[axis]`, as in
    /// [`super::LoadError::MissingDims`]).
    Symbol(String),
}

/// One graph input that is not an initializer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputSig {
    pub name: String,
    /// ONNX `TensorProto.DataType` code (1 float, 7 int64, …).
    pub elem_type: i32,
    pub dims: Vec<DimSig>,
}

impl InputSig {
    /// Float element types (float, float16, double, bfloat16): secret data or a KV cache.
    pub fn is_float(&self) -> bool {
        [1, 10, 11, 16].contains(&self.elem_type)
    }
    /// The symbolic name of `axis`, if that axis is symbolic.
    pub fn symbol(&self, axis: usize) -> Option<&str> {
        match self.dims.get(axis)? {
            DimSig::Symbol(s) => Some(s),
            DimSig::Fixed(_) => None,
        }
    }
}

/// The declared inputs of the model in `bytes`, in file order, initializers left out.
pub fn input_signature(bytes: &[u8]) -> Result<Vec<InputSig>, LoadError> {
    if bytes.is_empty() {
        return Err(LoadError::Empty);
    }
    let stripped =
        wire::strip_weights(bytes, 0).map_err(|e| LoadError::Corrupt { offset: Some(e.offset), what: e.what })?;
    let inits: HashSet<&str> = stripped.initializers.iter().map(|(n, _, _)| n.as_str()).collect();
    let model = pb::ModelProto::decode(&stripped.model[..])
        .map_err(|e| LoadError::Corrupt { offset: None, what: e.to_string() })?;
    let graph = model.graph.ok_or_else(|| LoadError::NotOnnx("it has no graph".into()))?;
    let mut out = Vec::new();
    for vi in graph.input.iter().filter(|vi| !inits.contains(vi.name.as_str())) {
        let Some(TypeValue::TensorType(tt)) = vi.r#type.as_ref().and_then(|t| t.value.as_ref()) else { continue };
        let dims = tt
            .shape
            .as_ref()
            .map(|s| {
                s.dim
                    .iter()
                    .enumerate()
                    .map(|(axis, d)| match &d.value {
                        Some(DimValue::DimValue(v)) if *v >= 0 => DimSig::Fixed(*v as u64),
                        Some(DimValue::DimParam(p)) if !p.is_empty() => DimSig::Symbol(p.clone()),
                        _ => DimSig::Symbol(format!("{}[{axis}]", vi.name)),
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(InputSig { name: vi.name.clone(), elem_type: tt.elem_type, dims });
    }
    Ok(out)
}
