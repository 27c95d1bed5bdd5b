//! SPU 0.9.5 CHEETAH (2PC, the BumbleBee code base): HE matmul (`libspu/mpc/cheetah/arith/`,
//! `cheetah_dot.cc` `CheetahDot::DotOLE`; a Conv is the same matmul after SPU's im2col) and HE
//! element-wise products (`cheetah_mul.cc`), silent-OT (Ferret) non-linear kernels
//! (`nonlinear/compare_prot.cc`, `equal_prot.cc`, `truncate_prot.cc`, `ot/basic_ot_prot.cc`).
//!
//! The model is priced as SEMI2K's JAX program (`semi2k/ops.rs`, `approx.rs`: the lowering is
//! protocol-independent); `Tally` hands every primitive to CHEETAH's kernel in `kernels.rs`.
//! The OT kernels are byte-exact per rank against steady-state runs; the HE kernels count
//! ciphertexts from the source and price each at its measured serialized size, so their rows
//! are flagged approximate (run-to-run spread ≤ `HE_SPREAD_PERCENT`). The one-time setup and the
//! refills of Ferret's OT pool and of the Beaver cache are warnings, apart from the total.

pub mod kernels;

use super::CostModel;
use crate::frameworks::semi2k::{self, proto::Protocol};
use crate::graph::Graph;
use crate::report::{FrameworkReport, Mode};
use crate::settings::{Allowed, SettingSpec, Settings};
use std::sync::LazyLock;

/// SEMI2K's settings that apply to every SPU protocol (as ABY3's), plus the OT parallelism.
static SETTINGS: LazyLock<Vec<SettingSpec>> = LazyLock::new(|| {
    let mut v = semi2k::ABY3_SETTINGS.to_vec();
    v.push(SettingSpec {
        key: "cores",
        default: "2",
        allowed: Allowed::Int { min: 1, max: 1024 },
        help: "CPU threads per party (yacl's pool, the smaller of the two): OT kernels over 2048 elements split over \
               min(48, cores) Ferret instances (state.cc TiledDispatchOTFunc); 2 = the measuring machine",
    });
    v
});

/// Ferret instances an OT kernel may use (`CheetahOTState::kMaxOTParallel` = 48).
pub fn ot_workers(s: &Settings) -> u64 {
    (s.int("cores").max(1) as u64).min(48)
}

/// Round definition and counting text of the report.
pub const DEFINITIONS: (&str, &str) = (
    "one send action of a party's link (SPU's profiler 'send actions'); SPU runs ops in sequence, so they add up op by op. An HE product sends one action per ciphertext; OT kernels one per flush",
    "per party, SPU's profiler 'Link details' of the steady-state run (a runtime's second and later runs). Exact: every OT kernel (compare/MSB, equality, truncation, select, B2A, AND, A2B) and every Beaver open, byte for byte. Varies: HE products (MatMul, Gemm, Conv, squares, products of 16384+ elements): the number of ciphertexts is exact (from the source), their serialized size is measured and differs from a run by up to 0.15 % (run-to-run totals vary by up to 0.052 %), so those rows are approximate. Not in the rows (warnings): the one-time setup (Ferret OT bootstrap, HE key exchange), the Ferret OT refills and the Beaver-cache refills, which arrive in lumps. Input sharing and output reveal are not counted.",
);

/// One-time traffic of a runtime's first run, both parties together, measured with
/// `validation/spu/measure.py --protocol cheetah --repeat 3` (first run minus steady state):
/// (what, bytes, send actions). Ferret's bootstrap (`yacl_ote_adapter.cc` `OneTimeSetup`: base
/// OTs and SoftSpoken, then the first LPN extension) happens at the first OT a Ferret instance
/// serves, per instance; the HE keys at the first matmul (`cheetah_dot.cc` `LazyInit`: public
/// and Galois keys) or HE product (`cheetah_mul.cc`).
pub fn setup_lines(field: &str) -> [(&'static str, u64, u64); 3] {
    let keys = if field == "FM128" { 106_008_166 } else { 19_428_560 };
    [
        (
            "Ferret OT bootstrap of the first instance, truncation only (AveragePool)",
            FERRET_BOOTSTRAP.0,
            FERRET_BOOTSTRAP.1,
        ),
        (
            "Ferret OT bootstrap of the first instance with a comparison (Relu; = bootstrap + 2 early refills)",
            FERRET_BOOTSTRAP.0 + 2 * FERRET_REFILL.0,
            FERRET_BOOTSTRAP.1 + 2 * FERRET_REFILL.1,
        ),
        ("HE key material at the first MatMul/Conv", keys, 4),
    ]
}

/// Ferret bootstrap of one OT instance (`state.cc` `CheetahOTState::LazyInit` builds a
/// `BasicOTProtocols` on a spawned link; its Ferret sender and receiver run yacl's
/// `OneTimeSetup`), both parties together: the truncation-only first run (AveragePool, MatMul
/// 4×100×50) minus its steady state. A kernel over more elements draws more COTs than the
/// bootstrap's first pool holds, so each instance then refills once (`FERRET_REFILL`) early:
/// measured on matmul 32×512×512 (16384 truncations) at cores 1, 2 and 4, first run minus steady
/// state minus the HE keys is w × (bootstrap + refill) for w = 1, 2, 4 instances, actions exact,
/// bytes within the keys' spread (tests/spu_cheetah.rs).
pub const FERRET_BOOTSTRAP: (u64, u64) = (940_326, 1_858);

/// How many Ferret instances the model's OT kernels use: the largest kernel's
/// `min(workers, ⌈n/2048⌉)` (`state.cc` `InitOTState`; instances are created lazily, once).
/// `a2b`'s AND levels run on `2n` shares (kernels.rs `a2b`).
pub fn ferret_instances(rep: &FrameworkReport, workers: u64) -> u64 {
    const OT: [&str; 7] = ["trunc_a ", "mul_a1b ", "msb_a2b ", "equal_ss ", "and_bb ", "a2b ", "b2a "];
    rep.nodes
        .iter()
        .flat_map(|n| &n.steps)
        .filter_map(|s| {
            let kernel = OT.iter().find(|k| s.name.starts_with(**k))?;
            let n = if *kernel == "a2b " { 2 * s.count } else { s.count };
            Some(kernels::slices(n, workers).iter().map(|&(_, c)| c).sum::<u64>())
        })
        .max()
        .unwrap_or(0)
}

/// How far an HE kernel's bytes may be from one recorded run: SEAL ciphertexts are serialized
/// compressed, so their size changes with the random bits they carry. Measured: steady-state
/// totals of one op vary run to run by up to 0.052 % (Div at FM128; MatMul ≤ 0.004 %, Conv
/// ≤ 0.013 %); one call's few ciphertexts are up to 0.083 % from their mean size (a 7-ciphertext
/// square in Div at FM128); the 4-ciphertext square of Sin and Cos at FM64 (64 elements; the
/// same computation in both) measured 500,003 B and 500,677 B, 0.135 % apart: 0.15 % covers
/// every recorded run (tests/spu_cheetah.rs).
pub const HE_SPREAD_PERCENT: f64 = 0.15;

/// A Ferret refill (LPN extension when an instance's pool runs dry), measured: bytes and send
/// actions both parties together (Equal and Exp runs: +266 KB, 1,281 actions).
pub const FERRET_REFILL: (u64, u64) = (266_259, 1_281);
/// COTs one refill yields (`yacl_ote_adapter.h` `lpn_param_` n = 10,485,760, less the reserve
/// kept for the next extension, ≈ 0.47 M).
const FERRET_POOL: u64 = 10_485_760;

/// SPU 0.9.5 CHEETAH, two parties, inference.
pub struct SpuCheetah;

impl CostModel for SpuCheetah {
    fn name(&self) -> &'static str {
        "spu-cheetah"
    }
    fn title(&self) -> &'static str {
        "SPU 0.9.5 CHEETAH"
    }
    fn settings(&self) -> &'static [SettingSpec] {
        &SETTINGS
    }
    /// SPU's CHEETAH runs the same training programs, but none was measured: inference only.
    fn supports_training(&self) -> bool {
        false
    }

    fn profile(&self, graph: &Graph, mode: Mode, st: &Settings) -> FrameworkReport {
        if mode == Mode::Training {
            let mut rep = semi2k::profile(self, Protocol::Cheetah, graph, Mode::Inference, st);
            rep.mode = mode;
            rep.nodes.clear();
            rep.unsupported.clear();
            rep.warnings.clear();
            rep.finish(2);
            rep.warnings.push("SPU CHEETAH is modelled for inference only; training is not priced".into());
            return rep;
        }
        let mut rep = semi2k::profile(self, Protocol::Cheetah, graph, mode, st);
        let field = st.get("field").to_string();
        let instances = ferret_instances(&rep, ot_workers(st));
        for (what, bytes, actions) in setup_lines(&field) {
            rep.warnings.push(format!(
                "One-time setup, not in the total (measured, {field}, both parties): {what}: {bytes} bytes in {actions} \
                 send actions"
            ));
        }
        if instances > 1 {
            let (b, a) = FERRET_BOOTSTRAP;
            rep.warnings.push(format!(
                "One-time setup, not in the total: this model's largest OT kernel runs on {instances} Ferret instances \
                 (min(48, cores, ⌈n/2048⌉), state.cc InitOTState), each bootstrapped once: {instances} × {b} = {} bytes \
                 in {} send actions both parties, and each instance's first refill comes early (+{} bytes, {} actions \
                 each; measured: matmul 32×512×512 at cores 1, 2, 4 = 1, 2, 4 × ({b} + {}) bytes)",
                instances * b,
                instances * a,
                FERRET_REFILL.0,
                FERRET_REFILL.1,
                FERRET_REFILL.0
            ));
        }
        let triples: u64 = rep
            .nodes
            .iter()
            .flat_map(|n| &n.steps)
            .filter(|s| s.name.starts_with("mul_aa Beaver open"))
            .map(|s| s.count)
            .sum();
        if triples > 0 {
            let cts = if field == "FM128" { 7 } else { 4 };
            let lumps = triples as f64 / 4096.0;
            rep.warnings.push(format!(
                "Beaver-cache refills, not in the rows: the products under 16384 elements here take {triples} Beaver \
                 triples from CHEETAH's cache, which HE refills in lumps (state.cc makeSureCacheSize: a MulOLE of \
                 8192·⌈2n/8192⌉ random slots gives 4096 triples per 8192 slots for {cts} ciphertexts each way); \
                 amortized ≈ {lumps:.1} lumps per inference, ≈ {} bytes from rank 0 and {} from rank 1 (measured on \
                 the 64×128 transformer block: 40 lumps for 165120 triples, 20.0 MB and 25.8 MB)",
                (lumps * (cts * kernels::MUL_RESP_CT) as f64) as u64,
                (lumps * (cts * kernels::MUL_ENC_CT) as f64) as u64
            ));
        }
        rep.warnings.push(format!(
            "Ferret OT refills, not in the rows: an instance's pool of {FERRET_POOL} COTs (yacl_ote_adapter.h \
             lpn_param_) is refilled by an LPN extension when it runs dry: +{} bytes in {} send actions both parties \
             (measured), i.e. ≈ {:.3} bytes per COT consumed (measured on the 64×128 transformer block: 8 refills per rank \
             per inference, 2.13 MB per rank); HE bytes vary by up to {HE_SPREAD_PERCENT} % run to run",
            FERRET_REFILL.0,
            FERRET_REFILL.1,
            FERRET_REFILL.0 as f64 / (FERRET_POOL - 470_016) as f64
        ));
        rep
    }
}
