//! ABY3's kernels (SPU 0.9.5, `libspu/mpc/aby3/`), as SPU's link counters see
//! them: three parties, replicated 2-out-of-3 sharing, correlated randomness
//! from pairwise PRG seeds (no preprocessing traffic).
//!
//! Counting: a *rotate* (`mpc/common/communicator.cc` `rotate`) sends one
//! payload to the previous rank and receives from the next: every party sends
//! the same bytes in one action. Kernels that need a 2-party sub-protocol pick
//! their three roles by a **public random pivot** drawn per call
//! (`prg_state->fillPubl(&pivot)`, `P0 = pivot % 3`): which rank plays which
//! role changes from call to call and run to run, so a rank's bytes for those
//! kernels are not deterministic; their sum over the ranks is. Such steps are
//! recorded with `Tally::step_roles(.., pivoted = true)`: they count in the
//! wire total and the rounds, and in no rank's figures.
//!
//! Rounds are latency rounds read from the source (sequential message
//! exchanges); a rank's send actions are what its counter shows.
//!
//! Notation as in `proto.rs`: `n` elements, `k` ring bits, `ℓ = k/8`, `L = log2 k`,
//! `t` bytes of the truncation ring (`getTruncField`), `w(b)` boolean share bytes.

use super::proto::{mmul_tiling, w, Tally};
use crate::graph::Node;

/// `MulAA` (`aby3/arithmetic.cc` `MulAA::proc`): each party forms its
/// cross terms plus a zero share and rotates them: `ℓ·n` bytes per party,
/// 1 round. There is no `square_a` kernel, so a square is the same `mul_aa`.
pub fn mul_aa(t: &mut Tally, what: &str, n: u64) {
    let l = t.ring.l();
    t.step(&format!("re-share product ({what})"), n, l * n, 1, format!("rotate ℓ·n = {l}·{n} B per party"));
}

/// `MatMulAA` (`aby3/arithmetic.cc` `MatMulAA::proc`): local cross products,
/// then the `m×n` result is rotated, `ℓ·mn` per party, 1 round. Operands over
/// 256 MiB are tiled by HAL (`hal/ring.cc` `_mmul`): each tile rotates its
/// own output block, `kb` blocks deep.
pub fn mmul_aa(t: &mut Tally, m: u64, k: u64, n: u64, split: bool) {
    if m == 0 || k == 0 || n == 0 {
        return;
    }
    let l = t.ring.l();
    let (ms, ns, ks) = if split { mmul_tiling(m, n, k, l) } else { (m, n, k) };
    let (mb, nb, kb) = (m.div_ceil(ms), n.div_ceil(ns), k.div_ceil(ks));
    let blocks = mb * nb * kb;
    let detail = if blocks == 1 {
        format!("rotate the {m}×{n} result: ℓ·mn = {l}·{} B per party", m * n)
    } else {
        t.approximate = Some("ABY3 matmul over 256 MiB: the tiled path is read from the source, not measured".into());
        format!("{blocks} tiles ({mb}×{nb}×{kb}): each rotates its output block, ℓ·kb·mn B per party")
    };
    t.step("re-share matmul result", m * n, l * kb * m * n, blocks, detail);
}

/// `MulA1B` (`aby3/arithmetic.cc` `MulA1B::proc`): two 3-party OTs
/// (`aby3/ot.cc` `Ot3`) with fixed senders rank 0 and rank 2, run in
/// parallel. A sender sends its two masked messages (`2ℓ·n`, 2 actions), the
/// helper its masked choice (`ℓ·n`), the receiver forwards its result to the
/// helper (`ℓ·n`). Rank 0: sender + helper, `3ℓn` / 3 actions; rank 1:
/// helper + receiver, `2ℓn` / 2; rank 2: receiver + sender, `3ℓn` / 3.
/// Two rounds ("parallel online, two rounds latency").
pub fn mul_a1b(t: &mut Tally, n: u64) {
    let l = t.ring.l();
    t.step_roles(
        "select (mul_a1b, 3-party OT)",
        n,
        &[(3 * l * n, 3), (2 * l * n, 2), (3 * l * n, 3)],
        false,
        2,
        format!("OT senders rank 0 and 2: 3ℓn / 2ℓn / 3ℓn with ℓ = {l}"),
    );
}

/// `TruncAPr2` (`aby3/arithmetic.cc` `TruncAPr2::proc`, `computeMW`,
/// `PrivateMul`), the only truncation ABY3 registers (`aby3/protocol.cc`, so
/// `trunc_allow_msb_error` has no effect). Roles by pivot: P0 and P1 hold a
/// 2-out-of-2 sharing, multiply their wrap bits (each sends `t·n`), P2 sends
/// the triple correction (`t·n`); then P0 and P1 re-share the result to 3
/// parties (`ℓ·n` each). Roles: `(t+ℓ)n`/2, `(t+ℓ)n`/2, `t·n`/1; 2 rounds.
pub fn trunc_bits(t: &mut Tally, n: u64, bits: u64) {
    let (l, tb) = (t.ring.l(), t.ring.t_for(bits));
    t.step_roles(
        "truncation (TruncAPr2, pivoted roles)",
        n,
        &[((tb + l) * n, 2), ((tb + l) * n, 2), (tb * n, 1)],
        true,
        2,
        format!("roles (t+ℓ)n, (t+ℓ)n, t·n with t = {tb}, ℓ = {l}; ranks by a random public pivot"),
    );
}

/// `AndBB` (`aby3/boolean.cc` `AndBB::proc`): local cross terms, one rotate of
/// `w(bits)·n` per AND per party, 1 round.
pub fn and_bb(t: &mut Tally, name: &str, n: u64, bits: u64, copies: u64) {
    let b = copies * w(bits) * n;
    t.step(name, n, b, 1, format!("{copies} AND of {bits}-bit shares: rotate {copies}·{}·{n} B", w(bits)));
}

/// `MsbA2B` (`aby3/conversion.cc` `MsbA2B::proc`): one rotate of a `k`-bit
/// boolean share (`ℓ·n`), then `carry_a2b` (`mpc/ab_api.cc`) on `k−1` bits:
/// one AND on `k` bits and `L` levels of two ANDs on halving widths.
/// Per party `n·[2ℓ + 2·Σ_{j=1..L} w(k/2^j)]`, `2 + L` rounds (FM64: 36n, 8).
pub fn msb(t: &mut Tally, n: u64) {
    let (k, lk, l) = (t.ring.k, t.ring.log_k(), t.ring.l());
    let mut b = 2 * l * n;
    for j in 1..=lk {
        b += 2 * w(k >> j) * n;
    }
    t.step("MSB (rotate + carry adder)", n, b, 2 + lk, format!("rotate ℓ·n, 1 AND on {k} bits, {lk} levels of 2 ANDs"));
}

/// `A2B` (`aby3/conversion.cc` `A2B::proc`): one rotate (`ℓ·n`), then the
/// Kogge–Stone adder `wrap_add_bb` (`ab_api.cc` `ppa_kogge_stone`): 1 AND and
/// `L` levels of 2 ANDs on `k` bits. Per party `n(2ℓ + 2ℓL)`, `2 + L` rounds.
pub fn a2b(t: &mut Tally, n: u64) {
    let (lk, l) = (t.ring.log_k(), t.ring.l());
    t.step("A2B (rotate + Kogge–Stone)", n, n * (2 * l + 2 * l * lk), 2 + lk, format!("rotate, 1 + {lk} AND levels"));
}

/// `B2ASelector` (`aby3/conversion.cc`): up to 8 bits `B2AByOT`, otherwise
/// `B2AByPPA`.
///
/// * `B2AByOT`, roles by pivot: P0 sends the chosen masks (`ℓ·n·b`), P2 both
///   OT messages (`2ℓ·n·b`, 2 actions), P1 the composed result (`ℓ·n`); 2 rounds.
/// * `B2AByPPA`, fixed ranks: a rotate of the random mask (`ℓn`), the
///   Kogge–Stone adder on `k` bits (`ℓn + 2ℓLn`, `1+L`), rank 2 reveals to
///   rank 0 (`ℓn`), and a final rotate (`ℓn`): `4 + L` rounds.
pub fn b2a(t: &mut Tally, n: u64, bits: u64) {
    let (lk, l) = (t.ring.log_k(), t.ring.l());
    if bits == 0 {
        return;
    }
    if bits <= 8 {
        t.step_roles(
            "B2A (3-party OT, pivoted roles)",
            n,
            &[(l * n * bits, 1), (l * n, 1), (2 * l * n * bits, 2)],
            true,
            2,
            format!("{bits}-bit: roles ℓnb, ℓn, 2ℓnb"),
        );
    } else {
        // Fixed ranks, but SPU's profile lists both B2A kinds under one name
        // (`b2a`), so a rank's share of B2A cannot be checked: total only.
        let sym = n * (3 * l + 2 * l * lk);
        t.step_roles(
            "B2A (Kogge–Stone + reveal)",
            n,
            &[(sym, 3 + lk), (sym, 3 + lk), (sym + l * n, 4 + lk)],
            true,
            4 + lk,
            format!("{bits}-bit: 2 rotates + adder on all {} bits; rank 2 reveals ℓ·n to rank 0", t.ring.k),
        );
    }
}

/// `EqualAA` → `eqz` (`aby3/conversion.cc`): by pivot, P0 deals a masked
/// random value to P2 (arithmetic and boolean, `2ℓ·n`, 2 actions), P2 sends
/// its masked share to P1 (`ℓ·n`), P1 returns the boolean flag share
/// (`ℓ·n`): 3 rounds. Then `L` rotates fold the flag's bits pairwise (AND),
/// halving the bytes down to one byte per element, then the bits: FM64
/// 4+2+1+1+1+1 = 10 B per element per party.
pub fn equal(t: &mut Tally, n: u64) {
    let l = t.ring.l();
    t.step_roles(
        "equality: masked reveal (pivoted roles)",
        n,
        &[(2 * l * n, 2), (l * n, 1), (l * n, 1)],
        true,
        3,
        format!("roles 2ℓn, ℓn, ℓn with ℓ = {l}"),
    );
    let (mut bytes, mut bits, mut sent, mut levels) = (l, 8 * l, 0, 0);
    while bits > 1 {
        if bytes == 1 {
            sent += 1;
        } else {
            bytes /= 2;
            sent += bytes;
        }
        bits /= 2;
        levels += 1;
    }
    // Symmetric, but listed with the pivoted part under one kernel (`equal_ss`): total only.
    let l3 = [(sent * n, levels); 3];
    t.step_roles("equality: AND fold", n, &l3, true, levels, format!("{levels} rotates, {sent} B per element"));
}

/// Public scalars a node needs as secrets: SPU's compiler seals them with a
/// `convert` (`P2A`, `aby3/arithmetic.cc` `P2A::proc`: with
/// `ENABLE_MASK_DURING_ABY3_P2A` it adds a zero share by one rotate, `ℓ` bytes
/// per element per party). These are the pad value of `pad` and the initial
/// value of `reduce`/`reduce_window` on secret data; identical constants are
/// one value after the compiler's CSE, so each distinct scalar is sealed once
/// per program. Measured: LayerNorm's two means share one zero, LogSoftmax
/// seals −inf and 0.
/// `jnp.argmax` also seals its index array (an `iota` the size of the input)
/// and the reduction's int index 0.
pub fn sealed_scalars(node: &Node) -> Vec<(String, u64)> {
    if matches!(node.op.as_str(), "ArgMax" | "ArgMin") {
        let init = if node.op == "ArgMax" { "-inf" } else { "+inf" };
        let n = node.in_numel(0);
        return vec![(format!("index iota of {}", node.name), n), (init.into(), 1), ("int 0".into(), 1)];
    }
    sealed_keys(node).into_iter().map(|k| (k.to_string(), 1)).collect()
}

fn sealed_keys(node: &Node) -> Vec<&'static str> {
    let pads = |key: &str| node.attr_ints(key).is_some_and(|p| p.iter().any(|&v| v != 0));
    // (Resolved `auto_pad` SAME_* with an odd total pads too; a zero-pad SAME is rare.)
    match node.op.as_str() {
        "Pad" => vec!["0"],
        // Explicit pads, or a dilated kernel (padded with interior zeros).
        "Conv"
            if pads("pads")
                || node.attr_ints("dilations").is_some_and(|d| d.iter().any(|&v| v > 1))
                || node.attr_str("auto_pad").is_some_and(|a| a.starts_with("SAME")) =>
        {
            vec!["0"]
        }
        "ConvTranspose" => vec!["0"],
        "AveragePool"
        | "GlobalAveragePool"
        | "ReduceSum"
        | "ReduceMean"
        | "LayerNormalization"
        | "InstanceNormalization" => vec!["0"],
        "MaxPool" | "GlobalMaxPool" | "ReduceMax" => vec!["-inf"],
        "ReduceMin" => vec!["+inf"],
        "Softmax" | "LogSoftmax" => vec!["-inf", "0"],
        _ => Vec::new(),
    }
}

/// Seals one public value of `n` elements: one rotate of `ℓ·n` bytes per party.
pub fn p2a(t: &mut Tally, what: &str, n: u64) {
    let l = t.ring.l();
    t.step(
        &format!("seal public {what} (p2a)"),
        n,
        l * n,
        1,
        format!("rotate a zero share: ℓ·n = {l}·{n} B per party"),
    );
}

#[cfg(test)]
mod tests {
    use super::super::proto::{Protocol, Ring};
    use super::*;

    fn ring(k: u64) -> Ring {
        Ring {
            protocol: Protocol::Aby3,
            world: 3,
            k,
            f: if k == 64 { 18 } else { 26 },
            local_trunc: false,
            no_vectorization: false,
            ot_workers: 1,
        }
    }

    /// From the source: MSB FM64 = 8 + 8 + 2·(4+2+1+1+1+1) = 36 B per party,
    /// FM128 = 16 + 16 + 2·(8+4+2+1+1+1+1) = 68; a2b FM64 = 16 + 96 = 112.
    #[test]
    fn per_party_constants() {
        let mut t = Tally::new(&ring(64));
        t.msb(1);
        assert_eq!(t.total().parties[1].bytes, 36);
        let mut t = Tally::new(&ring(128));
        t.msb(1);
        assert_eq!(t.total().parties[0].bytes, 68);
        let mut t = Tally::new(&ring(64));
        t.a2b(1);
        assert_eq!((t.total().parties[2].bytes, t.total().rounds), (112, 8));
    }

    #[test]
    fn pivoted_truncation_counts_in_the_total_only() {
        let mut t = Tally::new(&ring(64));
        t.trunc(30);
        let c = t.total();
        assert_eq!((c.bytes, c.rounds), (28 * 30, 2));
        assert!(c.parties.iter().all(|p| p.bytes == 0));
    }
}
