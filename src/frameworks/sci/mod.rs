//! SCI building blocks shared by CryptFlow2 and Cheetah, as exact wire bytes.
//!
//! Source: microsoft/EzPC `SCI/src` at f24bf3e (identical files in OpenCheetah f71d4d4's
//! `SCI/src` for the IKNP/KKOT flavour). Every function returns the BYTES both parties put on
//! the wire together (io + io_rev of one thread), counted the way `IOPack::get_comm()` counts
//! them. λ = 128 (`SplitIKNP::lambda`), 256-bit KKOT columns (`SplitKKOT::lambda`), millionaire
//! radix 4 (`MILL_PARAM`) with `WAN_EXEC` defined (`Millionaire/millionaire.h`).
//!
//! The older bit-level helpers at the end (`mill_bits`, `cf2_relu_ring_bits`, ...) are kept for
//! the per-element constant table (`tests/protocol_constants.rs`): they ignore padding.

/// ⌈a/b⌉.
pub fn cdiv(a: u64, b: u64) -> u64 {
    a.div_ceil(b)
}

/// ⌈log2 x⌉ for x ≥ 1 (`sci::bitlen` in `utils/utils.hpp` returns exactly this).
pub fn clog2(x: u64) -> u64 {
    if x <= 1 {
        0
    } else {
        64 - (x - 1).leading_zeros() as u64
    }
}

/// Bytes sent by each side of one protocol instance: `a` by its ALICE, `b` by its BOB. Every SCI
/// OT-based protocol has ALICE as the OT sender (messages) and BOB as the receiver (the
/// extension's u-matrix), except the two "one each way" OTs of the ReLU tail and the
/// multiplexer, and the AND-tree openings, which both sides send. The 4-thread wrappers build
/// odd threads' protocol objects with `3 - party` (`StartComputation`), so a thread's ALICE is
/// the server on even threads and the client on odd ones ([`Split::swap`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub a: u64,
    pub b: u64,
}

impl Split {
    /// ALICE sends `a`, BOB sends `b`.
    pub const fn new(a: u64, b: u64) -> Self {
        Split { a, b }
    }
    /// An OT where ALICE sends `msgs` and BOB the extension `ext`.
    pub const fn ot(msgs: u64, ext: u64) -> Self {
        Split { a: msgs, b: ext }
    }
    /// Both directions together (what `IOPack::get_comm()` of both parties adds up to).
    pub const fn total(self) -> u64 {
        self.a + self.b
    }
    /// Roles exchanged (an odd thread, or an OT the other way round).
    pub const fn swap(self) -> Self {
        Split { a: self.b, b: self.a }
    }
}

impl std::ops::Add for Split {
    type Output = Split;
    fn add(self, o: Split) -> Split {
        Split { a: self.a + o.a, b: self.b + o.b }
    }
}

impl std::ops::AddAssign for Split {
    fn add_assign(&mut self, o: Split) {
        self.a += o.a;
        self.b += o.b;
    }
}

impl std::ops::Mul<u64> for Split {
    type Output = Split;
    fn mul(self, k: u64) -> Split {
        Split { a: self.a * k, b: self.b * k }
    }
}

impl std::iter::Sum for Split {
    fn sum<I: Iterator<Item = Split>>(it: I) -> Split {
        it.fold(Split::default(), |x, y| x + y)
    }
}

/// `SplitIKNP::send_pre` / `SplitKKOT::send_pre` (`OT/split-iknp.h`, `OT/split-kkot.h`):
/// the block size shrinks to B = min(16384, 256·⌈n/256⌉) and n is padded to B·⌈n/B⌉.
pub fn ot_pad(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let b = (256 * cdiv(n, 256)).min(16384);
    b * cdiv(n, b)
}

/// SplitIKNP extension (receiver → sender): 128 rows of pad(n)/8 bytes = 16·pad(n).
pub fn iknp_ext_bytes(n: u64) -> u64 {
    16 * ot_pad(n)
}

/// SplitKKOT extension (receiver → sender): 256 rows of pad(n)/8 bytes = 32·pad(n).
pub fn kkot_ext_bytes(n: u64) -> u64 {
    32 * ot_pad(n)
}

/// Old `sci::IKNP` (`OT/iknp.h`, used by `funcFieldDiv`, `funcTruncateTwoPowerRing`, AvgPool):
/// `block_size` is fixed at 16384, so the u-matrix is 16·16384·⌈n/16384⌉ bytes.
pub fn old_iknp_ext_bytes(n: u64) -> u64 {
    16 * 16384 * cdiv(n, 16384)
}

/// `f` summed over `n` split into chunks of `chunk` (the last one shorter), in closed form so
/// its time does not grow with `n`.
fn chunked(n: u64, chunk: u64, f: impl Fn(u64) -> u64) -> u64 {
    if n == 0 || chunk == 0 {
        return 0;
    }
    let full = (n / chunk).saturating_mul(f(chunk));
    if n.is_multiple_of(chunk) {
        full
    } else {
        full.saturating_add(f(n % chunk))
    }
}

/// `SplitKKOT::got_send_post<uint8_t>`: chunks of `ro_batch_size` = 2048 OTs, ⌈N·c·l/8⌉ bytes each.
pub fn kkot_msg_bytes(n_ots: u64, big_n: u64, l: u64) -> u64 {
    chunked(n_ots, 2048, |c| cdiv(big_n * c * l, 8))
}

/// `SplitKKOT::got_send_post<uint64_t>`: chunks of 2048, 8·⌈N·c·l/64⌉ bytes each.
pub fn kkot_msg64_bytes(n_ots: u64, big_n: u64, l: u64) -> u64 {
    chunked(n_ots, 2048, |c| 8 * cdiv(big_n * c * l, 64))
}

/// `SplitIKNP::got_send_post<uint64_t>` and old `IKNP::got_send_post(uint64_t**)`: chunks of
/// AES_BATCH_SIZE/2 = 1024 OTs, 8·⌈2·c·l/64⌉ bytes each.
pub fn iknp_msg64_bytes(n_ots: u64, l: u64) -> u64 {
    chunked(n_ots, 1024, |c| 8 * cdiv(2 * c * l, 64))
}

/// `SplitIKNP::got_send_post<uint8_t>`: chunks of 1024, ⌈2·c·l/8⌉ bytes each.
pub fn iknp_msg8_bytes(n_ots: u64, l: u64) -> u64 {
    chunked(n_ots, 1024, |c| cdiv(2 * c * l, 8))
}

/// One 1-of-N KKOT call with l-bit uint8 messages (`kkot[log N − 1]->send(uint8**, n, l)`).
pub fn kkot_bytes(n: u64, big_n: u64, l: u64) -> Split {
    if n == 0 {
        Split::default()
    } else {
        Split::ot(kkot_msg_bytes(n, big_n, l), kkot_ext_bytes(n))
    }
}

/// One 1-of-N KKOT call with l-bit uint64 messages (`send_impl(uint64**, n, l)`).
pub fn kkot64_bytes(n: u64, big_n: u64, l: u64) -> Split {
    if n == 0 {
        Split::default()
    } else {
        Split::ot(kkot_msg64_bytes(n, big_n, l), kkot_ext_bytes(n))
    }
}

/// One SplitIKNP 1-of-2 OT call with l-bit uint64 messages (`iknp_straight->send(uint64**, n, l)`).
pub fn iknp_ot_bytes(n: u64, l: u64) -> Split {
    if n == 0 {
        Split::default()
    } else {
        Split::ot(iknp_msg64_bytes(n, l), iknp_ext_bytes(n))
    }
}

/// One SplitIKNP 1-of-2 OT call with l-bit uint8 messages.
pub fn iknp_ot8_bytes(n: u64, l: u64) -> Split {
    if n == 0 {
        Split::default()
    } else {
        Split::ot(iknp_msg8_bytes(n, l), iknp_ext_bytes(n))
    }
}

/// SplitIKNP correlated OT (`send_cot`, `cot_send_post`): chunks of 1024, 8·⌈c·l/64⌉ bytes each.
pub fn cot_bytes(n: u64, l: u64) -> Split {
    if n == 0 {
        Split::default()
    } else {
        Split::ot(chunked(n, 1024, |c| 8 * cdiv(c * l, 64)), iknp_ext_bytes(n))
    }
}

/// Old-IKNP correlated OT with whole uint64 messages (`send_cot_moduloAdd<uint64_t>`): 8 B per OT.
pub fn old_cot64_bytes(n: u64) -> Split {
    if n == 0 {
        Split::default()
    } else {
        Split::ot(8 * n, old_iknp_ext_bytes(n))
    }
}

/// AND gates in the comparison tree on q digits: T = 2q − 2 − ⌈log2 q⌉
/// (`MillionaireProtocol::configure`: num_triples_std + num_triples_corr).
pub fn mill_ands(q: u64) -> u64 {
    (2 * q).saturating_sub(2 + clog2(q))
}

/// `traverse_and_compute_ANDs` (WAN_EXEC) for m comparisons: T·m bit triples from one
/// `_16KKOT_to_4OT` call (T·m/2 1-of-16 OTs with 2-bit messages), then each party sends e and f
/// (1 bit each per AND and comparison; ALICE on io, BOB on io_rev): T·m/2 bytes in all.
pub fn and_tree_bytes(m: u64, t: u64) -> Split {
    let triples = t * m;
    let open = 2 * triples / 8;
    kkot_bytes(triples / 2, 16, 2) + Split::new(open, open)
}

/// `MillionaireProtocol::compare(res, data, n, b)`. b ≤ 4: one 1-of-2^b KKOT with 1-bit
/// messages (b = 1: an IKNP OT). Otherwise n is padded to m = 8⌈n/8⌉, all q = ⌈b/4⌉ leaves go
/// through one 1-of-16 KKOT with 2-bit messages (WAN_EXEC), then the AND tree.
pub fn mill_bytes(n: u64, b: u64) -> Split {
    if n == 0 {
        return Split::default();
    }
    if b <= 4 {
        return if b > 1 { kkot_bytes(n, 1 << b, 1) } else { iknp_ot8_bytes(n, 1) };
    }
    let m = 8 * cdiv(n, 8);
    let q = cdiv(b, 4);
    kkot_bytes(q * m, 16, 2) + and_tree_bytes(m, mill_ands(q))
}

/// `MillionaireWithEquality::compare_with_eq` on b > 4 bits (`millionaire_with_equality.h`):
/// leaves: (q−1)·m 1-of-16 OTs with 2-bit messages, the last digit of r = b mod 4 bits as a
/// 1-of-2^r KKOT (r = 1: an IKNP OT; r = 0: one more 1-of-16); 2q−2 correlated triples per
/// comparison from `_8KKOT` (1-of-8 OTs, 2-bit messages, one per 2 triples); openings: each party
/// sends e and f TWICE (the code calls `send_data(ei…)` and `send_data(fi…)` two times each),
/// i.e. (2q−2)·m bytes in all.
pub fn mill_eq_bytes(n: u64, b: u64) -> Split {
    if n == 0 {
        return Split::default();
    }
    let m = 8 * cdiv(n, 8);
    let q = cdiv(b, 4);
    let r = b % 4;
    let leaves = match r {
        0 => kkot_bytes(q * m, 16, 2),
        1 => kkot_bytes((q - 1) * m, 16, 2) + iknp_ot8_bytes(m, 2),
        _ => kkot_bytes((q - 1) * m, 16, 2) + kkot_bytes(m, 1 << r, 2),
    };
    let triples = (2 * q - 2) * m;
    let open = 2 * (2 * triples / 8);
    leaves + kkot_bytes(triples / 2, 8, 2) + Split::new(open, open)
}

/// `AuxProtocols::AND` on n bit pairs: one 1-of-16 OT with 2-bit messages per 2 ANDs.
pub fn aux_and_bytes(n: u64) -> Split {
    kkot_bytes(cdiv(n, 2), 16, 2)
}

/// Element split of the multithreaded wrappers (`Relu`, `funcFieldDivWrapper`,
/// `funcTruncateTwoPowerRingWrapper`, `MaxPool`): chunk = ⌊n/4⌋ for threads 0–2, the rest to thread 3.
pub fn threads4(n: u64) -> [u64; 4] {
    let c = n / 4;
    [c, c, c, n - 3 * c]
}

/// `funcDotProdThread` split (`ElemWiseActModelVectorMult`): chunk = ⌈n/4⌉, the last may be shorter.
pub fn threads4_ceil(n: u64) -> [u64; 4] {
    let c = cdiv(n, 4);
    let mut out = [0; 4];
    for (i, o) in out.iter_mut().enumerate() {
        *o = n.saturating_sub(i as u64 * c).min(c);
    }
    out
}

/// Sum of `f(chunk)` over the 4-thread split, in server/client terms: thread t's protocol
/// objects run with `3 - party` on odd t, so their ALICE is the client.
pub fn per_thread(n: u64, f: impl Fn(u64) -> Split) -> Split {
    threads4(n)
        .iter()
        .enumerate()
        .map(|(t, &k)| {
            if k == 0 {
                Split::default()
            } else if t % 2 == 1 {
                f(k).swap()
            } else {
                f(k)
            }
        })
        .sum()
}

// ------------------------------------------------------------------ ring (SCI_OT) -----------

/// `ReLURingProtocol::relu` (`NonLinear/relu-ring.h`): DReLU = Mill(ℓ−1) on the low bits, then
/// (unless skip_ot) two 1-of-2 OTs with ℓ-bit messages, `iknp_straight` and `iknp_reversed`.
pub fn relu_ring_bytes(n: u64, ell: u64, skip_ot: bool) -> Split {
    if n == 0 {
        return Split::default();
    }
    let tail = iknp_ot_bytes(n, ell);
    mill_bytes(n, ell - 1) + if skip_ot { Split::default() } else { tail + tail.swap() }
}

/// `Truncation::truncate(n, …, s, ℓ, signed, msb_x = nullptr)` (`BuildingBlocks/truncation.cpp`,
/// SIRNN faithful truncation; `ScaleDown` in SCI_OT calls it single-threaded):
/// wrap of the low s bits = Mill(s), MillEq(ℓ−s) on the upper bits, one AND, B2A to s bits and
/// B2A to ℓ bits (each a COT).
pub fn sirnn_trunc_bytes(n: u64, ell: u64, s: u64) -> Split {
    if n == 0 {
        return Split::default();
    }
    mill_bytes(n, s) + mill_eq_bytes(n, ell - s) + aux_and_bytes(n) + cot_bytes(n, s) + cot_bytes(n, ell)
}

/// `funcTruncateTwoPowerRing` with the MSB known (ReLU with fused truncation,
/// `library_fixed_uniform.cpp::Relu` → msbShare = 0): carry = Mill(s) on the low s bits, one
/// 1-of-4 KKOT with ℓ-bit uint64 messages (`kkot[1]->send_impl`), one old-IKNP COT with uint64
/// messages (`send_cot_moduloAdd`).
pub fn trunc_msb_known_ring_bytes(n: u64, ell: u64, s: u64) -> Split {
    if n == 0 {
        return Split::default();
    }
    mill_bytes(n, s) + kkot64_bytes(n, 4, ell) + old_cot64_bytes(n)
}

/// `funcAvgPoolTwoPowerRing` (division by d on the ring): DReLU (ReLU with skip_ot), one 1-of-4
/// KKOT with (ℓ + a)-bit messages, a = ⌈log2 6d⌉, then c·n comparisons on a−1 bits and c·n
/// old-IKNP uint64 COTs, c = 2 if 2·(2^ℓ mod d) < d else 3.
pub fn avgpool_ring_bytes(n: u64, ell: u64, d: u64) -> Split {
    if n == 0 {
        return Split::default();
    }
    // d = 0 only comes from a malformed graph (an output larger than its input).
    let d = d.max(1);
    let a = clog2(6 * d);
    let rem = ((1u128 << ell) % d as u128) as u64;
    let c = if 2 * rem < d { 2 } else { 3 };
    relu_ring_bytes(n, ell, true) + kkot64_bytes(n, 4, ell + a) + mill_bytes(c * n, a - 1) + old_cot64_bytes(c * n)
}

/// `MAX_NUM_OT` in `LinearOT/linear-ot.cpp`.
pub const MAX_NUM_OT: u64 = 1 << 24;

/// One cross-term direction of `LinearOT::matmul_cross_terms`: the receiver matrix has `dim`
/// entries, ℓ bit-OTs each; bit i carries `m` messages of (ℓ−i) bits packed to
/// ⌈m(ℓ−i)/8⌉ bytes (`SplitIKNP::send_batched_cot`). OTs go in batches of
/// ⌈2^24/(dim·m)⌉·dim, each with its own IKNP extension (padded separately).
pub fn matmul_dir_bytes(ell: u64, dim: u64, m: u64) -> u64 {
    if dim == 0 || m == 0 {
        return 0;
    }
    let num_ot = dim * ell;
    let max_num_ot = cdiv(MAX_NUM_OT, dim * m) * dim;
    let bs = num_ot.min(max_num_ot);
    let mut t = 0;
    let mut i = 0;
    while i < num_ot {
        let cur = bs.min(num_ot - i);
        t += iknp_ext_bytes(cur);
        let mut j = i;
        while j < i + cur {
            let bit = j / dim;
            t += dim * cdiv(m * (ell - bit), 8);
            j += dim;
        }
        i += cur;
    }
    t
}

/// `cross_term_cost` in `linear-ot.cpp`, used to pick the receiver matrix in `MultMode::None`.
fn cross_term_cost(d1: u64, d2: u64, d3: u64, m: u64, l: u64) -> f64 {
    (d1 * d2) as f64 * (m as f64 * 128.0 + d3 as f64 * ((m * (l - m)) as f64 + (m * m + m) as f64 / 2.0))
}

/// `MatMul2D(s1, s2, s3, A, B)` in SCI_OT with `MULTITHREADED_MATMUL`: `funcMatmulThread` splits
/// s2 into 4 buckets of ⌈s2/4⌉. With `TRAINING` defined (current EzPC) every thread runs
/// `MultMode::None`: both cross terms, receiver chosen by `cross_term_cost`. Without it
/// (`both = false`) even threads run `Alice_has_A` (receiver = B, m = s1 messages) and odd threads
/// `Bob_has_A` (receiver = A, m = s3 messages): one cross term.
pub fn matmul_ot_bytes(s1: u64, s2: u64, s3: u64, ell: u64, both: bool) -> Split {
    let nt = s2.min(4);
    if nt == 0 {
        return Split::default();
    }
    let bucket = cdiv(s2, nt);
    let mut t = Split::default();
    for tid in 0..nt {
        let k = ((tid + 1) * bucket).min(s2).saturating_sub(tid * bucket);
        if k == 0 {
            continue;
        }
        if both {
            let row_batching = cross_term_cost(s1, k, s3, ell, ell) <= cross_term_cost(s3, k, s1, ell, ell);
            let d = if row_batching { matmul_dir_bytes(ell, s1 * k, s3) } else { matmul_dir_bytes(ell, k * s3, s1) };
            // one cross term each way: each party is the receiver of one
            t += Split::new(d, d);
        } else {
            // one cross term; which side receives depends on the thread's mode and role
            // (not measured: split evenly)
            let d = if tid & 1 == 1 { matmul_dir_bytes(ell, s1 * k, s3) } else { matmul_dir_bytes(ell, k * s3, s1) };
            t += Split::new(d / 2, d - d / 2);
        }
    }
    t
}

/// OT batches of one `matmul_cross_terms` call with `dim` receiver entries and `m` messages per OT:
/// ⌈ℓ·dim / batch⌉ with batch = min(ℓ·dim, ⌈2^24/(dim·m)⌉·dim) (`linear-ot.cpp`, `MAX_NUM_OT`).
pub fn matmul_batches(ell: u64, dim: u64, m: u64) -> u64 {
    if dim == 0 || m == 0 {
        return 0;
    }
    let num_ot = dim * ell;
    cdiv(num_ot, num_ot.min(cdiv(MAX_NUM_OT, dim * m) * dim))
}

/// OT batches thread 0 runs in `MatMul2D(s1, s2, s3)` (its bucket of ⌈s2/4⌉, the receiver chosen
/// as in [`matmul_ot_bytes`]). SCI counts rounds on thread 0's `io`: each batch is the straight
/// IKNP there (the receiver's extension, then the sender's messages) and the reversed one on
/// `io_rev`, so each batch turns the direction twice.
pub fn matmul_t0_batches(s1: u64, s2: u64, s3: u64, ell: u64, both: bool) -> u64 {
    let k = cdiv(s2, s2.clamp(1, 4)).min(s2);
    if k == 0 {
        return 0;
    }
    let row_batching =
        if both { cross_term_cost(s1, k, s3, ell, ell) <= cross_term_cost(s3, k, s1, ell, ell) } else { false };
    if row_batching {
        matmul_batches(ell, s1 * k, s3)
    } else {
        matmul_batches(ell, k * s3, s1)
    }
}

/// OT batches thread 0 runs in `ElemWiseActModelVectorMult` (`hadamard_cross_terms` on its
/// ⌈n/4⌉ chunk: one message per OT).
pub fn hadamard_t0_batches(n: u64, ell: u64) -> u64 {
    matmul_batches(ell, threads4_ceil(n)[0], 1)
}

/// `ElemWiseActModelVectorMult` in SCI_OT (BatchNorm scale): `funcDotProdThread` on ⌈n/4⌉ chunks,
/// `hadamard_cross_terms` = `matmul_cross_terms(1, k, 1)`: k receiver entries, 1 message each;
/// both directions with `TRAINING` (current EzPC), one without.
pub fn hadamard_ot_bytes(n: u64, ell: u64, both: bool) -> Split {
    threads4_ceil(n)
        .iter()
        .map(|&k| {
            let d = if k == 0 { 0 } else { matmul_dir_bytes(ell, k, 1) };
            if both {
                Split::new(d, d)
            } else {
                Split::new(d / 2, d - d / 2)
            }
        })
        .sum()
}

// ------------------------------------------------------------------ field (SCI_HE) ----------

/// `sci::default_prime_mod` (`utils/constants.h`, SCI_HE): the field prime for ℓ bits. All of
/// them are ≡ 1 mod 2^16 (NTT-friendly).
pub fn prime_mod(ell: u64) -> u64 {
    match ell {
        32 => 4293918721,
        33 => 8585084929,
        34 => 17171218433,
        35 => 34359214081,
        36 => 68686184449,
        37 => 137352314881,
        38 => 274824036353,
        39 => 549753716737,
        40 => 1099480956929,
        41 => 2198100901889,
        // outside the table SCI aborts (`std::map::at`); a prime just below 2^ℓ with the same
        // ≡ 1 mod 2^16 shape is assumed so the model still answers.
        _ => (1u64 << ell) - (1u64 << 16) + 1,
    }
}

/// `DReLUFieldProtocol::compute_drelu` (`NonLinear/drelu-field.h`), constructed by
/// `ReLUFieldProtocol` with l+1 bits: n padded to n4 = 4⌈n/4⌉; q = ⌈(ℓ+1)/4⌉ leaf digits shared by
/// the 2 comparisons (wrap and sign), one 1-of-16 KKOT per digit with 4-bit messages; AND tree over
/// 2·n4 comparisons; the final mux is one 1-of-4 KKOT with 1-bit messages per element.
pub fn drelu_field_bytes(n: u64, ell: u64) -> Split {
    if n == 0 {
        return Split::default();
    }
    let n4 = 4 * cdiv(n, 4);
    let q = cdiv(ell + 1, 4);
    kkot_bytes(n4 * q, 16, 4) + and_tree_bytes(2 * n4, mill_ands(q)) + kkot_bytes(n4, 4, 1)
}

/// `ReLUFieldProtocol::relu`: DReLU then the two 1-of-2 OTs with ℓ-bit messages (`iknp_straight`,
/// `iknp_reversed`) on the unpadded n.
pub fn relu_field_bytes(n: u64, ell: u64) -> Split {
    if n == 0 {
        return Split::default();
    }
    let tail = iknp_ot_bytes(n, ell);
    drelu_field_bytes(n, ell) + tail + tail.swap()
}

/// `funcFieldDiv` (`functionalities_uniform.h`): division by d in F_p. DReLU_field first unless
/// the MSB is known (ReLU with fused truncation passes msbShare = 0); one 1-of-4 KKOT with
/// (⌈log2 p⌉ + a)-bit uint64 messages, a = ⌈log2 6d⌉ (≤ 64 bits for every table prime);
/// c·n comparisons on a−1 bits; c·n old-IKNP 1-of-2 OTs with ⌈log2 p⌉-bit messages;
/// c = 2 if 2·(p mod d) < d else 3.
pub fn field_div_bytes(n: u64, ell: u64, d: u64, msb_known: bool) -> Split {
    if n == 0 {
        return Split::default();
    }
    let d = d.max(1);
    let p = prime_mod(ell);
    let fb = clog2(p);
    let a = clog2(6 * d);
    let c = if 2 * (p % d) < d { 2 } else { 3 };
    let drelu = if msb_known { Split::default() } else { drelu_field_bytes(n, ell) };
    drelu
        + kkot64_bytes(n, 4, fb + a)
        + mill_bytes(c * n, a - 1)
        + Split::ot(iknp_msg64_bytes(c * n, fb), old_iknp_ext_bytes(c * n))
}

// ------------------------------------------------------------------ SEAL 3.3.2 (SCI_HE) -----

/// SEAL 3.3.2 `Ciphertext::save`: parms_id 32 + is_ntt_form 1 + size 8 + poly degree 8 +
/// coeff_mod_count 8 + scale 8 + IntArray size 8 = 73 B of header, then 2·primes·N uint64.
/// SCI's coeff modulus is {60, 60, 60, 38} (`utils-HE.cpp::generate_new_keys`): fresh
/// ciphertexts carry the 3 data primes, results are switched down to 1 before sending.
pub fn seal33_ct_bytes(n: u64, primes: u64) -> u64 {
    2 * primes * n * 8 + 73
}

/// Keys the client sends when a conv / FC needs a ring degree with no preset context
/// (`generate_new_keys`): two uint64 sizes (16 B), the public key (a ciphertext at the key level:
/// 4 primes → 64N + 73 B) and `KeyGenerator::galois_keys()`: the elements 2N − 1 and ±3^(2^i)
/// for i < log2 N − 1, but the last pair coincides (3^(2^(log2 N − 2)) has order 2 mod 2N, so it
/// is its own inverse) and `GaloisKeys` keeps one key per element: 2(log2 N − 1) keys. SEAL 3.3.2
/// `KSwitchKeys::save` writes parms_id (32) + the outer size (8) + N inner sizes (8 each, the
/// vector is resized to N) + per key 3 decomposition components, each a 64N + 73 B key ciphertext.
/// Checked against the recorded SqueezeNet run (conv1's 4 key sets at N = 32768: 178,526,325 B each).
pub fn seal33_key_bytes(n: u64) -> u64 {
    let logn = 63 - n.leading_zeros() as u64;
    let keys = 2 * (logn - 1);
    16 + seal33_ct_bytes(n, 4) + 32 + 8 + 8 * n + keys * 3 * seal33_ct_bytes(n, 4)
}

/// `ConvField::non_strided_conv` / `FCField::matrix_multiplication`: N = min(65536, max(8192, 2·nextpow2(d))).
pub fn he_n(d: u64) -> u64 {
    (2 * d.next_power_of_two()).clamp(8192, 65536)
}

/// One HE conv (`ConvField::convolution`), per party bytes sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeConv {
    /// client → server: 8 + inp_ct·(48N + 73) per sub-conv.
    pub c2s: u64,
    /// server → client: 8 + out_ct·(16N + 73) per sub-conv.
    pub s2c: u64,
    /// client → server key material for sub-convs whose N ∉ {8192, 65536}.
    pub keys: u64,
    /// number of non-strided sub-convolutions run.
    pub subs: u64,
    /// number of those that sent fresh keys.
    pub key_sets: u64,
}

/// `ConvField::convolution(H, W, CI, FH, FW, CO, pads, strides)`: a stride-(sh, sw) conv becomes
/// sh·sw non-strided convs on sub-sampled images lH×lW (limit = FH + ⌊(padded − FH)/s⌋·s,
/// lH = ⌈(limit − a)/s⌉) with ⌈(FH − a)/s⌉-sized filters, skipped when that is 0. Each sub-conv:
/// N = he_n(lH·lW), img = nextpow2(lH·lW), cph = (N/2)/img, inp_ct = ⌈CI/2cph⌉,
/// out_ct = ⌈CO/2cph⌉; contexts for N = 8192 and 65536 are made in the constructor (before the
/// counters), any other N makes fresh keys for that sub-conv alone.
#[allow(clippy::too_many_arguments)]
pub fn he_conv(h: u64, w: u64, ci: u64, fh: u64, fw: u64, co: u64, pads: [u64; 4], sh: u64, sw: u64) -> HeConv {
    let ph = h + pads[0] + pads[2];
    let pw = w + pads[1] + pads[3];
    let lim_h = fh + ((ph - fh) / sh) * sh;
    let lim_w = fw + ((pw - fw) / sw) * sw;
    let mut r = HeConv::default();
    for a in 0..sh {
        for b in 0..sw {
            let lh = cdiv(lim_h - a, sh);
            let lw = cdiv(lim_w - b, sw);
            let lfh = cdiv(fh.saturating_sub(a), sh);
            let lfw = cdiv(fw.saturating_sub(b), sw);
            if lfh == 0 || lfw == 0 {
                continue;
            }
            let n = he_n(lh * lw);
            let img = (lh * lw).next_power_of_two();
            let cph = (n / 2 / img).max(1);
            if n != 8192 && n != 65536 {
                r.keys += seal33_key_bytes(n);
                r.key_sets += 1;
            }
            r.c2s += 8 + cdiv(ci, 2 * cph) * seal33_ct_bytes(n, 3);
            r.s2c += 8 + cdiv(co, 2 * cph) * seal33_ct_bytes(n, 1);
            r.subs += 1;
        }
    }
    r
}

/// `FCField::matrix_multiplication(rows, common, 1)`: one ciphertext each way (`send_ciphertext`:
/// 8-B size + ct). N = he_n(common); FCField only presets N = 8192, anything larger sends keys.
/// Returns (c2s incl. keys, s2c, keys).
pub fn he_fc(common: u64) -> (u64, u64, u64) {
    let n = he_n(common);
    let keys = if n > 8192 { seal33_key_bytes(n) } else { 0 };
    (8 + seal33_ct_bytes(n, 3) + keys, 8 + seal33_ct_bytes(n, 1), keys)
}

/// `ElemWiseProdField::elemwise_product(size)` (BatchNorm scale in SCI_HE): ⌈size/8192⌉
/// ciphertexts at N = 8192 each way (`send_encrypted_vector`: 8-B size + cts); results mod-switched
/// twice down to 1 prime. Returns (c2s, s2c).
pub fn he_elemwise(size: u64) -> (u64, u64) {
    let k = cdiv(size, 8192);
    (8 + k * seal33_ct_bytes(8192, 3), 8 + k * seal33_ct_bytes(8192, 1))
}

// ------------------------------------------------------------------ per-element bit constants -

/// CF2 millionaire `compare` on l bits, per comparison, no padding: q leaf 1-of-16 KKOTs with 2-bit
/// messages (256 + 32 bits), T/2 1-of-16 KKOTs for the triples (T·144 bits) and 4 bits of
/// openings per AND. l ≤ 4: one 1-of-2^l KKOT with 1-bit messages.
pub fn mill_bits(l: u64) -> u64 {
    if l <= 4 {
        return 256 + (1u64 << l);
    }
    let q = l.div_ceil(4);
    let t = mill_ands(q);
    288 * q + 144 * t + 4 * t
}

/// Flights of a millionaire on l bits: leaf OT (2) + triple OT (2) + ⌈log q⌉ AND levels.
pub fn mill_rounds(l: u64) -> u64 {
    4 + clog2(l.div_ceil(4))
}

/// CF2 ring ReLU per element, no padding: Mill(ℓ−1) + two 1-of-2 OT_ℓ (128 + 2ℓ bits each).
pub fn cf2_relu_ring_bits(ell: u64) -> u64 {
    mill_bits(ell - 1) + 2 * (128 + 2 * ell)
}

/// CF2 field ReLU per element, no padding: q = ⌈(ℓ+1)/4⌉ leaf 1-of-16 KKOTs with 4-bit messages
/// (256 + 64 bits), the AND tree over 2 comparisons (2·T·(144 + 4) bits), the 1-of-4 mux KKOT
/// with 1-bit messages (256 + 4) and the two 1-of-2 OT_ℓ (128 + 2ℓ each).
pub fn cf2_relu_field_bits(ell: u64) -> u64 {
    let q = (ell + 1).div_ceil(4);
    let t = mill_ands(q);
    q * 320 + 2 * t * 148 + 260 + 2 * (128 + 2 * ell)
}

/// SCI's fixed-point rule shared by CryptFlow2 and Cheetah: the product of two scale-`s`
/// values carries `2s` fraction bits in the ℓ-bit ring before truncation (SCI's networks use
/// ℓ = 37, s = 12; `scripts/common.sh`), so `2s < ℓ`. The formulas rely on it too: Cheetah's
/// approximate ReLU compares on ℓ − ⌊3s/2⌋ − 1 bits and the truncations on ℓ − s bits.
pub fn check_ell_scale(framework: &str, settings: &crate::settings::Settings) -> Result<(), String> {
    let (ell, scale) = (settings.int("ell"), settings.int("scale"));
    if 2 * scale >= ell {
        return Err(format!(
            "{framework}.scale = {scale} does not fit {framework}.ell = {ell}: the ring must hold a product of two \
             fixed-point values, so 2 × scale must be below ell (largest scale for ell = {ell} is {}; smallest ell for \
             scale = {scale} is {})",
            (ell - 1) / 2,
            2 * scale + 1
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------ rounds as SCI counts them -

/// SCI's "Number of rounds" (`EndComputation`) is `IOPack::get_rounds()` of thread 0: `NetIO`
/// adds one whenever a `send_data` follows a `recv_data` or the other way round
/// (`utils/net_io_channel.h`), on `io` and `io_GC` only — `io_rev` (the reversed OTs, BOB's AND
/// openings) is not counted. The functions below give thread 0's `io` directions of each protocol
/// from the server's side ('R' = receives, 'S' = sends); thread 0 runs with the real roles, so
/// the server is its ALICE. The client's directions are the mirror image.
///
/// A 1-of-N OT (SplitIKNP / SplitKKOT / old IKNP) with ALICE as sender on `io`: BOB's u-matrix,
/// then ALICE's messages.
pub const IO_OT: &str = "RS";

/// `MillionaireProtocol::compare` on b bits: leaf OT, triple OT, then ALICE's AND openings on
/// `io` (BOB's go on `io_rev`) — one OT when b ≤ 4.
pub fn mill_io(b: u64) -> String {
    if b <= 4 {
        IO_OT.into()
    } else {
        format!("{IO_OT}{IO_OT}S")
    }
}

/// `compare_with_eq` on b bits: the (q−1) leaf digits and the last one are two OT calls (one when
/// b is a multiple of 4), the `_8KKOT` triples, ALICE's openings.
pub fn mill_eq_io(b: u64) -> String {
    let leaves = if b.is_multiple_of(4) { IO_OT.to_string() } else { IO_OT.repeat(2) };
    format!("{leaves}{IO_OT}S")
}

/// `ReLURingProtocol::relu`: Mill(ℓ−1), then the straight tail OT (the reversed one is on io_rev).
pub fn relu_ring_io(ell: u64, skip_ot: bool) -> String {
    mill_io(ell - 1) + if skip_ot { "" } else { IO_OT }
}

/// SIRNN `truncate`: Mill(s), MillEq(ℓ−s), AND, two B2A (COTs).
pub fn sirnn_trunc_io(ell: u64, s: u64) -> String {
    mill_io(s) + &mill_eq_io(ell - s) + &IO_OT.repeat(3)
}

/// `funcTruncateTwoPowerRing` with the MSB known: Mill(s), 1-of-4 KKOT, old-IKNP COT.
pub fn trunc_msb_known_ring_io(s: u64) -> String {
    mill_io(s) + &IO_OT.repeat(2)
}

/// `funcAvgPoolTwoPowerRing`: DReLU, 1-of-4 KKOT, Mill(a−1) on the c·n comparisons, old-IKNP COT.
pub fn avgpool_ring_io(ell: u64, d: u64) -> String {
    let a = clog2(6 * d.max(1));
    relu_ring_io(ell, true) + IO_OT + &mill_io(a - 1) + IO_OT
}

/// `DReLUFieldProtocol::compute_drelu`: leaf OT, the AND tree (triple OT + openings), mux OT.
pub fn drelu_field_io() -> String {
    format!("{IO_OT}{IO_OT}S{IO_OT}")
}

/// `ReLUFieldProtocol::relu`: DReLU_field then the straight tail OT.
pub fn relu_field_io() -> String {
    drelu_field_io() + IO_OT
}

/// `funcFieldDiv`: DReLU_field unless the MSB is known, 1-of-4 KKOT, Mill(a−1), old-IKNP OT.
pub fn field_div_io(d: u64, msb_known: bool) -> String {
    let a = clog2(6 * d.max(1));
    (if msb_known { String::new() } else { drelu_field_io() }) + IO_OT + &mill_io(a - 1) + IO_OT
}

/// Walks thread 0's `io` the way `NetIO` counts, for both parties, carrying the last direction
/// from one call to the next. Before the first call both sides have just done
/// `StartComputation`'s `io->sync()` (server: send then receive; client: receive then send)
/// and the counter is read after it.
#[derive(Clone, Debug)]
pub struct RoundCounter {
    last: [u8; 2],
}

impl Default for RoundCounter {
    fn default() -> Self {
        RoundCounter { last: [b'R', b'S'] }
    }
}

impl RoundCounter {
    /// Rounds (server, client) of a run of `io` (server's view) repeated `times` times.
    pub fn walk(&mut self, io: &str, times: u64) -> [u64; 2] {
        let mut r = [0; 2];
        for _ in 0..times {
            for c in io.bytes() {
                let dirs = [c, if c == b'R' { b'S' } else { b'R' }];
                for p in 0..2 {
                    if self.last[p] != dirs[p] {
                        r[p] += 1;
                        self.last[p] = dirs[p];
                    }
                }
            }
        }
        r
    }
}
