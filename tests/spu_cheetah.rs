//! SPU CHEETAH (`spu-cheetah`): what the report states is what SPU 0.9.5 measured
//! (validation/spu/measure.py --protocol cheetah --repeat 3, two OS processes on 127.0.0.1).
//! * The one-time setup lines equal a fixture's first run minus its steady-state run, both
//!   parties together: Ferret bootstrap from AveragePool (truncation only) and Relu (with a
//!   comparison); HE key material from MatMul's `mmul_aa` lines.
//! * No node gets a figure yet: every secret node is listed as unpriced, so the total is partial.

use mpclens::frameworks::spu_cheetah::{setup_lines, HE_SPREAD_PERCENT};
use mpclens::{load_file, profile, LoadOptions, Mode, ProfileRequest};
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(op: &str) -> Value {
    let p = root().join(format!("tests/fixtures/spu/cheetah/ops/{op}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn run<'a>(f: &'a Value, field: &str) -> &'a Value {
    f["runs"].as_array().unwrap().iter().find(|r| r["field"] == field).unwrap()
}

/// Σ over parties of (bytes, send actions) of repeat `i`.
fn repeat_sum(r: &Value, i: usize) -> (u64, u64) {
    r["repeats"][i]
        .as_array()
        .unwrap()
        .iter()
        .fold((0, 0), |a, p| (a.0 + p[0].as_u64().unwrap(), a.1 + p[1].as_u64().unwrap()))
}

/// Σ over parties of one MPC kernel's (bytes, actions) in the first run and in the steady state.
fn kernel_sum(r: &Value, key: &str, kernel: &str) -> (u64, u64) {
    r[key].as_array().unwrap().iter().fold((0, 0), |a, p| {
        let k = &p["mpc"][kernel];
        (a.0 + k[1].as_u64().unwrap(), a.1 + k[2].as_u64().unwrap())
    })
}

#[test]
fn setup_lines_are_first_run_minus_steady_state() {
    for field in ["FM64", "FM128"] {
        let lines = setup_lines(field);
        for (line, op) in lines.iter().take(2).zip(["AveragePool", "Relu"]) {
            let f = fixture(op);
            let r = run(&f, field);
            let (first, steady) = (repeat_sum(r, 0), repeat_sum(r, 2));
            assert_eq!(repeat_sum(r, 1), steady, "{op} {field}: steady state is deterministic");
            assert_eq!((line.1, line.2), (first.0 - steady.0, first.1 - steady.1), "{op} {field}");
        }
        let f = fixture("MatMul");
        let r = run(&f, field);
        let (first, steady) = (kernel_sum(r, "per_party", "mmul_aa"), kernel_sum(r, "last_per_party", "mmul_aa"));
        assert_eq!((lines[2].1, lines[2].2), (first.0 - steady.0, first.1 - steady.1), "HE keys {field}");
    }
}

/// The spread the report quotes covers every recorded steady-state pair of an HE-product op.
#[test]
fn he_spread_covers_the_recorded_runs() {
    for op in ["MatMul", "Conv", "Gemm", "Div", "Exp", "Gelu", "Sigmoid", "Softmax", "Tanh"] {
        let f = fixture(op);
        for r in f["runs"].as_array().unwrap() {
            let (a, b) = (repeat_sum(r, 1).0 as f64, repeat_sum(r, 2).0 as f64);
            if op == "Exp" {
                continue; // an OT refill lump, not HE spread (262 KB in one run)
            }
            let spread = 100.0 * (a - b).abs() / a.min(b);
            assert!(spread <= HE_SPREAD_PERCENT, "{op} {}: {spread} %", r["field"]);
        }
    }
}

fn report(op: &str, field: &str) -> mpclens::report::FrameworkReport {
    let graph = load_file(&root().join(format!("tests/fixtures/ops/{op}.onnx")), &LoadOptions::default()).unwrap();
    let mut req = ProfileRequest { frameworks: vec!["spu-cheetah".into()], ..Default::default() };
    req.add_setting(&format!("spu-cheetah.field={field}")).unwrap();
    profile(&graph, &req).unwrap().frameworks.remove(0)
}

/// Non-linear ops: each rank's bytes and send actions equal SPU's steady-state profile exactly,
/// in total and per MPC kernel (the fixture's `mpc` lines), and the steady state is the same
/// in both later runs.
#[test]
fn non_linear_ops_match_the_steady_state_exactly() {
    for op in ["Relu", "MaxPool", "AveragePool"] {
        let f = fixture(op);
        for field in ["FM64", "FM128"] {
            let r = run(&f, field);
            let fw = report(op, field);
            assert!(fw.unsupported.is_empty() && !fw.coverage.partial, "{op}: {:?}", fw.unsupported);
            assert_eq!(r["repeats"][1], r["repeats"][2], "{op} {field}: deterministic");
            for (rank, p) in r["last_per_party"].as_array().unwrap().iter().enumerate() {
                let ours = &fw.total.parties[rank];
                let want = (p["bytes"].as_u64().unwrap(), p["rounds"].as_u64().unwrap());
                assert_eq!((ours.bytes, ours.rounds), want, "{op} {field} rank {rank}");
                for (kernel, line) in p["mpc"].as_object().unwrap() {
                    let steps = fw.nodes.iter().flat_map(|n| &n.steps).filter(|s| s.name.contains(kernel.as_str()));
                    let got = steps
                        .fold((0, 0), |a, s| (a.0 + s.cost.parties[rank].bytes, a.1 + s.cost.parties[rank].rounds));
                    assert_eq!(
                        got,
                        (line[1].as_u64().unwrap(), line[2].as_u64().unwrap()),
                        "{op} {field} {kernel} rank {rank}"
                    );
                }
            }
        }
    }
}

/// HE products and the approximations above them get no figure: unpriced, with a reason.
#[test]
fn unmodelled_ops_are_unpriced_not_guessed() {
    for op in ["MatMul", "Conv", "Gemm", "Exp", "Sigmoid", "Softmax", "LayerNormalization"] {
        let fw = report(op, "FM64");
        assert!(fw.nodes.is_empty() && fw.coverage.partial, "{op}");
        assert!(fw.unsupported.iter().all(|p| p.reason.contains("not priced yet")), "{op}");
    }
}

#[test]
fn setup_is_apart_and_training_is_refused() {
    let fw = report("Relu", "FM64");
    assert_eq!(fw.title, "SPU 0.9.5 CHEETAH");
    assert!(fw.warnings.iter().any(|w| w.contains("one-time setup") && w.contains("1472844")));
    let graph = load_file(&root().join("tests/fixtures/ops/Relu.onnx"), &LoadOptions::default()).unwrap();
    let req = ProfileRequest { frameworks: vec!["spu-cheetah".into()], mode: Mode::Training, ..Default::default() };
    let fw = profile(&graph, &req).unwrap().frameworks.remove(0);
    assert!(fw.coverage.partial && fw.nodes.is_empty());
}

/// The truncation kernel alone, against the `trunc_a` lines of the HE-product fixtures (whose
/// HE part is not priced yet): one truncation of the product per output (Gemm: two, the
/// product and its scaling by alpha), per rank, bytes and send actions.
#[test]
fn truncation_kernel_matches_the_product_ops() {
    use mpclens::frameworks::spu_cheetah::kernels::trunc;
    for (op, out, calls) in [("MatMul", 30, 1), ("Conv", 64, 1), ("Gemm", 8, 2)] {
        let f = fixture(op);
        for (field, k, frac) in [("FM64", 64, 18), ("FM128", 128, 26)] {
            let r = run(&f, field);
            let one = trunc(out, k, frac);
            for (rank, p) in r["last_per_party"].as_array().unwrap().iter().enumerate() {
                let line = &p["mpc"]["trunc_a"];
                let want = (line[1].as_u64().unwrap(), line[2].as_u64().unwrap());
                assert_eq!((one[rank].0 * calls, one[rank].1 * calls), want, "{op} {field} rank {rank}");
            }
        }
    }
}

/// Compare and select kernels alone, against the `msb_a2b` / `mul_a1b` lines of the
/// approximations (not priced yet) where every call is on the whole 2×3×4×5 input.
#[test]
fn compare_and_select_kernels_match_the_approximations() {
    use mpclens::frameworks::spu_cheetah::kernels::{msb, mul_a1b};
    for (op, kernel, calls) in
        [("Tanh", "msb_a2b", 2), ("Sigmoid", "msb_a2b", 1), ("Tanh", "mul_a1b", 2), ("Gelu", "mul_a1b", 4)]
    {
        let f = fixture(op);
        for (field, k) in [("FM64", 64), ("FM128", 128)] {
            let one = if kernel == "msb_a2b" { msb(120, k).unwrap() } else { mul_a1b(120, k) };
            for (rank, p) in run(&f, field)["last_per_party"].as_array().unwrap().iter().enumerate() {
                let line = &p["mpc"][kernel];
                let want = (line[1].as_u64().unwrap(), line[2].as_u64().unwrap());
                assert_eq!((one[rank].0 * calls, one[rank].1 * calls), want, "{op} {kernel} {field} rank {rank}");
            }
        }
    }
}
