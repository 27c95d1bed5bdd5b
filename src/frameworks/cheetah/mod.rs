//! Cheetah (Alibaba-Gemini-Lab/OpenCheetah `f71d4d4`): 2-party inference with
//! polynomial-coefficient HE (SEAL 3.7.2 BFV, N = 4096, moduli {60, 49}, zstd serialization) for
//! conv / FC / BatchNorm and Ferret silent OT (emp-ot `7f3d4f0`) for everything non-linear.
//! Ring ℓ = 37, scale 12 (`scripts/common.sh` passes `ell=37 k=12 nt=4` to every network).
//! Party 0 = server, party 1 = client: bytes each SENDS. Everything is online.
//!
//! The graph is run as the OpenCheetah mains (`networks/main_*.cpp`, Athos output with
//! `USE_FUSED_BN 1`) run it: a Conv whose only consumer is a BatchNorm is fused (`FusedBN`: the
//! server scales the filters, adds the bias locally); remaining BatchNorms truncate their 2s input
//! first; Athos' truncation rule otherwise as in CryptFlow2 (ReLU fuses the truncation of a 2s
//! input). Every non-linear call is split over 4 threads in multiples of 8 elements.

use crate::cost::{Cost, Step};
use crate::graph::{Graph, Node, Origin, Problem};
use crate::report::{FrameworkReport, Mode, NodeCost, Phase};
use crate::settings::{Allowed, SettingSpec, Settings};
use std::collections::HashMap;

use super::cryptflow2::{conv_geom_pads, conv_unsupported_reason, directed, even_bytes};
use super::sci::{cdiv, clog2, mill_ands};
use super::CostModel;

/// Polynomial degree (`CheetahLinear` constructor, `cheetah-api.cpp`).
pub const POLY_N: u64 = 4096;

/// Bytes of one client→server ciphertext: `encrypt_symmetric` (seeded: c0 over both primes
/// {60, 49} bits + a 64-B PRNG seed instead of c1), saved with SEAL 3.7's default
/// `compr_mode_type::zstd` (level 3), plus the 8-B size prefix of `send_ciphertext`.
/// The zstd output was measured: 62,411 B for the save_members body (zstd 1.5.4, `-3`, on the
/// exact SEAL 3.7 layout with uniform residues; validation/protocols/zstd_ct_sizes.py), + the 16-B
/// uncompressed SEALHeader + 8 B.
pub const IN_CT_BYTES: u64 = 62_411 + 16 + 8;
/// Server→client ciphertext, fixed part: `flood_ciphertext` switches to the last level (one 60-bit
/// prime), with `USE_APPROX_RESHARE=ON` (scripts/build.sh) no low bits are truncated, and
/// `removeUnusedCoeffs` zeroes every c0 coefficient that holds no output. c1 (4096 uniform words)
/// + header compress to 32,836 B (measured as above); + SEALHeader 16 + size prefix 8.
pub const OUT_CT_FIXED: u64 = 32_836 + 16 + 8;
/// Server→client ciphertext, per used c0 coefficient: 8.007 B (measured slope between 0 and
/// 4096 used coefficients: (65,634 − 32,836)/4096), in milli-bytes.
pub const OUT_CT_MILLIBYTES_PER_USED: u64 = 8_007;

/// Out-ciphertext bytes for `n_ct` ciphertexts holding `used` outputs in all.
pub fn out_cts_bytes(n_ct: u64, used: u64) -> u64 {
    n_ct * OUT_CT_FIXED + (used * OUT_CT_MILLIBYTES_PER_USED).div_ceil(1000)
}

/// Ferret (emp-ot `ferret/constants.h`): N_REG = 10,608,640 COTs per extension, T_REG = 1295
/// GGM trees of 2^13 leaves, K_REG = 589,824. Each extension reserves M = K + 13·1295 (pre-OTs)
/// + 128 (consistency COTs) for the next one: ot_limit = N − M usable COTs.
pub const FERRET_OT_LIMIT: u64 = 10_608_640 - (589_824 + 13 * 1295 + 128);
/// Bytes of one semi-honest Ferret extension (`MpcotReg::mpcot` → per tree `SPCOT_Sender::send_f2k`:
/// 13 levels × 2 blocks via `OTPre::send` + 1 block of secret sum): 1295 · (13·32 + 16), all from
/// the COT sender; the punctured points come from random pre-OT bits, so the receiver sends nothing.
pub const FERRET_EXTENSION_BYTES: u64 = 1295 * (13 * 32 + 16);

static SETTINGS: &[SettingSpec] = &[
    SettingSpec { key: "ell", default: "37", allowed: Allowed::Int { min: 16, max: 60 }, help: "ring bits ℓ (scripts/common.sh SS_BITLEN=37)" },
    SettingSpec { key: "scale", default: "12", allowed: Allowed::Int { min: 1, max: 30 }, help: "fixed-point scale (FXP_SCALE=12)" },
    SettingSpec { key: "relu", default: "approx", allowed: Allowed::OneOf(&["approx", "full"]), help: "ReLU comparison on the reduced ring (OpenCheetah default approx=true) or on ℓ−1 bits" },
    SettingSpec { key: "fuse_bn", default: "true", allowed: Allowed::Bool, help: "fold a BatchNorm that directly follows a conv into the conv (USE_FUSED_BN 1 in the OpenCheetah mains)" },
    SettingSpec { key: "verify", default: "false", allowed: Allowed::Bool, help: "include VERIFY_LAYERWISE traffic (server opens input, weights, output of each conv/FC/element-wise BN, 8 B/elem); OpenCheetah's Total data sent includes it" },
];

pub struct Cheetah;
pub static CHEETAH: Cheetah = Cheetah;

/// Silent-OT traffic of a call: bytes on the wire and COTs drawn from the two Ferret instances of
/// the thread (`silent_ot` = this party as COT sender, `silent_ot_reversed`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Silent {
    pub bytes: u64,
    pub cots_straight: u64,
    pub cots_reversed: u64,
}

impl std::ops::Add for Silent {
    type Output = Silent;
    fn add(self, o: Silent) -> Silent {
        Silent {
            bytes: self.bytes + o.bytes,
            cots_straight: self.cots_straight + o.cots_straight,
            cots_reversed: self.cots_reversed + o.cots_reversed,
        }
    }
}

impl Silent {
    fn times(self, k: u64) -> Silent {
        Silent { bytes: self.bytes * k, cots_straight: self.cots_straight * k, cots_reversed: self.cots_reversed * k }
    }
}

/// emp `IOChannel::send_bool` (aligned buffer): 8 choice bits per byte, a tail of n mod 8 bools as
/// one byte each (`FerretCOT::online_recver`).
pub fn bool_bytes(n: u64) -> u64 {
    n / 8 + n % 8
}

/// `f` summed over `n` split into chunks of 8 (the last one shorter), in closed form: a loop
/// over `n / 8` chunks of a 2^40-element tensor would run for minutes.
fn chunks8(n: u64, f: impl Fn(u64) -> u64) -> u64 {
    let full = (n / 8).saturating_mul(f(8));
    if n.is_multiple_of(8) {
        full
    } else {
        full.saturating_add(f(n % 8))
    }
}

/// `SilentOT::send_ot_cam_cc` (COT with l-bit correlation: `send_cot`, B2A, mux halves): Ferret
/// `send_cot` (n COTs + n choice bits from the receiver), a 16-B MITCCRH seed, then per `ot_bsize`
/// = 8 OTs 8·⌈c·l/64⌉ bytes.
pub fn silent_cot(n: u64, l: u64, reversed: bool) -> Silent {
    if n == 0 {
        return Silent::default();
    }
    let bytes = bool_bytes(n) + 16 + chunks8(n, |c| 8 * cdiv(c * l, 64));
    if reversed {
        Silent { bytes, cots_straight: 0, cots_reversed: n }
    } else {
        Silent { bytes, cots_straight: n, cots_reversed: 0 }
    }
}

/// `SilentOT::send_ot_cm_cc<uint8_t>(data, n, l)`: 1-of-2 chosen-message OT with l-bit messages:
/// n COTs + n choice bits, a 16-B seed, then per 8 OTs ⌈2·c·l/8⌉ bytes.
pub fn silent_ot8(n: u64, l: u64) -> Silent {
    if n == 0 {
        return Silent::default();
    }
    Silent { bytes: bool_bytes(n) + 16 + chunks8(n, |c| cdiv(2 * c * l, 8)), cots_straight: n, cots_reversed: 0 }
}

/// `SilentOTN::send` (kkot[log N − 1], `send_ot_cm_cc<uint8_t>(data, n, N, l)`): n·log N COTs with
/// their choice bits, a 16-B seed, then per 8 OTs ⌈c·N·l/8⌉ bytes.
pub fn silent_otn8(n: u64, big_n: u64, l: u64) -> Silent {
    if n == 0 {
        return Silent::default();
    }
    let logn = clog2(big_n);
    Silent {
        bytes: bool_bytes(n * logn) + 16 + chunks8(n, |c| cdiv(c * big_n * l, 8)),
        cots_straight: n * logn,
        cots_reversed: 0,
    }
}

/// Cheetah `MillionaireProtocol::compare(n, b)` (`SCI/src/Millionaire/millionaire.h` with
/// USE_CHEETAH): b ≤ 4: one 1-of-2^b SilentOTN with 1-bit messages (b = 1: a 1-of-2 OT).
/// Otherwise n is padded to m = 8⌈n/8⌉; all q = ⌈b/4⌉ leaf digits through one 1-of-16 SilentOTN
/// with 2-bit messages; the T = 2q−2−⌈log q⌉ AND triples per comparison from `_2ROT` (T·m random
/// COTs from each of the two Ferret instances, two 16-B seeds and a 2-B `io->sync`); openings:
/// e and f by both parties, T·m/2 bytes.
pub fn cheetah_mill(n: u64, b: u64) -> Silent {
    if n == 0 {
        return Silent::default();
    }
    if b <= 4 {
        return if b > 1 { silent_otn8(n, 1 << b, 1) } else { silent_ot8(n, 1) };
    }
    let m = 8 * cdiv(n, 8);
    let q = cdiv(b, 4);
    let t = mill_ands(q) * m;
    silent_otn8(q * m, 16, 2) + Silent { bytes: 32 + 2 + 4 * t / 8, cots_straight: t, cots_reversed: t }
}

/// Comparison width of Cheetah's ReLU (`ReLURingProtocol::relu`, `NonLinear/relu-ring.h`): with
/// approx, lo = ⌊3s/2⌋ if the truncation is fused else s, l' = ℓ − lo, l' −= (l'−1) mod 4,
/// compare on l'−1 bits; without approx on ℓ−1 bits.
pub fn relu_compare_bits(ell: u64, s: u64, approx: bool, trunc: bool) -> u64 {
    if !approx {
        return ell - 1;
    }
    let lo = if trunc { 3 * s / 2 } else { s };
    let mut l = ell - lo;
    l -= (l - 1) % 4;
    l - 1
}

/// One thread's ReLU: the comparison, then `AuxProtocols::multiplexer` = two COTs with ℓ-bit
/// correlations (`iknp_straight->send_cot` and `iknp_reversed->recv_cot`).
pub fn cheetah_relu(n: u64, ell: u64, s: u64, approx: bool, trunc: bool) -> Silent {
    if n == 0 {
        return Silent::default();
    }
    cheetah_mill(n, relu_compare_bits(ell, s, approx, trunc)) + silent_cot(n, ell, false) + silent_cot(n, ell, true)
}

/// One thread's `Truncation::truncate_msb0` (ReLU-fused truncation and, through the msb0
/// heuristic, `ScaleDown`; `BuildingBlocks/truncation-cheetah.cpp`): `msb1_to_wrap` = a 1-of-2 OT
/// with 1-bit messages, then B2A = one COT with s-bit correlation.
pub fn cheetah_trunc(n: u64, s: u64) -> Silent {
    if n == 0 {
        return Silent::default();
    }
    silent_ot8(n, 1) + silent_cot(n, s, false)
}

/// Thread split of OpenCheetah's wrappers (`Relu`, `ScaleDown`, `MaxPool`): n padded to n8 =
/// 8⌈n/8⌉, threads 0–2 get ⌊n8/32⌋·8, thread 3 the rest.
pub fn threads8(n: u64) -> [u64; 4] {
    let n8 = 8 * cdiv(n, 8);
    let c = (n8 / 32) * 8;
    [c, c, c, n8 - 3 * c]
}

fn per_thread8(n: u64, f: impl Fn(u64) -> Silent) -> Silent {
    threads8(n).iter().fold(Silent::default(), |a, &t| a + f(t))
}

/// HomConv2DSS partition (`shape_inference::Conv2D`, `Conv2DSliceHelper`): (#in-ct, #out-ct).
/// `h`, `w` are the padded input sizes; 1×1 filters with stride s sub-sample the input first.
pub fn conv_cts(c: u64, m: u64, h: u64, w: u64, k: u64, stride: u64) -> (u64, u64) {
    let (h, w) = if k == 1 && stride > 1 { (cdiv(h, stride), cdiv(w, stride)) } else { (h, w) };
    let cw = (POLY_N / (k * k)).max(1);
    let (cn, hn, wn) = if h * w <= POLY_N {
        ((POLY_N / (h * w)).min(c).min(cw).max(1), h, w)
    } else {
        let ratio = h as f64 / w as f64;
        let mut hn = ((POLY_N as f64 * ratio).sqrt() as u64).min(h);
        let mut wn = (POLY_N / hn).min(w);
        if hn.abs_diff(wn) < 2 {
            let mn = hn.min(wn);
            hn = mn;
            wn = mn;
        }
        (1, hn, wn)
    };
    let sl = |d: u64, dn: u64| if d > dn { 1 + cdiv(d - dn, dn + 1 - k) } else { cdiv(d, dn) };
    let sp = sl(h, hn) * sl(w, wn);
    (cdiv(c, cn) * sp, m * sp)
}

/// HomFCSS split (`hom_fc_ss.cc::getSplit`): the first (d0, d1) with d0·d1 ≤ 4096 minimising
/// ⌈n_in/d1⌉ + ⌈n_out/d0⌉ (d0 ascending, d1 ascending); returns (#in-ct, #out-ct).
/// The search walks up to 4096 splits, and an LLM prices the same few FC shapes in every layer
/// and every decode step, so answers are kept per thread.
pub fn fc_cts(n_in: u64, n_out: u64) -> (u64, u64) {
    thread_local! {
        static SPLITS: std::cell::RefCell<HashMap<(u64, u64), (u64, u64)>> = Default::default();
    }
    SPLITS.with(|m| *m.borrow_mut().entry((n_in, n_out)).or_insert_with(|| fc_split(n_in, n_out)))
}

fn fc_split(n_in: u64, n_out: u64) -> (u64, u64) {
    let mut best = (u64::MAX, 0, 0);
    for d0 in 1..=POLY_N.min(n_out) {
        let d1 = (POLY_N / d0).min(n_in);
        let (a, b) = (cdiv(n_in, d1), cdiv(n_out, d0));
        if a + b < best.0 {
            best = (a + b, a, b);
        }
    }
    (best.1, best.2)
}

/// BN-by-batching plaintext CRT count (`CheetahLinear::setUpForBN`): Σ bits ≥ 2ℓ + 1 + 40 with
/// primes of at most 50 bits.
pub fn bn_crt_count(ell: u64) -> u64 {
    let crt_bits = 2 * ell + 1 + 40;
    let np = (1..).map(|n| cdiv(crt_bits + 1, n)).find(|&np| np <= 50).unwrap();
    cdiv(crt_bits, np)
}

fn step(name: &str, count: u64, detail: String, cost: Cost) -> Step {
    Step { name: name.into(), count, detail, cost }
}

/// What pricing a node reads and carries from node to node (the settings, the Athos scales, the
/// BatchNorms fused into their conv), and what it makes for this node (its steps, why it is
/// approximate, its output's scale, the silent-OT traffic it draws).
struct Cx {
    ell: u64,
    s: u64,
    approx_relu: bool,
    verify: bool,
    scale: HashMap<String, u8>,
    /// Tensors whose BN is fused into the producing conv: conv output name → BN node name.
    fused: HashMap<String, String>,
    steps: Vec<Step>,
    approx: Option<String>,
    out_scale: u8,
    sil: Silent,
}

/// Prices one node into the context, or says why Cheetah cannot run it.
type Price = fn(&mut Cx, &Node) -> Result<(), String>;

/// Every op OpenCheetah's networks run (the SCI network library); any other op is unsupported
/// with the reason [`super::missing::sci_lacks`] gives.
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

impl Cx {
    fn scale_of(&self, t: &str) -> u8 {
        *self.scale.get(t).unwrap_or(&1)
    }
    /// A tensor held at 2s is truncated (`truncate_msb0`) before a product or a Concat.
    fn scale_down(&mut self, name: &str, numel: u64) {
        if self.scale_of(name) > 1 {
            let s = self.s;
            let t = per_thread8(numel, |k| cheetah_trunc(k, s));
            self.steps.push(step(
                "ScaleDown (truncate_msb0)",
                numel,
                "1-of-2 OT (1-bit msgs) + COT_s per element".into(),
                even_bytes(t.bytes, 4),
            ));
            self.sil = self.sil + t;
            self.scale.insert(name.to_string(), 1);
        }
    }
}

fn first_input(n: &Node) -> String {
    n.inputs.first().map(|t| t.name.clone()).unwrap_or_default()
}

fn conv(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let Some((g, pads)) = conv_geom_pads(n) else {
        return Err(conv_unsupported_reason(n));
    };
    let [ci, co, h, w, kh, _, sh, _, oh, ow] = g;
    let batch = n.in_shape(0).map(|x| x[0]).unwrap_or(1);
    cx.scale_down(&first_input(n), n.in_numel(0));
    // Conv2DWrapper: any padding → Padding::SAME, i.e. H + h − 1 (MakeSamePadShape)
    let same = pads.iter().any(|&p| p != 0);
    let (ph, pw) = if same { (h + kh - 1, w + kh - 1) } else { (h, w) };
    let (i, o) = conv_cts(ci, co, ph, pw, kh, sh);
    let up = 4 + i * IN_CT_BYTES;
    let down = 4 + out_cts_bytes(o, co * oh * ow);
    cx.steps.push(step(
        "HomConv2DSS",
        i + o,
        format!("{i} cts up × {IN_CT_BYTES} B, {o} cts down ({} outputs)", co * oh * ow),
        directed(batch * down, batch * up, 2),
    ));
    if cx.verify {
        let el = n.in_numel(0) + n.in_numel(1) + n.out_numel(0);
        cx.steps.push(step(
            "VERIFY_LAYERWISE",
            el,
            "server opens input, weight, output shares, 8 B/elem".into(),
            directed(8 * el, 0, 1),
        ));
    }
    cx.out_scale = 2;
    Ok(())
}

fn matmul(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let k = n.in_shape(0).and_then(|x| x.last().copied()).unwrap_or(1);
    let rows = n.in_numel(0) / k.max(1);
    let outs = n.out_numel(0) / rows.max(1);
    cx.scale_down(&first_input(n), n.in_numel(0));
    let (i, o) = fc_cts(k, outs);
    let up = 4 + i * IN_CT_BYTES;
    let down = 4 + out_cts_bytes(o, outs);
    cx.steps.push(step(
        "HomFCSS",
        rows * (i + o),
        format!("{i} cts up, {o} down per row"),
        directed(rows * down, rows * up, 2),
    ));
    if cx.verify {
        let el = n.in_numel(0) + n.in_numel(1) + n.out_numel(0);
        cx.steps.push(step("VERIFY_LAYERWISE", el, "8 B/elem".into(), directed(8 * el, 0, 1)));
    }
    cx.out_scale = 2;
    Ok(())
}

fn batch_norm(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let x0 = first_input(n);
    if cx.fused.contains_key(&x0) {
        cx.steps.push(step(
            "fused into the conv (FusedBN)",
            0,
            "filters scaled by the BN scale, bias added locally".into(),
            Cost::zero(2),
        ));
        cx.out_scale = 2;
        return Ok(());
    }
    cx.scale_down(&x0, n.in_numel(0));
    let xs = n.in_shape(0).map(|v| v.to_vec()).unwrap_or_default();
    let c = xs.get(1).copied().unwrap_or(1);
    let (hh, ww) = (xs.get(2).copied().unwrap_or(1), xs.get(3).copied().unwrap_or(1));
    let e = n.in_numel(0);
    let coeff = c * cdiv(hh * ww, POLY_N);
    let crt = bn_crt_count(cx.ell);
    let bfv = cdiv(e, POLY_N) * crt;
    if coeff < bfv {
        let cts = c * cdiv(hh, 64) * cdiv(ww, 64);
        cx.steps.push(step(
            "bn_direct (coefficient packing)",
            2 * cts,
            format!("{cts} cts each way"),
            directed(4 + out_cts_bytes(cts, e), 4 + cts * IN_CT_BYTES, 2),
        ));
    } else {
        cx.steps.push(step(
            "bn (BFV batching)",
            2 * bfv,
            format!("{crt} CRT contexts × ⌈n/4096⌉ = {bfv} cts each way"),
            directed(4 + out_cts_bytes(bfv, bfv * POLY_N), 4 + bfv * IN_CT_BYTES, 2),
        ));
        cx.approx = Some("BN-by-batching ciphertext sizes taken as the conv ones (all slots used)".into());
        if cx.verify {
            cx.steps.push(step("VERIFY_LAYERWISE", 3 * e, "8 B/elem".into(), directed(24 * e, 0, 1)));
        }
    }
    cx.out_scale = 2;
    Ok(())
}

fn relu(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let (ell, s, approx_relu) = (cx.ell, cx.s, cx.approx_relu);
    let e = n.out_numel(0);
    let trunc = cx.scale_of(&first_input(n)) > 1;
    let r = per_thread8(e, |k| cheetah_relu(k, ell, s, approx_relu, trunc));
    cx.steps.push(step(
        "ReLU (silent OT)",
        e,
        format!("compare on {} bits + mux", relu_compare_bits(ell, s, approx_relu, trunc)),
        even_bytes(r.bytes, 6),
    ));
    cx.sil = cx.sil + r;
    if trunc {
        let t = per_thread8(e, |k| cheetah_trunc(k, s));
        cx.steps.push(step("truncate_msb0", e, "1-of-2 OT (1-bit msgs) + COT_s".into(), even_bytes(t.bytes, 4)));
        cx.sil = cx.sil + t;
    }
    cx.out_scale = 1;
    Ok(())
}

fn max_pool(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let (ell, s) = (cx.ell, cx.s);
    let e = n.out_numel(0);
    let k: u64 = n.attr_ints("kernel_shape").map(|k| k.iter().map(|&v| v as u64).product()).unwrap_or(1);
    let r = per_thread8(e, |t| cheetah_relu(t, ell, s, false, false)).times(k - 1);
    cx.steps.push(step(
        "sequential full ReLU max",
        k - 1,
        format!("(k²−1) full ReLUs (compare on {} bits) of {e} rows", ell - 1),
        even_bytes(r.bytes, 6 * (k - 1)),
    ));
    cx.sil = cx.sil + r;
    Ok(())
}

fn avg_pool(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let ell = cx.ell;
    let e = n.out_numel(0);
    let d = (n.in_numel(0) / e.max(1)).max(1);
    let a = clog2(6 * d);
    // funcAvgPoolTwoPowerRing: DReLU (full compare, no mux), 1-of-4 SilentOTN with
    // (ℓ+a)-bit uint64 messages, 2 or 3 compares on a−1 bits, old-IKNP COTs.
    let r = per_thread8(e, |t| {
        let m = cheetah_mill(t, ell - 1) + cheetah_mill(3 * t, a - 1);
        m + Silent {
            bytes: bool_bytes(2 * t)
                + 16
                + chunks8(t, |c| 8 * cdiv(4 * c * (ell + a), 64))
                + 16 * 16384 * cdiv(3 * t, 16384)
                + 24 * t,
            cots_straight: 2 * t,
            cots_reversed: 0,
        }
    });
    cx.steps.push(step("AvgPool division", e, format!("ring division by {d}"), even_bytes(r.bytes, 10)));
    cx.approx = Some("AvgPool: 3 compares per element assumed".into());
    cx.sil = cx.sil + r;
    Ok(())
}

/// A spatial ReduceMean is the dynamo exporter's global average pool; any other mean is missing.
fn reduce_mean(cx: &mut Cx, n: &Node) -> Result<(), String> {
    if !super::missing::is_spatial_mean(n) {
        return Err(super::missing::sci_lacks("OpenCheetah", n));
    }
    avg_pool(cx, n)
}

fn argmax(cx: &mut Cx, n: &Node) -> Result<(), String> {
    let e = n.in_numel(0);
    let r = cheetah_relu(e, cx.ell, cx.s, false, false);
    cx.steps.push(step("ArgMax tournament", e, "≈ (n−1) full ReLUs".into(), even_bytes(r.bytes, 6 * clog2(e))));
    cx.approx = Some("ArgMax priced as n full ReLUs".into());
    cx.sil = cx.sil + r;
    cx.out_scale = 1;
    Ok(())
}

fn concat(cx: &mut Cx, n: &Node) -> Result<(), String> {
    for t in n.inputs.iter().filter(|t| t.origin == Origin::Activation) {
        cx.scale_down(&t.name, t.numel().unwrap_or(0));
    }
    cx.out_scale = 1;
    Ok(())
}

/// Additions scale the lower operand up, locally: the output is at the larger scale.
fn add(cx: &mut Cx, n: &Node) -> Result<(), String> {
    cx.out_scale = n.inputs.iter().map(|t| cx.scale_of(&t.name)).max().unwrap_or(1);
    Ok(())
}

/// Layout and constants: local, no communication, the scale passes through.
fn free(_: &mut Cx, _: &Node) -> Result<(), String> {
    Ok(())
}

impl CostModel for Cheetah {
    fn name(&self) -> &'static str {
        "cheetah"
    }
    fn title(&self) -> &'static str {
        "Cheetah (OpenCheetah f71d4d4)"
    }
    fn settings(&self) -> &'static [SettingSpec] {
        SETTINGS
    }
    fn supports_training(&self) -> bool {
        false
    }
    fn check_settings(&self, settings: &Settings) -> Result<(), String> {
        crate::frameworks::sci::check_ell_scale("cheetah", settings)
    }
    fn profile(&self, graph: &Graph, mode: Mode, st: &Settings) -> FrameworkReport {
        let ell = st.int("ell") as u64;
        let s = st.int("scale") as u64;
        let approx_relu = st.get("relu") == "approx";
        let fuse_bn = st.flag("fuse_bn");
        let verify = st.flag("verify");
        let mut rep = FrameworkReport {
            coverage: Default::default(),
            framework: "cheetah".into(),
            title: self.title().into(),
            mode,
            settings: st.clone(),
            round_definition: "one message flight on a thread's NetIO".into(),
            counting: "per layer \"sent [x] MB\" = this party's CheetahLinear io bytes / 2^20; EndComputation \"Total data sent\" (MiB) = this party's bytes on all threads incl. VERIFY_LAYERWISE openings; Ferret setup/warm-up (first 10 M COTs per instance) and HE key exchange excluded".into(),
            total: Cost::zero(2), phases: vec![], nodes: vec![], unsupported: vec![], warnings: vec![],
        };
        if mode == Mode::Training {
            rep.warnings.push("Cheetah supports inference only; training is not modelled".into());
            rep.finish(2);
            return rep;
        }
        let consumers = |t: &str| graph.nodes.iter().filter(|m| m.inputs.iter().any(|i| i.name == t)).count();
        // tensors whose BN is fused into the producing conv: conv output name → BN node name
        let mut fused: HashMap<String, String> = HashMap::new();
        if fuse_bn {
            for n in graph.nodes.iter().filter(|n| n.op == "BatchNormalization") {
                let x = &n.inputs[0].name;
                if graph.nodes.iter().any(|c| c.op == "Conv" && c.outputs.first().map(|o| &o.name) == Some(x))
                    && consumers(x) == 1
                {
                    fused.insert(x.clone(), n.name.clone());
                }
            }
        }
        let mut cx = Cx {
            ell,
            s,
            approx_relu,
            verify,
            scale: HashMap::new(),
            fused,
            steps: vec![],
            approx: None,
            out_scale: 1,
            sil: Silent::default(),
        };
        let mut cots = (0u64, 0u64);
        for n in &graph.nodes {
            crate::budget::at_node(&n.name, &n.op);
            cx.steps.clear();
            cx.approx = None;
            cx.sil = Silent::default();
            cx.out_scale = cx.scale_of(&first_input(n));
            let priced = match crate::ops::lookup(PRICES, &n.op) {
                Some(price) => price(&mut cx, n),
                None => Err(super::missing::sci_lacks("OpenCheetah", n)),
            };
            if let Err(why) = priced {
                rep.unsupported.push(prob(n, &why));
                continue;
            }
            for o in &n.outputs {
                cx.scale.insert(o.name.clone(), cx.out_scale);
            }
            cots.0 += cx.sil.cots_straight;
            cots.1 += cx.sil.cots_reversed;
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
        // Ferret extensions: 4 threads × 2 instances; each instance starts with one free buffer of
        // FERRET_OT_LIMIT COTs (the warm-up `rcot(1)` in the constructor) and extends when empty.
        let ext = |total: u64| -> u64 {
            let per = total.div_ceil(4);
            4 * if per > FERRET_OT_LIMIT { cdiv(per - FERRET_OT_LIMIT, FERRET_OT_LIMIT) } else { 0 }
        };
        let n_ext = ext(cots.0) + ext(cots.1);
        let c = even_bytes(n_ext * FERRET_EXTENSION_BYTES, 2 * n_ext);
        rep.nodes.push(NodeCost {
            node: "ferret/extensions".into(),
            op: "Ferret".into(),
            scope: vec![],
            phase: Phase::Forward,
            cost: c.clone(),
            steps: vec![step("Ferret LPN extension", n_ext, format!("{} + {} COTs drawn (straight / reversed instances); {FERRET_EXTENSION_BYTES} B per extension of {FERRET_OT_LIMIT} COTs", cots.0, cots.1), c)],
            approximate: Some("COTs assumed spread evenly over the 4 threads' instances".into()),
        });
        rep.finish(2);
        rep
    }
}

fn prob(n: &Node, r: &str) -> Problem {
    Problem { node: n.name.clone(), op: n.op.clone(), reason: r.into() }
}
