//! The model's structure for a share link: the ONNX graph with every weight
//! reduced to its name, type and dims (marked as external data, as a
//! graph-only export would), doc strings and intermediate shape annotations
//! dropped, then DEFLATE-compressed and written in URL-safe base64.
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

/// `TensorProto.DataLocation.EXTERNAL`.
const EXTERNAL: i32 = 1;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The weight-free ONNX bytes of `model` (still a valid ONNX model).
pub fn skeleton(model: &[u8]) -> Result<Vec<u8>, String> {
    let stripped = wire::strip_weights(model, KEEP_MAX_ELEMENTS)
        .map_err(|e| format!("cannot read the model at byte {}: {}", e.offset, e.what))?;
    let mut proto = pb::ModelProto::decode(&stripped.model[..]).map_err(|e| format!("cannot decode the model: {e}"))?;
    proto.doc_string.clear();
    proto.metadata_props.clear();
    if let Some(g) = proto.graph.as_mut() {
        let gone: HashSet<&str> = stripped.weights.iter().map(|w| w.name.as_str()).collect();
        g.input.retain(|i| !gone.contains(i.name.as_str()));
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
        for w in &stripped.weights {
            g.initializer.push(pb::TensorProto {
                name: w.name.clone(),
                dims: w.dims.clone(),
                data_type: w.data_type,
                data_location: Some(EXTERNAL),
                ..Default::default()
            });
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
