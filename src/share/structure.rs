//! The model's structure for a share link: the ONNX graph with every weight
//! reduced to its name, type and dims (marked as external data, as a
//! graph-only export would), doc strings and intermediate shape annotations
//! dropped, then DEFLATE-compressed and written in URL-safe base64.
//!
//! The recipient feeds the decoded bytes to the ordinary loader, so the link
//! carries no code and no new format: a damaged link is a damaged ONNX file
//! and gets the loader's error. Decompression is bounded
//! ([`MAX_STRUCTURE_BYTES`]) so a crafted link cannot exhaust memory.

use base64::Engine as _;

/// Initializers with more elements than this travel as dims only. Small ones
/// stay: Reshape targets, axes, Pow exponents and Clip bounds change costs.
pub const KEEP_MAX_ELEMENTS: u64 = 64;

/// Largest decompressed structure a link may carry (ResNet-50's is ~60 kB).
pub const MAX_STRUCTURE_BYTES: usize = 8 << 20;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The weight-free ONNX bytes of `model` (still a valid ONNX model; `loader::weight_free`).
pub fn skeleton(model: &[u8]) -> Result<Vec<u8>, String> {
    crate::loader::weight_free(model, KEEP_MAX_ELEMENTS)
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
