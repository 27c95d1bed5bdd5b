//! What OpenCheetah's non-linear protocols put on one thread's `sci::NetIO`, message by message:
//! who sends (the thread's ALICE or BOB) and how many bytes the IO counter adds. From the ordered
//! flights come the bytes each party sends and SCI's rounds: `NetIO::send_data_internal` /
//! `recv_data_internal` (`SCI/src/utils/net_io_channel.h`) add a round whenever the direction of
//! this party's calls changes, and `EndComputation` prints thread 0's count. `io->sync()` moves
//! one byte each way through the `_internal` calls, so it turns the direction without adding to
//! the byte counter (`IOChannel::send_data`, `utils/io_channel.h`).
//!
//! Sources: OpenCheetah `f71d4d4` `SCI/src/OT/ferret/silent_ot.h` (`SilentOT`, `SilentOTN`),
//! `Millionaire/millionaire.h` (`compare`, `traverse_and_compute_ANDs`),
//! `Millionaire/bit-triple-generator.h` (`_2ROT`), `BuildingBlocks/aux-protocols.cpp`
//! (`multiplexer`, `B2A`, `msb1_to_wrap`), `BuildingBlocks/truncation-cheetah.cpp`
//! (`truncate_msb0`), `NonLinear/relu-ring.h`, `functionalities_uniform.h`
//! (`funcAvgPoolTwoPowerRing`), `OT/iknp.h` and `OT/np.h` (the old IKNP AvgPool uses).

use crate::frameworks::sci::{cdiv, clog2};

/// The two roles of a thread's protocol objects. Odd threads are built with `3 - party`
/// (`StartComputation`), so ALICE is the server on even threads and the client on odd ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    A,
    B,
}

impl Who {
    fn other(self) -> Who {
        match self {
            Who::A => Who::B,
            Who::B => Who::A,
        }
    }
}

/// One protocol run on one thread: its messages in order (consecutive ones of the same sender
/// merged: they neither add a round nor change a byte count) and the COTs it draws from the
/// thread's two Ferret instances (`silent_ot`: ALICE is the COT sender; `silent_ot_reversed`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Run {
    pub flights: Vec<(Who, u64)>,
    pub cots: [u64; 2],
}

impl Run {
    pub fn send(mut self, who: Who, bytes: u64) -> Run {
        match self.flights.last_mut() {
            Some((w, b)) if *w == who => *b += bytes,
            _ => self.flights.push((who, bytes)),
        }
        self
    }
    /// This run, then `o` on the same thread.
    pub fn then(mut self, o: Run) -> Run {
        for (w, b) in o.flights {
            self = self.send(w, b);
        }
        self.cots[0] += o.cots[0];
        self.cots[1] += o.cots[1];
        self
    }
    /// Draws `n` COTs from instance `inst` (0 straight: ALICE sends; 1 reversed: BOB sends),
    /// first sending the extensions that needs.
    fn draw(mut self, fr: &mut Ferret, inst: usize, n: u64) -> Run {
        let ext = fr.draw(inst, n);
        self.cots[inst] += n;
        if ext > 0 {
            self = self.send(if inst == 0 { Who::A } else { Who::B }, ext * FERRET_EXTENSION_BYTES);
        }
        self
    }
    /// Bytes ALICE and BOB send.
    pub fn bytes(&self) -> [u64; 2] {
        let mut b = [0, 0];
        for &(w, n) in &self.flights {
            b[(w == Who::B) as usize] += n;
        }
        b
    }
    /// `k` runs one after the other.
    pub fn times(self, k: u64) -> Run {
        (0..k).fold(Run::default(), |acc, _| acc.then(self.clone()))
    }
}

/// Ferret (emp-ot `7f3d4f0`, `ferret/constants.h`): N_REG = 10,608,640 COTs per extension,
/// of which M = K_REG + 13·T_REG + 128 = 589,824 + 13·1295 + 128 are kept for the next one.
pub const FERRET_OT_LIMIT: u64 = 10_608_640 - FERRET_M;
const FERRET_M: u64 = 589_824 + 13 * 1295 + 128;
/// One semi-honest extension (`FerretCOT::extend_f2k` → `MpcotReg::mpcot`, per GGM tree
/// `SPCOT_Sender::send_f2k`: 13 levels × 2 blocks through `OTPre::send`, then the 16-B secret
/// sum; then `LpnF2::compute` → `seed_gen`, a 16-B seed): 1295·(13·32 + 16) + 16 B, all sent by
/// the instance's COT sender; the receiver's punctured points come from its pre-OT bits, so it
/// sends nothing.
pub const FERRET_EXTENSION_BYTES: u64 = 1295 * (13 * 32 + 16) + 16;

/// COTs used from the current buffer of a thread's two Ferret instances (straight, reversed).
/// The constructor's warm-up `rcot(1)` (in the setup, before the counters start) leaves 1 used.
#[derive(Clone, Copy, Debug)]
pub struct Ferret {
    used: [u64; 2],
}

impl Default for Ferret {
    fn default() -> Self {
        Ferret { used: [1, 1] }
    }
}

impl Ferret {
    /// `FerretCOT::rcot(num)`: served from the buffer while it lasts, else extensions
    /// (`round_inplace` full buffers written in place, one copied if the rest exceeds a buffer,
    /// one for the remainder). Returns the number of extensions.
    pub fn draw(&mut self, inst: usize, num: u64) -> u64 {
        let used = &mut self.used[inst];
        if num <= FERRET_OT_LIMIT - *used {
            *used += num;
            return 0;
        }
        let rest = num - (FERRET_OT_LIMIT - *used);
        let inplace = rest.saturating_sub(FERRET_M) / FERRET_OT_LIMIT;
        let mut last = rest - inplace * FERRET_OT_LIMIT;
        let copied = last > FERRET_OT_LIMIT;
        if copied {
            last -= FERRET_OT_LIMIT;
        }
        *used = if last > 0 { last } else { FERRET_OT_LIMIT };
        inplace + copied as u64 + (last > 0) as u64
    }
}

/// emp `IOChannel::send_bool`: a buffer of at least 8 bools goes 8 per byte (aligned words) plus
/// a tail of n mod 8 bytes; a shorter one is sent as is.
pub fn bool_bytes(n: u64) -> u64 {
    n / 8 + n % 8
}

/// `f` summed over `n` in chunks of `ot_bsize` = 8 OTs (the last one shorter), in closed form.
fn chunks8(n: u64, f: impl Fn(u64) -> u64) -> u64 {
    let full = (n / 8).saturating_mul(f(8));
    if n.is_multiple_of(8) {
        full
    } else {
        full.saturating_add(f(n % 8))
    }
}

/// A chosen-choice COT batch on instance `inst`: the COTs (and any extension), the receiver's
/// choice bits (`FerretCOT::online_recver` → `send_bool`), then the sender's 16-B MITCCRH seed
/// and its per-8-OT messages.
fn cot_shape(fr: &mut Ferret, inst: usize, choices: u64, msgs: u64) -> Run {
    let sender = if inst == 0 { Who::A } else { Who::B };
    let r = Run::default().draw(fr, inst, choices).send(sender.other(), bool_bytes(choices)).send(sender, 16);
    if msgs > 0 {
        r.send(sender, msgs)
    } else {
        r
    }
}

/// `SilentOT::send_ot_cam_cc` (`send_cot`/`recv_cot`: COT with l-bit correlations, packed per 8
/// OTs into ⌈c·l/64⌉ words) on the straight instance (ALICE sends) or the reversed one (BOB sends).
pub fn cot(fr: &mut Ferret, n: u64, l: u64, reversed: bool) -> Run {
    cot_shape(fr, reversed as usize, n, chunks8(n, |c| 8 * cdiv(c * l, 64)))
}

/// `SilentOT::send_ot_cm_cc<uint8_t>(data, n, l)`: 1-of-2 OT with l-bit messages, ⌈2·c·l/8⌉ B
/// per 8 OTs, straight instance.
pub fn ot8(fr: &mut Ferret, n: u64, l: u64) -> Run {
    cot_shape(fr, 0, n, chunks8(n, |c| cdiv(2 * c * l, 8)))
}

/// `SilentOTN::send_ot_cm_cc<T>(data, n, N, l)` (`kkot[log N − 1]`, on the straight instance):
/// n·log N COTs with their choice bits, the seed, then per 8 OTs ⌈c·N·l/bits(T)⌉ words of T.
pub fn otn(fr: &mut Ferret, n: u64, big_n: u64, l: u64, word_bits: u64) -> Run {
    let logn = clog2(big_n);
    cot_shape(fr, 0, n * logn, chunks8(n, |c| word_bits / 8 * cdiv(c * big_n * l, word_bits)))
}

/// `_2ROT` bit triples (`TripleGenerator::generate`, USE_CHEETAH): `io->sync()`, then t random
/// OTs from each instance (`send_ot_rm_rc`: only the sender's 16-B seed goes on the wire) — the
/// reversed instance (BOB sends) first.
fn two_rot(fr: &mut Ferret, t: u64) -> Run {
    Run::default().send(Who::A, 0).send(Who::B, 0).draw(fr, 1, t).send(Who::B, 16).draw(fr, 0, t).send(Who::A, 16)
}

/// AND gates per level of the comparison tree on q digits (`traverse_and_compute_ANDs`): level
/// i = 1, 2, 4, … pairs j = 0, 2i, … with j + i < q; the pair at j = 0 needs one AND, the others two.
fn and_levels(q: u64) -> Vec<u64> {
    let mut out = vec![];
    let mut i = 1;
    while i < q {
        let pairs = (0..q).step_by(2 * i as usize).filter(|j| j + i < q).count() as u64;
        out.push(2 * pairs - 1);
        i *= 2;
    }
    out
}

/// `MillionaireProtocol::compare(n, b)` with USE_CHEETAH, radix 4. b ≤ 4: one 1-of-2^b OT with
/// 1-bit messages (b = 1: `iknp_straight` 1-of-2). Otherwise n is padded to m = 8⌈n/8⌉; all
/// q = ⌈b/4⌉ leaf digits go through one 1-of-16 OT with 2-bit messages; the T = 2q − 2 −
/// ⌈log2 q⌉ triples come from `_2ROT`; each tree level ALICE then BOB opens e and f
/// (2 bits per AND and comparison).
pub fn mill(fr: &mut Ferret, n: u64, b: u64) -> Run {
    if b <= 4 {
        return if b > 1 { otn(fr, n, 1 << b, 1, 8) } else { ot8(fr, n, 1) };
    }
    let m = 8 * cdiv(n, 8);
    let q = cdiv(b, 4);
    let levels = and_levels(q);
    let t: u64 = levels.iter().sum();
    let mut r = otn(fr, q * m, 16, 2, 8).then(two_rot(fr, t * m));
    for ands in levels {
        let open = 2 * ands * m / 8;
        r = r.send(Who::A, open).send(Who::B, open);
    }
    r
}

/// `AuxProtocols::multiplexer`: a COT with ℓ-bit correlations each way (straight, then reversed).
pub fn mux(fr: &mut Ferret, n: u64, ell: u64) -> Run {
    let a = cot(fr, n, ell, false);
    a.then(cot(fr, n, ell, true))
}

/// Comparison width of `ReLURingProtocol::relu` (`NonLinear/relu-ring.h`): with approx (what
/// `Relu` launches), lo = ⌊3·kScale/2⌋ if the truncation is fused else kScale, l' = ℓ − lo,
/// l' −= (l'−1) mod 4, compare on l'−1 bits; without approx (MaxPool, AvgPool) on ℓ−1 bits.
pub fn relu_compare_bits(ell: u64, s: u64, approx: bool, trunc: bool) -> u64 {
    if !approx {
        return ell - 1;
    }
    let lo = if trunc { 3 * s / 2 } else { s };
    let mut l = ell - lo;
    l -= (l - 1) % 4;
    l - 1
}

/// One thread's ReLU: the comparison, then (unless `skip_ot`, as AvgPool's DReLU) the multiplexer.
pub fn relu(fr: &mut Ferret, n: u64, bits: u64, ell: u64, skip_ot: bool) -> Run {
    let c = mill(fr, n, bits);
    if skip_ot {
        c
    } else {
        c.then(mux(fr, n, ell))
    }
}

/// One thread's `Truncation::truncate_msb0` (the ReLU-fused truncation, and `ScaleDown` through
/// the msb0 heuristic): `msb1_to_wrap` = 1-of-2 OT with 1-bit messages, then B2A = COT_s.
pub fn trunc_msb0(fr: &mut Ferret, n: u64, s: u64) -> Run {
    let w = ot8(fr, n, 1);
    w.then(cot(fr, n, s, false))
}

/// Old `sci::IKNP` base OTs (`setup_send`/`setup_recv` → Naor–Pinkas, `OT/np.h`), paid the first
/// time a thread's `otInstanceArr[t]` is used: the base-OT sender (BOB) sends C, the receiver
/// (ALICE) 128 points, the sender 128 points and 128 pairs of blocks. A point is a 4-B length and
/// 65 B (uncompressed P-256).
fn old_iknp_setup() -> Run {
    Run::default().send(Who::B, 69).send(Who::A, 128 * 69).send(Who::B, 128 * 69 + 128 * 32)
}

/// `IKNP::send_cot_moduloAdd<uint64_t>` (old IKNP, `OT/iknp.h`): BOB's u-matrix in blocks of
/// 16384 OTs (16·16384 B each), then ALICE's 8-B messages.
fn old_cot64(n: u64, first_use: bool) -> Run {
    let r = if first_use { old_iknp_setup() } else { Run::default() };
    r.send(Who::B, 16 * 16384 * cdiv(n, 16384)).send(Who::A, 8 * n)
}

/// One thread's `funcAvgPoolTwoPowerRing` (division by d): full DReLU (ℓ−1-bit comparison, no
/// mux), a 1-of-4 OT with (ℓ+a)-bit uint64 messages (a = ⌈log2 6d⌉), c comparisons per element
/// on a−1 bits (c = 2 if 2·(2^ℓ mod d) < d else 3), c old-IKNP COTs per element.
pub fn avgpool_div(fr: &mut Ferret, n: u64, ell: u64, d: u64, first_use: bool) -> Run {
    let a = clog2(6 * d);
    let rem = if ell >= 64 { 0 } else { (1u64 << ell) % d };
    let c = if 2 * rem < d { 2 } else { 3 };
    let r = relu(fr, n, ell - 1, ell, true);
    let r = r.then(otn(fr, n, 4, ell + a, 64));
    let r = r.then(mill(fr, c * n, a - 1));
    r.then(old_cot64(c * n, first_use))
}

/// `SilentOT::send_ot_cm_cc(block, block, n)`: 1-of-2 OT with 128-bit messages, 32 B per OT.
fn ot128(fr: &mut Ferret, n: u64, reversed: bool) -> Run {
    cot_shape(fr, reversed as usize, n, 32 * n)
}

/// Sizes of the levels of `ArgMaxProtocol::ArgMaxMPC` (`NonLinear/argmax.h`) on n values: each
/// level halves the nodes, padded up to a multiple of 8; once the level size has been 8 five
/// times the loop stops (so a level of 8 runs four times).
pub fn argmax_levels(n: u64) -> Vec<u64> {
    let (mut nodes, mut stuck, mut out) = (n, 0, vec![]);
    while nodes > 1 {
        let child = 8 * cdiv(cdiv(nodes, 2), 8);
        if child == 8 {
            stuck += 1;
        }
        if stuck >= 5 {
            break;
        }
        out.push(child);
        nodes = child;
    }
    out
}

/// `ArgMaxMPC` with ℓ > 32 (`argmax_this_level_super_32`), single-threaded on thread 0: per level
/// a DReLU on ℓ−1 bits (no mux) of `child` differences, then value and index together as one
/// 128-bit-message 1-of-2 OT each way (`iknp_straight->send`, `iknp_reversed->recv`).
pub fn argmax(fr: &mut Ferret, n: u64, ell: u64) -> Run {
    let mut r = Run::default();
    for child in argmax_levels(n) {
        r = r.then(relu(fr, child, ell - 1, ell, true));
        r = r.then(ot128(fr, child, false));
        r = r.then(ot128(fr, child, true));
    }
    r
}

/// Thread split of OpenCheetah's non-linear wrappers (`Relu`, `ScaleDown`, `MaxPool`, `AvgPool`):
/// n padded to n8 = 8⌈n/8⌉, threads 0–2 get ⌊n8/32⌋·8, thread 3 the rest.
pub fn threads8(n: u64) -> [u64; 4] {
    let n8 = 8 * cdiv(n, 8);
    let c = (n8 / 32) * 8;
    [c, c, c, n8 - 3 * c]
}

/// A 4-thread call: bytes the server and the client send (ALICE is the server on even threads),
/// thread 0's flights (what SCI's round counter sees), and COTs drawn per thread and instance.
#[derive(Clone, Debug, Default)]
pub struct Call {
    pub bytes: [u64; 2],
    pub t0: Vec<(Who, u64)>,
    pub cots: [[u64; 2]; 4],
}

impl Call {
    /// Runs `f` on each thread's share `ns[t]` with that thread's Ferret instances.
    pub fn threads(fr: &mut [Ferret; 4], ns: [u64; 4], f: impl Fn(&mut Ferret, usize, u64) -> Run) -> Call {
        let mut c = Call::default();
        for (t, &n) in ns.iter().enumerate() {
            let r = f(&mut fr[t], t, n);
            let [a, b] = r.bytes();
            let (s, cl) = if t % 2 == 0 { (a, b) } else { (b, a) };
            c.bytes[0] += s;
            c.bytes[1] += cl;
            c.cots[t] = r.cots;
            if t == 0 {
                c.t0 = r.flights;
            }
        }
        c
    }
}

/// SCI's round counter of thread 0's NetIO, for both parties: the direction of each party's last
/// call (`LastCall`). After `StartComputation`'s `io->sync()` the server last received and the
/// client last sent.
#[derive(Clone, Copy, Debug)]
pub struct Rounds {
    /// Per party (server, client): true if its last call on thread 0 was a send.
    last_send: [bool; 2],
}

impl Default for Rounds {
    fn default() -> Self {
        Rounds { last_send: [false, true] }
    }
}

impl Rounds {
    /// Rounds each party counts for these thread-0 flights (thread 0's ALICE is the server).
    pub fn count(&mut self, flights: &[(Who, u64)]) -> [u64; 2] {
        let mut r = [0, 0];
        for &(w, _) in flights {
            let server_sends = w == Who::A;
            for (p, sends) in [(0, server_sends), (1, !server_sends)] {
                if self.last_send[p] != sends {
                    r[p] += 1;
                    self.last_send[p] = sends;
                }
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn and_levels_sum_to_the_triple_count() {
        for q in 2..20 {
            let t: u64 = and_levels(q).iter().sum();
            assert_eq!(t, crate::frameworks::sci::mill_ands(q), "q={q}");
        }
    }
}
