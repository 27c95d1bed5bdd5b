//! Symbolic dimensions and the batch size, settled on the protobuf before the
//! parser sees it: shapes are never guessed silently.

use super::{LoadError, LoadOptions, SymbolicDim};
use std::collections::HashSet;
use tract_onnx::pb;
use tract_onnx::pb::tensor_shape_proto::dimension::Value as DimValue;
use tract_onnx::pb::type_proto::Value as TypeValue;

/// Largest dim accepted from a user or a file (2^40): larger is certainly an error.
pub const MAX_DIM: u64 = 1 << 40;

/// What pinning changed.
pub struct Pinned {
    /// The first input's axis-0 size before re-batching, when it was changed.
    pub old_batch: Option<u64>,
    pub changed: bool,
}

/// Makes every private input's shape concrete, or lists the dims still missing.
pub fn pin(
    graph: &mut pb::GraphProto,
    opts: &LoadOptions,
    initializers: &HashSet<String>,
    allow_zero: &[String],
) -> Result<Pinned, LoadError> {
    let mut missing = Vec::new();
    let mut pinned = Pinned { old_batch: None, changed: false };
    for vi in graph.input.iter_mut().filter(|vi| !initializers.contains(&vi.name)) {
        let input = vi.name.clone();
        let Some(TypeValue::TensorType(tt)) = vi.r#type.as_mut().and_then(|t| t.value.as_mut()) else { continue };
        let Some(shape) = tt.shape.as_mut() else { continue };
        let rank = shape.dim.len();
        for (axis, dim) in shape.dim.iter_mut().enumerate() {
            let batch_axis = axis == 0 && rank >= 2;
            match dim.value.clone() {
                Some(DimValue::DimValue(v)) => {
                    if v < 0 || v as u64 > MAX_DIM {
                        return Err(LoadError::BadDim(format!(
                            "Input '{input}' has size {v} on axis {axis}; sizes must be between 0 and 2^40 ({MAX_DIM})."
                        )));
                    }
                    if let (true, Some(b)) = (batch_axis, opts.batch) {
                        if v as u64 != b {
                            pinned.old_batch.get_or_insert(v as u64);
                            dim.value = Some(DimValue::DimValue(b as i64));
                            pinned.changed = true;
                        }
                    }
                }
                other => {
                    let name = match other {
                        Some(DimValue::DimParam(p)) if !p.is_empty() => p,
                        _ => format!("{input}[{axis}]"),
                    };
                    let value = opts.dims.get(&name).copied().or(if batch_axis { opts.batch } else { None });
                    match value {
                        Some(0) if !allow_zero.contains(&name) => {
                            return Err(LoadError::BadDim(format!("Dimension '{name}' must be at least 1.")))
                        }
                        Some(v) if v > MAX_DIM => {
                            return Err(LoadError::BadDim(format!(
                                "Dimension '{name}' = {v} is larger than the limit {MAX_DIM}."
                            )))
                        }
                        Some(v) => {
                            dim.value = Some(DimValue::DimValue(v as i64));
                            pinned.changed = true;
                        }
                        None => missing.push(SymbolicDim { name, input: input.clone(), axis }),
                    }
                }
            }
        }
    }
    if !missing.is_empty() {
        // One entry per distinct name: the same symbol on several inputs is asked once.
        let mut seen = HashSet::new();
        missing.retain(|d| seen.insert(d.name.clone()));
        return Err(LoadError::MissingDims(missing));
    }
    if pinned.changed {
        // Intermediate shape annotations still carry the old symbols or batch and
        // would contradict the pinned input; shape inference recomputes them.
        graph.value_info.clear();
    }
    Ok(pinned)
}

/// Changes element `idx` of a small int64 tensor in place (a Reshape target).
pub fn patch_int(t: &mut pb::TensorProto, idx: usize, value: i64) -> bool {
    if !t.int64_data.is_empty() {
        if let Some(x) = t.int64_data.get_mut(idx) {
            *x = value;
            return true;
        }
        return false;
    }
    let (from, to) = (idx * 8, idx * 8 + 8);
    if t.data_type == 7 && t.raw_data.len() >= to {
        t.raw_data[from..to].copy_from_slice(&value.to_le_bytes());
        return true;
    }
    false
}
