//! SPU 0.9.5 CHEETAH's silent-OT kernels, as SPU's link counters see them (rank 0, rank 1).
//!
//! Counting (source, `libspu/mpc/cheetah/ot/yacl/ferret.cc` and `yacl_ote_adapter.cc`):
//! * an OT sender's messages go through `CheetahIO`'s buffer and leave as one send action at
//!   `flush()`; they are packed per batch of `kOTBatchSize` = 8 OTs
//!   (`CeilDiv(batch · bit_width, 8·sizeof(T)) · sizeof(T)` bytes, `T` the message type);
//! * a chosen-choice receiver sends its flipped choice bits at once
//!   (`YaclFerretOTeAdapter::recv_cot`, "ferret_recv_cot:flip"): a `dynamic_bitset<uint128_t>`,
//!   `16 · ⌈c/128⌉` bytes for `c` choices, one send action;
//! * a 1-bit open (`OpenShare(.., XOR, 1, ..)`, `ot_util`) packs the bits into ring words:
//!   `ℓ · ⌈m/k⌉` bytes, both parties at once, one action each.
//!
//! Random OTs for AND triples come from Ferret's silent pool (no traffic) until it runs dry; a
//! refill (LPN extension) is not priced here (measured: lumps of ~262 KB, `validation/spu/README.md`).

/// (bytes, send actions) of rank 0 and rank 1.
pub type Roles = [(u64, u64); 2];

fn add(a: &mut Roles, b: Roles) {
    for (x, y) in a.iter_mut().zip(b) {
        x.0 += y.0;
        x.1 += y.1;
    }
}

/// Flipped choice bits of `c` chosen-choice COTs (`yacl_ote_adapter.cc` `recv_cot`).
fn flips(c: u64) -> u64 {
    16 * c.div_ceil(128)
}

/// A 1-bit open of `m` bits in a `k`-bit ring (`OpenShare`, nbits = 1).
fn open_bits(m: u64, k: u64) -> u64 {
    m.div_ceil(k) * (k / 8)
}

/// Sender bytes of `n` COTs with `bits`-bit messages of a `k`-bit type, packed per batch of 8
/// (`ferret.cc` `SendCorrelatedMsgChosenChoice`; `bits = k` is not packed: `n·k/8`).
fn packed(n: u64, bits: u64, k: u64) -> u64 {
    let (full, rest) = (n / 8, n % 8);
    let batch = |b: u64| (b * bits).div_ceil(k) * (k / 8);
    full * batch(8) + if rest > 0 { batch(rest) } else { 0 }
}

/// `mul_a1b`: arithmetic × 1-bit boolean share, `cheetah/arithmetic.cc` `MulA1B::proc` →
/// `ot/basic_ot_prot.cc` `BasicOTProtocols::Multiplexer`: each rank is once COT sender of its
/// `n` full-width corrections (`SendCAMCC`, `n·ℓ` bytes) and once receiver (`16·⌈n/128⌉`).
pub fn mul_a1b(n: u64, k: u64) -> Roles {
    let each = (n * k / 8 + flips(n), 2);
    [each, each]
}

/// `trunc_a` by `f` bits: `cheetah/arithmetic.cc` `TruncA::proc` (use_heuristic, signed) →
/// `nonlinear/truncate_prot.cc` `TruncateProtocol::Compute` → `MSB1ToWrap`: rank 0 sends `n`
/// COTs of `f`-bit messages (`SendCAMCC(.., shift_bits)`), rank 1 its choice flips.
pub fn trunc(n: u64, k: u64, f: u64) -> Roles {
    [(packed(n, f, k), 1), (flips(n), 1)]
}

/// `msb_a2b`: `cheetah/conversion.cc` MSB → `nonlinear/compare_prot.cc`
/// `CompareProtocol::DoCompute` on the low `k − 1` bits, radix 4: `D = ⌈(k−1)/4⌉` digits.
/// Leaves: rank 0 sends `n·D` 1-of-16 OTs of 2-bit messages (`SendCMCC(.., 16, 2)`:
/// 32 bits each, 4·n·D bytes), rank 1 flips `4·n·D` choice bits. Then
/// `TraversalANDFullBinaryTree`: per level of `d` digits (d = D … 4) one `BitwiseAnd` on the
/// first column (2 opens of `n` bits) and one `CorrelatedBitwiseAnd` on the other `d/2 − 1`
/// (3 opens of `n·(d/2−1)` bits); the last level (d = 2) one `BitwiseAnd`. AND triples come
/// from silent random OTs (no traffic). `None` if `D` is no power of two (the split-tree path,
/// `TraversalAND`, is not modelled).
pub fn msb(n: u64, k: u64) -> Option<Roles> {
    let d0 = (k - 1).div_ceil(4);
    if !d0.is_power_of_two() || d0 < 2 {
        return None;
    }
    let leaves = n * d0;
    let mut r: Roles = [(4 * leaves, 1), (flips(4 * leaves), 1)];
    let mut d = d0;
    while d >= 2 {
        let mut level = 2 * open_bits(n, k);
        let mut actions = 2;
        if d > 2 {
            level += 3 * open_bits(n * (d / 2 - 1), k);
            actions += 3;
        }
        add(&mut r, [(level, actions), (level, actions)]);
        d /= 2;
    }
    Some(r)
}

/// SPU's max tree (`hal` `reduce.cc` `ReduceWindowWithoutDilation` / tree reduce): a window of
/// `w` halves level by level, `⌊L/2⌋` compares (MSB of a difference) and selects (`mul_a1b`)
/// per output at a level of `L`, the odd one carried. Returns the per-level compare counts.
pub fn max_tree_levels(w: u64) -> Vec<u64> {
    let mut out = vec![];
    let mut l = w;
    while l > 1 {
        out.push(l / 2);
        l -= l / 2;
    }
    out
}
