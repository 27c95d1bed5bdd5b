//! CryptFlow2 (EzPC SCI `f24bf3e`): 2-party inference, OT variant (ring 2^ℓ, `linear=ot`)
//! or HE variant (field p, SEAL 3.3 BFV linear layers, `linear=he`). One registry entry
//! `cryptflow2` with a `linear` setting, as in the paper (SCI_OT / SCI_HE are two builds of
//! the same tool). Party 0 = server (ALICE, model owner), party 1 = client (BOB): bytes each SENDS.
//! Non-linear costs are split evenly between the parties (4 threads alternate OT roles).

use crate::cost::{Cost, PartyCost, Step};
use crate::graph::{Graph, Node, Problem};
use crate::report::{FrameworkReport, Mode, NodeCost, Phase};
use crate::settings::{Allowed, SettingSpec, Settings};

use super::sci::*;
use super::CostModel;

static SETTINGS: &[SettingSpec] = &[
    SettingSpec { key: "linear", default: "ot", allowed: Allowed::OneOf(&["ot", "he"]), help: "linear layers via OT (SCI_OT, ring 2^ℓ) or SEAL BFV (SCI_HE, field p)" },
    SettingSpec { key: "ell", default: "37", allowed: Allowed::Int { min: 16, max: 60 }, help: "ring / field bit width ℓ (main_resnet50.cpp: 37; sqnet/densenet 32; resnet32/minionn 41)" },
    SettingSpec { key: "scale", default: "12", allowed: Allowed::Int { min: 1, max: 30 }, help: "fixed-point scale s (ScaleDown(…,12) in the generated mains)" },
    SettingSpec { key: "both_cross_terms", default: "true", allowed: Allowed::Bool, help: "OT linear: current EzPC (TRAINING defined) computes both cross terms; false = paper-era MatMulUniform (one)" },
];

pub struct CryptFlow2;
pub static CRYPTFLOW2: CryptFlow2 = CryptFlow2;

/// Cost of `bits` total, split evenly between the parties, all online.
pub fn even(bits: u64, rounds: u64) -> Cost {
    let b = bits.div_ceil(8);
    let a = b / 2;
    Cost { bytes: b, rounds, online: b, offline: 0, parties: vec![PartyCost { bytes: a, rounds }, PartyCost { bytes: b - a, rounds }] }
}

/// Directed cost (server sends s2c, client sends c2s), all online.
pub fn directed(s2c: u64, c2s: u64, rounds: u64) -> Cost {
    Cost { bytes: s2c + c2s, rounds, online: s2c + c2s, offline: 0, parties: vec![PartyCost { bytes: s2c, rounds }, PartyCost { bytes: c2s, rounds }] }
}

/// Conv geometry: (CI, CO, H, W, kh, kw, sh, sw, oh, ow), H/W including padding.
pub fn conv_geom(n: &Node) -> Option<[u64; 10]> {
    let x = n.in_shape(0)?;
    let w = n.in_shape(1)?;
    let y = n.out_shape(0)?;
    if x.len() != 4 || w.len() != 4 || y.len() != 4 {
        return None;
    }
    let p = n.attr_ints("pads").map(|p| p.to_vec()).unwrap_or_else(|| vec![0; 4]);
    let s = n.attr_ints("strides").map(|p| p.to_vec()).unwrap_or_else(|| vec![1, 1]);
    let ph = (p[0] + p.get(2).copied().unwrap_or(0)) as u64;
    let pw = (p[1] + p.get(3).copied().unwrap_or(0)) as u64;
    Some([x[1], w[0], x[2] + ph, x[3] + pw, w[2], w[3], s[0] as u64, s[1] as u64, y[2], y[3]])
}

/// HE ring degree for an image / vector of `d` slots: N = min(65536, max(8192, 2·nextpow2(d)))
/// (`conv-field.cpp::non_strided_conv`, `fc-field.cpp::matrix_multiplication`).
pub fn he_n(d: u64) -> u64 {
    (2 * d.next_power_of_two()).clamp(8192, 65536)
}

/// Fresh key material the client sends when N ∉ {8192, 65536} (keys for those two are set
/// up in `StartComputation`, outside the counters): pk 64N B + Galois keys (2·log N − 1)·192N B.
/// Inferred from the SEAL 3.3 layout (3 primes + special prime) — approximate.
pub fn he_key_bytes(n: u64) -> u64 {
    if n == 8192 || n == 65536 { 0 } else { 64 * n + (2 * clog2(n) - 1) * 192 * n }
}

/// HE conv (`ConvField::convolution`): stride (sh,sw) → sh·sw non-strided sub-convs on
/// sub-sampled images; per sub-conv img = nextpow2(lH·lW), cph = (N/2)/img,
/// in = 8 + ⌈CI/2cph⌉·(48N+73) B client→server, out = 8 + ⌈CO/2cph⌉·(16N+73) B back.
pub fn he_conv_bytes(g: [u64; 10]) -> (u64, u64, u64) {
    let [ci, co, h, w, kh, kw, sh, sw, _, _] = g;
    let (mut c2s, mut s2c, mut subs) = (0, 0, 0);
    for a in 0..sh {
        for b in 0..sw {
            let lh = (h - a).div_ceil(sh);
            let lw = (w - b).div_ceil(sw);
            let fh = (kh.saturating_sub(a)).div_ceil(sh);
            let fw = (kw.saturating_sub(b)).div_ceil(sw);
            if lh == 0 || lw == 0 || fh == 0 || fw == 0 {
                continue;
            }
            let img = (lh * lw).next_power_of_two();
            let n = he_n(lh * lw);
            let cph = (n / 2 / img).max(1);
            c2s += 8 + ci.div_ceil(2 * cph) * seal33_ct_bytes(n, 3) + he_key_bytes(n);
            s2c += 8 + co.div_ceil(2 * cph) * seal33_ct_bytes(n, 1);
            subs += 1;
        }
    }
    (c2s, s2c, subs)
}

/// OT matmul of (M×K)·(K×P), both or one direction; the receiver matrix is whichever of
/// the weights (M·K entries, m = P messages) or input (K·P, m = M) is cheaper (`cross_term_cost`).
pub fn ot_matmul_bytes(ell: u64, m: u64, k: u64, p: u64, both: bool) -> u64 {
    let a = cf2_matmul_dir_bytes(ell, m * k, p);
    let b = cf2_matmul_dir_bytes(ell, k * p, m);
    a.min(b) * if both { 2 } else { 1 }
}

fn step(name: &str, count: u64, detail: String, cost: Cost) -> Step {
    Step { name: name.into(), count, detail, cost }
}

impl CostModel for CryptFlow2 {
    fn name(&self) -> &'static str { "cryptflow2" }
    fn title(&self) -> &'static str { "CryptFlow2 (EzPC SCI f24bf3e)" }
    fn settings(&self) -> &'static [SettingSpec] { SETTINGS }
    fn supports_training(&self) -> bool { false }
    fn profile(&self, graph: &Graph, mode: Mode, st: &Settings) -> FrameworkReport {
        let he = st.get("linear") == "he";
        let ell = st.int("ell") as u64;
        let s = st.int("scale") as u64;
        let both = st.flag("both_cross_terms");
        let mut rep = FrameworkReport {
            framework: "cryptflow2".into(),
            title: self.title().into(),
            mode,
            settings: st.clone(),
            round_definition: "one message flight (direction switch on thread 0's io, as SCI's \"Number of rounds\")".into(),
            counting: "SCI EndComputation: each party prints \"Total data sent\" in MiB (2^20 B) over io + io_rev + io_GC of all threads; per-layer categories count the primary io only (io_rev excluded); setup (base OTs, HE keys for N=8192/65536) excluded".into(),
            total: Cost::zero(2), phases: vec![], nodes: vec![], unsupported: vec![], warnings: vec![],
        };
        if mode == Mode::Training {
            rep.warnings.push("CryptFlow2 supports inference only; training is not modelled".into());
            rep.finish(2);
            return rep;
        }
        let relu_bits = if he { cf2_relu_field_bits(ell) } else { cf2_relu_ring_bits(ell) };
        let relu_rounds = 6 + clog2(ell.div_ceil(4));
        // which tensors feed a ReLU directly (truncation then fuses into the ReLU)
        let consumers = |t: &str| graph.nodes.iter().filter(|m| m.inputs.iter().any(|i| i.name == t)).collect::<Vec<_>>();
        for n in &graph.nodes {
            let mut steps = vec![];
            let mut approx: Option<String> = None;
            let mut linear_out = false;
            match n.op.as_str() {
                "Conv" => {
                    let Some(g) = conv_geom(n) else { rep.unsupported.push(prob(n, "conv shapes unknown")); continue };
                    let [ci, co, _, _, kh, kw, _, _, oh, ow] = g;
                    let batch = n.in_shape(0).map(|x| x[0]).unwrap_or(1);
                    if he {
                        let (c2s, s2c, subs) = he_conv_bytes(g);
                        steps.push(step("HE conv", subs, "per sub-conv: 8 + in_ct·(48N+73) B up (+keys if N∉{8192,65536}), 8 + out_ct·(16N+73) B down".into(), directed(s2c * batch, c2s * batch, 2 * subs)));
                    } else {
                        let k = ci / n.attr_int("group").unwrap_or(1).max(1) as u64 * kh * kw;
                        let b = ot_matmul_bytes(ell, co, k, batch * oh * ow, both);
                        let mut c = even(b * 8, 2 * (1 + u64::from(both)));
                        c.rounds = 2 * (1 + u64::from(both));
                        steps.push(step("OT matmul cross terms", co * k * batch * oh * ow, format!("im2col (CO={co})·(K={k})·(P={}) MACs, 16·pad(ℓ·n_R) + Σ n_R⌈m(ℓ−i)/8⌉ B per direction", batch * oh * ow), c));
                        approx = Some("OT batching to 2^24 messages and the 4-thread K split are not modelled".into());
                    }
                    linear_out = true;
                }
                "Gemm" | "MatMul" => {
                    let x = n.in_shape(0).map(|v| v.to_vec()).unwrap_or_default();
                    let k = *x.last().unwrap_or(&1);
                    let rows = n.in_numel(0) / k.max(1);
                    let out = n.out_numel(0) / rows.max(1);
                    if he {
                        let nn = he_n(k);
                        let c2s = rows * (8 + seal33_ct_bytes(nn, 3) + he_key_bytes(nn));
                        let s2c = rows * (8 + seal33_ct_bytes(nn, 1));
                        steps.push(step("HE FC", rows, format!("1 ct each way per row at N={nn}"), directed(s2c, c2s, 2)));
                    } else {
                        let b = ot_matmul_bytes(ell, out, k, rows, both);
                        steps.push(step("OT matmul cross terms", out * k * rows, "as conv".into(), even(b * 8, 2 * (1 + u64::from(both)))));
                    }
                    linear_out = true;
                }
                "Relu" => {
                    let e = n.out_numel(0);
                    let fused = graph.nodes.iter().any(|m| matches!(m.op.as_str(), "Conv" | "Gemm" | "MatMul") && n.inputs.first().map(|i| &i.name) == m.outputs.first().map(|o| &o.name));
                    steps.push(step("ReLU", e, format!("{relu_bits} bits/elem: Mill(ℓ−1) + 2 OT_ℓ"), even(relu_bits * e, relu_rounds)));
                    if fused {
                        let x = cf2_relu_trunc_extra_bits(ell, s);
                        steps.push(step("fused truncation", e, format!("{x} bits/elem (msb-known truncation)"), even(x * e, 4)));
                    }
                }
                "MaxPool" => {
                    let e = n.out_numel(0);
                    let k: u64 = n.attr_ints("kernel_shape").map(|k| k.iter().map(|&v| v as u64).product()).unwrap_or(1);
                    steps.push(step("sequential ReLU max", k - 1, format!("(k²−1) ReLUs of {e} elements"), even(relu_bits * e, relu_rounds).times(k - 1)));
                }
                "AveragePool" | "GlobalAveragePool" => {
                    let e = n.out_numel(0);
                    let d = n.in_numel(0) / e.max(1);
                    let a = clog2(6 * d);
                    let bits = mill_bits(ell - 1) + 256 + 4 * (ell + a) + 2 * (mill_bits(a.max(2) - 1) + 192);
                    steps.push(step("division by kernel size", e, format!("{bits} bits/elem: DReLU + KKOT1-of-4 + 2·(Mill(⌈log 6d⌉−1) + COT_64)"), even(bits * e, 12)));
                    approx = Some("AvgPool division constant inferred (c = 2 assumed)".into());
                }
                "BatchNormalization" => {
                    let e = n.out_numel(0);
                    let had: u64 = (0..ell).map(|i| 128 + 8 * (ell - i).div_ceil(8)).sum::<u64>() * 2;
                    let t = cf2_trunc_bits(ell, s);
                    steps.push(step("hadamard (both cross terms)", e, format!("{had} bits/elem"), even(had * e, 4)));
                    steps.push(step("ScaleDown", e, format!("{t} bits/elem"), even(t * e, 12)));
                }
                "Add" | "Sum" | "Concat" | "Reshape" | "Flatten" | "Pad" | "Identity" | "Dropout" | "Squeeze" | "Unsqueeze" | "Transpose" | "Shape" | "Gather" | "Constant" => {}
                op => {
                    rep.unsupported.push(prob(n, &format!("CryptFlow2's CNN flow (Athos → SCI) has no {op}")));
                    continue;
                }
            }
            if linear_out {
                let out = n.outputs.first().map(|o| o.name.clone()).unwrap_or_default();
                let cs = consumers(&out);
                let fused = !cs.is_empty() && cs.iter().all(|m| m.op == "Relu");
                if !fused {
                    let e = n.out_numel(0);
                    let t = cf2_trunc_bits(ell, s);
                    steps.push(step("ScaleDown", e, format!("{t} bits/elem (SIRNN truncation)"), even(t * e, 12)));
                }
            }
            let mut cost = Cost::zero(2);
            for x in &steps { cost += &x.cost; }
            rep.nodes.push(NodeCost { node: n.name.clone(), op: n.op.clone(), scope: n.scope.clone(), phase: Phase::Forward, cost, steps, approximate: approx });
        }
        rep.finish(2);
        rep
    }
}

fn prob(n: &Node, r: &str) -> Problem {
    Problem { node: n.name.clone(), op: n.op.clone(), reason: r.into() }
}
