//! Per-element protocol constants, each expected value derived by hand from the code
//! (EzPC SCI f24bf3e, OpenCheetah f71d4d4, delphi 92bc007) in the comment next to it.

use mpclens::frameworks::sci::*;
use mpclens::frameworks::{cheetah, delphi};

#[test]
fn millionaire_bits() {
    // MillionaireProtocol::compare, m = 4, WAN_EXEC: q = ⌈l/4⌉, T = 2q − 2 − ⌈log q⌉,
    // bits = 288q (leaf 1-of-16 KKOT, 2-bit msgs: 256 ext + 32 msg) + 144T (triples) + 4T (openings).
    let table = [
        (4, 256 + 16),                  // l ≤ 4: one 1-of-16 KKOT with 1-bit messages
        (8, 288 * 2 + 148),            // q=2, T=2−2+... = 4−2−1 = 1
        (12, 288 * 3 + 148 * 2),       // q=3, T=6−2−2 = 2 → 1160
        (31, 288 * 8 + 148 * 11),      // q=8, T=16−2−3 = 11 → 3932
        (36, 288 * 9 + 148 * 12),      // q=9, T=18−2−4 = 12 → 4368
        (40, 288 * 10 + 148 * 14),     // q=10, T=20−2−4 = 14 → 4952
    ];
    for (l, bits) in table {
        assert_eq!(mill_bits(l), bits, "l={l}");
    }
    assert_eq!(mill_bits(31), 3932);
    assert_eq!(mill_bits(36), 4368);
    assert_eq!(mill_bits(40), 4952);
}

#[test]
fn cf2_relu_bits() {
    // ReLURingProtocol::relu = Mill(ℓ−1) + two 1-of-2 OT_ℓ (128 + 2ℓ each)
    for (ell, bits) in [(32, 3932 + 2 * (128 + 64)), (37, 4368 + 2 * (128 + 74)), (41, 4952 + 2 * (128 + 82))] {
        assert_eq!(cf2_relu_ring_bits(ell), bits);
    }
    assert_eq!([cf2_relu_ring_bits(32), cf2_relu_ring_bits(37), cf2_relu_ring_bits(41)], [4316, 4772, 5372]);
    // ReLUFieldProtocol: q(256+64) + 296T + 2(128+2ℓ); ℓ=32: q=8,T=11 → 2560+3256+384; ℓ=37: q=10,T=14
    assert_eq!(cf2_relu_field_bits(32), 2560 + 3256 + 384);
    assert_eq!(cf2_relu_field_bits(37), 3200 + 4144 + 404);
}

#[test]
fn truncation_bits() {
    // fused ReLU truncation at s=12: Mill(12)=1160 + KKOT1-of-4 (256 + 4ℓ) + COT_64 (192)
    assert_eq!(cf2_relu_trunc_extra_bits(37, 12), 1160 + 256 + 148 + 192); // 1756
    // SIRNN truncate ℓ=37, s=12: Mill(12)=1160 + MillEq(25) [q=7, r=1: 288·6 + 256 + 4 + 148·12 = 3764]
    // + AND 144 + B2A_12 (140) + B2A_37 (165)
    assert_eq!(cf2_trunc_bits(37, 12), 1160 + 3764 + 144 + 140 + 165);
    // Cheetah truncate_msb0 at s=12: (1 + 2) + (1 + 12) bits + 2 ferret COTs × 0.46
    assert_eq!(cheetah_trunc_millibits(12), 16_000 + 920);
    // Cheetah approx ReLU ℓ=37, s=12 fused: lo=18, l'=19 → 17, compare on 16 bits: q=4, T=4:
    // 4·(36 + 4·0.46) + 2·4·0.46 + 16 = 171.04; mux 2·(1+37+0.46) = 76.92 → 247.96 bits
    assert_eq!(cheetah_relu_millibits(37, 12, true, true), 171_040 + 76_920);
}

#[test]
fn ot_message_sizes() {
    // split-iknp.h: blocks of min(16384, 256⌈n/256⌉)
    for (n, pad) in [(1, 256), (256, 256), (257, 512), (16384, 16384), (16385, 32768), (40000, 49152)] {
        assert_eq!(ot_pad(n), pad, "n={n}");
    }
    assert_eq!(iknp_ext_bytes(1000), 16 * 1024);
    assert_eq!(kkot_ext_bytes(1000), 32 * 1024);
    // split-kkot.h: 1-of-16, 2-bit messages, 3000 OTs: chunks 2048 + 952 → 16·2048·2/8 + 16·952·2/8
    assert_eq!(kkot_msg_bytes(3000, 16, 2), 8192 + 3808);
    // one cross-term direction, ℓ=4, n_R=10, m=3: 16·pad(40) + 10·(⌈12/8⌉+⌈9/8⌉+⌈6/8⌉+⌈3/8⌉)
    assert_eq!(cf2_matmul_dir_bytes(4, 10, 3), 16 * 256 + 10 * (2 + 2 + 1 + 1));
}

#[test]
fn seal_ciphertext_sizes() {
    // SEAL 3.3 (CF2): 2 polys · primes · N · 8 B + 73 B header
    assert_eq!(seal33_ct_bytes(8192, 3), 393_289);
    assert_eq!(seal33_ct_bytes(8192, 1), 131_145);
    // delphi (SEAL 3.6, N=8192, 4 data primes, uncompressed): 524,288 + 105, matches the log
    assert_eq!(delphi::CT_BYTES, 524_393);
    // Delphi conv 1→16 5×5 at 28×28: img=1024, cph=4, inp_ct=1, out_ct=2 (log: 13,109,841 / 1,048,802)
    assert_eq!(delphi::conv_offline(1, 16, 28, 28, 5, 5), (13_109_841, 1_048_802));
    // Delphi GC ReLU for 10,340 activations (log): 672n + 4128 / 18416n + 24·2 + 4096
    assert_eq!(delphi::relu_offline(10_340), (6_952_608, 190_425_584));
}

#[test]
fn cheetah_partitions() {
    // shape_inference::Conv2D, H·W ≤ 4096: C=64, 56×56 (3136): Cn = min(⌊4096/3136⌋=1, 64, ⌊4096/9⌋) = 1
    assert_eq!(cheetah::conv_cts(64, 64, 58, 58, 3), (64, 64));
    // 16 ch 32×32 (1024): Cn = 4 → 4 in-cts, M=16 out
    assert_eq!(cheetah::conv_cts(16, 16, 34, 34, 3), (6, 16));
    // FC 2048→1000: d1=2048? d0=2 → 1+500; d1=4 → 512+1 ... best d1=64,d0=64: 32+16 = 48
    assert_eq!(cheetah::fc_cts(2048, 1000), (32, 16));
}
