//! Every sample loads with exactly the shapes onnx's own shape inference gives
//! (recorded by validation/samples/export.py into tests/fixtures/shapes/).

use mpclens::{load_file, LoadError, LoadOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn expected(name: &str) -> Value {
    let p = root().join("tests/fixtures/shapes").join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
}

fn check(path: &Path, name: &str) {
    let g = load_file(path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let want = expected(name);
    let nodes = want["nodes"].as_array().unwrap();
    assert_eq!(g.nodes.len(), nodes.len(), "{name}: node count");
    assert!(g.unsupported.is_empty(), "{name}: {:?}", g.unsupported);
    for (n, w) in g.nodes.iter().zip(nodes) {
        assert_eq!(n.name, w["name"].as_str().unwrap(), "{name}: node order");
        assert_eq!(n.op, w["op"].as_str().unwrap());
        for (t, ws) in n.outputs.iter().zip(w["outputs"].as_array().unwrap()) {
            let ws: Vec<u64> = ws
                .as_array()
                .unwrap_or_else(|| panic!("{name}/{}: no reference shape", n.name))
                .iter()
                .map(|d| d.as_u64().unwrap())
                .collect();
            assert_eq!(t.shape.as_ref(), Some(&ws), "{name}: output {} of {}", t.name, n.name);
        }
    }
    for (input, shape) in want["inputs"].as_object().unwrap() {
        let t = g.inputs.iter().find(|t| &t.name == input).unwrap_or_else(|| panic!("{name}: input {input}"));
        let ws: Vec<u64> = shape.as_array().unwrap().iter().map(|d| d.as_u64().unwrap()).collect();
        assert_eq!(t.shape.as_ref(), Some(&ws));
    }
}

#[test]
fn samples_match_onnx_shape_inference() {
    for name in
        ["mlp", "lenet", "minionn", "resnet20", "transformer_block", "resnet18", "resnet50", "mobilenetv2", "bert_base"]
    {
        check(&root().join("static/samples").join(format!("{name}.onnx")), name);
    }
}

#[test]
fn opset17_layernorm_model_matches() {
    check(&root().join("tests/fixtures/models/transformer_block_opset17.onnx"), "transformer_block_opset17");
}

#[test]
fn graph_only_models_count_their_absent_weights() {
    // The eval-mode torch export folds BatchNorm into the convs and shares equal
    // initializers (through Identity nodes); the float initializers' dims, read by
    // onnx in Python from this graph-only file, sum to 25,507,944 elements.
    let g = load_file(&root().join("static/samples/resnet50.onnx"), &LoadOptions::default()).unwrap();
    assert_eq!(g.parameters, 25_507_944);
    // Scopes rebuilt from torch's node names.
    let n = g.nodes.iter().find(|n| n.name == "/layer1/layer1.0/conv1/Conv").unwrap();
    assert_eq!(n.scope, ["layer1", "layer1.0", "conv1"]);
    assert_eq!(n.attr_ints("kernel_shape"), Some(&[1i64, 1][..]));
}

#[test]
fn symbolic_batch_is_asked_for_then_used() {
    let p = root().join("tests/fixtures/models/mlp_dynamic.onnx");
    let err = mpclens::load(&std::fs::read(&p).unwrap(), &LoadOptions::default()).unwrap_err();
    match &err {
        LoadError::MissingDims(d) => assert_eq!(d[0].name, "N"),
        e => panic!("expected MissingDims, got {e:?}"),
    }
    assert!(err.to_string().contains("'N' (input input, axis 0)"), "{err}");
    let g = load_file(&p, &LoadOptions { batch: Some(4), ..Default::default() }).unwrap();
    assert_eq!(g.nodes.last().unwrap().outputs[0].shape, Some(vec![4, 10]));
    let mut dims = std::collections::BTreeMap::new();
    dims.insert("N".to_string(), 3);
    let g = load_file(&p, &LoadOptions { dims, ..Default::default() }).unwrap();
    assert_eq!(g.inputs[0].shape, Some(vec![3, 784]));
}

#[test]
fn batch_rebatches_fixed_exports() {
    for (name, last) in [("resnet20", vec![8, 10]), ("minionn", vec![8, 10]), ("transformer_block", vec![8, 64, 128])] {
        let g = load_file(
            &root().join("static/samples").join(format!("{name}.onnx")),
            &LoadOptions { batch: Some(8), ..Default::default() },
        )
        .unwrap();
        assert_eq!(g.nodes.last().unwrap().outputs[0].shape, Some(last), "{name}");
        assert!(g.notes.iter().any(|n| n.contains("Re-batched from 1 to 8")), "{name}: {:?}", g.notes);
    }
}

/// Every operator of the spine's list, and a small conv net at opsets 7–21,
/// gets the shapes onnx's shape inference gives (validation/samples/ops.py).
#[test]
fn every_listed_op_gets_shapes() {
    let dir = root().join("tests/fixtures/ops");
    let mut failures = Vec::new();
    let mut count = 0;
    for e in std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()) {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let want: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        count += 1;
        let g = match load_file(&dir.join(format!("{name}.onnx")), &LoadOptions::default()) {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        if !g.unsupported.is_empty() {
            failures.push(format!("{name}: unsupported {:?}", g.unsupported));
        }
        for (n, w) in g.nodes.iter().zip(want["nodes"].as_array().unwrap()) {
            let dims = w["outputs"][0].as_array().cloned().unwrap_or_default();
            if dims.iter().any(Value::is_null) {
                // onnx's inference leaves these dims unknown (Einsum,
                // ConstantOfShape from a computed shape); ours must still be concrete.
                if n.outputs[0].shape.is_none() {
                    failures.push(format!("{name}: {} has no shape", n.name));
                }
                continue;
            }
            let ws: Vec<u64> = dims.iter().map(|d| d.as_u64().unwrap()).collect();
            if n.outputs[0].shape.as_ref() != Some(&ws) {
                failures.push(format!("{name}: {} ours {:?}, onnx {:?}", n.name, n.outputs[0].shape, ws));
            }
        }
    }
    assert!(count >= 70, "{count} op fixtures");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn unknown_op_is_listed_and_the_rest_keeps_shapes() {
    let g = load_file(&root().join("tests/fixtures/ops/unknown_op.onnx"), &LoadOptions::default()).unwrap();
    assert_eq!((g.unsupported[0].node.as_str(), g.unsupported[0].op.as_str()), ("/FancyOp", "FancyOp"));
    assert!(g.unsupported[0].reason.contains("com.example.FancyOp is not supported"), "{:?}", g.unsupported);
    // Nodes after it lose their shapes and say why; nodes before keep theirs.
    assert_eq!(g.unsupported.len(), 2);
    assert!(g.unsupported[1].reason.contains("earlier node's shape is unknown (/FancyOp)"));
    assert_eq!(g.nodes.len(), 3);
    assert_eq!(g.nodes[0].outputs[0].shape, Some(vec![2, 3]));
}

#[test]
fn dims_past_2_pow_63_are_an_error_not_an_overflow() {
    // Input [2^31, 2^31, 2^31] → Relu: 2^93 elements. A partial report that names
    // the node, never a panic or a wrapped count.
    let r = std::panic::catch_unwind(|| {
        load_file(&root().join("tests/fixtures/ops/huge_dims.onnx"), &LoadOptions::default())
    });
    let g = r.expect("no panic").expect("loads as a partial report");
    assert_eq!(g.unsupported.len(), 1);
    assert_eq!(
        g.unsupported[0].reason,
        "a tensor of this node has more than 2^40 (1099511627776) elements, too large to price"
    );
    assert_eq!(g.nodes[0].out_numel(0), 0);
}

/// The two ops onnx's inference leaves unknown, checked by hand:
/// Einsum "bij,bjk->bik" of [2,3,4]·[2,4,5] is [2,3,5]; ConstantOfShape of
/// Shape([2,3]) is [2,3].
#[test]
fn einsum_and_constant_of_shape_by_hand() {
    let g = load_file(&root().join("tests/fixtures/ops/Einsum.onnx"), &LoadOptions::default()).unwrap();
    assert_eq!(g.nodes[0].outputs[0].shape, Some(vec![2, 3, 5]));
    let g = load_file(&root().join("tests/fixtures/ops/ConstantOfShape.onnx"), &LoadOptions::default()).unwrap();
    assert_eq!(g.nodes[1].outputs[0].shape, Some(vec![2, 3]));
}
