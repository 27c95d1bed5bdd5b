//! The model zoo's small members (tests/fixtures/zoo, made by validation/zoo/export.py --tiny):
//! today's transformer and CNN exports from torch 2.15, dynamo at opset 20 and legacy at opset 17.
//! Each fixture is graph-only (its weights' external data was not written), the way a user drops a
//! dynamo export's `.onnx` without its `.onnx.data`. The expected node counts, output shapes and
//! weight sizes are onnx's own (`manifest.json`, written by the script), not ours.

use mpclens::{LoadError, LoadOptions, ProfileRequest};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zoo")
}

fn manifest() -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(dir().join("manifest.json")).unwrap();
    let m: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    let members: Vec<_> = m.into_iter().filter(|(k, _)| k.ends_with(".onnx")).collect();
    assert!(members.len() >= 16, "zoo fixtures missing: {}", members.len());
    members
}

/// The dims the dynamic-axes member needs (the names its export gave them).
fn opts(file: &str, batch: Option<u64>) -> LoadOptions {
    let mut o = LoadOptions { file_name: file.into(), batch, ..Default::default() };
    if file.starts_with("gpt2_dynamic") {
        o.dims.insert("sequence".into(), 16);
        o.batch.get_or_insert(1);
    }
    if file.contains("_kv.") {
        // A decode step of the KV-cache members: 1 new token after 15 cached (outputs 1 and 16).
        let sig = mpclens::loader::input_signature(&std::fs::read(dir().join(file)).unwrap()).unwrap();
        let ax = mpclens::generation::axes(&sig).unwrap();
        o.dims.insert(ax.sequence, 1);
        o.dims.extend(ax.past.into_iter().map(|p| (p, 15)));
        o.dims.extend(ax.total.into_iter().map(|t| (t, 16)));
    }
    o
}

fn load(file: &str, batch: Option<u64>) -> Result<mpclens::Graph, LoadError> {
    mpclens::load(&std::fs::read(dir().join(file)).unwrap(), &opts(file, batch))
}

#[test]
fn every_member_loads_with_onnx_node_count_shapes_and_weights() {
    for (file, m) in manifest() {
        assert!(!dir().join(format!("{file}.data")).exists(), "{file}: fixtures are graph-only");
        let g = load(&file, None).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(g.nodes.len() as u64, m["nodes"].as_u64().unwrap(), "{file}: node count");
        assert_eq!(g.opset, m["opset"].as_i64().unwrap(), "{file}");
        assert!(g.unsupported.iter().all(|p| g.nodes.iter().any(|n| n.name == p.node)), "{file}");
        let want = m["outputs"].as_array().unwrap();
        assert_eq!(g.outputs.len(), want.len(), "{file}");
        for (got, want) in g.outputs.iter().zip(want) {
            let shape = got.shape.as_ref().unwrap_or_else(|| panic!("{file}: output {} unshaped", got.name));
            let want = want["shape"].as_array().unwrap();
            assert_eq!(shape.len(), want.len(), "{file}: output rank");
            for (d, w) in shape.iter().zip(want) {
                match w.as_u64() {
                    Some(w) => assert_eq!(*d, w, "{file}: output {} is {shape:?}", got.name),
                    None => assert!([1, 16].contains(d), "{file}: symbolic dim {w} pinned to {d}"),
                }
            }
        }
        // The attention scale and other one-element float initializers are constants, not weights.
        assert_eq!(g.parameters, m["float_weight_elements"].as_u64().unwrap(), "{file}: parameters");
    }
}

#[test]
fn dynamo_scopes_come_from_node_metadata() {
    for (file, _) in manifest().into_iter().filter(|(f, _)| f.contains(".dynamo.")) {
        let g = load(&file, None).unwrap();
        let scoped = g.nodes.iter().filter(|n| !n.scope.is_empty()).count();
        assert!(scoped * 2 > g.nodes.len(), "{file}: only {scoped} of {} nodes have a scope", g.nodes.len());
        assert!(g.nodes.iter().all(|n| n.name.starts_with("node_") || n.name.starts_with("val_")), "{file}");
    }
    let g = load("bert_base.dynamo.onnx", None).unwrap();
    let q = g.nodes.iter().find(|n| n.scope.iter().any(|s| s.ends_with("layer.1.attention.self.query"))).unwrap();
    assert_eq!(q.scope[..2], ["m".to_string(), "m.encoder".to_string()]);
}

#[test]
fn the_dynamic_member_asks_for_its_dims_by_name() {
    for file in ["gpt2_dynamic.dynamo.onnx", "gpt2_dynamic.legacy17.onnx"] {
        let bytes = std::fs::read(dir().join(file)).unwrap();
        let e = mpclens::load(&bytes, &LoadOptions::default()).unwrap_err();
        let LoadError::MissingDims(d) = &e else { panic!("{file}: {e}") };
        let names: Vec<&str> = d.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["batch", "sequence"], "{file}");
        assert!(e.to_string().contains("'sequence' (input input_ids, axis 1)"), "{e}");
        // The batch alone is not enough: the sequence is still asked for, by name.
        let e = mpclens::load(&bytes, &LoadOptions { batch: Some(2), ..Default::default() }).unwrap_err();
        assert!(e.to_string().contains("'sequence'") && !e.to_string().contains("'batch'"), "{e}");
        let g = load(file, Some(4)).unwrap();
        assert_eq!(g.outputs[0].shape.as_deref(), Some(&[4, 16, 100][..]), "{file}");
    }
}

/// `--batch 2` re-batches every member with every node shaped as at batch 1 (a model it cannot
/// re-batch is refused naming the node: `loader::analyse::rebatch_failure`).
#[test]
fn rebatching_is_complete_for_every_member() {
    for (file, _) in manifest().into_iter().filter(|(f, _)| !f.starts_with("gpt2_dynamic")) {
        let one = load(&file, None).unwrap();
        let g = load(&file, Some(2)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let unshaped = |g: &mpclens::Graph| g.nodes.iter().filter(|n| !n.shapes_known()).count();
        assert_eq!(unshaped(&g), unshaped(&one), "{file}: re-batched with nodes left unshaped");
        assert_eq!(g.batch(), 2, "{file}");
        let out = g.outputs[0].shape.as_ref().unwrap();
        assert_eq!(out[0], 2, "{file}: output {out:?}");
    }
    // A class token read by another node too is not widened (that would change the other read):
    // an Expand to the batch goes before the Concat (validation/samples/rebatch_refused.py).
    let g = load("cls_shared.onnx", Some(2)).unwrap();
    assert_eq!(g.nodes.len(), 4, "3 nodes and the inserted Expand");
    assert_eq!(g.parameters, 4, "the token itself is unchanged");
    assert_eq!(g.outputs[0].shape.as_deref(), Some(&[2, 4, 4][..]));
    assert!(g.notes.iter().any(|n| n.contains("cat (an Expand to the batch inserted before it)")), "{:?}", g.notes);
    // What cannot be re-batched is refused, naming the node (validation/samples/rebatch_refused.py).
    let e = load("rebatch_refused.onnx", Some(2)).unwrap_err().to_string();
    assert!(e.starts_with("Cannot re-batch this model from 1 to 2: node 'mix_batch' (Reshape)"), "{e}");
}

#[test]
fn integer_inputs_are_public_and_settable_per_input() {
    let g = load("bert_base.dynamo.onnx", None).unwrap();
    let req = ProfileRequest { frameworks: vec!["crypten".into()], ..Default::default() };
    let r = mpclens::profile(&g, &req).unwrap();
    assert!(r.model.inputs.iter().all(|t| t.public), "int64 ids and mask are public by default");
    let c = &r.frameworks[0].coverage;
    assert!(c.public > 0, "{c:?}");
    assert_eq!(c.priced + c.free + c.unpriced + c.public, c.nodes);
    // A public node is never priced, and is marked in the node table.
    let public: Vec<&str> = r.nodes.iter().filter(|n| n.public).map(|n| n.name.as_str()).collect();
    assert_eq!(public.len(), c.public);
    assert!(r.frameworks.iter().all(|f| f.nodes.iter().all(|n| !public.contains(&n.node.as_str()))));

    // The mask made secret: its arithmetic (the additive attention mask) is now secret work.
    let mut req2 = req.clone();
    req2.public_inputs.insert("attention_mask".into(), false);
    let r2 = mpclens::profile(&g, &req2).unwrap();
    assert!(!r2.model.inputs.iter().find(|t| t.name == "attention_mask").unwrap().public);
    assert!(r2.frameworks[0].coverage.public < c.public);
    assert!(r2.frameworks[0].total.bytes > r.frameworks[0].total.bytes);

    // A float input is secret unless made public.
    let v = load("vit_b16.dynamo.onnx", None).unwrap();
    let rv = mpclens::profile(&v, &req).unwrap();
    assert!(!rv.model.inputs[0].public);
    let mut req3 = req.clone();
    req3.public_inputs.insert("pixel_values".into(), true);
    let all_public = mpclens::profile(&v, &req3).unwrap();
    assert!(all_public.model.inputs[0].public);
    // Public pixels times secret weights are still secret: only the model's first product gets cheaper.
    let (pb, sb) = (all_public.frameworks[0].total.bytes, rv.frameworks[0].total.bytes);
    assert!(pb > 0 && pb <= sb, "{pb} vs {sb}");

    let mut bad = req;
    bad.public_inputs.insert("token_ids".into(), true);
    let e = mpclens::profile(&g, &bad).unwrap_err();
    assert_eq!(e, "no input named 'token_ids': the model's inputs are input_ids, attention_mask");
}

#[test]
fn every_member_profiles_on_every_framework() {
    for (file, _) in manifest() {
        let g = load(&file, None).unwrap();
        let r = mpclens::profile(&g, &ProfileRequest::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
        for f in &r.frameworks {
            let c = &f.coverage;
            assert_eq!(c.priced + c.free + c.unpriced + c.public, c.nodes, "{file} {}", f.framework);
        }
    }
}

fn framework<'a>(r: &'a mpclens::Report, name: &str) -> &'a mpclens::report::FrameworkReport {
    r.frameworks.iter().find(|f| f.framework == name).unwrap()
}

#[test]
fn cf2_cheetah_delphi_price_the_spatial_mean_and_name_what_they_lack() {
    // dynamo writes ConvNeXt's global average pool as ReduceMean over axes (2, 3).
    let g = load("convnext_t.dynamo.onnx", None).unwrap();
    let mean = g.nodes.iter().find(|n| n.op == "ReduceMean" && n.in_shape(0).is_some_and(|s| s.len() == 4)).unwrap();
    let r = mpclens::profile(&g, &ProfileRequest::default()).unwrap();
    for fw in ["cryptflow2", "cheetah"] {
        let f = framework(&r, fw);
        let row = f.nodes.iter().find(|n| n.node == mean.name).unwrap_or_else(|| panic!("{fw}: mean unpriced"));
        assert_eq!(row.steps[0].name, "AvgPool division", "{fw}");
        assert!(f.unsupported.iter().all(|p| p.node != mean.name));
    }
    assert!(framework(&r, "delphi").unsupported.iter().all(|p| p.node != mean.name));

    // Whisper's front end is a Conv1d with known shapes: a 1-D conv the 2-D flows lack.
    let g = load("whisper_tiny_enc.dynamo.onnx", None).unwrap();
    let r = mpclens::profile(&g, &ProfileRequest::default()).unwrap();
    for (fw, start) in
        [("cryptflow2", "1-D conv: the SCI"), ("cheetah", "1-D conv: the SCI"), ("delphi", "1-D conv: Delphi's Conv2d")]
    {
        let convs: Vec<_> = framework(&r, fw).unsupported.iter().filter(|p| p.op == "Conv").collect();
        assert_eq!(convs.len(), 2, "{fw}");
        assert!(convs.iter().all(|p| p.reason.starts_with(start)), "{fw}: {convs:?}");
    }
    // Each op they lack is named with what their library lacks.
    let f = framework(&r, "cryptflow2");
    let softmax = f.unsupported.iter().find(|p| p.op == "Softmax").unwrap();
    assert!(softmax.reason.contains("no exponential of a secret"), "{}", softmax.reason);
}

#[test]
fn delphi_folds_a_batchnorm_only_into_the_conv_before_it() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models/densenet121.onnx");
    let g = mpclens::load_file(&path, &LoadOptions::default()).unwrap();
    let r = mpclens::profile(&g, &ProfileRequest { frameworks: vec!["delphi".into()], ..Default::default() }).unwrap();
    let f = &r.frameworks[0];
    let producer = |bn: &mpclens::graph::Node| {
        g.nodes.iter().find(|p| p.outputs.iter().any(|o| o.name == bn.inputs[0].name)).map(|p| p.op.clone())
    };
    let mut after_concat = 0;
    for bn in g.nodes.iter().filter(|n| n.op == "BatchNormalization") {
        let listed = f.unsupported.iter().find(|p| p.node == bn.name);
        match producer(bn).as_deref() {
            Some("Conv") => assert!(listed.is_none(), "{}", bn.name),
            Some(op) => {
                after_concat += usize::from(op == "Concat");
                let why = &listed.unwrap_or_else(|| panic!("{} after {op} priced as folded", bn.name)).reason;
                assert!(why.ends_with(&format!("this one follows a {op}")), "{why}");
            }
            None => assert!(listed.is_some()),
        }
    }
    assert!(after_concat > 0, "DenseNet's dense blocks put a BatchNorm after each Concat");
}

/// GPT-2's dynamo export folds batch × sequence into its Reshape targets (`[16, 32]` for a
/// `[1, 16, 2, 16]` input); re-batched, it must price exactly as the legacy export re-batched,
/// whose targets are computed from `Shape`. At batch 1 the two price the same.
#[test]
fn a_folded_batch_times_sequence_is_rebatched() {
    let req = ProfileRequest { frameworks: vec!["semi2k".into(), "crypten".into()], ..Default::default() };
    let totals = |file: &str, batch| {
        let r = mpclens::profile(&load(file, batch).unwrap(), &req).unwrap();
        r.frameworks.iter().map(|f| f.total.bytes).collect::<Vec<_>>()
    };
    assert_eq!(totals("gpt2.dynamo.onnx", None), totals("gpt2.legacy17.onnx", None));
    assert_eq!(totals("gpt2.dynamo.onnx", Some(2)), totals("gpt2.legacy17.onnx", Some(2)));
    let g = load("llama_gqa.dynamo.onnx", Some(2)).unwrap();
    assert!(g.notes.iter().any(|n| n.starts_with("Reshape targets with the batch baked in")), "{:?}", g.notes);
    assert!(g.nodes.iter().all(|n| n.shapes_known()));
}

/// `--batch 2` on a batch-1 export prices exactly what the same model exported at batch 2
/// prices (tests/fixtures/zoo/batch2, `export.py --tiny --batch 2`), node for node, on every
/// framework: ViT's class token (dynamo folds `expand` into a [2, 1, D] weight; legacy computes
/// the Expand target), Swin's window folds and patch merging, ConvNeXt's pooling Gather, and the
/// batch × sequence Reshapes of GPT-2 and LLaMA.
#[test]
fn rebatched_equals_a_real_batch_two_export_node_for_node() {
    let b2 = dir().join("batch2");
    let mut files: Vec<String> = std::fs::read_dir(&b2)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".onnx"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 10, "{files:?}");
    for file in files {
        let rebatched = load(&file, Some(2)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let real = mpclens::load(&std::fs::read(b2.join(&file)).unwrap(), &LoadOptions::default()).unwrap();
        assert_eq!(rebatched.nodes.len(), real.nodes.len(), "{file}");
        assert_eq!(rebatched.parameters, real.parameters, "{file}");
        let (a, b) = (
            mpclens::profile(&rebatched, &ProfileRequest::default()).unwrap(),
            mpclens::profile(&real, &ProfileRequest::default()).unwrap(),
        );
        for (fa, fb) in a.frameworks.iter().zip(&b.frameworks) {
            let tag = format!("{file} {}", fa.framework);
            assert_eq!(fa.total, fb.total, "{tag}: total");
            assert_eq!(fa.coverage.unpriced, fb.coverage.unpriced, "{tag}: unpriced");
            assert_eq!(fa.nodes.len(), fb.nodes.len(), "{tag}: priced rows");
            for (na, nb) in fa.nodes.iter().zip(&fb.nodes) {
                assert_eq!((&na.op, &na.cost), (&nb.op, &nb.cost), "{tag}: {} vs {}", na.node, nb.node);
            }
        }
    }
}
