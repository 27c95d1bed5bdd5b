//! SPU 0.9.5 CHEETAH (2PC, the BumbleBee code base): HE matmul/conv (`libspu/mpc/cheetah/arith/`,
//! `cheetah_dot.cc` `CheetahDot::DotOLE`, `conv2d_prot.cc` `Conv2DProtocol::Compute`) and
//! silent-OT (Ferret, `ot/emp/ferret.cc`) non-linear layers (`nonlinear/compare_prot.cc`
//! `CompareProtocol::DoCompute`: radix-16 digit OTs plus a tree of correlated ANDs;
//! `nonlinear/truncate_prot.cc` `TruncateProtocol::Compute`: a wrap bit by COT, then
//! `B2ASingleBitWithSize`).
//!
//! Not priced yet: the per-op kernels are not modelled, so every secret node is listed as
//! unsupported rather than given a guessed figure. What the harness measured
//! (validation/spu/README.md, tests/fixtures/spu/cheetah/) is given as warnings: the one-time
//! setup, which a steady-state total must leave out, and how much the HE products vary.

use super::CostModel;
use crate::cost::Cost;
use crate::graph::{Graph, Problem};
use crate::report::{FrameworkReport, Mode};
use crate::settings::{Allowed, SettingSpec, Settings};

/// SPU's defaults (`spu.proto` RuntimeConfig).
const SETTINGS: &[SettingSpec] = &[SettingSpec {
    key: "field",
    default: "FM64",
    allowed: Allowed::OneOf(&["FM64", "FM128"]),
    help: "ring Z_2^64 or Z_2^128 (RuntimeConfig.field)",
}];

/// One-time traffic of a runtime's first run, both parties together, measured with
/// `validation/spu/measure.py --protocol cheetah --repeat 3` (first run minus steady state):
/// (what, bytes, send actions). Ferret's bootstrap (`ot/emp/ferret.cc`, the base OTs and the
/// first LPN extension) happens at the first OT a runtime needs; the HE keys at its first
/// matmul or conv (`arith/cheetah_dot.cc`, key exchange on first use).
pub fn setup_lines(field: &str) -> [(&'static str, u64, u64); 3] {
    let keys = if field == "FM128" { 106_008_166 } else { 19_428_560 };
    [
        ("Ferret OT bootstrap, truncation only (AveragePool)", 940_326, 1_858),
        ("Ferret OT bootstrap with a comparison (Relu)", 1_472_844, 4_420),
        ("HE key material at the first MatMul/Conv", keys, 4),
    ]
}

/// Largest measured run-to-run spread of an HE product's steady-state bytes (Div at FM128, 0.0515 %;
/// MatMul ≤ 0.004 %, Conv ≤ 0.013 %): SEAL ciphertexts are serialized compressed, so their
/// size changes with the random bits they carry.
pub const HE_SPREAD_PERCENT: f64 = 0.052;

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
        SETTINGS
    }
    /// SPU's CHEETAH registers no training-specific kernels, and the harness measured inference only.
    fn supports_training(&self) -> bool {
        false
    }

    fn profile(&self, graph: &Graph, mode: Mode, st: &Settings) -> FrameworkReport {
        let field = st.get("field").to_string();
        let mut rep = FrameworkReport {
            coverage: Default::default(),
            framework: self.name().into(),
            title: self.title().into(),
            mode,
            settings: st.clone(),
            round_definition: "one send action of a party's link; SPU runs ops in sequence, so rounds add up op by op"
                .into(),
            counting: "per party, SPU's profiler 'Link details' of the steady-state run (a runtime's second and later \
                       runs); the one-time Ferret OT bootstrap and HE key exchange of the first run are apart, in the \
                       warnings. The parties send different amounts (OT sender and receiver)."
                .into(),
            total: Cost::zero(2),
            phases: vec![],
            nodes: vec![],
            unsupported: vec![],
            warnings: vec![],
        };
        if mode == Mode::Training {
            rep.warnings.push("SPU CHEETAH is modelled for inference only; training is not priced".into());
            rep.finish(2);
            return rep;
        }
        for n in &graph.nodes {
            crate::budget::at_node(&n.name, &n.op);
            rep.unsupported.push(Problem {
                node: n.name.clone(),
                op: n.op.clone(),
                reason: format!(
                    "{} on SPU CHEETAH is not priced yet: its kernels (HE matmul/conv, Ferret-OT compare and \
                     truncation) are measured (tests/fixtures/spu/cheetah/) but not modelled",
                    n.op
                ),
            });
        }
        for (what, bytes, actions) in setup_lines(&field) {
            rep.warnings.push(format!(
                "one-time setup, not in the total (measured, {field}, both parties): {what}: {bytes} bytes in {actions} \
                 send actions"
            ));
        }
        rep.warnings.push(format!(
            "HE matmul/conv bytes vary from run to run by up to {HE_SPREAD_PERCENT} % (measured); OT refills arrive in \
             lumps (Exp: +262 KB in one run of three)"
        ));
        rep.finish(2);
        rep
    }
}
