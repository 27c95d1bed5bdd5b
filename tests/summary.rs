//! The summary (src/summary.rs) is an aggregation of the report and of the
//! substituted graphs' reports: every figure is checked against them here.

use mpclens::network::Network;
use mpclens::summary::{summarize, TOP};
use mpclens::whatif::WhatIf;
use mpclens::{load_file, profile, LoadOptions, ProfileRequest};
use std::path::Path;

fn sample(name: &str) -> mpclens::Graph {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("static/samples").join(name);
    load_file(&p, &LoadOptions::default()).unwrap()
}

#[test]
fn summary_figures_equal_the_reports() {
    for name in ["resnet20.onnx", "transformer_block.onnx", "lenet.onnx"] {
        let g = sample(name);
        let req = ProfileRequest::default();
        let r = profile(&g, &req).unwrap();
        let net = Network::custom(1000.0, 0.5);
        let s = summarize(&g, &r, &req, &net);
        assert_eq!(s.frameworks.len(), r.frameworks.len());
        for (fs, f) in s.frameworks.iter().zip(&r.frameworks) {
            assert_eq!((fs.bytes, fs.rounds, fs.partial), (f.total.bytes, f.total.rounds, f.coverage.partial));
            assert_eq!(fs.seconds, net.seconds(&f.total));
            assert!(fs.top_layers.len() <= TOP && fs.top_ops.len() <= TOP);
            // The dearest layer is the dearest cost row; op kinds sum their rows.
            let max = f.nodes.iter().map(|n| n.cost.bytes).max().unwrap_or(0);
            assert_eq!(fs.top_layers.first().map_or(0, |l| l.bytes), max, "{name} {}", f.framework);
            for op in &fs.top_ops {
                let sum: u64 = f.nodes.iter().filter(|n| n.op == op.name).map(|n| n.cost.bytes).sum();
                assert_eq!(op.bytes, sum);
            }
            assert!(fs.top_ops.windows(2).all(|w| w[0].bytes >= w[1].bytes));
            for w in &fs.what_ifs {
                let (g2, sites) = mpclens::whatif::apply(&g, WhatIf::parse(&w.key).unwrap());
                let a = profile(&g2, &req).unwrap();
                let a = a.frameworks.iter().find(|x| x.framework == f.framework).unwrap();
                assert_eq!((w.sites, w.bytes_after, w.rounds_after), (sites, a.total.bytes, a.total.rounds));
                assert_eq!(w.saved_bytes, f.total.bytes as i64 - a.total.bytes as i64);
                assert!(sites > 0);
            }
        }
        for k in &s.op_kinds {
            for (i, f) in r.frameworks.iter().enumerate() {
                let sum: u64 = f.nodes.iter().filter(|n| n.op == k.op).map(|n| n.cost.bytes).sum();
                assert_eq!(k.bytes[i], sum);
            }
        }
    }
}

#[test]
fn resnet_what_ifs_are_relu_and_maxpool_only() {
    let g = sample("resnet20.onnx");
    let req = ProfileRequest::default();
    let r = profile(&g, &req).unwrap();
    let s = summarize(&g, &r, &req, &Network::custom(1000.0, 0.5));
    for f in &s.frameworks {
        assert!(f.what_ifs.iter().all(|w| w.key == "relu-square" || w.key == "maxpool-avg"), "{:?}", f.what_ifs);
        assert!(f.what_ifs.iter().any(|w| w.key == "relu-square"));
    }
}
