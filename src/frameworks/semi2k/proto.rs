//! SEMI2K's protocol building blocks for two parties, as SPU's link counters
//! see them.
//!
//! Counting (yacl `link/context.cc`, `SendAsyncInternal`): a party's counters
//! grow by the payload of every send, one *action* per send. In 2PC every open
//! is an `AllGather` (`mpc/common/communicator.cc`): both parties send the
//! same payload at the same time, so each party's bytes are the figures below
//! and the wire total is twice that. SPU runs ops one after another, so send
//! actions add up to the number of sequential rounds.
//!
//! Notation: `n` elements, ring of `k` bits (FM64: 64, FM128: 128), `ℓ = k/8`
//! bytes per share, `L = log2 k`, `t` bytes per element in the truncation ring
//! (4 while the shift is ≤ 32 bits, `semi2k/arithmetic.cc` `getTruncField`),
//! `w(b)` bytes SPU stores a `b`-bit boolean share in (`semi2k/boolean.cc`
//! `getBacktype`: 1/2/4/8/16 for b ≤ 8/16/32/64/128).

use crate::cost::{Cost, PartyCost, Step};
use crate::frameworks::spu_cheetah::kernels as cheetah;

/// The SPU protocol whose kernels price the primitives. The op lowering above
/// them (JAX program, HAL approximations) is protocol-independent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// SEMI2K, two parties, trusted-first-party Beaver triples.
    Semi2k,
    /// ABY3, three parties, replicated sharing (`libspu/mpc/aby3/`, see `aby3.rs`).
    Aby3,
    /// CHEETAH, two parties: HE products and silent-OT kernels
    /// (`libspu/mpc/cheetah/`, see `spu_cheetah/kernels.rs`).
    Cheetah,
}

/// Parameters of the ring and the runtime options that change a primitive's cost.
#[derive(Clone, Debug)]
pub struct Ring {
    /// Which protocol's kernels run.
    pub protocol: Protocol,
    /// Parties on the link (SEMI2K: 2..; ABY3: 3).
    pub world: u64,
    /// Ring bits `k`.
    pub k: u64,
    /// Fixed-point fraction bits `f`.
    pub f: u64,
    /// `trunc_allow_msb_error`: SecureML local truncation, no traffic.
    pub local_trunc: bool,
    /// `experimental_disable_vectorization`: Beaver openings in two messages.
    pub no_vectorization: bool,
    /// CHEETAH: Ferret OT instances an OT kernel splits its elements over
    /// (`cheetah/state.cc` `TiledDispatchOTFunc`); 1 elsewhere.
    pub ot_workers: u64,
}

impl Ring {
    /// Parties on the link.
    pub fn parties(&self) -> usize {
        self.world as usize
    }
    fn aby3(&self) -> bool {
        self.protocol == Protocol::Aby3
    }
    fn cheetah(&self) -> bool {
        self.protocol == Protocol::Cheetah
    }
    /// SEMI2K with more than two parties: the 2PC-only kernels (`msb_a2b`,
    /// `mul_a1b`, `TruncAPr2`) are not registered (`semi2k/protocol.cc`).
    fn semi2k_n(&self) -> bool {
        self.protocol == Protocol::Semi2k && self.world > 2
    }
    /// Width of the boolean share an equality returns: the full ring in
    /// SEMI2K, 8 bits in ABY3 (`aby3/conversion.cc` `eqz`).
    pub fn eq_bits(&self) -> u64 {
        if self.aby3() {
            8
        } else {
            self.k
        }
    }
    /// Bytes per arithmetic share, `ℓ = k/8`.
    pub fn l(&self) -> u64 {
        self.k / 8
    }
    /// `log2 k`: levels of the Kogge–Stone adders.
    pub fn log_k(&self) -> u64 {
        63 - self.k.leading_zeros() as u64
    }
    /// Bytes per element of the truncation ring for a shift of `bits`
    /// (`getTruncField`: FM32 up to 32 bits, then FM64, FM128).
    pub fn t_for(&self, bits: u64) -> u64 {
        match bits {
            0..=32 => 4,
            33..=64 => 8,
            _ => 16,
        }
    }
    /// Truncation-ring bytes for the default shift by `f`.
    pub fn t(&self) -> u64 {
        self.t_for(self.f)
    }
}

/// Bytes SPU stores a `bits`-wide boolean share in (`semi2k/boolean.cc` `getBacktype`).
pub fn w(bits: u64) -> u64 {
    match bits {
        0..=8 => 1,
        9..=16 => 2,
        17..=32 => 4,
        33..=64 => 8,
        _ => 16,
    }
}

/// Where one op's cost accumulates, step by step. In `step` every party sends
/// the same bytes in the same number of actions; `step_roles` takes one
/// figure per rank.
pub struct Tally {
    pub ring: Ring,
    pub steps: Vec<Step>,
    /// Why a step on this tally is not measured, if one is (`NodeCost::approximate`).
    pub approximate: Option<String>,
}

impl Tally {
    pub fn new(ring: &Ring) -> Tally {
        Tally { ring: ring.clone(), steps: Vec::new(), approximate: None }
    }

    /// Records a step: `bytes` sent by each party in `rounds` send actions.
    ///
    /// SEMI2K with N parties: `bytes` is the payload of `rounds` opens, each an
    /// all-gather (`communicator.cc` `allReduce` → yacl `AllGather`) that sends
    /// the payload to each of the N − 1 peers, one send action each.
    pub fn step(&mut self, name: &str, count: u64, bytes: u64, rounds: u64, detail: String) {
        if bytes == 0 && rounds == 0 {
            return;
        }
        if self.ring.semi2k_n() {
            let g = self.ring.world - 1;
            let roles = vec![(bytes * g, rounds * g); self.ring.parties()];
            return self.step_roles(name, count, &roles, false, rounds, format!("{detail}, to each of {g} peers"));
        }
        let party = PartyCost { bytes, rounds };
        let parties = self.ring.parties();
        let total = bytes.saturating_mul(parties as u64);
        let cost = Cost { bytes: total, rounds, online: total, offline: 0, parties: vec![party; parties] };
        crate::budget::spend(1);
        self.steps.push(Step { name: name.into(), count, detail, cost });
    }

    /// This tally's total repeated `k` times, as one step (bytes and rounds scale).
    pub fn times(&self, k: u64) -> Tally {
        let cost = self.total().times(k);
        let step = Step { name: "repeated".into(), count: k, detail: String::new(), cost };
        Tally { ring: self.ring.clone(), steps: vec![step], approximate: self.approximate.clone() }
    }

    /// Appends another tally's steps (a composite function reusing a block).
    pub fn absorb(&mut self, other: Tally) {
        self.steps.extend(other.steps);
        self.approximate = self.approximate.take().or(other.approximate);
    }

    /// Records a step whose parties send different figures in `rounds`
    /// latency rounds: `roles[i]` is rank i's (bytes, send actions) when the
    /// ranks are fixed (`pivoted` false). With `pivoted`, the roles go to ranks
    /// by a public random pivot per call (ABY3 `prg_state->fillPubl`), so only
    /// the total is deterministic: it counts in the wire total and the rounds,
    /// and no rank is charged.
    pub fn step_roles(
        &mut self,
        name: &str,
        count: u64,
        roles: &[(u64, u64)],
        pivoted: bool,
        rounds: u64,
        detail: String,
    ) {
        let bytes: u64 = roles.iter().map(|r| r.0).sum();
        if bytes == 0 && rounds == 0 {
            return;
        }
        let parties = if pivoted {
            vec![PartyCost::default(); roles.len()]
        } else {
            roles.iter().map(|&(bytes, rounds)| PartyCost { bytes, rounds }).collect()
        };
        let cost = Cost { bytes, rounds, online: bytes, offline: 0, parties };
        self.steps.push(Step { name: name.into(), count, detail, cost });
    }

    /// One step standing for `calls` sequential calls whose bytes are those of
    /// `bytes_of` (all elements) and whose rounds are `calls` × those of
    /// `one_call` (a max tree level, a batched matmul's loop).
    pub fn repeated(&mut self, name: &str, count: u64, bytes_of: &Tally, one_call: &Tally, calls: u64, detail: String) {
        let (b, r) = (bytes_of.total(), one_call.total());
        self.approximate = self.approximate.take().or_else(|| bytes_of.approximate.clone());
        if b.is_zero() && r.is_zero() {
            return;
        }
        let parties = b
            .parties
            .iter()
            .zip(&r.parties)
            .map(|(pb, pr)| PartyCost { bytes: pb.bytes, rounds: pr.rounds * calls })
            .collect();
        let cost = Cost { bytes: b.bytes, rounds: r.rounds * calls, online: b.online, offline: 0, parties };
        self.steps.push(Step { name: name.into(), count, detail, cost });
    }

    pub fn total(&self) -> Cost {
        let mut c = Cost::zero(self.ring.parties());
        for s in &self.steps {
            c += &s.cost;
        }
        c
    }

    /// Per-party (bytes, rounds) so far: what SPU's profile prints.
    #[cfg(test)]
    pub fn party(&self) -> (u64, u64) {
        let c = self.total();
        (c.parties[0].bytes, c.parties[0].rounds)
    }

    // ---- arithmetic ----

    /// Beaver product of two secret tensors, `mul_aa`: `x−a` and `y−b` opened
    /// in one message (`semi2k/arithmetic.cc` `MulOpen`, vmapped), `2ℓ·n` bytes,
    /// 1 round; 2 rounds when vectorization is disabled. Triples come from the
    /// trusted first party's PRG seeds: no traffic (`beaver_tfp.cc`).
    pub fn mul_aa(&mut self, what: &str, n: u64) {
        if self.ring.cheetah() {
            return cheetah::mul_aa(self, what, n);
        }
        if self.ring.aby3() {
            return super::aby3::mul_aa(self, what, n);
        }
        let l = self.ring.l();
        let r = if self.ring.no_vectorization { 2 } else { 1 };
        self.step(&format!("Beaver open ({what})"), n, 2 * l * n, r, format!("open x−a, y−b: 2ℓ·n = 2·{l}·{n} B"));
    }

    /// `square_a`: only `x−a` is opened, `ℓ·n` bytes, 1 round (`arithmetic.cc` `SquareA`).
    pub fn square_a(&mut self, n: u64) {
        if self.ring.cheetah() {
            return cheetah::square_a(self, n);
        }
        if self.ring.aby3() {
            return super::aby3::mul_aa(self, "square", n);
        }
        let l = self.ring.l();
        self.step("Beaver open (square)", n, l * n, 1, format!("open x−a: ℓ·n = {l}·{n} B"));
    }

    /// Product with a 1-bit boolean share, `mul_a1b` (2PC select/mux): a Beaver
    /// product of `(1−2y₀)x₀`-style terms, `2ℓ·n` bytes, 1 round
    /// (`arithmetic.cc` `MulA1B`; chosen in `mpc/api.cc` `mul_sb`).
    pub fn mul_a1b(&mut self, n: u64) {
        if self.ring.cheetah() {
            return cheetah::mul_a1b(self, n);
        }
        if self.ring.aby3() {
            return super::aby3::mul_a1b(self, n);
        }
        if self.ring.semi2k_n() {
            // No mul_a1b beyond 2PC: `mul_ss` converts the bit (`mpc/api.cc`).
            self.b2a(n, 1);
            return self.mul_aa("select", n);
        }
        let l = self.ring.l();
        let r = if self.ring.no_vectorization { 2 } else { 1 };
        self.step("select (mul_a1b)", n, 2 * l * n, r, format!("Beaver on the bit: 2ℓ·n = 2·{l}·{n} B"));
    }

    /// Matrix Beaver product `(m×K)·(K×n)`: opens `X−A` and `Y−B`,
    /// `ℓ(mK + Kn)` bytes, 1 round (`arithmetic.cc` `MatMulAA`). Operands above
    /// 256 MiB are tiled into blocks, one product each (`hal/ring.cc`
    /// `_mmul`, `calcMmulTilingSize`), unless `experimental_disable_mmul_split`.
    pub fn mmul_aa(&mut self, m: u64, k: u64, n: u64, split: bool) {
        if self.ring.cheetah() {
            return cheetah::mmul_aa(self, m, k, n);
        }
        if self.ring.aby3() {
            return super::aby3::mmul_aa(self, m, k, n, split);
        }
        if m == 0 || k == 0 || n == 0 {
            // An empty product opens nothing (only reached by malformed shapes).
            return;
        }
        let l = self.ring.l();
        let (ms, ns, ks) = if split { mmul_tiling(m, n, k, l) } else { (m, n, k) };
        let (mb, nb, kb) = (m.div_ceil(ms), n.div_ceil(ns), k.div_ceil(ks));
        let blocks = mb * nb * kb;
        // Each block opens its own slices: Σ over blocks of ℓ(m_b·k_b + k_b·n_b).
        // With equal steps and remainders, Σ m_b·k_b over (r, c, i) = nb·(m·k),
        // Σ k_b·n_b = mb·(k·n).
        let bytes = l * (nb * m * k + mb * k * n);
        let r = if self.ring.no_vectorization { 2 } else { 1 };
        let detail = if blocks == 1 {
            format!("open X−A, Y−B: ℓ(mK+Kn) = {l}·({m}·{k}+{k}·{n}) B")
        } else {
            format!("{blocks} tiles ({mb}×{nb}×{kb}) of at most 256 MiB: ℓ(nb·mK + mb·Kn) B")
        };
        self.step("Beaver open (matmul)", m * k + k * n, bytes, r * blocks, detail);
    }

    /// Fixed-point truncation by `f` of `n` elements. 2PC default `TruncAPr2`
    /// (one-bit-error truncation, `arithmetic.cc` `TruncAPr2::proc`): the wrap
    /// bits' product is formed with one `MulVVS` in the truncation ring,
    /// `t·n` bytes, 1 round. `trunc_allow_msb_error`: local shift, free.
    pub fn trunc(&mut self, n: u64) {
        self.trunc_bits(n, self.ring.f);
    }

    /// Truncation by an arbitrary shift (exp's `x / 2^N`).
    pub fn trunc_bits(&mut self, n: u64, bits: u64) {
        if self.ring.cheetah() {
            return cheetah::trunc_bits(self, n, bits);
        }
        if self.ring.aby3() {
            return super::aby3::trunc_bits(self, n, bits);
        }
        if self.ring.local_trunc {
            return;
        }
        if self.ring.semi2k_n() {
            // `TruncAPr` (`semi2k/arithmetic.cc`): open x + r in the full ring.
            let l = self.ring.l();
            return self.step("truncation (TruncAPr)", n, l * n, 1, format!("open x+r: ℓ·n = {l}·{n} B"));
        }
        let t = self.ring.t_for(bits);
        self.step(
            "truncation (TruncAPr2)",
            n,
            t * n,
            1,
            format!("wrap-bit product in the {}-bit ring: {t}·{n} B", 8 * t),
        );
    }

    /// `f_mul` of two secrets: `mul_aa` then truncation, `(2ℓ+t)·n`, 2 rounds
    /// (`hal/fxp_base.cc` `f_mul`).
    pub fn f_mul(&mut self, what: &str, n: u64) {
        self.mul_aa(what, n);
        self.trunc(n);
    }

    /// `f_square`: `square_a` then truncation, `(ℓ+t)·n`, 2 rounds (`fxp_base.cc` `f_square`).
    pub fn f_square(&mut self, n: u64) {
        self.square_a(n);
        self.trunc(n);
    }

    // ---- boolean and conversions ----

    /// AND of `bits`-wide boolean shares: opens `x⊕a`, `y⊕b` in one message,
    /// `2·w(bits)·n` bytes, 1 round (`semi2k/boolean.cc` `AndBB`).
    pub fn and_bb(&mut self, name: &str, n: u64, bits: u64, copies: u64) {
        if self.ring.cheetah() {
            return cheetah::and_bb(self, name, n, bits, copies);
        }
        if self.ring.aby3() {
            return super::aby3::and_bb(self, name, n, bits, copies);
        }
        let b = 2 * copies * w(bits) * n;
        self.step(name, n, b, 1, format!("{copies} AND of {bits}-bit shares: 2·{copies}·{}·{n} B", w(bits)));
    }

    /// MSB of an arithmetic share (`msb_a2b`, 2PC, `semi2k/conversion.cc`
    /// `MsbA2B`; `carry_a2b` in `mpc/ab_api.cc`): one AND on k bits, then
    /// `L` levels of two ANDs on halving widths k/2, …, 1.
    /// Bytes `n·[2ℓ + 4·Σ_{j=1..L} w(k/2^j)]`, rounds `1 + L`
    /// (FM64: 56n, 7; FM128: 104n, 8; SPU's own annotation, `conversion.h`).
    pub fn msb(&mut self, n: u64) {
        if self.ring.cheetah() {
            return cheetah::msb(self, n);
        }
        if self.ring.aby3() {
            return super::aby3::msb(self, n);
        }
        if self.ring.semi2k_n() {
            // No msb_a2b beyond 2PC: `msb_s` takes the top bit of a full A2B (`mpc/api.cc`).
            return self.a2b(n);
        }
        let (k, lk) = (self.ring.k, self.ring.log_k());
        let mut b = 2 * self.ring.l() * n;
        for j in 1..=lk {
            b += 4 * w(k >> j) * n;
        }
        self.step(
            "MSB (carry adder)",
            n,
            b,
            1 + lk,
            format!("1 AND on {k} bits + {lk} levels of 2 ANDs on halving widths"),
        );
    }

    /// Comparison `x < y` of secrets: `msb(x − y)` (`hal/ring.cc` `_less`).
    pub fn less(&mut self, n: u64) {
        self.msb(n);
    }

    /// `max`/`min`/ReLU/clamp bound: compare, then select with the boolean
    /// (`hal/polymorphic.cc` `max` → `select` → `_mux` → `mul_a1b`).
    pub fn max(&mut self, n: u64) {
        self.msb(n);
        self.mul_a1b(n);
    }

    /// Equality of secrets (`semi2k/conversion.cc` `EqualAA` → `eqz`): reveal
    /// `x − y + r` (`ℓ·n`, 1 round), then `L` AND levels that fold the bits
    /// of the full-width boolean share (`2ℓ·n` each). FM64: 104n, 7 rounds.
    pub fn equal(&mut self, n: u64) {
        if self.ring.cheetah() {
            return cheetah::equal(self, n);
        }
        if self.ring.aby3() {
            return super::aby3::equal(self, n);
        }
        let (l, lk) = (self.ring.l(), self.ring.log_k());
        self.step(
            "equality (eqz)",
            n,
            n * (l + 2 * l * lk),
            1 + lk,
            format!("reveal ℓ·n, then {lk} AND levels of 2ℓ·n"),
        );
    }

    /// Select by a secret boolean that came from an equality (`hal` `_mux` on `equal`'s
    /// result): SEMI2K and ABY3 hold it as a `bits`-wide share, which `mixed_mul` converts by
    /// a B2A before a `mul_aa`; CHEETAH's `EqualAA` returns a 1-bit share, so `mul_a1b`.
    pub fn select_on_equality(&mut self, what: &str, n: u64, bits: u64) {
        if self.ring.cheetah() {
            return self.mul_a1b(n);
        }
        self.b2a(n, bits);
        self.mul_aa(what, n);
    }

    /// Fixed-point → integer (`hal` `fxp2int`): sign by MSB, floor by a
    /// Kogge–Stone A2B and a 1-bit B2A. FM64: 265n, 15 rounds.
    pub fn fxp2int(&mut self, n: u64) {
        self.msb(n);
        self.a2b(n);
        self.b2a(n, 1);
    }

    /// Kogge–Stone A2B (`mpc/ab_api.cc` `ppa_kogge_stone`): 1 AND on k bits and
    /// `L` levels of 2 ANDs on k bits: `n(2ℓ + 4ℓL)` bytes, `1 + L` rounds.
    pub fn a2b(&mut self, n: u64) {
        if self.ring.cheetah() {
            return cheetah::a2b(self, n);
        }
        if self.ring.aby3() {
            return super::aby3::a2b(self, n);
        }
        let (k, lk, l) = (self.ring.k, self.ring.log_k(), self.ring.l());
        if self.ring.semi2k_n() {
            // `A2B::proc`: one boolean share per party, summed by `vreduce`:
            // N − 1 adders in ⌈log2 N⌉ vectorised levels.
            let adders = self.ring.world - 1;
            let levels = 64 - (self.ring.world - 1).leading_zeros() as u64;
            return self.step(
                "A2B (Kogge–Stone adders)",
                n,
                adders * n * (2 * l + 4 * l * lk),
                levels * (1 + lk),
                format!("{adders} adders in {levels} levels, each 1 AND + {lk} levels of 2 ANDs on {k} bits"),
            );
        }
        self.step(
            "A2B (Kogge–Stone adder)",
            n,
            n * (2 * l + 4 * l * lk),
            1 + lk,
            format!("1 AND + {lk} levels of 2 ANDs on {k} bits"),
        );
    }

    /// B2A of a `bits`-wide boolean share (`conversion.cc` `B2A_Randbit`):
    /// opens `x⊕r` packed in `w(bits)` bytes, 1 round.
    pub fn b2a(&mut self, n: u64, bits: u64) {
        if self.ring.cheetah() {
            return cheetah::b2a(self, n, bits);
        }
        if self.ring.aby3() {
            return super::aby3::b2a(self, n, bits);
        }
        self.step("B2A", n, w(bits) * n, 1, format!("open x⊕r, {bits} bits in {} B", w(bits)));
    }

    /// Prefix-OR (`hal/ring.cc` `_prefix_or`): A2B, then `L` ORs (one AND each)
    /// whose widths shrink with the shift hint: k−1, k−2, k−4, …, k−k/2.
    /// FM64: 296n bytes, 13 rounds.
    pub fn prefix_or(&mut self, n: u64) {
        self.a2b(n);
        let (k, lk) = (self.ring.k, self.ring.log_k());
        for j in 0..lk {
            self.and_bb("prefix-OR level", n, k - (1 << j), 1);
        }
    }
}

/// Tile sizes of a large matmul (`hal/ring.cc` `calcMmulTilingSize`, 256 MiB
/// limit on `(mK + Kn)·elsize`): returns `(m_step, n_step, k_step)`.
pub fn mmul_tiling(m: u64, n: u64, k: u64, elsize: u64) -> (u64, u64, u64) {
    const LIMIT: u128 = 256 * 1024 * 1024;
    if m == 0 || n == 0 || k == 0 || ((m as u128 * k as u128 + k as u128 * n as u128) * elsize as u128) < LIMIT {
        return (m, n, k);
    }
    let el = (LIMIT / elsize as u128) as f64;
    let (m_i, n_i, k_i) = (m as f64, n as f64, k as f64);
    let (k_step, mn_step) = if k > (m + n) * 8 {
        let mn = m + n;
        ((el / mn as f64).ceil().max(1.0) as u64, mn)
    } else if m + n > k * 8 {
        (k, (el / k_i).ceil().max(1.0) as u64)
    } else {
        let ratio = k_i / (m_i + n_i);
        let mn = (el / ratio).sqrt();
        ((el / mn).ceil().max(1.0) as u64, mn.ceil().max(1.0) as u64)
    };
    let m_step = ((mn_step as u128 * m as u128 / (m as u128 + n as u128)) as u64).max(1);
    let n_step = ((mn_step as u128 * n as u128 / (m as u128 + n as u128)) as u64).max(1);
    (m_step, n_step, k_step)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm(k: u64, f: u64) -> Ring {
        Ring { protocol: Protocol::Semi2k, world: 2, k, f, local_trunc: false, no_vectorization: false, ot_workers: 1 }
    }

    /// The per-element constants of the research notes, from the formulas:
    /// MSB FM64 = 16 + 4·(4+2+1+1+1+1) = 56 B, 7 rounds; FM128 = 32 + 4·(8+4+2+1+1+1+1) = 104 B, 8 rounds.
    /// Prefix-OR FM64 = A2B 16+4·8·6 = 208, ORs 2·(8+8+8+8+8+4) = 88 → 296 B, 7 + 6 = 13 rounds.
    #[test]
    fn primitive_constants() {
        let mut t = Tally::new(&fm(64, 18));
        t.msb(1);
        assert_eq!(t.party(), (56, 7));
        let mut t = Tally::new(&fm(128, 26));
        t.msb(1);
        assert_eq!(t.party(), (104, 8));
        let mut t = Tally::new(&fm(64, 18));
        t.prefix_or(1);
        assert_eq!(t.party(), (296, 13));
        let mut t = Tally::new(&fm(128, 26));
        t.prefix_or(1);
        // A2B 32 + 4·16·7 = 480; ORs 2·(16·6 + 8) = 208 → 688, 8 + 7 = 15.
        assert_eq!(t.party(), (688, 15));
    }

    #[test]
    fn tiling_only_past_256_mib() {
        assert_eq!(mmul_tiling(128, 1000, 4096, 8), (128, 1000, 4096));
        let (ms, ns, ks) = mmul_tiling(8192, 8192, 8192, 8);
        assert!(ms < 8192 || ns < 8192 || ks < 8192);
    }
}
