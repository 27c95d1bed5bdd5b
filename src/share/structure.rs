//! The model's structure for a share link: the ONNX graph with every weight
//! reduced to its name, type and dims (a graph input of that type, named in the
//! model's `metadata_props` under [`crate::loader::STRUCTURE_WEIGHTS`] so the
//! loader still counts it as a weight), doc strings and intermediate shape
//! annotations dropped, then DEFLATE-compressed and written in URL-safe base64.
//!
//! Weights as typed inputs rather than external-data initializers: an external
//! reference must name a data file that exists, so `onnx.checker.check_model` and
//! `onnx.load` refuse a weight-free file that has them.
//!
//! The recipient feeds the decoded bytes to the ordinary loader, so the link
//! carries no code and no new format: a damaged link is a damaged ONNX file
//! and gets the loader's error. Decompression is bounded
//! ([`MAX_STRUCTURE_BYTES`]) so a crafted link cannot exhaust memory.

use crate::loader::wire;
use base64::Engine as _;
use prost::Message;
use std::collections::{HashMap, HashSet};
use tract_onnx::pb;

/// Initializers with more elements than this travel as dims only. Small ones
/// stay: Reshape targets, axes, Pow exponents and Clip bounds change costs.
pub const KEEP_MAX_ELEMENTS: u64 = 64;

/// Largest decompressed structure a link may carry (ResNet-50's is ~60 kB).
pub const MAX_STRUCTURE_BYTES: usize = 8 << 20;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The weight-free ONNX bytes of `model` (still a valid ONNX model).
pub fn skeleton(model: &[u8]) -> Result<Vec<u8>, String> {
    let stripped = wire::strip_weights(model, KEEP_MAX_ELEMENTS)
        .map_err(|e| format!("cannot read the model at byte {}: {}", e.offset, e.what))?;
    let mut proto = pb::ModelProto::decode(&stripped.model[..]).map_err(|e| format!("cannot decode the model: {e}"))?;
    proto.doc_string.clear();
    proto.metadata_props.clear();
    if !stripped.weights.is_empty() {
        let names: Vec<&str> = stripped.weights.iter().map(|w| w.name.as_str()).collect();
        proto
            .metadata_props
            .push(pb::StringStringEntryProto { key: crate::loader::STRUCTURE_WEIGHTS.into(), value: names.join("\n") });
    }
    if let Some(g) = proto.graph.as_mut() {
        // The stripped weights are already shape-only graph inputs (`wire::strip_weights`).
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

/// `model` as the text of a share link's `m=` value.
pub fn encode(model: &[u8]) -> Result<String, String> {
    let bytes = skeleton(model)?;
    Ok(B64.encode(miniz_oxide::deflate::compress_to_vec(&bytes, 10)))
}

/// The ONNX bytes a share link's `m=` value carries.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let packed = B64.decode(text.trim()).map_err(|e| format!("the model part of the link is damaged ({e})"))?;
    miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_STRUCTURE_BYTES).map_err(|e| match e.status {
        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
            format!("the model part of the link unpacks to more than {} MB: refused", MAX_STRUCTURE_BYTES >> 20)
        }
        _ => "the model part of the link is damaged (it does not decompress)".to_string(),
    })
}
