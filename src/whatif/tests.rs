//! Each rewrite before and after: the new nodes and shapes, the totals, and the rewritten
//! file reloaded and priced like the rewritten graph.

use super::*;
use crate::graph::{Node, Origin};
use crate::{load, profile, LoadOptions, ProfileRequest};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/static/samples/{name}.onnx", env!("CARGO_MANIFEST_DIR"))).unwrap()
}
fn loaded(name: &str) -> (Vec<u8>, Graph) {
    let b = sample(name);
    let g = load(&b, &LoadOptions { file_name: format!("{name}.onnx"), ..Default::default() }).unwrap();
    (b, g)
}
fn totals(g: &Graph) -> Vec<(String, u64, u64, usize)> {
    let r = profile(g, &ProfileRequest::default()).unwrap();
    r.frameworks.iter().map(|f| (f.framework.clone(), f.total.bytes, f.total.rounds, f.unsupported.len())).collect()
}
fn ops(g: &Graph) -> Vec<&str> {
    g.nodes.iter().map(|n| n.op.as_str()).collect()
}
/// Every tensor a node reads is a graph input, a public/weight tensor, or
/// written by an earlier node; every output name is written once.
fn consistent(g: &Graph) {
    let mut seen: HashSet<&str> = g.inputs.iter().map(|t| t.name.as_str()).collect();
    for n in &g.nodes {
        for t in &n.inputs {
            assert!(
                seen.contains(t.name.as_str()) || t.origin != Origin::Activation,
                "{} reads {} before it is written",
                n.name,
                t.name
            );
        }
        for t in &n.outputs {
            assert!(seen.insert(t.name.as_str()), "{} written twice", t.name);
        }
    }
    for t in &g.outputs {
        assert!(seen.contains(t.name.as_str()), "graph output {} not written", t.name);
    }
}

#[test]
fn parse_lists_and_conflicts() {
    let w = WhatIf::parse("relu-square, maxpool-avg,gelu-tanh,softmax-2quad").unwrap();
    assert_eq!(
        w,
        WhatIf { relu_square: true, maxpool_avg: true, gelu: Some(GeluSub::Tanh), softmax: Some(SoftmaxSub::TwoQuad) }
    );
    assert_eq!(w.keys(), ["relu-square", "maxpool-avg", "gelu-tanh", "softmax-2quad"]);
    assert_eq!(WhatIf::parse("").unwrap(), WhatIf::default());
    assert_eq!(
        WhatIf::parse("relu2,avgpool").unwrap(),
        WhatIf { relu_square: true, maxpool_avg: true, ..Default::default() }
    );
    assert!(WhatIf::parse("gelu-tanh,gelu-quad").unwrap_err().contains("exclude"));
    assert!(WhatIf::parse("softmax-2relu,softmax-2quad").unwrap_err().contains("exclude"));
    assert!(WhatIf::parse("relu-cube").unwrap_err().contains("unknown what-if 'relu-cube'"));
    let t = WhatIf::default().with("gelu-tanh", true).unwrap().with("gelu-quad", true).unwrap();
    assert_eq!(t.gelu, Some(GeluSub::Quad));
    assert_eq!(t.with("gelu-tanh", false).unwrap().gelu, Some(GeluSub::Quad));
    assert!(!t.with("gelu-quad", false).unwrap().any());
}

#[test]
fn relu_and_maxpool_on_lenet() {
    let (_, g) = loaded("lenet");
    let (g2, n) = apply(&g, WhatIf::parse("relu-square,maxpool-avg").unwrap());
    // LeNet: 4 ReLU, 2 MaxPool (the sample's node list).
    assert_eq!(n, 6);
    assert_eq!(g2.nodes.len(), g.nodes.len());
    for (a, b) in g.nodes.iter().zip(&g2.nodes) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.out_shape(0), b.out_shape(0));
        match a.op.as_str() {
            "Relu" => assert!(b.op == "Mul" && b.inputs[0] == a.inputs[0] && b.inputs[1] == a.inputs[0]),
            "MaxPool" => assert!(
                b.op == "AveragePool"
                    && b.attrs.get("kernel_shape") == a.attrs.get("kernel_shape")
                    && b.outputs.len() == 1
            ),
            _ => assert_eq!(a, b),
        }
    }
    consistent(&g2);
}

#[test]
fn gelu_tanh_replaces_the_erf_pattern() {
    let (_, g) = loaded("transformer_block");
    let (g2, n) = apply(&g, WhatIf::parse("gelu-tanh").unwrap());
    assert_eq!(n, 1);
    consistent(&g2);
    // Removed: Constant(√2), Div, Erf, Constant(1), Add, Mul, Constant(0.5), Mul (8 nodes);
    // added: 4 Constants and 9 ops.
    assert_eq!(g2.nodes.len(), g.nodes.len() - 8 + 13);
    assert!(!ops(&g2).contains(&"Erf"));
    let new: Vec<&Node> = g2.nodes.iter().filter(|n| n.name.starts_with("/gelu_tanh/")).collect();
    let new_ops: Vec<&str> = new.iter().map(|n| n.op.as_str()).collect();
    assert_eq!(
        new_ops,
        [
            "Mul", "Mul", "Constant", "Mul", "Add", "Constant", "Mul", "Tanh", "Constant", "Add", "Mul", "Constant",
            "Mul"
        ]
    );
    let last = new.last().unwrap();
    assert_eq!(last.outputs[0].name, "/Mul_1_output_0");
    assert_eq!(new[0].inputs[0].name, "/intermediate/Add_output_0");
    assert!(new.iter().all(|n| n.scope == ["gelu_tanh"]));
    // The two public constants of the tanh form, as f32.
    assert_eq!(new[2].outputs[0].value, Some(vec![f64::from(0.044715f32)]));
    assert_eq!(new[5].outputs[0].value, Some(vec![f64::from((2.0 / std::f64::consts::PI).sqrt() as f32)]));
}

/// SEMI2K prices `Gelu(approximate="tanh")` with its own rule (jax.nn.gelu:
/// x², x³, three public products, tanh, one product). The opset < 20
/// rewrite spells the same function as nine elementwise nodes priced by
/// the Mul/Add/Tanh rules: 3 products, 3 truncations and one tanh, so the
/// two totals must agree.
#[test]
fn tanh_decomposition_prices_like_semi2k_gelu_rule() {
    let (_, mut g) = loaded("transformer_block");
    let semi2k = |g: &Graph| {
        let r = profile(g, &ProfileRequest { frameworks: vec!["semi2k".into()], ..Default::default() }).unwrap();
        (r.frameworks[0].total.bytes, r.frameworks[0].total.rounds, r.frameworks[0].unsupported.len())
    };
    let w = WhatIf::parse("gelu-tanh").unwrap();
    let decomposed = apply(&g, w).0;
    g.opset = 20;
    let single = apply(&g, w).0;
    assert_eq!(single.nodes.iter().filter(|n| n.op == "Gelu").count(), 1);
    assert_eq!(single.nodes.len(), g.nodes.len() - 8 + 1);
    consistent(&single);
    assert_eq!(semi2k(&decomposed), semi2k(&single));
    assert!(semi2k(&decomposed).0 < semi2k(&apply(&g, WhatIf::default()).0).0);
}

#[test]
fn softmax_rewrites_have_the_right_shapes() {
    let (_, g) = loaded("transformer_block");
    let sm = g.nodes.iter().find(|n| n.op == "Softmax").unwrap();
    let x = sm.in_shape(0).unwrap().to_vec();
    assert_eq!(x, [1, 4, 64, 64]);
    for (key, new_ops) in [
        ("softmax-2relu", vec!["Relu", "Constant", "ReduceSum", "Div"]),
        ("softmax-2quad", vec!["Constant", "Add", "Mul", "Constant", "ReduceSum", "Div"]),
    ] {
        let (g2, n) = apply(&g, WhatIf::parse(key).unwrap());
        assert_eq!(n, 1);
        consistent(&g2);
        assert!(!ops(&g2).contains(&"Softmax"));
        let new: Vec<&Node> =
            g2.nodes.iter().filter(|n| n.scope.last().is_some_and(|s| s.starts_with("softmax_"))).collect();
        assert_eq!(new.iter().map(|n| n.op.as_str()).collect::<Vec<_>>(), new_ops);
        let rs = new.iter().find(|n| n.op == "ReduceSum").unwrap();
        assert_eq!(rs.out_shape(0), Some(&[1, 4, 64, 1][..]));
        assert_eq!(rs.inputs[1].value, Some(vec![3.0]));
        assert_eq!(rs.attr_int("keepdims"), Some(1));
        let div = new.last().unwrap();
        assert_eq!(div.outputs[0], sm.outputs[0]);
        assert_eq!(div.in_shape(0), Some(&x[..]));
        assert_eq!(div.in_shape(1), Some(&[1, 4, 64, 1][..]));
    }
}

#[test]
fn gelu_quad_and_softmax_before_opset_13() {
    let (_, mut g) = loaded("transformer_block");
    g.opset = 11;
    let (g2, n) = apply(&g, WhatIf::parse("gelu-quad,softmax-2relu").unwrap());
    assert_eq!(n, 2);
    consistent(&g2);
    let rs = g2.nodes.iter().find(|n| n.op == "ReduceSum").unwrap();
    // Opset 11 Softmax normalises over every axis from `axis` on: axis = -1 here, so [3].
    assert_eq!(rs.attr_ints("axes"), Some(&[3][..]));
    assert_eq!(rs.inputs.len(), 1);
    let quad: Vec<&str> =
        g2.nodes.iter().filter(|n| n.name.starts_with("/gelu_quad/")).map(|n| n.op.as_str()).collect();
    assert_eq!(quad, ["Mul", "Constant", "Mul", "Constant", "Mul", "Add", "Constant", "Add"]);
}

#[test]
fn totals_drop_for_crypten_and_semi2k() {
    let (_, g) = loaded("transformer_block");
    let before = totals(&g);
    let after = totals(&apply(&g, WhatIf::parse("gelu-tanh,softmax-2quad").unwrap()).0);
    for fw in ["crypten", "semi2k"] {
        let b = before.iter().find(|x| x.0 == fw).unwrap();
        let a = after.iter().find(|x| x.0 == fw).unwrap();
        assert!(a.1 < b.1, "{fw}: {} → {}", b.1, a.1);
        assert_eq!(a.3, b.3, "{fw}: no node may become unpriced");
    }
}

#[test]
fn substituted_onnx_reloads_to_the_same_costs() {
    for (name, list) in [
        ("transformer_block", "gelu-tanh,softmax-2quad"),
        ("transformer_block", "gelu-quad,softmax-2relu"),
        ("lenet", "relu-square,maxpool-avg"),
        ("resnet18", "relu-square,maxpool-avg"),
        ("bert_base", "gelu-tanh,softmax-2relu"),
    ] {
        let (bytes, g) = loaded(name);
        let w = WhatIf::parse(list).unwrap();
        let (g2, n) = apply(&g, w);
        let (onnx, n2) = apply_onnx(&bytes, &g, w).unwrap();
        assert_eq!(n, n2);
        assert!(n > 0, "{name}: nothing substituted");
        let back = load(&onnx, &LoadOptions { file_name: format!("{name}.onnx"), ..Default::default() }).unwrap();
        assert!(back.unsupported.is_empty(), "{name}: {:?}", back.unsupported);
        assert_eq!(ops(&back), ops(&g2), "{name}");
        assert_eq!(
            back.nodes.iter().map(|n| &n.scope).collect::<Vec<_>>(),
            g2.nodes.iter().map(|n| &n.scope).collect::<Vec<_>>()
        );
        assert_eq!(totals(&back), totals(&g2), "{name} {list}");
        assert_eq!(back.parameters, g.parameters);
    }
}

#[test]
fn onnx_for_another_file_is_refused() {
    let (_, g) = loaded("lenet");
    let other = sample("resnet18");
    let e = apply_onnx(&other, &g, WhatIf::parse("relu-square").unwrap()).unwrap_err();
    assert!(e.contains("nodes"), "{e}");
    assert!(apply_onnx(b"\x3a\x05ab", &g, WhatIf::default()).unwrap_err().contains("not a valid ONNX"));
}
