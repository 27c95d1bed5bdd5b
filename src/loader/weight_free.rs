//! A model's structure without its weights, for share links: the ONNX graph with every
//! initializer above a size reduced to a typed graph input of its name, type and dims (named in
//! the model's [`WEIGHTS_KEY`] metadata, so the loader still counts it as a weight), doc strings,
//! metadata and intermediate shape annotations dropped, and intermediate tensors renamed to short
//! ids. The result is still an ONNX model that `onnx.checker.check_model` (given the file's path,
//! full check) and `onnx.load` accept, and the loader prices it like the original.
//!
//! Weights as typed inputs rather than external-data initializers: an external reference must
//! name a data file that exists, so the checker on a path and `onnx.load` refuse a weight-free
//! file that has them (even under onnx's in-memory `#` location).

use super::wire;
use prost::Message;
use std::collections::{HashMap, HashSet};
use tract_onnx::pb;

/// `ModelProto.metadata_props` key of a weight-free structure: the names, one a line, of the
/// graph inputs that stand for weights (their data left out).
pub const WEIGHTS_KEY: &str = "mpclens.weights";

/// The weight-free ONNX bytes of `model`: initializers with more than `keep_max` elements (or
/// external, or with unusable data) keep only their name, type and dims.
pub fn weight_free(model: &[u8], keep_max: u64) -> Result<Vec<u8>, String> {
    let stripped = wire::strip_weights(model, keep_max)
        .map_err(|e| format!("cannot read the model at byte {}: {}", e.offset, e.what))?;
    let mut proto = pb::ModelProto::decode(&stripped.model[..]).map_err(|e| format!("cannot decode the model: {e}"))?;
    proto.doc_string.clear();
    proto.metadata_props.clear();
    if !stripped.weights.is_empty() {
        let names: Vec<&str> = stripped.weights.iter().map(|w| w.name.as_str()).collect();
        proto.metadata_props.push(pb::StringStringEntryProto { key: WEIGHTS_KEY.into(), value: names.join("\n") });
    }
    // The stripped weights are already shape-only graph inputs (`wire::strip_weights`): they stay.
    if let Some(g) = proto.graph.as_mut() {
        let gone: HashSet<&str> = stripped.weights.iter().map(|w| w.name.as_str()).collect();
        g.doc_string.clear();
        // Intermediate shapes are re-inferred by the loader.
        g.value_info.clear();
        // Intermediate tensor names are never shown (nodes carry the names and
        // scopes): short ids instead shrink BERT-base's link by about a third.
        let keep: HashSet<String> = g
            .input
            .iter()
            .chain(&g.output)
            .map(|v| v.name.clone())
            .chain(g.initializer.iter().map(|t| t.name.clone()))
            .chain(gone.iter().map(|s| s.to_string()))
            .collect();
        let mut ids: HashMap<String, String> = HashMap::new();
        let mut rename = |t: &mut String| {
            if t.is_empty() || keep.contains(t.as_str()) {
                return;
            }
            let next = ids.len();
            *t = ids.entry(std::mem::take(t)).or_insert_with(|| format!("~{next:x}")).clone();
        };
        for n in &mut g.node {
            n.doc_string.clear();
            n.input.iter_mut().for_each(&mut rename);
            n.output.iter_mut().for_each(&mut rename);
        }
    }
    Ok(proto.encode_to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TensorProto.DataLocation.EXTERNAL`.
    const EXTERNAL: i32 = 1;
    use std::path::Path;

    /// What `onnx.checker.check_model` (onnx 1.16 and 1.23, `onnx/checker.cc`) requires that a weight-free
    /// structure could break: an IR version and a default-domain opset; a named graph; typed
    /// inputs and outputs; no external initializer (the checker, given a path, looks for its file
    /// on disk); every initializer with data; up to
    /// IR 3, every initializer among the inputs; nodes in topological order, each tensor written
    /// once. Verified against the real checker for every sample
    /// (`validation/check_structure.py`).
    fn checker_problems(bytes: &[u8]) -> Vec<String> {
        let m = pb::ModelProto::decode(bytes).unwrap();
        let mut out = Vec::new();
        if m.ir_version < 1 {
            out.push("no IR version".to_string());
        }
        if !m.opset_import.iter().any(|o| o.domain.is_empty() || o.domain == "ai.onnx") {
            out.push("no default-domain opset".into());
        }
        let g = m.graph.as_ref().unwrap();
        if g.name.is_empty() {
            out.push("the graph has no name".into());
        }
        for v in g.input.iter().chain(&g.output) {
            if v.r#type.as_ref().and_then(|t| t.value.as_ref()).is_none() {
                out.push(format!("input/output '{}' has no type", v.name));
            }
        }
        let inputs: HashSet<&str> = g.input.iter().map(|v| v.name.as_str()).collect();
        for t in &g.initializer {
            if t.data_location == Some(EXTERNAL) {
                out.push(format!("'{}' is external data the checker looks for on disk", t.name));
            } else {
                let n: usize = t.dims.iter().map(|&d| d as usize).product();
                let values = t.raw_data.len()
                    + t.float_data.len()
                    + t.int32_data.len()
                    + t.int64_data.len()
                    + t.double_data.len()
                    + t.uint64_data.len()
                    + t.string_data.len();
                if n > 0 && values == 0 {
                    out.push(format!("'{}' has neither data nor a location", t.name));
                }
            }
            if m.ir_version < 4 && !inputs.contains(t.name.as_str()) {
                out.push(format!("IR {}: initializer '{}' is not a graph input", m.ir_version, t.name));
            }
        }
        let mut defined: HashSet<&str> =
            inputs.iter().copied().chain(g.initializer.iter().map(|t| t.name.as_str())).collect();
        for n in &g.node {
            for i in n.input.iter().filter(|i| !i.is_empty()) {
                if !defined.contains(i.as_str()) {
                    out.push(format!("node '{}' reads '{i}' before it is written", n.name));
                }
            }
            for o in n.output.iter().filter(|o| !o.is_empty()) {
                if !defined.insert(o.as_str()) {
                    out.push(format!("'{o}' is written twice"));
                }
            }
        }
        out
    }

    fn models() -> Vec<std::path::PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        for dir in ["static/samples", "tests/fixtures/zoo"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "onnx") {
                    out.push(p);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn weight_free_structures_pass_the_checker_rules() {
        for p in models() {
            let s = weight_free(&std::fs::read(&p).unwrap(), 64).unwrap();
            assert_eq!(checker_problems(&s), Vec::<String>::new(), "{}", p.display());
        }
    }

    #[test]
    fn ir3_weights_stay_graph_inputs() {
        let w = pb::TensorProto {
            name: "w".into(),
            dims: vec![100, 100],
            data_type: 1,
            raw_data: vec![0; 40_000],
            ..Default::default()
        };
        let vi = |name: &str| pb::ValueInfoProto {
            name: name.into(),
            r#type: Some(pb::TypeProto {
                value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                    elem_type: 1,
                    shape: Some(pb::TensorShapeProto {
                        dim: [1, 100]
                            .iter()
                            .map(|&d| pb::tensor_shape_proto::Dimension {
                                value: Some(pb::tensor_shape_proto::dimension::Value::DimValue(d)),
                                ..Default::default()
                            })
                            .collect(),
                    }),
                })),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut w_input = vi("w");
        if let Some(pb::type_proto::Value::TensorType(t)) = w_input.r#type.as_mut().and_then(|t| t.value.as_mut()) {
            t.shape.as_mut().unwrap().dim[0].value = Some(pb::tensor_shape_proto::dimension::Value::DimValue(100));
        }
        let m = pb::ModelProto {
            ir_version: 3,
            opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version: 8 }],
            graph: Some(pb::GraphProto {
                name: "g".into(),
                node: vec![pb::NodeProto {
                    op_type: "MatMul".into(),
                    input: vec!["x".into(), "w".into()],
                    output: vec!["y".into()],
                    ..Default::default()
                }],
                input: vec![vi("x"), w_input],
                output: vec![vi("y")],
                initializer: vec![w],
                ..Default::default()
            }),
            ..Default::default()
        };
        let s = weight_free(&m.encode_to_vec(), 64).unwrap();
        assert_eq!(checker_problems(&s), Vec::<String>::new());
        assert!(s.len() < 1000, "the weight travelled: {} bytes", s.len());
    }
}
