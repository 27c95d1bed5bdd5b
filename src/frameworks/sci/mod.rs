//! SCI building blocks shared by CryptFlow2 and Cheetah (EzPC `SCI/src`, commit f24bf3e;
//! OpenCheetah f71d4d4). All results in BITS per element, both parties together, unless
//! the name says bytes. λ = 128; millionaire radix m = 4 (`Millionaire/millionaire.h`
//! `MILL_PARAM`), `WAN_EXEC` defined (leaf digits via 1-of-16 KKOT with 2-bit messages).

/// ⌈log2 x⌉ for x ≥ 1.
pub fn clog2(x: u64) -> u64 {
    if x <= 1 { 0 } else { 64 - (x - 1).leading_zeros() as u64 }
}

/// SplitIKNP / SplitKKOT padding (`split-iknp.h`, `split-kkot.h` `send_impl`): the extension
/// is done in blocks of B(n) = min(16384, 256·⌈n/256⌉) OTs, so n is padded to B·⌈n/B⌉.
pub fn ot_pad(n: u64) -> u64 {
    if n == 0 { return 0; }
    let b = (256 * n.div_ceil(256)).min(16384);
    b * n.div_ceil(b)
}

/// IKNP extension u-matrix bytes for n OTs (receiver→sender): 16 B (λ = 128 bits) per padded OT.
pub fn iknp_ext_bytes(n: u64) -> u64 {
    16 * ot_pad(n)
}

/// 1-of-N KKOT extension bytes (receiver→sender): 32 B (256-bit columns) per padded OT.
pub fn kkot_ext_bytes(n: u64) -> u64 {
    32 * ot_pad(n)
}

/// KKOT 1-of-N with l-bit uint8 messages, sender→receiver bytes: chunks of 2048,
/// ⌈N·chunk·l/8⌉ each (`split-kkot.h` `send_impl`).
pub fn kkot_msg_bytes(n_ots: u64, big_n: u64, l: u64) -> u64 {
    let mut left = n_ots;
    let mut total = 0;
    while left > 0 {
        let c = left.min(2048);
        total += (big_n * c * l).div_ceil(8);
        left -= c;
    }
    total
}

/// Number of AND gates in the millionaire comparison tree on q 4-bit digits:
/// T = 2q − 2 − ⌈log2 q⌉ (`MillionaireProtocol::compare`, `traverse_and_compute_ANDs`).
pub fn mill_ands(q: u64) -> u64 {
    (2 * q).saturating_sub(2 + clog2(q))
}

/// CF2 millionaire `compare` on l bits (IKNP/KKOT): q = ⌈l/4⌉ leaf 1-of-16 KKOTs with 2-bit
/// messages (256 + 32 bits each), T/2 KKOTs giving 2 AND triples each (T·144 bits), and
/// 2 bits per AND opened by each party (4T). l ≤ 4: one 1-of-2^l KKOT with 1-bit messages.
pub fn mill_bits(l: u64) -> u64 {
    if l <= 4 {
        return 256 + (1u64 << l);
    }
    let q = l.div_ceil(4);
    let t = mill_ands(q);
    288 * q + 144 * t + 4 * t
}

/// CF2 ring ReLU (`ReLURingProtocol::relu`): DReLU = Mill(ℓ−1) on the low bits, then two
/// 1-of-2 OTs with ℓ-bit messages, one each direction (128 + 2ℓ bits each).
pub fn cf2_relu_ring_bits(ell: u64) -> u64 {
    mill_bits(ell - 1) + 2 * (128 + 2 * ell)
}

/// Flights of a millionaire on l bits: leaf OT (2) + triple OT (2) + ⌈log q⌉ AND levels.
pub fn mill_rounds(l: u64) -> u64 {
    4 + clog2(l.div_ceil(4))
}

/// Cheetah millionaire on b bits over silent OT (ferret, f ≈ 0.46 bits/COT amortised):
/// q leaves as 1-of-16 with 2-bit messages via SilentOTN (4 choice bits + 16·2 msg bits + 4 COTs),
/// T ANDs from random-choice ROTs (2 COTs each) and 4 bits of openings each
/// (OpenCheetah `SCI/src/Millionaire/millionaire.h`, `cheetah-ot_pack.h`). Returned in
/// milli-bits so the ferret fraction is kept.
pub const FERRET_MILLIBITS_PER_COT: u64 = 460;
pub fn cheetah_mill_millibits(b: u64) -> u64 {
    let q = b.div_ceil(4);
    let t = mill_ands(q);
    q * (36_000 + 4 * FERRET_MILLIBITS_PER_COT) + 2 * t * FERRET_MILLIBITS_PER_COT + 4_000 * t
}

/// Cheetah ReLU, milli-bits per element. approx (default, `funcReLUThread(approx=true)`):
/// compare on l'−1 bits with l' = ℓ − lo, lo = ⌊1.5 s⌋ if fused truncation else s,
/// l' −= (l'−1) mod 4; full: compare on ℓ−1 bits. Then the mux: 2·(1 + ℓ + f).
pub fn cheetah_relu_millibits(ell: u64, s: u64, approx: bool, trunc: bool) -> u64 {
    let b = if approx {
        let lo = if trunc { 3 * s / 2 } else { s };
        let mut l = ell - lo;
        l -= (l - 1) % 4;
        l - 1
    } else {
        ell - 1
    };
    cheetah_mill_millibits(b) + 2 * (1_000 + ell * 1_000 + FERRET_MILLIBITS_PER_COT)
}

/// Cheetah `truncate_msb0`: 1-of-2 OT with 1-bit msgs (1 + 2 bits) + B2A to s bits (1 + s bits)
/// + 2 ferret COTs.
pub fn cheetah_trunc_millibits(s: u64) -> u64 {
    (4 + s) * 1_000 + 2 * FERRET_MILLIBITS_PER_COT
}

/// SEAL 3.3 BFV ciphertext bytes (no compression): 2 polys · primes · N · 8 B + 73 B header
/// (CF2 `LinearHE/utils-HE.cpp`; fresh cts carry 3 primes → 48N+73, results switched to
/// 1 prime → 16N+73).
pub fn seal33_ct_bytes(n: u64, primes: u64) -> u64 {
    2 * primes * n * 8 + 73
}

/// Millionaire-with-equality on l bits (`compare_with_eq`): (q−1) 1-of-16 leaves with 2-bit
/// messages, one last leaf of r = l − 4(q−1) bits as 1-of-2^r KKOT (256 + 2·2^r bits),
/// and 2q−2 ANDs at 148 bits each (144 triple + 4 opening).
pub fn mill_eq_bits(l: u64) -> u64 {
    let q = l.div_ceil(4);
    let r = l - 4 * (q - 1);
    288 * (q - 1) + 256 + 2 * (1u64 << r) + 148 * (2 * q - 2)
}

/// CF2 SIRNN faithful truncation (`Truncation::truncate`, msb unknown) by s on ℓ bits:
/// Mill(s) + MillEq(ℓ−s) + one AND (144) + B2A_s (128+s) + B2A_ℓ (128+ℓ).
pub fn cf2_trunc_bits(ell: u64, s: u64) -> u64 {
    mill_bits(s) + mill_eq_bits(ell - s) + 144 + (128 + s) + (128 + ell)
}

/// Extra bits when ReLU fuses truncation (`funcTruncateTwoPowerRing`, msb known zero):
/// Mill(s) + 1-of-4 KKOT with ℓ-bit messages (256 + 4ℓ) + old-IKNP COT_64 (128 + 64).
pub fn cf2_relu_trunc_extra_bits(ell: u64, s: u64) -> u64 {
    mill_bits(s) + 256 + 4 * ell + 192
}

/// CF2 field ReLU (HE variant, `ReLUFieldProtocol`): DReLU_field = two comparisons on ℓ bits
/// sharing 4-bit leaf messages: q(256+64) + 288T + 8T, then the 2 tail OTs 2·(128+2ℓ).
pub fn cf2_relu_field_bits(ell: u64) -> u64 {
    let q = ell.div_ceil(4);
    let t = mill_ands(q);
    q * 320 + 296 * t + 2 * (128 + 2 * ell)
}

/// CF2 OT matmul, one cross-term direction (`LinearOT::matmul_cross_terms`,
/// `send_batched_cot`): receiver matrix of n_r entries, ℓ bit-OTs each, bit i carries
/// m messages of (ℓ−i) bits. Bytes: 16·pad(ℓ·n_r) + Σ_{i<ℓ} n_r·⌈m(ℓ−i)/8⌉.
pub fn cf2_matmul_dir_bytes(ell: u64, n_r: u64, m: u64) -> u64 {
    let mut b = iknp_ext_bytes(ell * n_r);
    for i in 0..ell {
        b += n_r * (m * (ell - i)).div_ceil(8);
    }
    b
}
