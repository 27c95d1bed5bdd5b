//! Share links carry the model's structure (no weights). The recipient must get
//! the same report as the sender, for every sample and every framework, and
//! the link for the big samples must stay short enough to paste in a chat.

use mpclens::share::{structure, ViewState, CHAT_LINK_CHARS};
use mpclens::{LoadOptions, Mode, ProfileRequest};
use std::path::Path;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("static/samples").join(name)).unwrap()
}

fn report_json(bytes: &[u8], mode: Mode) -> serde_json::Value {
    let g = mpclens::load(bytes, &LoadOptions { file_name: "m.onnx".into(), ..Default::default() }).unwrap();
    let mut v =
        serde_json::to_value(mpclens::profile(&g, &ProfileRequest { mode, ..Default::default() }).unwrap()).unwrap();
    // The parameter count is the only thing that reads weight values' presence, not dims.
    v.as_object_mut().unwrap().remove("generated_by");
    v
}

#[test]
fn every_sample_profiles_the_same_from_its_link() {
    for name in
        ["lenet.onnx", "mlp.onnx", "minionn.onnx", "resnet20.onnx", "mobilenetv2.onnx", "transformer_block.onnx"]
    {
        let bytes = sample(name);
        let st = ViewState { model: Some(structure::encode(&bytes).unwrap()), ..Default::default() };
        let got = ViewState::from_fragment(&st.to_fragment()).unwrap();
        let skeleton = structure::decode(got.model.as_deref().unwrap()).unwrap();
        for mode in [Mode::Inference, Mode::Training] {
            assert_eq!(report_json(&skeleton, mode), report_json(&bytes, mode), "{name} {mode:?}");
        }
    }
}

/// Link lengths (characters of the `m=` value) measured on the bundled samples:
/// ResNet-50 (torchvision export, 25.6 M weights, 176 nodes) and BERT-base (opset-17 export).
#[test]
fn big_model_links_fit_a_chat_message() {
    for (name, max) in [("resnet50.onnx", 12_000), ("bert_base.onnx", 24_000)] {
        let bytes = sample(name);
        let m = structure::encode(&bytes).unwrap();
        println!("{name}: {} bytes → link model part {} characters", bytes.len(), m.len());
        assert!(m.len() <= max && m.len() < CHAT_LINK_CHARS, "{name}: {}", m.len());
        assert_eq!(
            report_json(&structure::decode(&m).unwrap(), Mode::Inference),
            report_json(&bytes, Mode::Inference),
            "{name}"
        );
    }
}

#[test]
fn damaged_links_say_so() {
    let m = structure::encode(&sample("lenet.onnx")).unwrap();
    // Cut short: the DEFLATE stream ends early.
    assert_eq!(
        structure::decode(&m[..m.len() / 8 * 4]).unwrap_err(),
        "the model part of the link is damaged (it does not decompress)"
    );
    assert!(structure::decode("a*b").unwrap_err().starts_with("the model part of the link is damaged"));
    assert!(ViewState::from_fragment("m=%3Cscript%3E").unwrap_err().contains("outside URL-safe base64"));
    // A decompression bomb: 64 MB of zeros packs into ~64 kB.
    let bomb = miniz_oxide::deflate::compress_to_vec(&vec![0u8; 64 << 20], 10);
    use base64::Engine as _;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bomb);
    assert!(structure::decode(&text).unwrap_err().contains("more than 8 MB"));
}

/// The structure file (the page's "model structure" download, the link's model part) is a
/// valid ONNX model: it holds what `onnx.checker.check_model` (onnx 1.23, `checker.cc`:
/// `check_model`, `check_graph`, `check_tensor`, `check_value_info`) enforces, so it opens in
/// onnx, Netron or onnxruntime without its weights. Checked here without Python: no external
/// data reference (the checker wants the data file to exist), every initializer's data as
/// large as its dims, typed inputs, single assignment, nodes in topological order, outputs
/// defined, unique metadata keys. Measured with the real checker: see web/README.md.
#[test]
fn structure_file_is_what_the_onnx_checker_accepts() {
    use prost::Message;
    use std::collections::HashSet;
    use tract_onnx::pb;
    for name in ["lenet.onnx", "resnet20.onnx", "resnet50.onnx", "bert_base.onnx", "transformer_block.onnx"] {
        let bytes = structure::skeleton(&sample(name)).unwrap();
        let m = pb::ModelProto::decode(&bytes[..]).unwrap();
        assert!(m.ir_version > 0 && !m.opset_import.is_empty(), "{name}: IR version and opset");
        let keys: Vec<&str> = m.metadata_props.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys.iter().collect::<HashSet<_>>().len(), keys.len(), "{name}: metadata keys unique");
        let g = m.graph.as_ref().unwrap();
        let mut defined: HashSet<&str> = HashSet::new();
        for vi in &g.input {
            let Some(pb::type_proto::Value::TensorType(t)) = vi.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
                panic!("{name}: input {} has no tensor type", vi.name)
            };
            assert!(t.elem_type != 0, "{name}: input {} has no element type", vi.name);
            assert!(defined.insert(&vi.name), "{name}: input {} declared twice", vi.name);
        }
        for t in &g.initializer {
            assert_ne!(t.data_location, Some(1), "{name}: {} refers to external data", t.name);
            let numel: usize = t.dims.iter().map(|&d| d as usize).product();
            let width = match t.data_type {
                1 | 6 => 4,
                7 | 11 => 8,
                10 => 2,
                9 | 2 | 3 => 1,
                other => panic!("{name}: {} has data type {other}", t.name),
            };
            let held = if !t.raw_data.is_empty() {
                t.raw_data.len() / width
            } else {
                t.float_data.len() + t.int32_data.len() + t.int64_data.len() + t.double_data.len()
            };
            assert_eq!(held, numel, "{name}: initializer {} holds {held} of {numel} elements", t.name);
            defined.insert(&t.name);
        }
        for n in &g.node {
            for i in n.input.iter().filter(|i| !i.is_empty()) {
                assert!(defined.contains(i.as_str()), "{name}: node {} reads {i} before it is defined", n.name);
            }
            for o in n.output.iter().filter(|o| !o.is_empty()) {
                assert!(defined.insert(o), "{name}: {o} assigned twice");
            }
        }
        for o in &g.output {
            assert!(defined.contains(o.name.as_str()), "{name}: output {} undefined", o.name);
        }
    }
}
