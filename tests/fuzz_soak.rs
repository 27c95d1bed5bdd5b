//! A coverage-free soak of the `profile` fuzz target's request logic (fuzz/request.rs) that
//! needs no nightly toolchain: seeds from fuzz/seeds/profile and tests/corpus, mutated by a
//! fixed-seed generator (byte flips, head changes, cuts, duplicated and spliced chunks), each
//! run on a thread with a time limit so a hang is a finding like a panic. Ignored by default:
//!
//!     MPCLENS_SOAK_SECS=1800 cargo test --test fuzz_soak -- --ignored --nocapture
//!
//! Findings are written to $MPCLENS_SOAK_OUT (default target/soak-findings) for the corpus;
//! $MPCLENS_SOAK_SEED picks another mutation sequence. Committed findings replay in
//! `committed_findings_replay_cleanly`.
//!
//! A stack overflow aborts the process and cannot be caught: each input is written to
//! `last-input.bin` in the findings folder before it runs, so an abort leaves it behind, and
//! $MPCLENS_SOAK_FROM=N replays the same sequence from run N (earlier inputs are generated, not
//! run) to reach it again in seconds.

#[path = "../fuzz/request.rs"]
mod request;

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Far beyond any small model's profile in a debug build.
const PER_INPUT: Duration = Duration::from_secs(60);

/// Each request's thread stack: Rust's default for spawned threads, stated so the soak does not
/// depend on RUST_MIN_STACK. A debug build's frames are several times a release build's, so this
/// is stricter than the 1 MiB stack of the page's wasm worker.
const STACK: usize = 2 << 20;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root().join("fuzz/seeds/profile")).unwrap() {
        out.push(std::fs::read(e.unwrap().path()).unwrap());
    }
    let mut corpus: Vec<_> = std::fs::read_dir(root().join("tests/corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "onnx"))
        .collect();
    corpus.sort();
    for (i, p) in corpus.iter().enumerate() {
        let body = std::fs::read(p).unwrap();
        if body.len() > 1 << 20 {
            continue;
        }
        let mut v = vec![(i * 37) as u8, 1, 3, 7, i as u8, (i * 5) as u8, (i * 11) as u8, (i * 13) as u8];
        v.extend(body);
        out.push(v);
    }
    out
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut d = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(4) {
        match rng.below(6) {
            0 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
            1 if d.len() >= 8 => {
                let i = rng.below(8);
                d[i] = rng.next() as u8;
            }
            2 if d.len() > 8 => d.truncate(8 + rng.below(d.len() - 8)),
            3 if d.len() > 16 => {
                let a = rng.below(d.len());
                let b = (a + 1 + rng.below(64)).min(d.len());
                let chunk = d[a..b].to_vec();
                let at = rng.below(d.len());
                d.splice(at..at, chunk);
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                if other.len() > 8 && d.len() > 8 {
                    let cut = 8 + rng.below(d.len() - 8);
                    let from = 8 + rng.below(other.len() - 8);
                    d.truncate(cut);
                    d.extend_from_slice(&other[from..]);
                }
            }
            _ if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] = [0, 0xff, 0x7f, 0x80, 1][rng.below(5)];
            }
            _ => {}
        }
    }
    d
}

#[test]
#[ignore]
fn soak_profile_requests() {
    let secs: u64 = std::env::var("MPCLENS_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let out = std::env::var("MPCLENS_SOAK_OUT").map(PathBuf::from).unwrap_or(root().join("target/soak-findings"));
    std::fs::create_dir_all(&out).unwrap();
    let seeds = seeds();
    let seed = std::env::var("MPCLENS_SOAK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x9e37_79b9_7f4a_7c15);
    let from: u64 = std::env::var("MPCLENS_SOAK_FROM").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut rng = Rng(seed | 1);
    let start = Instant::now();
    let (mut runs, mut findings) = (0u64, 0u64);
    std::panic::set_hook(Box::new(|_| {})); // findings are counted and saved, not printed
    while start.elapsed() < Duration::from_secs(secs) {
        let input = mutate(&mut rng, &seeds);
        if runs + 1 < from {
            runs += 1;
            continue;
        }
        std::fs::write(out.join("last-input.bin"), &input).unwrap();
        let (tx, rx) = mpsc::channel();
        let data = input.clone();
        std::thread::Builder::new()
            .stack_size(STACK)
            .spawn(move || {
                let ok = std::panic::catch_unwind(|| request::run(&data)).is_ok();
                let _ = tx.send(ok);
            })
            .unwrap();
        let verdict = match rx.recv_timeout(PER_INPUT) {
            Ok(true) => None,
            Ok(false) => Some("panic"),
            Err(_) => Some("hang"),
        };
        runs += 1;
        if let Some(kind) = verdict {
            findings += 1;
            std::fs::write(out.join(format!("{kind}-{runs}.bin")), &input).unwrap();
            eprintln!("finding {kind} at run {runs} ({} bytes)", input.len());
            if kind == "hang" {
                break; // the stuck thread keeps its core; stop rather than pile them up
            }
        }
        if runs % 1000 == 0 {
            eprintln!("{runs} runs, {findings} findings, {:.0} s", start.elapsed().as_secs_f64());
        }
    }
    eprintln!("soak done: {runs} runs, {findings} findings in {:.0} s", start.elapsed().as_secs_f64());
    assert_eq!(findings, 0, "findings in {}", out.display());
}

/// Runs the inputs named in $MPCLENS_REPLAY (comma-separated paths) with panics shown.
#[test]
#[ignore]
fn replay() {
    for p in std::env::var("MPCLENS_REPLAY").unwrap_or_default().split(',').filter(|p| !p.is_empty()) {
        request::run(&std::fs::read(p).unwrap());
    }
}

/// Inputs the soak found (tests/corpus/requests/*.bin: 8 request bytes, then the ONNX file),
/// each fixed: they profile or are refused with a message, without a panic. `slow_once_*` are
/// two inputs an earlier soak gave up on after 60 s on a loaded machine; they replay in 0.03 s
/// and 1.2 s in a debug build, at the commit that recorded them and now.
#[test]
fn committed_findings_replay_cleanly() {
    let dir = root().join("tests/corpus/requests");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "bin") {
            request::run(&std::fs::read(&p).unwrap());
            n += 1;
        }
    }
    assert!(n >= 2, "only {n} committed findings");
}

/// Found by the soak (tests/corpus/requests/tdim_cost_overflow_*.bin): a chain of convs over
/// symbolic dims nests the dimension expression so deep that tract-data's ranking of equivalent
/// forms (`TDim::cost`, ×2–×5 per level) overflowed `usize` (a panic with overflow checks, a
/// meaningless ranking without). The loader's guard (`loader/guard.rs`) now refuses an input
/// dimension whose expression costs more than 2^54: that node and those after it stay unshaped
/// and are listed unsupported, and the model still loads.
#[test]
fn deep_symbolic_dims_leave_nodes_unshaped() {
    for name in ["tdim_cost_overflow_conv_chain.bin", "tdim_cost_overflow_2.bin"] {
        let data = std::fs::read(root().join("tests/corpus/requests").join(name)).unwrap();
        let g = mpclens::load(&data[8..], &mpclens::LoadOptions::default()).unwrap();
        assert!(!g.unsupported.is_empty(), "{name}");
        request::run(&data);
    }
}

/// Found by the 30-minute soak of this session (tests/corpus/requests/if_branches_output_counts_differ.bin):
/// nested Ifs whose branches give different numbers of outputs made the parser's analysis unwrap
/// an error and panic, in release builds too. The loader now lists such an If as unsupported.
#[test]
fn if_with_unequal_branches_is_listed_not_a_panic() {
    let data = std::fs::read(root().join("tests/corpus/requests/if_branches_output_counts_differ.bin")).unwrap();
    let g = mpclens::load(&data[8..], &mpclens::LoadOptions::default()).unwrap();
    let p = g.unsupported.iter().find(|p| p.op == "If").expect("the If is listed");
    assert!(p.reason.contains("then_branch gives 0 outputs and else_branch 1"), "{}", p.reason);
    request::run(&data);
}

/// Found by the 30-minute soak of 2026-12-07 (run 841,850; tests/corpus/requests/
/// range_step_zero_divides_tdim.bin): a Range with step 0 made the parser's shape rule divide a
/// symbolic dimension by zero inside tract-data (`dim/tree.rs`), a panic in release builds too.
/// The loader's guard refuses the step before the rule runs (`loader/guard.rs`
/// `check_range_step`): the Range is listed unsupported with why, and nothing panics.
#[test]
fn range_with_step_zero_is_refused_not_a_panic() {
    let data = std::fs::read(root().join("tests/corpus/requests/range_step_zero_divides_tdim.bin")).unwrap();
    let g = mpclens::load(&data[8..], &mpclens::LoadOptions::default()).unwrap();
    let p = g.unsupported.iter().find(|p| p.op == "Range").expect("the Range is listed");
    assert!(p.reason.contains("Range has a step (delta) of 0"), "{}", p.reason);
    request::run(&data);
}

/// Found by the 30-minute soak of 2026-12-07's second session (run 172,226;
/// tests/corpus/requests/flatten_without_input.bin): a Flatten in a garbled domain with no
/// input made tract-hir's shape rule index `inputs[0]` and panic; the parser ignores the domain,
/// so the loader's arity check (`loader/validate.rs` `node_problem`) now does too.
#[test]
fn node_without_input_is_listed_not_a_panic() {
    let data = std::fs::read(root().join("tests/corpus/requests/flatten_without_input.bin")).unwrap();
    let g = mpclens::load(&data[8..], &mpclens::LoadOptions::default()).unwrap();
    let p = g.unsupported.iter().find(|p| p.op == "Flatten").expect("the node is listed");
    assert!(p.reason.contains("Flatten needs at least 1 input(s); this node has 0"), "{}", p.reason);
    request::run(&data);
}

/// Found by the same soak (runs 754,901 and 772,015; tests/corpus/requests/nested_if_*.bin): an If
/// with no condition, seven branches deep, made tract-onnx's `If::infer_facts` index its inputs
/// with the closure mapping out of range, a panic in release builds too. The loader's checks
/// (`loader/validate.rs` `node_problem`) now walk subgraph nodes as well, and the outer node is
/// listed with the path to the bad one.
#[test]
fn invalid_node_deep_in_a_branch_is_listed_not_a_panic() {
    for name in ["nested_if_754901.bin", "nested_if_772015.bin"] {
        let data = std::fs::read(root().join("tests/corpus/requests").join(name)).unwrap();
        let g = mpclens::load(&data[8..], &mpclens::LoadOptions::default()).unwrap();
        let p = g.unsupported.iter().find(|p| p.reason.contains("its subgraph")).expect("the outer node is listed");
        assert!(p.reason.contains("needs at least 1 input(s); this node has 0"), "{name}: {}", p.reason);
        request::run(&data);
    }
}

/// Found by the final soak of 2026-12-07's second session (run 995,885;
/// tests/corpus/requests/maxpool_kernel_shorter_than_input.bin): a MaxPool whose kernel_shape has
/// one entry, on a rank-4 input, made tract-core's padding rule index past the kernel. The
/// loader's guard (`loader/guard.rs`, `AxisCheck::for_window`) lists it with why.
#[test]
fn window_attributes_shorter_than_the_input_are_listed_not_a_panic() {
    let data = std::fs::read(root().join("tests/corpus/requests/maxpool_kernel_shorter_than_input.bin")).unwrap();
    let g = mpclens::load(&data[8..], &mpclens::LoadOptions::default()).unwrap();
    let p = g.unsupported.iter().find(|p| p.op == "MaxPool").expect("the MaxPool is listed");
    assert!(p.reason.contains("window attributes give 1 spatial entries, but the input has rank 4"), "{}", p.reason);
    request::run(&data);
}
