//! SPU's fixed-point approximations (`kernel/hal/fxp_approx.cc`,
//! `kernel/hal/fxp_base.cc`), each as the sequence of primitives it runs.
//! Costs are per party; every function prices `n` elements.

use super::proto::Tally;
use super::Config;

/// `detail::polynomial` (`fxp_base.cc`): the powers x, x², …, x^d are built in
/// `⌈log2 d⌉` levels; level `i` computes `min(|known|, d − |known|)` products
/// vmapped into one `f_mul` (one open, one truncation). The coefficients are
/// public, so the weighted sum costs one final truncation.
pub fn polynomial(t: &mut Tally, n: u64, degree: u64) {
    let mut known = 1u64;
    while known < degree {
        let size = known.min(degree - known);
        t.f_mul(&format!("powers x^{}..x^{}", known + 1, known + size), size * n);
        known += size;
    }
    t.trunc(n);
}

/// `f_exp`, default mode TAYLOR (`fxp_approx.cc` `exp_taylor`):
/// `(1 + x/2^N)^(2^N)`: one truncation by N bits, then N `f_square`.
/// Bytes `n(t + N(ℓ+t))`, rounds `1 + 2N` (FM64, N = 8: 100n, 17).
/// PADE: see `exp_pade`.
pub fn exp(t: &mut Tally, n: u64, cfg: &Config) {
    if cfg.exp_pade {
        return exp_pade(t, n);
    }
    let iters = cfg.exp_iters;
    t.trunc_bits(n, iters);
    for _ in 0..iters {
        t.f_square(n);
    }
}

/// `f_exp` with `fxp_exp_mode = EXP_PADE` (`fxp_approx.cc` `f_exp`,
/// `exp_pade`, `exp2_pade`, `exp2_pade_normalized`): `_clamp` to ±32/log2(e)
/// (two compare-and-select), `x·log2(e)` (public: truncation), then `exp2`:
/// the bits of x by A2B (`_prefer_b`), the fraction `x − (⌊x⌋ << f)` (an
/// arithmetic minus a (k−f)-bit boolean: B2A), the degree-5 polynomial (4
/// f_mul for x²..x⁵, one truncation of the weighted sum), 5 integer bits each
/// turned arithmetic (1-bit B2A) and multiplied in (`mul_aa`), `ret / 2^5`
/// (truncation by 5 bits) and the sign select `ret + msb·(1/ret − ret)`
/// (`mul_a1b`). FM64: 553n bytes, 46 rounds (transformer/exp, PADE runs).
pub fn exp_pade(t: &mut Tally, n: u64) {
    clamp(t, n);
    t.trunc(n);
    t.a2b(n);
    t.b2a(n, t.ring.k - t.ring.f);
    for _ in 0..4 {
        t.f_mul("x^i (Padé powers)", n);
    }
    t.trunc(n);
    for _ in 0..5 {
        t.b2a(n, 1);
        t.mul_aa("· (a·2^(2^i) + 1 − a)", n);
    }
    t.trunc_bits(n, 5);
    t.mul_a1b(n);
}

/// The part shared by reciprocal and division (`fxp_base.cc`
/// `div_goldschmidt_general` / `reciprocal_goldschmidt`): sign by MSB and a
/// 1-bit B2A (`_prefer_a`), `|b|` by a `mul_aa` mux, the highest set bit by
/// prefix-OR, the bit-reversed factor 2^(f−m) by a B2A of 2f bits, then
/// `reciprocal_goldschmidt_normalized_approx`: `c = |b|·factor`, `e = 1 − c·w`
/// (2 f_mul), I iterations of `r(1+e)` with `e²` between them.
fn goldschmidt_core(t: &mut Tally, n: u64, cfg: &Config) {
    t.msb(n);
    t.b2a(n, 1);
    t.mul_aa("|b| = mux(sign, −b, b)", n);
    t.prefix_or(n);
    t.b2a(n, 2 * t.ring.f);
    normalized_goldschmidt(t, n, cfg);
}

/// `reciprocal_goldschmidt_normalized_approx` (`fxp_base.cc`): `c = b·factor`,
/// `e = 1 − c·w` (2 f_mul), then I iterations of `r(1+e)` with `e²` between.
fn normalized_goldschmidt(t: &mut Tally, n: u64, cfg: &Config) {
    t.f_mul("c = |b|·factor", n);
    t.f_mul("e = 1 − c·w", n);
    let iters = cfg.goldschmidt_iters(t.ring.f);
    for i in 0..iters {
        t.f_mul("r = r(1+e)", n);
        if i + 1 < iters {
            t.f_square(n);
        }
    }
}

/// `f_reciprocal` of a secret (`reciprocal_goldschmidt`): the Goldschmidt core,
/// `r·factor` (f_mul) and the sign mux (`mul_aa`).
/// FM64, I = 2: 505n bytes, 36 rounds.
pub fn reciprocal(t: &mut Tally, n: u64, cfg: &Config) {
    goldschmidt_core(t, n, cfg);
    t.f_mul("r·factor", n);
    t.mul_aa("sign mux", n);
}

/// `reciprocal_goldschmidt_positive` (`fxp_base.cc`), for a divisor known to
/// be positive (erf): no sign test and no sign mux: prefix-OR, B2A of the 2f-bit
/// factor, the normalised Goldschmidt iterations, `r·factor`.
/// FM64: 416n bytes, 26 rounds.
pub fn reciprocal_positive(t: &mut Tally, n: u64, cfg: &Config) {
    t.prefix_or(n);
    t.b2a(n, 2 * t.ring.f);
    normalized_goldschmidt(t, n, cfg);
    t.f_mul("r·factor", n);
}

/// `f_div(a, b)` with a secret divisor (`div_goldschmidt_general`): the core,
/// then `r·a` and `r·factor` (2 f_mul) and the sign mux. FM64: 525n, 38.
/// A public numerator makes `r·a` a truncation only.
pub fn div_secret_num(t: &mut Tally, n: u64, cfg: &Config, numerator_secret: bool) {
    goldschmidt_core(t, n, cfg);
    if numerator_secret {
        t.f_mul("r·a", n);
    } else {
        t.trunc(n);
    }
    t.f_mul("r·factor", n);
    t.mul_aa("sign mux", n);
}

/// Division of two secrets.
pub fn div(t: &mut Tally, n: u64, cfg: &Config) {
    div_secret_num(t, n, cfg, true);
}

/// `f_rsqrt` (`fxp_approx.cc`): `z = 2^(e+f)` by prefix-OR; the initial guess
/// on `u = x·z_rev` ∈ [0.25, 0.5) (B2A of 2f bits, one f_mul) by a degree-4
/// polynomial (degree 2 with `enable_lower_accuracy_rsqrt`); the compensation
/// `2^(−(e−1)/2)` from a 1-bit parity B2A, a B2A of 2⌊f/2⌋ bits and one
/// `mul_aa`; finally one f_mul. FM64: 429n bytes, 26 rounds.
pub fn rsqrt(t: &mut Tally, n: u64, cfg: &Config) {
    t.prefix_or(n);
    t.b2a(n, 2 * t.ring.f);
    t.f_mul("u = x·z_rev", n);
    polynomial(t, n, if cfg.lower_accuracy_rsqrt { 2 } else { 4 });
    t.b2a(n, 1);
    t.b2a(n, 2 * (t.ring.f / 2));
    t.mul_aa("compensation mux(b)·a_rev", n);
    t.f_mul("r·comp", n);
}

/// `f_sqrt` (`fxp_approx.cc`): rsqrt, `g = x·y₀` (f_mul), `h = y₀·0.5`
/// (public: truncation), then one Newton step `r = 1.5 − g·h`, `g·r`, `h·r`
/// (3 f_mul, in sequence). FM64: 513n bytes, 35 rounds.
pub fn sqrt(t: &mut Tally, n: u64, cfg: &Config) {
    rsqrt(t, n, cfg);
    t.f_mul("g = x·y0", n);
    t.trunc(n);
    t.f_mul("g·h", n);
    t.f_mul("g·r", n);
    t.f_mul("h·r", n);
}

/// `_clamp(x, lo, hi)` with public bounds (`hal/ring.cc`): two compare-and-select
/// in sequence.
pub fn clamp(t: &mut Tally, n: u64) {
    t.max(n);
    t.max(n);
}

/// `f_tanh` (`fxp_approx.cc` `tanh_chebyshev`): clamp to [−5, 5], ×0.2 (public:
/// truncation), Chebyshev polynomials of 9 terms (`f_square`, then 1 + 7
/// sequential f_mul), the public-coefficient matmul (truncation only).
/// FM64: 324n bytes, 36 rounds.
pub fn tanh(t: &mut Tally, n: u64) {
    clamp(t, n);
    t.trunc(n);
    t.f_square(n);
    for _ in 0..8 {
        t.f_mul("Chebyshev recurrence", n);
    }
    t.trunc(n);
}

/// `f_sine` on a secret (`fxp_approx.cc` `detail::sin_chebyshev`, SPU 0.9.5): the range
/// reduction `x − 2π·⌊(x + π)/2π⌋` and a 5-term Chebyshev series on [−1.25π, 1.25π].
/// In primitives: `·1/(2π)` (public product: truncation); `f_floor` =
/// `_lshift(_arshift(x, f), f)`, and an arithmetic shift of an AShare has no kernel, so
/// `arshift_s` converts it (A2B, `mpc/api.cc`) and shifts the boolean share locally;
/// `·2π` (`mul_sp` turns the k-bit boolean share back by B2A, then truncation); `·4/(1.25π)`
/// (truncation); `compute_chebyshev_polynomials(·, 5)` (`f_square`, then 1 + 3 `f_mul`);
/// the public 1×5 coefficient matmul (truncation).
/// FM64: 4 + 208 + 8 + 4 + 4 + 12 + 4·20 + 4 = 324n bytes, 1+7+1+1+1+2+8+1 = 22 rounds
/// (transformer/sin, measured).
pub fn sin(t: &mut Tally, n: u64) {
    t.trunc(n);
    t.a2b(n);
    t.b2a(n, t.ring.k);
    t.trunc(n);
    t.trunc(n);
    t.f_square(n);
    for _ in 0..4 {
        t.f_mul("Chebyshev recurrence", n);
    }
    t.trunc(n);
}

/// `f_cosine` on a secret (`fxp_approx.cc` `detail::cos_chebyshev`): `sin(π/2 − x)`, the
/// subtraction from a public constant being local. Same cost as [`sin`] (transformer/cos).
pub fn cos(t: &mut Tally, n: u64) {
    sin(t, n);
}

/// `f_log`, default MINMAX (`fxp_approx.cc` `log_minmax`): prefix-OR; the
/// exponent by popcount of 2f+2 bits (1-bit B2As in two calls); the normalising
/// factor by B2A of 2f+1 bits and one f_mul; `log(1+x)` on [0, 1] by a degree-8
/// polynomial; `(k−f−1)·ln 2` (public mul: truncation).
pub fn log(t: &mut Tally, n: u64) {
    let f = t.ring.f;
    t.prefix_or(n);
    // `_popcount` of 2f+2 bits: each bit becomes arithmetic by a 1-bit B2A;
    // `vreduce` converts the two halves of the first pairing level in two calls.
    let bits = 2 * f + 2;
    t.b2a((bits / 2) * n, 1);
    t.b2a((bits - bits / 2) * n, 1);
    t.b2a(n, 2 * f + 1);
    t.f_mul("x·factor", n);
    polynomial(t, n, 8);
    t.trunc(n);
}

/// ReLU / `max(x, c)` with a public or secret second operand: compare + select.
pub fn relu(t: &mut Tally, n: u64) {
    t.max(n);
}

/// `f_abs` (`fxp_base.cc`): `_sign(x)·x`: MSB, a 1-bit B2A to form 1 − 2·msb,
/// and an integer `mul_aa` (no truncation).
pub fn abs(t: &mut Tally, n: u64) {
    t.msb(n);
    t.b2a(n, 1);
    t.mul_aa("sign·x", n);
}

/// Sigmoid as jax 0.4.34 hands it to SPU: `1/(1 + exp(−x))` — `lax.logistic`
/// is expanded before SPU sees it, so `sigmoid_mode` has no effect. FM64:
/// 605n bytes, 53 rounds.
pub fn sigmoid(t: &mut Tally, n: u64, cfg: &Config) {
    exp(t, n, cfg);
    reciprocal(t, n, cfg);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frameworks::semi2k::proto::Ring;
    use crate::settings::Settings;

    fn cfg(field: &str) -> Config {
        let mut s = Settings::defaults(super::super::SETTINGS);
        s.set(super::super::SETTINGS, "semi2k", "field", field).unwrap();
        Config::from(&s)
    }

    fn per_element(f: impl Fn(&mut Tally, &Config), field: &str) -> (u64, u64) {
        let c = cfg(field);
        let mut t = Tally::new(&c.ring);
        f(&mut t, &c);
        t.party()
    }

    /// Per-element constants, FM64 (ℓ = 8, t = 4, f = 18, L = 6), from the
    /// breakdowns in the doc comments:
    /// exp = 4 + 8·12 = 100 B, 1 + 16 = 17 rounds;
    /// reciprocal = 56+1+16+296+8+5·20+12+16 = 505 B, 7+1+1+13+1+10+2+1 = 36;
    /// division = reciprocal + 20 = 525 B, 38; rsqrt = 296+8+20+20+40+4+1+4+16+20 = 429 B, 26;
    /// tanh = 2·72+4+12+8·20+4 = 324 B, 16+1+2+16+1 = 36; sigmoid = 605 B, 53.
    #[test]
    fn fm64_constants() {
        assert_eq!(per_element(|t, c| exp(t, 1, c), "FM64"), (100, 17));
        assert_eq!(per_element(|t, c| reciprocal(t, 1, c), "FM64"), (505, 36));
        assert_eq!(per_element(|t, c| div(t, 1, c), "FM64"), (525, 38));
        assert_eq!(per_element(|t, c| rsqrt(t, 1, c), "FM64"), (429, 26));
        assert_eq!(per_element(|t, _| tanh(t, 1), "FM64"), (324, 36));
        assert_eq!(per_element(|t, _| sin(t, 1), "FM64"), (324, 22));
        assert_eq!(per_element(|t, c| sigmoid(t, 1, c), "FM64"), (605, 53));
        // Padé exp: clamp 2·(56+16) + 4 + A2B 208 + B2A 8 + 4·20 + 4 + 5·(1+16) + 4 + 16
        // = 553 B; 16 + 1 + 7 + 1 + 8 + 1 + 10 + 1 + 1 = 46 rounds.
        assert_eq!(per_element(|t, _| exp_pade(t, 1), "FM64"), (553, 46));
    }

    /// FM128 (ℓ = 16, f = 26, L = 7): MSB 104 B / 8, prefix-OR 688 B / 15;
    /// reciprocal = 104+1+32+688+w(52)=8+5·36+20+32 = 1065 B, 8+1+1+15+1+10+2+1 = 39.
    #[test]
    fn fm128_constants() {
        assert_eq!(per_element(|t, c| reciprocal(t, 1, c), "FM128"), (1065, 39));
        let r = Ring {
            protocol: crate::frameworks::semi2k::proto::Protocol::Semi2k,
            world: 2,
            k: 128,
            f: 26,
            local_trunc: false,
            no_vectorization: false,
            ot_workers: 1,
        };
        let mut t = Tally::new(&r);
        t.msb(1);
        assert_eq!(t.party(), (104, 8));
    }
}
