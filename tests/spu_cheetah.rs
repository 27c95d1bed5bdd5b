//! SPU CHEETAH (`spu-cheetah`): what the report states is what SPU 0.9.5 measured
//! (validation/spu/measure.py --protocol cheetah --repeat 3, two OS processes on 127.0.0.1).
//! * Every recorded steady-state run (the runtime's last run, SPU's per-kernel `mpc` lines)
//!   against the report, per rank and per MPC kernel: OT kernels and Beaver opens exactly
//!   (bytes and send actions), HE kernels (`mmul_aa`, `square_s`, HE `mul_aa`) with exact send
//!   actions (= ciphertexts) and bytes within the measured run-to-run spread.
//! * The one-time setup lines equal a fixture's first run minus its steady-state run, both
//!   parties together.

mod common;

use mpclens::frameworks::spu_cheetah::{setup_lines, HE_SPREAD_PERCENT};
use mpclens::{load_file, profile, LoadOptions, Mode, ProfileRequest};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn fixture(op: &str) -> Value {
    read(&root().join(format!("tests/fixtures/spu/cheetah/ops/{op}.json")))
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

/// More than one Ferret instance: matmul 32×512×512 (16384 truncations) measured with SPU's
/// thread pool at 1, 2 and 4 (`measure.py --cores`): the first run minus the steady state, less the
/// HE keys, is w × (bootstrap + one early refill) for the w instances the report counts; actions
/// exactly, bytes within the HE keys' measured spread.
#[test]
fn each_ferret_instance_bootstraps_once() {
    use mpclens::frameworks::spu_cheetah::{ferret_instances, FERRET_BOOTSTRAP, FERRET_REFILL};
    let path = root().join("tests/fixtures/spu/cheetah/matmul_32x512x512.json");
    let f = read(&path);
    let keys = setup_lines("FM64")[2];
    let mut seen = vec![];
    for r in f["runs"].as_array().unwrap() {
        let cores = r.get("cores").and_then(Value::as_u64).unwrap_or(2);
        let fw = report_with(&root().join(f["model"].as_str().unwrap()), "FM64", Some(cores));
        let w = ferret_instances(&fw, cores);
        assert_eq!(w, cores, "16384 truncations over min(cores, 8) instances");
        let (first, steady) = (repeat_sum(r, 0), repeat_sum(r, 2));
        let (bytes, actions) = (first.0 - steady.0 - keys.1, first.1 - steady.1 - keys.2);
        assert_eq!(actions, w * (FERRET_BOOTSTRAP.1 + FERRET_REFILL.1), "cores {cores}");
        let want = w * (FERRET_BOOTSTRAP.0 + FERRET_REFILL.0);
        assert!(
            bytes.abs_diff(want) as f64 <= keys.1 as f64 * HE_SPREAD_PERCENT / 100.0,
            "cores {cores}: {bytes} vs {want}"
        );
        if w > 1 {
            assert!(fw.warnings.iter().any(|x| x.contains(&format!("{w} Ferret instances"))), "cores {cores}");
        }
        seen.push(cores);
    }
    seen.sort();
    assert_eq!(seen, [1, 2, 4]);
}

/// The spread the report quotes covers every recorded steady-state pair of an HE-product op.
#[test]
fn he_spread_covers_the_recorded_runs() {
    for op in ["MatMul", "Conv", "Gemm", "Div", "Gelu", "Sigmoid", "Softmax", "Tanh"] {
        let f = fixture(op);
        for r in f["runs"].as_array().unwrap() {
            let (a, b) = (repeat_sum(r, 1).0 as f64, repeat_sum(r, 2).0 as f64);
            let spread = 100.0 * (a - b).abs() / a.min(b);
            assert!(spread <= HE_SPREAD_PERCENT, "{op} {}: {spread} %", r["field"]);
        }
    }
}

/// SPU's MPC kernels whose bytes come from HE ciphertexts (measured sizes).
const HE_KERNELS: [&str; 3] = ["mmul_aa", "square_s", "mul_aa"];
/// Every MPC kernel name a CHEETAH step starts with.
const KERNELS: [&str; 10] =
    ["mmul_aa", "square_s", "mul_aa", "mul_a1b", "msb_a2b", "equal_ss", "trunc_a", "and_bb", "a2b", "b2a"];

/// Tolerance of an HE figure against one recorded run: the spread the report states.
fn close(ours: u64, want: u64, he: bool) -> bool {
    if !he {
        return ours == want;
    }
    100.0 * (ours as f64 - want as f64).abs() / want as f64 <= HE_SPREAD_PERCENT
}

/// The refills a recorded run carries beyond our figure, as (bytes, actions), from the extra
/// send actions: whole Ferret refills (`FERRET_REFILL`: a fixed lump of 1281 actions) and, where
/// `beaver` (a `mul_aa` line or a total), whole Beaver-cache refills: `MulOLE`s of 8192 slots with
/// rank 0 evaluating (`state.cc` `makeSureCacheSize`), 4 ciphertexts at FM64 and 7 at FM128,
/// rank 0 sending the responses, rank 1 the encryptions. `None` if the extra actions are no such
/// sum (with fewer than 1281 / 4 Beaver ciphertexts per run, the split is unique).
fn refills(extra: u64, beaver: bool, rank: usize, field: &str) -> Option<(u64, u64)> {
    use mpclens::frameworks::spu_cheetah::kernels::{MUL_ENC_CT, MUL_RESP_CT};
    use mpclens::frameworks::spu_cheetah::FERRET_REFILL;
    let (ferret, rest) = (extra / FERRET_REFILL.1, extra % FERRET_REFILL.1);
    let cts = if field == "FM128" { 7 } else { 4 };
    if rest > 0 && (!beaver || rest % cts != 0) {
        return None;
    }
    let per_ct = if rank == 0 { MUL_RESP_CT } else { MUL_ENC_CT };
    Some((ferret * FERRET_REFILL.0 + rest * per_ct, extra))
}

fn report_for(model: &Path, field: &str) -> mpclens::report::FrameworkReport {
    report_with(model, field, None)
}

/// The report at `field` and, where a run records it (`measure.py --cores N`), SPU's thread count.
fn report_with(model: &Path, field: &str, cores: Option<u64>) -> mpclens::report::FrameworkReport {
    let graph = load_file(model, &LoadOptions::default()).unwrap();
    let mut req = ProfileRequest { frameworks: vec!["spu-cheetah".into()], ..Default::default() };
    req.add_setting(&format!("spu-cheetah.field={field}")).unwrap();
    if let Some(c) = cores {
        req.add_setting(&format!("spu-cheetah.cores={c}")).unwrap();
    }
    profile(&graph, &req).unwrap().frameworks.remove(0)
}

/// One fixture: every default-config run against the report. Returns (runs checked, mismatches).
fn check(path: &Path) -> (usize, Vec<String>) {
    let f = read(path);
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let mut misses = vec![];
    let mut checked = 0;
    for r in f["runs"].as_array().unwrap() {
        let cfg_set = |k: &str| r.get(k).and_then(Value::as_object).is_some_and(|o| !o.is_empty());
        if r.get("last_per_party").is_none() || cfg_set("config") || cfg_set("compiler") {
            continue;
        }
        let field = r["field"].as_str().unwrap();
        let cores = r.get("cores").and_then(Value::as_u64);
        let fw = report_with(&root().join(f["model"].as_str().unwrap()), field, cores);
        let field_label = match cores {
            Some(c) => format!("{field} cores={c}"),
            None => field.to_string(),
        };
        let field_label = field_label.as_str();
        if !fw.unsupported.is_empty() {
            misses.push(format!("{name} {field_label}: unpriced {:?}", fw.unsupported));
            continue;
        }
        checked += 1;
        let steps: Vec<_> = fw.nodes.iter().flat_map(|n| &n.steps).collect();
        // Per kernel where every step is one kernel's (composite steps: a max tree, a batched
        // matmul loop, are compared in the rank totals).
        let attributable = steps.iter().all(|s| KERNELS.iter().any(|k| s.name.starts_with(&format!("{k} "))));
        let he_in_run = r["last_per_party"].as_array().unwrap().iter().any(|p| {
            p["mpc"]
                .as_object()
                .unwrap()
                .iter()
                .any(|(k, l)| HE_KERNELS.contains(&k.as_str()) && l[1].as_u64().unwrap() > 100_000)
        });
        for (rank, p) in r["last_per_party"].as_array().unwrap().iter().enumerate() {
            let mut compare = |what: &str, ours: (u64, u64), want: (u64, u64), he: bool, beaver: bool| {
                let lumps = want.1.checked_sub(ours.1).and_then(|extra| refills(extra, beaver, rank, field));
                let ok = lumps.is_some_and(|(b, a)| ours.1 + a == want.1 && close(ours.0 + b, want.0, he || b > 0));
                if !ok {
                    misses.push(format!("{name} {field_label} rank {rank} {what}: ours {ours:?} vs SPU {want:?}"));
                }
            };
            if attributable {
                for (kernel, line) in p["mpc"].as_object().unwrap() {
                    let want = (line[1].as_u64().unwrap(), line[2].as_u64().unwrap());
                    if want == (0, 0) {
                        continue;
                    }
                    let prefix = format!("{kernel} ");
                    let ours = steps
                        .iter()
                        .filter(|s| s.name.starts_with(&prefix))
                        .fold((0, 0), |a, s| (a.0 + s.cost.parties[rank].bytes, a.1 + s.cost.parties[rank].rounds));
                    let he = HE_KERNELS.contains(&kernel.as_str()) && want.0 > 100_000;
                    compare(kernel, ours, want, he, kernel == "mul_aa");
                }
            }
            let ours = (fw.total.parties[rank].bytes, fw.total.parties[rank].rounds);
            compare("total", ours, (p["bytes"].as_u64().unwrap(), p["rounds"].as_u64().unwrap()), he_in_run, true);
        }
    }
    (checked, misses)
}

fn check_dir(dir: &str) -> (usize, usize, Vec<String>) {
    common::check_fixture_dir(dir, check)
}

/// Single ops (tests/fixtures/ops) under CHEETAH.
#[test]
fn single_ops_match_the_steady_state() {
    let (files, runs, misses) = check_dir("tests/fixtures/spu/cheetah/ops");
    assert!(files >= 30 && runs >= files, "{files} files, {runs} runs");
    assert!(misses.is_empty(), "{} mismatches:\n{}", misses.len(), misses.join("\n"));
}

/// Models, the HE-product shape grid (tests/fixtures/spu/cheetah/*.json) and the transformer
/// operators and tiny GPT-2 (tests/fixtures/spu/cheetah/transformer/).
#[test]
fn models_and_shapes_match_the_steady_state() {
    let (files, runs, mut misses) = check_dir("tests/fixtures/spu/cheetah");
    let (tfiles, truns, tmisses) = check_dir("tests/fixtures/spu/cheetah/transformer");
    assert!(tfiles >= 4 && truns >= tfiles, "transformer: {tfiles} files, {truns} runs");
    misses.extend(tmisses);
    assert!(files >= 10 && runs >= files, "{files} files, {runs} runs");
    assert!(misses.is_empty(), "{} mismatches:\n{}", misses.len(), misses.join("\n"));
}

#[test]
fn setup_is_apart_and_training_is_refused() {
    let fw = report_for(&root().join("tests/fixtures/ops/Relu.onnx"), "FM64");
    assert_eq!(fw.title, "SPU 0.9.5 CHEETAH");
    assert!(fw.warnings.iter().any(|w| w.contains("One-time setup") && w.contains("1472844")));
    assert!(fw.warnings.iter().any(|w| w.contains("Ferret OT refills")));
    let graph = load_file(&root().join("tests/fixtures/ops/Relu.onnx"), &LoadOptions::default()).unwrap();
    let req = ProfileRequest { frameworks: vec!["spu-cheetah".into()], mode: Mode::Training, ..Default::default() };
    let fw = profile(&graph, &req).unwrap().frameworks.remove(0);
    assert!(fw.coverage.partial && fw.nodes.is_empty());
}

/// HE rows say they are approximate and why; OT-only ops are not flagged.
#[test]
fn he_rows_are_flagged_with_the_spread() {
    let fw = report_for(&root().join("tests/fixtures/ops/MatMul.onnx"), "FM64");
    let why = fw.nodes[0].approximate.as_deref().unwrap_or("");
    assert!(why.contains("ciphertext") && why.contains("0.15 %"), "{why}");
    let fw = report_for(&root().join("tests/fixtures/ops/Relu.onnx"), "FM64");
    assert!(fw.nodes.iter().all(|n| n.approximate.is_none()));
}
