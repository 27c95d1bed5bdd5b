//! CryptFlow2 (microsoft/EzPC SCI `f24bf3e`): 2-party inference, OT variant (ring 2^ℓ,
//! `linear=ot`, the SCI_OT build) or HE variant (field F_p, SEAL 3.3.2 BFV linear layers,
//! `linear=he`, the SCI_HE build). Party 0 = server (ALICE, model owner), party 1 = client (BOB):
//! bytes each SENDS.
//!
//! The network is run the way the Athos-generated mains (`SCI/networks/main_*.cpp`) run it:
//! Athos' truncation optimisation (`Athos/SeeDot/IR/IRBuilderCSF.py`, TruncOpti on) keeps a
//! scale per tensor (s or 2s). A product (Conv, MatMul, BatchNorm scale) or an uninterpreted call
//! (Concat) first truncates any input held at 2s (`ScaleDown`, msb unknown); its output is at 2s.
//! A ReLU whose input is at 2s truncates inside the ReLU (`Relu(…, doTruncation = 1)`, msb known);
//! pools and additions keep the scale (additions scale the lower operand up, locally).
//! Every non-linear call is split over the 4 threads exactly as `library_fixed_uniform.cpp` does.
//!
//! Checked against recorded EzPC runs (validation/sci, tests/sci.rs): bytes each party sends per
//! call and in total, and rounds as SCI counts them (thread 0's io direction switches, carried
//! from call to call by [`RoundCounter`]).

use crate::cost::{Cost, PartyCost, Step};
use crate::graph::{Graph, Node, Origin, Problem};
use crate::report::{FrameworkReport, Mode, NodeCost, Phase};
use crate::settings::{Allowed, SettingSpec, Settings};
use std::collections::HashMap;

use super::sci::*;
use super::CostModel;

static SETTINGS: &[SettingSpec] = &[
    SettingSpec { key: "linear", default: "ot", allowed: Allowed::OneOf(&["ot", "he"]), help: "linear layers via OT (SCI_OT, ring 2^ℓ) or SEAL BFV (SCI_HE, field p)" },
    SettingSpec { key: "ell", default: "37", allowed: Allowed::Int { min: 16, max: 60 }, help: "ring / field bit width ℓ (main_resnet50.cpp: 37; main_sqnet.cpp, main_densenet121.cpp: 32; resnet32/minionn: 41)" },
    SettingSpec { key: "scale", default: "12", allowed: Allowed::Int { min: 1, max: 30 }, help: "fixed-point scale s (main_resnet50.cpp: 12; main_densenet121.cpp: 11; main_sqnet.cpp: 9)" },
    SettingSpec { key: "both_cross_terms", default: "true", allowed: Allowed::Bool, help: "OT linear: current EzPC (TRAINING defined) computes both cross terms; false = one cross term per thread (Alice_has_A / Bob_has_A)" },
];

pub struct CryptFlow2;
pub static CRYPTFLOW2: CryptFlow2 = CryptFlow2;

/// Cost of `bytes` split evenly between the parties, all online. SCI's 4 threads alternate OT
/// roles (odd threads swap ALICE and BOB), so non-linear traffic is close to even.
pub fn even_bytes(bytes: u64, rounds: u64) -> Cost {
    let a = bytes / 2;
    Cost {
        bytes,
        rounds,
        online: bytes,
        offline: 0,
        parties: vec![PartyCost { bytes: a, rounds }, PartyCost { bytes: bytes - a, rounds }],
    }
}

/// Cost of a protocol run with the server as its ALICE (`Split::a`), all online.
pub fn split(s: Split, rounds: u64) -> Cost {
    directed(s.a, s.b, rounds)
}

/// Cost of a protocol run with the server as its ALICE and SCI-counted rounds (server, client).
pub fn split_r(s: Split, r: [u64; 2]) -> Cost {
    sent(s.a, s.b, r)
}

/// Directed cost (server sends s2c, client sends c2s) with rounds per party; `rounds` is the
/// larger of the two.
pub fn sent(s2c: u64, c2s: u64, r: [u64; 2]) -> Cost {
    Cost {
        bytes: s2c + c2s,
        rounds: r[0].max(r[1]),
        online: s2c + c2s,
        offline: 0,
        parties: vec![PartyCost { bytes: s2c, rounds: r[0] }, PartyCost { bytes: c2s, rounds: r[1] }],
    }
}

/// Old-IKNP base OTs (`sci::IKNP::setup_send/recv` → Naor–Pinkas `OT_NP`, `OT/np.h`), paid
/// lazily the first time a thread's `otInstanceArr[t]` is used (only thread 0's is set up in
/// `StartComputation`): the base-OT receiver (the IKNP sender, the thread's ALICE) sends 128
/// points, the base-OT sender sends C, 128 points and 128 pairs of 16-B blocks. A point goes as
/// a 4-B length and 65 B (`send_pt`, uncompressed P-256).
pub const OLD_IKNP_SETUP: Split = Split::new(128 * 69, 69 + 128 * 69 + 128 * 32);

/// Cost of `bits` split evenly (rounded up to bytes).
pub fn even(bits: u64, rounds: u64) -> Cost {
    even_bytes(bits.div_ceil(8), rounds)
}

/// Directed cost (server sends s2c, client sends c2s), all online.
pub fn directed(s2c: u64, c2s: u64, rounds: u64) -> Cost {
    Cost {
        bytes: s2c + c2s,
        rounds,
        online: s2c + c2s,
        offline: 0,
        parties: vec![PartyCost { bytes: s2c, rounds }, PartyCost { bytes: c2s, rounds }],
    }
}

/// Conv geometry from a node: (CI, CO, H, W, kh, kw, sh, sw, oh, ow) with H/W WITHOUT padding,
/// and the ONNX pads [h_begin, w_begin, h_end, w_end].
pub fn conv_geom_pads(n: &Node) -> Option<([u64; 10], [u64; 4])> {
    let x = n.in_shape(0)?;
    let w = n.in_shape(1)?;
    let y = n.out_shape(0)?;
    if x.len() != 4 || w.len() != 4 || y.len() != 4 {
        return None;
    }
    let p = n.attr_ints("pads").map(|p| p.to_vec()).unwrap_or_else(|| vec![0; 4]);
    let s = n.attr_ints("strides").map(|p| p.to_vec()).unwrap_or_else(|| vec![1, 1]);
    let pads =
        [p[0] as u64, p[1] as u64, p.get(2).copied().unwrap_or(p[0]) as u64, p.get(3).copied().unwrap_or(p[1]) as u64];
    Some(([x[1], w[0], x[2], x[3], w[2], w[3], s[0] as u64, s[1] as u64, y[2], y[3]], pads))
}

/// Why `conv_geom_pads` gave no geometry. SCI's network programs (and
/// OpenCheetah's, built on the same `Conv2DWrapper`) take 4-D NCHW convs only,
/// so a Conv1d (Whisper's front end) or Conv3d is a missing op, not a shape
/// problem; porting it as a 2-D conv with a unit axis is left to the user.
pub fn conv_unsupported_reason(n: &Node) -> String {
    match n.in_shape(0).map(|x| x.len()) {
        Some(3) => "1-D conv: the SCI network flow has 2-D convs only (Conv2DWrapper); port it as a 2-D conv with a \
                    unit axis"
            .into(),
        Some(r) if r != 4 => format!("{}-D conv: the SCI network flow has 2-D convs only (Conv2DWrapper)", r - 2),
        _ => "conv shapes unknown".into(),
    }
}

/// Conv geometry with H/W INCLUDING padding (CI, CO, H, W, kh, kw, sh, sw, oh, ow).
pub fn conv_geom(n: &Node) -> Option<[u64; 10]> {
    let (mut g, p) = conv_geom_pads(n)?;
    g[2] += p[0] + p[2];
    g[3] += p[1] + p[3];
    Some(g)
}

/// Level sizes of `ArgMaxProtocol::ArgMaxMPC` (`NonLinear/argmax.h`): n made even, then each level
/// halves the node count and pads it to a multiple of 8 (stopping after 5 levels stuck at 8).
pub fn argmax_levels(n: u64) -> Vec<u64> {
    let mut nodes = n + (n & 1);
    let mut out = vec![];
    let mut stuck = 0;
    while nodes > 1 {
        let mut ch = nodes.div_ceil(2);
        ch += (8 - ch % 8) % 8;
        if ch == 8 {
            stuck += 1;
        }
        if stuck >= 5 {
            break;
        }
        out.push(ch);
        nodes = ch;
    }
    out
}

/// Thread 0's io in one OT batch of a matmul / hadamard call (`matmul_cross_terms`,
/// MultMode::None): the straight IKNP on `io` (thread 0's ALICE, the server, receives the
/// client's extension, then sends its messages); the reversed one runs on `io_rev`, which SCI's
/// round counter does not see ([`matmul_t0_batches`]).
const MATMUL_IO: &str = "RS";

/// One HE linear call (ConvField sub-conv, FCField, ElemWiseProdField): the client's ciphertexts
/// (and keys), then the server's.
const HE_IO: &str = "RS";

/// What one CF2 run sends, by protocol, for a given variant.
struct Proto {
    he: bool,
    ell: u64,
    s: u64,
    both: bool,
}

impl Proto {
    fn relu(&self, n: u64) -> Split {
        if self.he {
            per_thread(n, |t| relu_field_bytes(t, self.ell))
        } else {
            per_thread(n, |t| relu_ring_bytes(t, self.ell, false))
        }
    }
    /// Truncation fused into a ReLU (msb known): `funcFieldDivWrapper(…, 2^s, msbShare)` on the
    /// field, `funcTruncateTwoPowerRingWrapper(…, msbShare)` on the ring; 4 threads.
    fn relu_trunc(&self, n: u64) -> Split {
        if self.he {
            per_thread(n, |t| field_div_bytes(t, self.ell, 1 << self.s, true))
        } else {
            per_thread(n, |t| trunc_msb_known_ring_bytes(t, self.ell, self.s))
        }
    }
    /// `ScaleDown(size, arr, s)`: field division by 2^s (4 threads, DReLU first) on the field,
    /// SIRNN `truncation->truncate` (one call on thread 0's OT pack) on the ring.
    fn scale_down(&self, n: u64) -> Split {
        if self.he {
            per_thread(n, |t| field_div_bytes(t, self.ell, 1 << self.s, false))
        } else {
            sirnn_trunc_bytes(n, self.ell, self.s)
        }
    }
    fn avg_div(&self, n: u64, d: u64) -> Split {
        if self.he {
            per_thread(n, |t| field_div_bytes(t, self.ell, d, false))
        } else {
            per_thread(n, |t| avgpool_ring_bytes(t, self.ell, d))
        }
    }
    /// ArgMax tournament: per level a DReLU (ReLU with skip_ot) and two 1-of-2 OTs with 128-bit
    /// block messages (`iknp_straight/reversed->send(block128*, block128*, n)`: 16·pad + 32 B each).
    fn argmax(&self, n: u64) -> Split {
        argmax_levels(n)
            .iter()
            .map(|&k| {
                let d = if self.he { drelu_field_bytes(k, self.ell) } else { relu_ring_bytes(k, self.ell, true) };
                let ot = Split::ot(32 * k, iknp_ext_bytes(k));
                d + ot + ot.swap()
            })
            .sum()
    }
    /// Thread 0's io pattern of a 4-thread call on n elements (none when thread 0 gets none).
    fn t0(n: u64, io: String) -> String {
        if threads4(n)[0] == 0 {
            String::new()
        } else {
            io
        }
    }
    fn relu_io(&self, n: u64) -> String {
        Self::t0(n, if self.he { relu_field_io() } else { relu_ring_io(self.ell, false) })
    }
    fn relu_trunc_io(&self, n: u64) -> String {
        Self::t0(n, if self.he { field_div_io(1 << self.s, true) } else { trunc_msb_known_ring_io(self.s) })
    }
    fn scale_down_io(&self, n: u64) -> String {
        if self.he {
            Self::t0(n, field_div_io(1 << self.s, false))
        } else {
            sirnn_trunc_io(self.ell, self.s)
        }
    }
    fn avg_div_io(&self, n: u64, d: u64) -> String {
        Self::t0(n, if self.he { field_div_io(d, false) } else { avgpool_ring_io(self.ell, d) })
    }
    fn argmax_io(&self, n: u64) -> String {
        let level = if self.he { drelu_field_io() } else { relu_ring_io(self.ell, true) } + IO_OT;
        level.repeat(argmax_levels(n).len())
    }
}

/// Which threads' old-IKNP instances have done their base OTs ([`OLD_IKNP_SETUP`]).
#[derive(Default)]
struct OldIknp([bool; 4]);

impl OldIknp {
    /// The base OTs of threads 1–3 that a 4-thread call on n elements sets up now, as a step.
    fn first_use(&mut self, n: u64) -> Option<Step> {
        let mut b = Split::default();
        let mut k = 0;
        for (t, &c) in threads4(n).iter().enumerate().skip(1) {
            if c > 0 && !self.0[t] {
                self.0[t] = true;
                b += if t % 2 == 1 { OLD_IKNP_SETUP.swap() } else { OLD_IKNP_SETUP };
                k += 1;
            }
        }
        (k > 0).then(|| {
            step(
                "old-IKNP base OTs (first use)",
                k,
                format!("Naor–Pinkas base OTs of {k} thread(s) whose old IKNP is first used here"),
                split_r(b, [0, 0]),
            )
        })
    }
}

fn step(name: &str, count: u64, detail: String, cost: Cost) -> Step {
    Step { name: name.into(), count, detail, cost }
}

/// Athos scale of each tensor, in units of s (1 = s, 2 = 2s).
struct Scales(HashMap<String, u8>);

impl Scales {
    fn get(&self, t: &str) -> u8 {
        *self.0.get(t).unwrap_or(&1)
    }
}

/// What pricing a node reads and carries from node to node (the variant, the Athos scales,
/// SCI's round counter, the threads' old-IKNP state), and what it makes for this node (its
/// steps, why it is approximate, its output's scale).
struct Cx<'p> {
    pr: &'p Proto,
    sc: Scales,
    rc: RoundCounter,
    old: OldIknp,
    steps: Vec<Step>,
    approx: Option<String>,
    out_scale: u8,
}

/// Prices one node into the context, or says why CryptFlow2 cannot run it.
type Price = fn(&mut Cx, &Node) -> Result<(), String>;

/// Every op CryptFlow2's flow runs (Athos' ONNX front end → SCI `library_fixed_uniform`);
/// any other op is unsupported with the reason [`super::missing::sci_lacks`] gives.
static PRICES: crate::ops::Table<Price> = &[
    ("Conv", conv),
    ("Gemm", matmul),
    ("MatMul", matmul),
    ("BatchNormalization", batch_norm),
    ("Relu", relu),
    ("MaxPool", max_pool),
    ("AveragePool", avg_pool),
    ("GlobalAveragePool", avg_pool),
    ("ReduceMean", reduce_mean),
    ("ArgMax", argmax),
    ("Concat", concat),
    ("Add", add),
    ("Sum", add),
    ("Flatten", free),
    ("Reshape", free),
    ("Pad", free),
    ("Identity", free),
    ("Dropout", free),
    ("Squeeze", free),
    ("Unsqueeze", free),
    ("Transpose", free),
    ("Shape", free),
    ("Gather", free),
    ("Constant", free),
];

/// The ops this framework prices (checked against the op registry).
#[cfg(test)]
pub(crate) fn priced_ops() -> Vec<&'static str> {
    crate::ops::table::ops(PRICES).collect()
}

impl Cx<'_> {
    /// Athos TruncOpti: truncate an input held at 2s before a product / uninterpreted call.
    fn scale_down_input(&mut self, name: &str, numel: u64) {
        let pr = self.pr;
        if self.sc.get(name) > 1 {
            let b = pr.scale_down(numel);
            let r = self.rc.walk(&pr.scale_down_io(numel), 1);
            let what = if pr.he {
                "field division by 2^s (DReLU + 1-of-4 KKOT + 2 compares + 2 OTs)"
            } else {
                "SIRNN truncate: Mill(s) + MillEq(ℓ−s) + AND + 2 B2A"
            };
            self.steps.push(step("ScaleDown (input at 2s)", numel, what.into(), split_r(b, r)));
            // the field division runs on the threads' old IKNP; the ring truncation does not
            if pr.he {
                self.steps.extend(self.old.first_use(numel));
            }
            self.sc.0.insert(name.to_string(), 1);
        }
    }
}

fn first_input(n: &Node) -> String {
    n.inputs.first().map(|t| t.name.clone()).unwrap_or_default()
}

fn conv(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let pr = cx.pr;
    let Some((g, pads)) = conv_geom_pads(n) else {
        return Err(conv_unsupported_reason(n));
    };
    let [ci, co, h, w, kh, kw, sh, sw, oh, ow] = g;
    let group = n.attr_int("group").unwrap_or(1).max(1) as u64;
    let batch = n.in_shape(0).map(|x| x[0]).unwrap_or(1);
    cx.scale_down_input(&first_input(n), n.in_numel(0));
    if pr.he {
        let r = he_conv(h, w, ci, kh, kw, co, pads, sh, sw);
        let c2s = batch * (r.c2s + r.keys);
        let rounds = cx.rc.walk(HE_IO, batch * r.subs);
        cx.steps.push(step(
            "HE conv (ConvField)",
            r.subs,
            format!(
                "{} sub-conv(s): ciphertexts up {} B, down {} B; fresh keys for {} sub-conv(s): {} B",
                r.subs, r.c2s, r.s2c, r.key_sets, r.keys
            ),
            sent(batch * r.s2c, c2s, rounds),
        ));
        if group > 1 {
            cx.approx = Some("grouped conv: SCI_HE has no grouped HE conv; priced as one dense conv".into());
        }
    } else {
        let k = ci / group * kh * kw;
        let p = batch * oh * ow;
        let b = matmul_ot_bytes(co / group, k, p, pr.ell, pr.both) * group;
        let rounds = cx.rc.walk(MATMUL_IO, group * matmul_t0_batches(co / group, k, p, pr.ell, pr.both));
        cx.steps.push(step(
            "OT matmul (im2col)",
            co * k * p,
            format!(
                "MatMul2D(CO={}, K={k}, P={p}) over 4 threads, {}",
                co / group,
                if pr.both { "both cross terms" } else { "one cross term" }
            ),
            split_r(b, rounds),
        ));
        if group > 1 {
            cx.approx = Some("grouped conv priced as one MatMul2D per group".into());
        }
    }
    cx.out_scale = 2;
    Ok(())
}

fn matmul(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let pr = cx.pr;
    let xs = n.in_shape(0).map(|v| v.to_vec()).unwrap_or_default();
    let k = *xs.last().unwrap_or(&1);
    let rows = n.in_numel(0) / k.max(1);
    let outs = n.out_numel(0) / rows.max(1);
    cx.scale_down_input(&first_input(n), n.in_numel(0));
    if let Some(t) = n.inputs.get(1) {
        if t.origin == Origin::Activation {
            cx.scale_down_input(&t.name, n.in_numel(1));
        }
    }
    if pr.he {
        let (c2s, s2c, keys) = he_fc(k);
        let rounds = cx.rc.walk(HE_IO, rows);
        cx.steps.push(step(
            "HE FC (FCField)",
            rows,
            format!("1 ct each way per row at N={}{}", he_n(k), if keys > 0 { ", fresh keys" } else { "" }),
            sent(rows * s2c, rows * c2s, rounds),
        ));
        if rows > 1 {
            cx.approx =
                Some("SCI_HE FCField only multiplies a matrix by one vector; rows priced as separate calls".into());
        }
    } else {
        let b = matmul_ot_bytes(rows, k, outs, pr.ell, pr.both);
        let rounds = cx.rc.walk(MATMUL_IO, matmul_t0_batches(rows, k, outs, pr.ell, pr.both));
        cx.steps.push(step(
            "OT matmul",
            rows * k * outs,
            format!("MatMul2D({rows}, {k}, {outs}) over 4 threads"),
            split_r(b, rounds),
        ));
    }
    cx.out_scale = 2;
    Ok(())
}

fn batch_norm(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let pr = cx.pr;
    let e = n.out_numel(0);
    cx.scale_down_input(&first_input(n), n.in_numel(0));
    if pr.he {
        let (c2s, s2c) = he_elemwise(e);
        let rounds = cx.rc.walk(HE_IO, 1);
        cx.steps.push(step(
            "HE elementwise scale (ElemWiseProdField)",
            e.div_ceil(8192),
            "⌈n/8192⌉ cts at N=8192 each way".into(),
            sent(s2c, c2s, rounds),
        ));
    } else {
        let b = hadamard_ot_bytes(e, pr.ell, pr.both);
        let rounds = cx.rc.walk(MATMUL_IO, hadamard_t0_batches(e, pr.ell));
        cx.steps.push(step(
            "OT hadamard (ElemWiseActModelVectorMult)",
            e,
            format!("ℓ COTs per element, 4 threads, {}", if pr.both { "both cross terms" } else { "one cross term" }),
            split_r(b, rounds),
        ));
    }
    cx.out_scale = 2;
    Ok(())
}

fn relu(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let pr = cx.pr;
    let e = n.out_numel(0);
    let what = if pr.he { "DReLU_field on ℓ+1 bits + 2 OT_ℓ" } else { "Mill(ℓ−1) + 2 OT_ℓ" };
    let r = cx.rc.walk(&pr.relu_io(e), 1);
    cx.steps.push(step("ReLU", e, what.into(), split_r(pr.relu(e), r)));
    if cx.sc.get(&first_input(n)) > 1 {
        let what =
            if pr.he { "field division by 2^s, msb known" } else { "Mill(s) + 1-of-4 KKOT + COT_64 (msb known)" };
        let r = cx.rc.walk(&pr.relu_trunc_io(e), 1);
        cx.steps.push(step("fused truncation", e, what.into(), split_r(pr.relu_trunc(e), r)));
        cx.steps.extend(cx.old.first_use(e));
    }
    cx.out_scale = 1;
    Ok(())
}

fn max_pool(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let pr = cx.pr;
    let e = n.out_numel(0);
    let k: u64 = n.attr_ints("kernel_shape").map(|k| k.iter().map(|&v| v as u64).product()).unwrap_or(1);
    let one = pr.relu(e);
    let r = cx.rc.walk(&pr.relu_io(e), k - 1);
    let b = one * (k - 1);
    cx.steps.push(step("sequential ReLU max", k - 1, format!("(k²−1) ReLUs of {e} rows"), split_r(b, r)));
    Ok(())
}

fn avg_pool(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let pr = cx.pr;
    let e = n.out_numel(0);
    let d = (n.in_numel(0) / e.max(1)).max(1);
    let what = if pr.he {
        format!("field division by {d}")
    } else {
        format!("ring division by {d} (funcAvgPoolTwoPowerRing)")
    };
    let r = cx.rc.walk(&pr.avg_div_io(e, d), 1);
    cx.steps.push(step("AvgPool division", e, what, split_r(pr.avg_div(e, d), r)));
    cx.steps.extend(cx.old.first_use(e));
    if n.op == "AveragePool" && n.attr_ints("pads").is_some_and(|p| p.iter().any(|&v| v != 0)) {
        cx.approx = Some("padded AveragePool: divisor taken as in/out element ratio".into());
    }
    Ok(())
}

/// A spatial ReduceMean is the dynamo exporter's global average pool; any other mean is missing.
fn reduce_mean(cx: &mut Cx, n: &Node) -> Result<(), String> {
    if !super::missing::is_spatial_mean(n) {
        return Err(super::missing::sci_lacks("CryptFlow2", n));
    }
    avg_pool(cx, n)
}

fn argmax(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let pr = cx.pr;
    let e = n.in_numel(0);
    let rows = n.out_numel(0).max(1);
    let rounds = cx.rc.walk(&pr.argmax_io(e / rows), rows);
    cx.steps.push(step(
        "ArgMax tournament",
        e,
        "per level: DReLU + 2 OTs of 128-bit blocks".into(),
        split_r(pr.argmax(e / rows) * rows, rounds),
    ));
    cx.approx = Some("ArgMax per-level message packing taken as 128-bit blocks (ℓ > 32 path)".into());
    cx.out_scale = 1;
    Ok(())
}

fn concat(cx: &mut Cx, n: &Node) -> Result<(), String> {
    for t in n.inputs.iter().filter(|t| t.origin == Origin::Activation) {
        cx.scale_down_input(&t.name, t.numel().unwrap_or(0));
    }
    cx.out_scale = 1;
    Ok(())
}

/// Additions scale the lower operand up, locally: the output is at the larger scale.
fn add(cx: &mut Cx, n: &Node) -> Result<(), String> {
    cx.out_scale = n.inputs.iter().map(|t| cx.sc.get(&t.name)).max().unwrap_or(1);
    Ok(())
}

/// Layout and constants: local, no communication, the scale passes through.
fn free(_: &mut Cx, _: &Node) -> Result<(), String> {
    Ok(())
}

impl CostModel for CryptFlow2 {
    fn name(&self) -> &'static str {
        "cryptflow2"
    }
    fn title(&self) -> &'static str {
        "CryptFlow2 (EzPC SCI f24bf3e)"
    }
    fn settings(&self) -> &'static [SettingSpec] {
        SETTINGS
    }
    fn supports_training(&self) -> bool {
        false
    }
    fn check_settings(&self, settings: &Settings) -> Result<(), String> {
        crate::frameworks::sci::check_ell_scale("cryptflow2", settings)
    }
    fn profile(&self, graph: &Graph, mode: Mode, st: &Settings) -> FrameworkReport {
        let pr = Proto {
            he: st.get("linear") == "he",
            ell: st.int("ell") as u64,
            s: st.int("scale") as u64,
            both: st.flag("both_cross_terms"),
        };
        let mut rep = FrameworkReport {
            coverage: Default::default(),
            framework: "cryptflow2".into(),
            title: self.title().into(),
            mode,
            settings: st.clone(),
            round_definition: "SCI's \"Number of rounds\": direction switches (send after receive or receive after send) on thread 0's io and io_GC, per party; io_rev is not counted".into(),
            counting: "SCI EndComputation: each party prints \"Total data sent\" in MiB (2^20 B) over io + io_rev + io_GC of all threads; SCI's own per-layer categories count the primary io only (io_rev excluded), ours count all channels; one-time setup (base OTs, HE keys for N=8192/65536) excluded, a thread's lazy old-IKNP base OTs included where they happen".into(),
            total: Cost::zero(2), phases: vec![], nodes: vec![], unsupported: vec![], warnings: vec![],
        };
        if mode == Mode::Training {
            rep.warnings.push("CryptFlow2 supports inference only; training is not modelled".into());
            rep.finish(2);
            return rep;
        }
        // `StartComputation` ends with `io->sync()` (1 byte each way) after the byte counters are
        // read and before the round counter is: in "Total data sent", in no layer, no round.
        let sync = step("io->sync()", 1, "1 B each way after the counters start".into(), directed(1, 1, 0));
        rep.nodes.push(NodeCost {
            node: "<StartComputation sync>".into(),
            op: "Setup".into(),
            scope: vec![],
            phase: Phase::Forward,
            cost: sync.cost.clone(),
            steps: vec![sync],
            approximate: None,
        });
        let mut cx = Cx {
            pr: &pr,
            sc: Scales(HashMap::new()),
            rc: RoundCounter::default(),
            old: OldIknp::default(),
            steps: vec![],
            approx: None,
            out_scale: 1,
        };
        for n in &graph.nodes {
            crate::budget::at_node(&n.name, &n.op);
            cx.steps.clear();
            cx.approx = None;
            cx.out_scale = cx.sc.get(&first_input(n));
            let priced = match crate::ops::lookup(PRICES, &n.op) {
                Some(price) => price(&mut cx, n),
                None => Err(super::missing::sci_lacks("CryptFlow2", n)),
            };
            if let Err(why) = priced {
                rep.unsupported.push(prob(n, &why));
                continue;
            }
            for o in &n.outputs {
                cx.sc.0.insert(o.name.clone(), cx.out_scale);
            }
            let steps = std::mem::take(&mut cx.steps);
            let mut cost = Cost::zero(2);
            for x in &steps {
                cost += &x.cost;
            }
            rep.nodes.push(NodeCost {
                node: n.name.clone(),
                op: n.op.clone(),
                scope: n.scope.clone(),
                phase: Phase::Forward,
                cost,
                steps,
                approximate: cx.approx.take(),
            });
        }
        rep.finish(2);
        rep
    }
}

fn prob(n: &Node, r: &str) -> Problem {
    Problem { node: n.name.clone(), op: n.op.clone(), reason: r.into() }
}
