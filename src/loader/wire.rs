//! Weight stripping at the protobuf wire level.
//!
//! Costs need only the *dims* of the weights, so before any protobuf decoding we
//! rewrite the model bytes: every large or external initializer becomes a graph
//! input that carries only its element type and shape. The rewritten model is
//! small (kilobytes for ResNet-50), decodes in a millisecond, and the weights'
//! bytes are never copied. This is also how graph-only models (external data
//! files absent) load.
//!
//! Field numbers are those of onnx.proto3 (ModelProto, GraphProto, TensorProto,
//! ValueInfoProto, TypeProto, TensorShapeProto).

/// Initializers with more elements than this are replaced by shape-only inputs.
/// Small tensors stay: shape targets, axes, exponents, Clip bounds.
pub const KEEP_MAX_ELEMENTS: u64 = 4096;

/// [`WireError::what`] when the bytes are a protobuf without a graph field.
pub const NO_GRAPH: &str = "no graph field";

/// An initializer that was replaced by a shape-only input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrippedTensor {
    pub name: String,
    pub dims: Vec<i64>,
    /// ONNX `TensorProto.DataType` code.
    pub data_type: i32,
    /// True when its data lived in an external file.
    pub external: bool,
}

/// The rewritten model and what was taken out of it.
#[derive(Debug)]
pub struct Stripped {
    pub model: Vec<u8>,
    pub weights: Vec<StrippedTensor>,
    /// Names and dims of every initializer (stripped or kept), in file order.
    pub initializers: Vec<(String, Vec<i64>, i32)>,
    /// Small initializers whose inline data was unusable (kept as shape only).
    pub bad_data: Vec<String>,
}

pub use super::walk::WireError;
use super::walk::{put_bytes, put_int, Reader, Res, Value};

/// Header of a TensorProto: everything but its data.
struct TensorHead {
    name: String,
    dims: Vec<i64>,
    data_type: i32,
    external: bool,
    /// Length of `raw_data`, when present.
    raw_len: Option<usize>,
    /// Values in the typed data fields (`float_data`, `int64_data`, …).
    typed: u64,
}

/// Bytes per element of a fixed-size ONNX data type (4-bit and string types: `None`).
fn element_size(data_type: i32) -> Option<u64> {
    Some(match data_type {
        2 | 3 | 9 | 17..=20 => 1,
        4 | 5 | 10 | 16 => 2,
        1 | 6 | 12 => 4,
        7 | 11 | 13 | 14 => 8,
        15 => 16,
        _ => return None,
    })
}

impl TensorHead {
    /// Why a kept (small, inline) tensor's data cannot be used, if it cannot.
    fn data_problem(&self) -> Option<String> {
        let n = element_count(&self.dims)?;
        let complex = matches!(self.data_type, 14 | 15);
        match (self.raw_len, element_size(self.data_type)) {
            (Some(len), Some(size)) if len as u64 != n * size => {
                Some(format!("has {len} bytes of data for {n} elements of {size} bytes"))
            }
            (None, _)
                if self.typed > 0
                    && self.typed != n * if complex { 2 } else { 1 }
                    && element_size(self.data_type).is_some() =>
            {
                Some(format!("has {} values for {n} elements", self.typed))
            }
            (None, _) if self.typed == 0 && n > 0 => Some(format!("has no data for its {n} elements")),
            _ => None,
        }
    }
}

fn tensor_head(buf: &[u8], base: usize) -> Res<TensorHead> {
    let mut r = Reader::new(buf, base);
    let mut h =
        TensorHead { name: String::new(), dims: Vec::new(), data_type: 0, external: false, raw_len: None, typed: 0 };
    while let Some((num, val, _)) = r.field()? {
        match (num, val) {
            (9, Value::Bytes(b)) => h.raw_len = Some(b.len()),
            // float_data (packed fixed32), double_data (packed fixed64), string_data.
            (4, Value::Bytes(b)) => h.typed += b.len() as u64 / 4,
            (10, Value::Bytes(b)) => h.typed += b.len() as u64 / 8,
            (4, Value::Fixed32) | (10, Value::Fixed64) | (6, Value::Bytes(_)) => h.typed += 1,
            // int32_data, int64_data, uint64_data: packed varints.
            (5 | 7 | 11, Value::Bytes(b)) => h.typed += b.iter().filter(|&&x| x < 0x80).count() as u64,
            (5 | 7 | 11, Value::Varint(_)) => h.typed += 1,
            (1, Value::Varint(v)) => h.dims.push(v as i64),
            (1, Value::Bytes(packed)) => {
                let mut p = r.inner(packed);
                while p.pos < packed.len() {
                    h.dims.push(p.varint()? as i64);
                }
            }
            (2, Value::Varint(v)) => h.data_type = v as i32,
            (8, Value::Bytes(s)) => h.name = String::from_utf8_lossy(s).into_owned(),
            (14, Value::Varint(v)) => h.external = v == 1,
            _ => {}
        }
    }
    Ok(h)
}

fn element_count(dims: &[i64]) -> Option<u64> {
    dims.iter().try_fold(1u64, |acc, &d| u64::try_from(d).ok().and_then(|d| acc.checked_mul(d)))
}

/// Encodes a ValueInfoProto { name, type { tensor_type { elem_type, shape } } }.
fn value_info(name: &str, data_type: i32, dims: &[i64]) -> Vec<u8> {
    let mut shape = Vec::new();
    for &d in dims {
        let mut dim = Vec::new();
        put_int(&mut dim, 1, d as u64);
        put_bytes(&mut shape, 1, &dim);
    }
    let mut tensor_type = Vec::new();
    put_int(&mut tensor_type, 1, data_type as u64);
    put_bytes(&mut tensor_type, 2, &shape);
    let mut ty = Vec::new();
    put_bytes(&mut ty, 1, &tensor_type);
    let mut vi = Vec::new();
    put_bytes(&mut vi, 1, name.as_bytes());
    put_bytes(&mut vi, 2, &ty);
    vi
}

/// Name of a ValueInfoProto.
fn value_info_name(buf: &[u8], base: usize) -> Res<String> {
    let mut r = Reader::new(buf, base);
    while let Some((num, val, _)) = r.field()? {
        if let (1, Value::Bytes(s)) = (num, val) {
            return Ok(String::from_utf8_lossy(s).into_owned());
        }
    }
    Ok(String::new())
}

/// Every initializer's header (stripped or not): name, dims, ONNX data type.
type InitHead = (String, Vec<i64>, i32);

type Graph = (Vec<u8>, Vec<StrippedTensor>, Vec<InitHead>, Vec<String>);

fn strip_graph(buf: &[u8], base: usize, keep_max: u64) -> Res<Graph> {
    // Pass 1: decide which initializers go.
    let mut r = Reader::new(buf, base);
    let mut stripped = Vec::new();
    let mut inits = Vec::new();
    let mut bad_data = Vec::new();
    while let Some((num, val, _)) = r.field()? {
        if let (5, Value::Bytes(t)) = (num, val) {
            let h = tensor_head(t, r.offset_of(t))?;
            let big = element_count(&h.dims).is_none_or(|n| n > keep_max);
            inits.push((h.name.clone(), h.dims.clone(), h.data_type));
            let bad = if h.external || big { None } else { h.data_problem() };
            if let Some(why) = &bad {
                bad_data
                    .push(format!("Initializer '{}' {why}: its value was ignored, only its shape is used.", h.name));
            }
            if h.external || big || bad.is_some() {
                stripped.push(StrippedTensor {
                    name: h.name,
                    dims: h.dims,
                    data_type: h.data_type,
                    external: h.external,
                });
            }
        }
    }
    let gone: std::collections::HashSet<&str> = stripped.iter().map(|s| s.name.as_str()).collect();
    // Pass 2: copy every field except the stripped initializers and any input
    // that redeclares them (IR < 4 lists initializers among the inputs); then
    // append one shape-only input per stripped tensor.
    let mut out = Vec::with_capacity(buf.len().min(1 << 20));
    let mut r = Reader::new(buf, base);
    while let Some((num, val, raw)) = r.field()? {
        match (num, val) {
            (5, Value::Bytes(t)) => {
                let h = tensor_head(t, r.offset_of(t))?;
                if !gone.contains(h.name.as_str()) {
                    out.extend_from_slice(raw);
                }
            }
            (11, Value::Bytes(vi)) => {
                if !gone.contains(value_info_name(vi, r.offset_of(vi))?.as_str()) {
                    out.extend_from_slice(raw);
                }
            }
            _ => out.extend_from_slice(raw),
        }
    }
    for s in &stripped {
        put_bytes(&mut out, 11, &value_info(&s.name, s.data_type, &s.dims));
    }
    Ok((out, stripped, inits, bad_data))
}

/// Rewrites an ONNX model so that no large or external initializer remains.
pub fn strip_weights(bytes: &[u8], keep_max: u64) -> Result<Stripped, WireError> {
    let mut r = Reader::new(bytes, 0);
    r.whole_file = true;
    let mut out = Vec::new();
    let mut weights = Vec::new();
    let mut initializers = Vec::new();
    let mut bad_data = Vec::new();
    let mut graphs = 0;
    while let Some((num, val, raw)) = r.field()? {
        match (num, val) {
            (7, Value::Bytes(g)) => {
                graphs += 1;
                let (graph, w, i, b) = strip_graph(g, r.offset_of(g), keep_max)?;
                put_bytes(&mut out, 7, &graph);
                weights.extend(w);
                initializers.extend(i);
                bad_data.extend(b);
            }
            _ => out.extend_from_slice(raw),
        }
    }
    if graphs == 0 {
        return Err(WireError { offset: bytes.len(), what: NO_GRAPH.into() });
    }
    Ok(Stripped { model: out, weights, initializers, bad_data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_input_names_the_offset() {
        // graph field (7), length 10, but only 2 bytes follow.
        let e = strip_weights(&[0x3a, 10, 1, 2], 4096).unwrap_err();
        assert_eq!(
            e,
            WireError {
                offset: 2,
                what: "a field needs 10 bytes but the file ends 2 bytes later, after byte 4: the file is truncated"
                    .into()
            }
        );
    }

    #[test]
    fn big_initializer_becomes_shape_only_input() {
        // TensorProto { dims: [100, 100], data_type: 1, name: "w", raw_data: 4 bytes }
        let mut t = Vec::new();
        put_int(&mut t, 1, 100);
        put_int(&mut t, 1, 100);
        put_int(&mut t, 2, 1);
        put_bytes(&mut t, 8, b"w");
        put_bytes(&mut t, 9, &[0; 4]);
        let mut g = Vec::new();
        put_bytes(&mut g, 5, &t);
        let mut m = Vec::new();
        put_int(&mut m, 1, 8);
        put_bytes(&mut m, 7, &g);
        let s = strip_weights(&m, 4096).unwrap();
        assert_eq!(
            s.weights,
            vec![StrippedTensor { name: "w".into(), dims: vec![100, 100], data_type: 1, external: false }]
        );
        let mut expect_graph = Vec::new();
        put_bytes(&mut expect_graph, 11, &value_info("w", 1, &[100, 100]));
        let mut expect = Vec::new();
        put_int(&mut expect, 1, 8);
        put_bytes(&mut expect, 7, &expect_graph);
        assert_eq!(s.model, expect);
    }
}
