//! Plain words for a file the page cannot open: what the file seems to be and
//! what to do, first; the loader's exact message after it, folded away.

/// What the first bytes say the file is, when it is clearly not ONNX.
fn kind_of(bytes: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| bytes.starts_with(m);
    if starts(b"\x89PNG") {
        Some("a PNG image")
    } else if starts(&[0xff, 0xd8, 0xff]) {
        Some("a JPEG image")
    } else if starts(b"GIF8") {
        Some("a GIF image")
    } else if starts(b"%PDF") {
        Some("a PDF document")
    } else if starts(b"PK\x03\x04") {
        Some("a ZIP archive (PyTorch .pt/.pth checkpoints and Keras files are ZIP archives)")
    } else if starts(&[0x1f, 0x8b]) {
        Some("a gzip-compressed file (unpack it first)")
    } else if starts(b"\x89HDF") {
        Some("an HDF5 file (a Keras .h5 model?)")
    } else if bytes.len() >= 8 && std::str::from_utf8(&bytes[..bytes.len().min(512)]).is_ok_and(|s| !s.contains('\0')) {
        Some("a text file")
    } else {
        None
    }
}

/// The message shown when `name` could not be opened. `bytes` may be empty
/// (nothing read); `detail` is the loader's own message.
pub fn plain(name: &str, bytes: &[u8], detail: &str) -> (String, String) {
    let damaged = detail.contains("protobuf") || detail.contains("wire type") || detail.contains("damaged");
    let head = match kind_of(bytes) {
        Some(kind) if damaged || bytes.len() < 64 => format!(
            "{name} is not an ONNX model: it looks like {kind}. Export the model to ONNX first (for PyTorch: torch.onnx.export)."
        ),
        _ if damaged => format!(
            "{name} is not a readable ONNX model: its contents are damaged, cut short, or in another format. Try exporting the model again."
        ),
        // The loader's own message is already in plain words.
        _ => return (format!("{name} could not be opened: {detail}"), String::new()),
    };
    (head, detail.to_string())
}
