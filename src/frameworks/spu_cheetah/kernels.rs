//! SPU 0.9.5 CHEETAH's kernels (`libspu/mpc/cheetah/`), as SPU's link counters see them
//! (rank 0, rank 1). SEMI2K's JAX lowering (`semi2k/ops.rs`, `approx.rs`) calls them through
//! `Tally` when the protocol is CHEETAH, so the op lowering is shared.
//!
//! OT counting (`ot/yacl/ferret.cc`, `yacl_ote_adapter.cc`, `ot/ot_util.cc`):
//! * an OT sender's messages go through `BufferedIO` (1 MiB buffer) and leave at `flush()`:
//!   one send action per started MiB; they are packed per batch of `kOTBatchSize` = 8 OTs
//!   (`⌈batch·bits / (8·sizeof T)⌉·sizeof T` bytes, `T` the message type);
//! * a chosen-choice receiver sends its flipped choice bits at once
//!   (`YaclFerretOTeAdapter::recv_cot`, "ferret_recv_cot:flip"): `16·⌈c/128⌉` bytes for `c`
//!   choices, one send action;
//! * an open of `m` values of `b` bits (`OpenShare`, XOR) packs them across ring words
//!   (`ZipArray`): `ℓ·⌈m·b/k⌉` bytes, both parties at once, one action each;
//! * AND triples come from silent random OTs (`AndTriple` → `RMRC`): no traffic while Ferret's
//!   pool lasts (refills: `mod.rs` warnings);
//! * every OT kernel splits its elements over `min(48, cores, ⌈n/2048⌉)` Ferret instances
//!   (`state.cc` `TiledDispatchOTFunc`, `InitOTState`), each slice counted on its own.
//!
//! HE counting (`arith/cheetah_mul.cc`, `arith/cheetah_dot.cc`): one send action per
//! ciphertext; the number of ciphertexts comes from the source, the bytes of one serialized
//! (zstd-compressed) SEAL ciphertext are measured (they vary a little from run to run).

use crate::frameworks::semi2k::proto::Tally;

/// (bytes, send actions) of rank 0 and rank 1.
pub type Roles = [(u64, u64); 2];

fn add(a: &mut Roles, b: Roles) {
    for (x, y) in a.iter_mut().zip(b) {
        x.0 += y.0;
        x.1 += y.1;
    }
}

/// Send actions of `bytes` through `BufferedIO` (`flush` at every full MiB and at the end).
fn io_actions(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

/// Flipped choice bits of `c` chosen-choice COTs (`yacl_ote_adapter.cc` `recv_cot`).
fn flips(c: u64) -> u64 {
    16 * c.div_ceil(128)
}

/// An XOR open of `m` values of `b` bits in a `k`-bit ring (`OpenShare`, `ZipArray`).
fn open_bits(m: u64, b: u64, k: u64) -> u64 {
    (m * b).div_ceil(k) * (k / 8)
}

/// Sender bytes of `n` COTs with `bits`-bit messages of a `k`-bit type, packed per batch of 8
/// (`ferret.cc` `SendCorrelatedMsgChosenChoice`; `bits = k` is not packed: `n·k/8`).
fn packed(n: u64, bits: u64, k: u64) -> u64 {
    let (full, rest) = (n / 8, n % 8);
    let batch = |b: u64| (b * bits).div_ceil(k) * (k / 8);
    full * batch(8) + if rest > 0 { batch(rest) } else { 0 }
}

/// Sender bytes of `SendCAMCC_Collapse` (`ferret.cc`
/// `SendCorrelatedMsgChosenChoice_Collapse`): `n·levels` COTs in batches of 8; a batch starting
/// at COT `i` carries `k − ⌊i/n⌋`-bit messages, packed unless that is the full `k`.
fn collapse(n: u64, levels: u64, k: u64) -> u64 {
    let total = n * levels;
    let l = k / 8;
    let batch_bytes = |b: u64, bw: u64| if bw >= k { b * l } else { (b * bw).div_ceil(k) * l };
    let mut bytes = 0;
    for level in 0..levels {
        // Batches whose first COT lies in [level·n, (level+1)·n).
        let first = (level * n).div_ceil(8);
        let end = ((level + 1) * n).div_ceil(8);
        if end <= first {
            continue;
        }
        let bw = k - level;
        let last_start = (end - 1) * 8;
        let last = (total - last_start).min(8);
        bytes += (end - first - 1) * batch_bytes(8, bw) + batch_bytes(last, bw);
    }
    bytes
}

/// The slices an OT kernel runs on (`state.cc` `TiledDispatchOTFunc`): `w = min(workers,
/// ⌈n/2048⌉)` instances, the first `w − 1` of `⌈n/w⌉` elements, the last the rest.
pub fn slices(n: u64, workers: u64) -> Vec<(u64, u64)> {
    if n == 0 {
        return vec![];
    }
    let w = workers.max(1).min(n.div_ceil(2048));
    let each = n.div_ceil(w);
    let rest = n.saturating_sub(each * (w - 1));
    let mut v = vec![(each, w - 1)];
    v.push((rest, 1));
    v.retain(|&(s, c)| s > 0 && c > 0);
    v
}

/// `f` applied to each slice, summed.
fn tiled(n: u64, workers: u64, f: impl Fn(u64) -> Roles) -> Roles {
    let mut r = [(0, 0); 2];
    for (s, count) in slices(n, workers) {
        let one = f(s);
        add(&mut r, [(one[0].0 * count, one[0].1 * count), (one[1].0 * count, one[1].1 * count)]);
    }
    r
}

fn push(t: &mut Tally, name: &str, count: u64, r: Roles, detail: String) {
    // SPU runs kernels in sequence; a rank's send actions are its rounds.
    let rounds = r[0].1.max(r[1].1);
    t.step_roles(name, count, &r, false, rounds, detail);
}

/// COT sender of `n` `bits`-bit messages on one rank, receiver on the other.
fn cot(n: u64, bits: u64, k: u64) -> (u64, u64) {
    let b = packed(n, bits, k);
    (b, io_actions(b))
}

/// `trunc_a` by `bits`: `arithmetic.cc` `TruncA::proc` (use_heuristic, signed) →
/// `nonlinear/truncate_prot.cc` `TruncateProtocol::Compute`: the heuristic makes the sign
/// known, so the wrap comes from `MSB1ToWrap`: rank 0 sends `n` COTs of `bits`-bit messages
/// (`SendCAMCC(.., shift_bits)`), rank 1 its choice flips.
pub fn trunc_bits(t: &mut Tally, n: u64, bits: u64) {
    let (k, w) = (t.ring.k, t.ring.ot_workers);
    if n == 0 || bits == 0 {
        return;
    }
    let r = tiled(n, w, |s| [cot(s, bits, k), (flips(s), 1)]);
    push(t, "trunc_a (Ferret COT)", n, r, format!("{n} truncations by {bits} bits: {bits}-bit COTs + choice flips"));
}

/// `mul_a1b` (select): `arithmetic.cc` `MulA1B::proc` → `ot/basic_ot_prot.cc`
/// `BasicOTProtocols::Multiplexer`: each rank is once COT sender of its `n` full-width
/// corrections (`n·ℓ` bytes) and once receiver (`16·⌈n/128⌉`).
pub fn mul_a1b(t: &mut Tally, n: u64) {
    let (k, w) = (t.ring.k, t.ring.ot_workers);
    let r = tiled(n, w, |s| {
        let (b, a) = cot(s, k, k);
        [(b + flips(s), a + 1), (b + flips(s), a + 1)]
    });
    push(t, "mul_a1b (Ferret COT select)", n, r, format!("{n} selects: ℓ-byte COT corrections both ways"));
}

/// `msb_a2b`: `arithmetic.cc` `MsbA2B::proc` → `nonlinear/compare_prot.cc`
/// `CompareProtocol::DoCompute` on the low `k − 1` bits, radix 4: `D = ⌈(k−1)/4⌉` digits.
/// Leaves: rank 0 sends `n·D` 1-of-16 OTs of 2-bit messages (`SendCMCC(.., 16, 2)`: 4 bytes
/// each), rank 1 flips `4·n·D` choice bits. Then `TraversalANDFullBinaryTree`: per level of
/// `d` digits (d = D … 4) one `BitwiseAnd` on the first column (2 opens of `n` bits) and one
/// `CorrelatedBitwiseAnd` on the other `d/2 − 1` (3 opens of `n·(d/2−1)` bits); the last level
/// (d = 2) one `BitwiseAnd`. `None` if `D` is no power of two (the split tree, `TraversalAND`,
/// is not modelled; SPU's FM64 and FM128 give D = 16 and 32).
pub fn msb_roles(n: u64, k: u64) -> Option<Roles> {
    let d0 = (k - 1).div_ceil(4);
    if !d0.is_power_of_two() || d0 < 2 {
        return None;
    }
    let leaves = n * d0;
    let mut r: Roles = [(4 * leaves, io_actions(4 * leaves)), (flips(4 * leaves), 1)];
    let mut d = d0;
    while d >= 2 {
        let mut level = 2 * open_bits(n, 1, k);
        let mut actions = 2;
        if d > 2 {
            level += 3 * open_bits(n * (d / 2 - 1), 1, k);
            actions += 3;
        }
        add(&mut r, [(level, actions), (level, actions)]);
        d /= 2;
    }
    Some(r)
}

/// `msb_a2b` of `n` values (the compare of `x < y`, ReLU, max).
pub fn msb(t: &mut Tally, n: u64) {
    let (k, w) = (t.ring.k, t.ring.ot_workers);
    if n == 0 {
        return;
    }
    // FM64/FM128 only (the ring is a setting with these two values).
    let r = tiled(n, w, |s| msb_roles(s, k).unwrap_or([(0, 0); 2]));
    push(t, "msb_a2b (Ferret millionaire)", n, r, format!("{n} MSBs: radix-16 digit OTs + AND tree"));
}

/// `equal_ss`: `arithmetic.cc` `EqualAA::proc` → `nonlinear/equal_prot.cc`
/// `EqualProtocol::DoCompute` on all `k` bits, radix 4: `D = ⌈k/4⌉` digits. Leaves: rank 0
/// sends `n·D` 1-of-16 OTs of 1-bit messages (`SendCMCC(.., 16, 1)`: 2 bytes each), rank 1
/// flips `4·n·D` choice bits. Then the digits' equalities are ANDed pairwise, `BitwiseAnd` on
/// `⌊d/2⌋·n` bits per level (2 opens), until one digit is left.
pub fn equal(t: &mut Tally, n: u64) {
    let (k, w) = (t.ring.k, t.ring.ot_workers);
    if n == 0 {
        return;
    }
    let r = tiled(n, w, |s| {
        let d0 = k.div_ceil(4);
        let leaves = 2 * s * d0;
        let mut r: Roles = [(leaves, io_actions(leaves)), (flips(4 * s * d0), 1)];
        let mut d = d0;
        while d > 1 {
            let half = d / 2;
            let b = 2 * open_bits(half * s, 1, k);
            add(&mut r, [(b, 2), (b, 2)]);
            d -= half;
        }
        r
    });
    push(t, "equal_ss (Ferret equality)", n, r, format!("{n} equalities: radix-16 digit OTs + AND tree"));
}

/// `and_bb` on `copies·n` shares of `bits` bits in one call (`boolean.cc` `AndBB::proc` →
/// `BasicOTProtocols::BitwiseAnd`): open `x⊕a` and `y⊕b`, each packed, 2 actions per rank.
pub fn and_bb(t: &mut Tally, name: &str, n: u64, bits: u64, copies: u64) {
    let (k, w) = (t.ring.k, t.ring.ot_workers);
    let m = copies * n;
    let r = tiled(m, w, |s| {
        let b = 2 * open_bits(s, bits, k);
        [(b, 2), (b, 2)]
    });
    push(
        t,
        &format!("and_bb ({name})"),
        m,
        r,
        format!("{copies} AND of {bits}-bit shares: 2 packed opens of {m}·{bits} bits"),
    );
}

/// `a2b` (`conversion.cc` `A2B::proc`): each rank's share as a boolean share, added by
/// `add_bb` (`ab_api.cc` Kogge–Stone): one `and_bb` on `n` k-bit shares, then `log2 k` levels of
/// one `and_bb` on `2n` (the vmapped pair), each 2 opens. Bytes as SEMI2K, twice the actions.
pub fn a2b(t: &mut Tally, n: u64) {
    let (k, w) = (t.ring.k, t.ring.ot_workers);
    let lk = t.ring.log_k();
    let and = |m: u64| {
        tiled(m, w, |s| {
            let b = 2 * open_bits(s, k, k);
            [(b, 2), (b, 2)]
        })
    };
    let mut r = and(n);
    for _ in 0..lk {
        add(&mut r, and(2 * n));
    }
    push(t, "a2b (Kogge–Stone on Ferret ANDs)", n, r, format!("1 + {lk} AND levels on {k} bits"));
}

/// `b2a` (`conversion.cc` `B2A::proc` → `BasicOTProtocols::B2A`): a 1-bit share by
/// `SingleB2A` (rank 0 sends `n` full-width COT corrections, rank 1 its flips); a `b`-bit one
/// by `PackedB2A`: rank 0 `SendCAMCC_Collapse` of `n·b` COTs (the j-th bit's messages
/// `k − j` bits), rank 1 flips `n·b` choices.
pub fn b2a(t: &mut Tally, n: u64, bits: u64) {
    let (k, w) = (t.ring.k, t.ring.ot_workers);
    if n == 0 || bits == 0 {
        return;
    }
    let bits = bits.min(k);
    let r = tiled(n, w, |s| {
        let b = if bits == 1 { packed(s, k, k) } else { collapse(s, bits, k) };
        [(b, io_actions(b)), (flips(s * bits), 1)]
    });
    push(t, "b2a (Ferret COT)", n, r, format!("{n} × {bits}-bit B2A by correlated OT"));
}

// ---- HE products -------------------------------------------------------------------------

/// Measured bytes of one serialized SEAL ciphertext of `CheetahMul` (BFV, N = 8192, moduli
/// 60/32/52 bits, `cheetah_mul.cc` `DecideSEALParameters`), both fields: a seeded fresh
/// encryption (`EncryptArrayThenSend`) and a masked response (`MulThenResponse`). Mean over
/// the square and product runs of tests/fixtures/spu/cheetah/ops/ (Exp, Tanh, Div, Sigmoid,
/// Softmax, Gelu at FM64 and FM128; spread ±0.06 %).
pub const MUL_ENC_CT: u64 = 160_950;
pub const MUL_RESP_CT: u64 = 125_020;

/// Plaintext CRT moduli `CheetahMul` splits a `k`-bit product over (`TotalCRTBitLen`:
/// `⌈(2k + 32)/45⌉`, at most 7): 4 at FM64, 7 at FM128; one ciphertext each per 8192 slots.
fn mul_cts(n: u64, k: u64) -> u64 {
    (2 * k + 32).div_ceil(45).min(7) * n.div_ceil(8192)
}

/// Why HE rows are approximate.
fn he_reason(what: &str) -> String {
    format!(
        "{what}: ciphertext counts from SPU's source, bytes per ciphertext measured (SEAL's compressed serialization \
         varies up to {} % run to run)",
        super::HE_SPREAD_PERCENT
    )
}

/// `MulOLE` of `n` elements with `eval` evaluating: the other rank sends its encrypted share,
/// the evaluator the masked products (`cheetah_mul.cc` `MulOLE`).
fn mul_ole(n: u64, k: u64, rank0_evaluates: bool) -> Roles {
    let c = mul_cts(n, k);
    let (enc, resp) = ((c * MUL_ENC_CT, c), (c * MUL_RESP_CT, c));
    if rank0_evaluates {
        [resp, enc]
    } else {
        [enc, resp]
    }
}

/// `square_a`: `arithmetic.cc` `SquareA::proc`: `x0² + 2·<x0·x1> + x1²`, the cross term by
/// `MulOLE` with rank 0 evaluating; above 8192 elements the second half runs on a second link
/// with rank 1 evaluating.
pub fn square_a(t: &mut Tally, n: u64) {
    let k = t.ring.k;
    if n == 0 {
        return;
    }
    let half = if n <= 8192 { n } else { n / 2 };
    let mut r = mul_ole(half, k, true);
    if half < n {
        add(&mut r, mul_ole(n - half, k, false));
    }
    t.approximate.get_or_insert_with(|| he_reason("square_s (HE OLE)"));
    push(
        t,
        "square_s (HE OLE, BFV)",
        n,
        r,
        format!("{n} squares: cross term by HE, {} ciphertexts each way", mul_cts(n, k)),
    );
}

/// `mul_aa` (`arithmetic.cc` `MulAA::proc`): below `2·8192` elements a Beaver product with
/// triples from the HE-made cache (`mulWithBeaver`: open `x−a`, `y−b`, `2ℓ·n` bytes per rank,
/// 1 action; the cache's refills are a warning); otherwise `mulDirectly`: `MulShare` on two
/// halves (`cheetah_mul.cc`), the encryptor sends `Enc(x)` and `Enc(y)`, the evaluator the
/// masked products; rank 1 evaluates the first half, rank 0 the second.
pub fn mul_aa(t: &mut Tally, what: &str, n: u64) {
    let k = t.ring.k;
    if n == 0 {
        return;
    }
    if n < 2 * 8192 {
        let b = 2 * (k / 8) * n;
        return push(
            t,
            &format!("mul_aa Beaver open ({what})"),
            n,
            [(b, 1), (b, 1)],
            format!("open x−a, y−b: 2ℓ·{n} B"),
        );
    }
    let (h0, h1) = (n / 2, n - n / 2);
    let (c0, c1) = (mul_cts(h0, k), mul_cts(h1, k));
    let r: Roles =
        [(2 * c0 * MUL_ENC_CT + c1 * MUL_RESP_CT, 2 * c0 + c1), (c0 * MUL_RESP_CT + 2 * c1 * MUL_ENC_CT, c0 + 2 * c1)];
    t.approximate.get_or_insert_with(|| he_reason("mul_aa (HE MulShare)"));
    push(t, &format!("mul_aa HE MulShare ({what})"), n, r, format!("{n} products by HE on two halves"));
}

/// Measured bytes of one serialized ciphertext of `CheetahDot` (`cheetah_dot.cc`
/// `DecideSEALParameters`: FM64 N = 8192, moduli 59/55/49 + a special prime; FM128 N = 16384,
/// 4×59/49 + 49): `(enc, full, empty, per_coeff_tenths)` = a fresh seeded encryption
/// (`doDotOLESenderSendStep`), a packed response after `H2A`'s modulus drop, an unpacked
/// response (`ExtractLWEsInplace` zeroes the coefficients that hold no output) with no output,
/// and the tenths of a byte each kept output coefficient adds.
///
/// FM64: `enc`, `full` solved from matmul_16x256x64 (1 enc + 1 packed) and matmul_4x100x50
/// (2 + 1); `empty` and the per-coefficient bytes from the Gemm (8 outputs) and Conv (64)
/// single ops. FM128: `enc`, `full` from matmul 16×256×64 (1 + 1) and 128×768×64 (3 + 1),
/// `empty` and per coefficient from Gemm and Conv; matmul 4×100×50 (unpacked at N = 16384: 1 + 2)
/// and the MatMul op check them. FM64 checked, not fitted, on matmul 128×768×64, 32×512×512, 1×784×128 (`PackLWEs`),
/// 1×64×10, the MatMul and Einsum ops and both conv shapes (tests/spu_cheetah.rs).
fn dot_ct_bytes(k: u64) -> (u64, u64, u64, u64) {
    if k == 128 {
        DOT_CT_FM128
    } else {
        DOT_CT_FM64
    }
}
const DOT_CT_FM64: (u64, u64, u64, u64) = (184_985, 254_335, 127_215, 187);
const DOT_CT_FM128: (u64, u64, u64, u64) = (630_104, 771_975, 386_165, 269);

/// How `CheetahDot::doDotOLE` packs `(m×kk)·(kk×n)`: (ciphertexts the encryptor sends,
/// responses, response packed). Sub-shape by `MatMatProtocol::GetSubMatShape` (cost
/// `1000·(sent + response) + automorphisms + products/10`, the inner dimension doubling when
/// packing); no packing when one output block suffices; otherwise BumbleBee's interleave
/// (`rlwes`, `⌈blocks/d1⌉` responses) unless the output has fewer entries than `d1`
/// (`PackLWEs`, `⌈mn/N⌉` responses).
pub fn dot_plan(m: u64, kk: u64, n: u64, k: u64) -> (u64, u64, bool) {
    let poly = if k == 128 { 16384 } else { 8192 };
    let dims = [m, kk, n];
    let sub = sub_shape(dims, poly, false);
    let blk = |s: [u64; 3]| [m.div_ceil(s[0]), kk.div_ceil(s[1]), n.div_ceil(s[2])];
    let b = blk(sub);
    let pack = if b[0] * b[2] <= 1 {
        None
    } else if sub[1] < m * n {
        Some(true)
    } else {
        Some(false)
    };
    let sub = sub_shape(dims, poly, pack.is_none());
    let b = blk(sub);
    let enc = (b[0] * b[1]).min(b[1] * b[2]);
    let resp = match pack {
        Some(true) => (b[0] * b[2]).div_ceil(sub[1]),
        Some(false) => (m * n).div_ceil(poly),
        None => b[0] * b[2],
    };
    (enc, resp, pack.is_some())
}

/// `MatMatProtocol::GetSubMatShape`.
fn sub_shape(dims: [u64; 3], poly: u64, no_pack: bool) -> [u64; 3] {
    let mut best = [1, 1, 1];
    let mut min_cost = f64::MAX;
    for d0 in 1..=poly.min(dims[0]) {
        let b0 = dims[0].div_ceil(d0);
        let mut d1 = 1;
        while d1 <= dims[1] {
            if d0 * d1 > poly {
                break;
            }
            let b1 = dims[1].div_ceil(d1);
            let d2 = dims[2].min(poly / d0 / d1).max(1);
            let b2 = dims[2].div_ceil(d2);
            let sent = b0.min(b2) * b1;
            let resp = (b0 * b2).div_ceil(d1);
            let automorph = if no_pack { 0 } else { (dims[0] * dims[2]).div_ceil(poly) * d1 };
            let cost = (sent + resp) as f64 * 1000.0 + automorph as f64 + (b0 * b1 * b2) as f64 / 10.0;
            if cost <= min_cost {
                min_cost = cost;
                best = [d0, d1, d2];
            }
            d1 = if no_pack { d1 + 1 } else { d1 * 2 };
        }
        crate::budget::spend(1);
    }
    best
}

/// `mmul_aa` (`arithmetic.cc` `MatMulAA::proc`): the cross terms `x0·y1` and `x1·y0` by two
/// `DotOLE`s run at once on two links; each rank encrypts in one and evaluates in the other,
/// so both send `enc` fresh ciphertexts and `resp` responses (`cheetah_dot.cc` `doDotOLE`).
pub fn mmul_aa(t: &mut Tally, m: u64, kk: u64, n: u64) {
    let k = t.ring.k;
    if m == 0 || kk == 0 || n == 0 {
        return;
    }
    let (enc, resp, packed) = dot_plan(m, kk, n, k);
    let (e, full, empty, per_tenths) = dot_ct_bytes(k);
    let responses = if packed { resp * full } else { resp * empty + (per_tenths * m * n).div_ceil(10) };
    let b = enc * e + responses;
    t.approximate.get_or_insert_with(|| he_reason("mmul_aa (HE DotOLE)"));
    push(
        t,
        "mmul_aa (HE DotOLE ×2)",
        m * n,
        [(b, enc + resp), (b, enc + resp)],
        format!(
            "({m}×{kk})·({kk}×{n}): {enc} encrypted + {resp} {} response ciphertexts per rank",
            if packed { "packed" } else { "unpacked" }
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From the source: B2A of 10 rsqrt values in LayerNorm (2f = 36 bits, then 1 bit, then
    /// 18 bits) sends 3640 bytes from rank 0 (the LayerNormalization fixture's `b2a`).
    #[test]
    fn collapse_matches_the_layernorm_b2a() {
        assert_eq!(collapse(10, 36, 64) + packed(10, 64, 64) + collapse(10, 18, 64), 3640);
    }

    #[test]
    fn slices_split_over_2048() {
        assert_eq!(slices(100, 2), vec![(100, 1)]);
        assert_eq!(slices(6272, 2), vec![(3136, 1), (3136, 1)]);
        assert_eq!(slices(6273, 4), vec![(1569, 3), (1566, 1)]);
    }

    /// `doDotOLE`'s plans for shapes measured in tests/fixtures/spu/cheetah/.
    #[test]
    fn dot_plans() {
        assert_eq!(dot_plan(10, 8, 3, 64), (1, 1, false));
        assert_eq!(dot_plan(196, 144, 32, 64), (2, 1, true));
        assert_eq!(dot_plan(128, 768, 64, 64), (6, 1, true));
        assert_eq!(dot_plan(32, 512, 512, 64), (2, 2, true));
        assert_eq!(dot_plan(1, 784, 128, 64), (2, 1, true));
    }
}
