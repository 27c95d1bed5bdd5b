//! Reading a model without its weights' bytes (the page's path for large
//! files): the compacted model must price exactly like the whole file, and the
//! weights must not be read.

use mpclens::loader::sparse::compact_now;
use mpclens::{LoadOptions, Mode, ProfileRequest};
use std::path::Path;

fn report(bytes: &[u8], mode: Mode) -> serde_json::Value {
    let g = mpclens::load(bytes, &LoadOptions { file_name: "m.onnx".into(), ..Default::default() }).unwrap();
    serde_json::to_value(mpclens::profile(&g, &ProfileRequest { mode, ..Default::default() }).unwrap()).unwrap()
}

#[test]
fn compacted_models_price_like_the_whole_file() {
    for name in ["mlp.onnx", "lenet.onnx", "minionn.onnx", "resnet20.onnx", "transformer_block.onnx", "bert_base.onnx"]
    {
        let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("static/samples").join(name)).unwrap();
        let c = compact_now(bytes.as_slice()).unwrap();
        for mode in [Mode::Inference, Mode::Training] {
            assert_eq!(report(&c.model, mode), report(&bytes, mode), "{name} {mode:?}");
        }
        println!("{name}: {} bytes, read {} in {} reads, compacted to {}", bytes.len(), c.read, c.reads, c.model.len());
    }
}

#[test]
fn large_weights_are_not_read() {
    // The MLP sample's float weights: 784×128 (401,408 B of raw_data, over the
    // 64 kB limit: skipped), 128×128 (65,536 B: not over it, read) and 128×10.
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("static/samples/mlp.onnx")).unwrap();
    let c = compact_now(bytes.as_slice()).unwrap();
    assert!(c.read < bytes.len() as u64 / 2, "read {} of {}", c.read, bytes.len());
    // Also gone: 2 bytes each from the raw_data length and the TensorProto length
    // (3-byte varints, 401,408 and 401,4xx, become 1-byte ones).
    assert_eq!(bytes.len() - c.model.len(), 401_408 + 2 + 2);
}

#[test]
fn damaged_files_get_the_loaders_kind_of_message() {
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("static/samples/mlp.onnx")).unwrap();
    for cut in [1usize, 7, 100, 1000, bytes.len() / 2, bytes.len() - 1] {
        let e = compact_now(&bytes[..cut]).unwrap_err();
        assert!(e.what.contains("truncated") || e.what.contains("ends"), "cut {cut}: {e:?}");
    }
    assert!(compact_now(&[0x3a, 0x80][..]).unwrap_err().what.contains("truncated varint"));
}

/// `cargo test --release --test sparse_read -- --ignored --nocapture` after
/// `benches/ratios.py` exported the 102 MB ResNet-50: how much the page reads.
#[test]
#[ignore]
fn resnet50_with_weights_read_figures() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/resnet50_full.onnx");
    let bytes = std::fs::read(&p).expect("run benches/ratios.py first");
    let c = compact_now(bytes.as_slice()).unwrap();
    println!("{} bytes: read {} in {} reads; compacted {}", bytes.len(), c.read, c.reads, c.model.len());
    assert_eq!(report(&c.model, Mode::Inference), report(&bytes, Mode::Inference));
}
