//! CryptFlow2 (EzPC SCI) and Cheetah (OpenCheetah) against recorded runs of the real programs.
//!
//! Fixtures: tests/fixtures/sci/<variant>/<run>.json, recorded by validation/sci/run.py from the
//! builds of validation/sci/build_{ezpc,cheetah}.sh (commits in validation/sci/README.md). Each has
//! per party: the bytes sent during every top-level SCI call (a build-time probe summing io +
//! io_rev + io_GC of all threads), thread 0's rounds in it, and the totals EndComputation prints.
//! Single-layer runs come with a one-layer ONNX model (tests/fixtures/sci/models, written by
//! validation/sci/make_layer_models.py) and name the node (and steps) whose cost is the call.

use mpclens::frameworks::by_name;
use mpclens::report::{FrameworkReport, Mode, NodeCost};
use mpclens::settings::Settings;
use serde::Deserialize;

#[derive(Deserialize, Debug, Clone, Copy)]
struct Party {
    bytes: u64,
    rounds: u64,
}

#[derive(Deserialize, Debug)]
struct Call {
    call: String,
    server: Party,
    client: Party,
}

#[derive(Deserialize, Debug)]
struct Runset {
    linear: Option<String>,
    ell: u64,
    scale: u64,
}

#[derive(Deserialize, Debug)]
struct Total {
    server: Party,
    client: Party,
}

#[derive(Deserialize, Debug)]
struct Fixture {
    framework: String,
    program: String,
    settings: Runset,
    total: Total,
    calls: Vec<Call>,
    model: Option<String>,
    node: Option<String>,
    steps: Option<String>,
}

fn fixture(path: &str) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn profile(fx: &Fixture, model: &str) -> FrameworkReport {
    let f = by_name(&fx.framework).unwrap();
    let g = mpclens::load_file(std::path::Path::new(model), &Default::default()).unwrap();
    let mut st = Settings::defaults(f.settings());
    let (ell, scale) = (fx.settings.ell.to_string(), fx.settings.scale.to_string());
    let mut set = vec![("ell", ell.as_str()), ("scale", scale.as_str())];
    if let Some(l) = &fx.settings.linear {
        set.push(("linear", l.as_str()));
    }
    for (k, v) in set {
        st.set(f.settings(), &fx.framework, k, v).unwrap();
    }
    let r = f.profile(&g, Mode::Inference, &st);
    assert!(r.unsupported.is_empty(), "{model}: {:?}", r.unsupported);
    r
}

/// (server bytes, client bytes, server rounds, client rounds) of a node, or of its steps whose
/// name starts with `steps`.
fn node_cost(n: &NodeCost, steps: Option<&str>) -> [u64; 4] {
    let mut c = [0; 4];
    for s in n.steps.iter().filter(|s| steps.is_none_or(|p| s.name.starts_with(p))) {
        c[0] += s.cost.parties[0].bytes;
        c[1] += s.cost.parties[1].bytes;
        c[2] += s.cost.parties[0].rounds;
        c[3] += s.cost.parties[1].rounds;
    }
    c
}

fn real(c: &Call) -> [u64; 4] {
    [c.server.bytes, c.client.bytes, c.server.rounds, c.client.rounds]
}

/// Compares every single-layer fixture in `dir`; returns one line per mismatch.
fn layer_mismatches(dir: &str) -> Vec<String> {
    let mut bad = vec![];
    let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for p in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let fx = fixture(p.to_str().unwrap());
        let Some(model) = &fx.model else { continue };
        let r = profile(&fx, model);
        let node = r.nodes.iter().find(|n| Some(&n.node) == fx.node.as_ref()).expect("node in model");
        let ours = node_cost(node, fx.steps.as_deref());
        let call = fx.calls.last().expect("one call");
        if ours != real(call) {
            bad.push(format!("{} {}: ours [S B, C B, S r, C r] = {ours:?}, real {:?}", dir, fx.program, real(call)));
        }
    }
    bad
}

#[test]
fn cryptflow2_ot_single_layers_exact() {
    let bad = layer_mismatches("tests/fixtures/sci/cf2_ot");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn cryptflow2_he_single_layers_exact() {
    let bad = layer_mismatches("tests/fixtures/sci/cf2_he");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
