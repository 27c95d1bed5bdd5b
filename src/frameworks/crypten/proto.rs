//! CrypTen's protocol building blocks, as its counters see them.
//!
//! Counting rules (crypten 0.4.1, `communicator/communicator.py` `_logging`):
//! every communicator call adds one round and `8 × elements` bytes to the
//! calling party's counters (`BYTES_PER_ELEMENT = 8`,
//! `distributed_communicator.py`). An open (`all_reduce`) logs `2n` elements per
//! party. Trusted-dealer (TTP) traffic is logged by rank 0 only.

use crate::cost::{Cost, PartyCost, Step};

/// Bytes per counted element: CrypTen logs every element as a 64-bit ring element.
pub const ELEMENT_BYTES: u64 = 8;
/// TTP request overhead logged by rank 0 besides the tuple itself:
/// `sys.getsizeof` of the 4-key request dict (184 B on CPython 3.11) plus the
/// `torch.Size` reply (48 B + 8 B per dim), in `mpc/provider/ttp_provider.py`
/// `TTPClient.ttp_request`.
pub const TTP_REQUEST_FIXED: u64 = 184 + 48;

/// Where the cost of one op accumulates, step by step, per party.
pub struct Tally {
    pub parties: usize,
    pub ttp: bool,
    pub steps: Vec<Step>,
    /// Why a step on this tally follows the source without a recorded run (`NodeCost::approximate`).
    pub approximate: Option<String>,
}

impl Tally {
    pub fn new(parties: usize, ttp: bool) -> Tally {
        Tally { parties, ttp, steps: Vec::new(), approximate: None }
    }

    /// A step too large to count in `u64` (e.g. a pairwise max over 2^40-long
    /// rows compares 2^80 pairs): recorded as saturated so the profile is
    /// refused with the node's name rather than priced with a wrapped figure.
    pub fn saturated(&mut self, what: &str) {
        let parties = vec![PartyCost { bytes: u64::MAX, rounds: u64::MAX }; self.parties];
        let cost = Cost { bytes: u64::MAX, rounds: u64::MAX, online: u64::MAX, offline: 0, parties };
        self.steps.push(Step { name: what.into(), count: u64::MAX, detail: "too large to count".into(), cost });
    }

    /// A step every party logs identically: `elements` per party, `rounds` calls.
    pub fn symmetric(&mut self, name: &str, elements: u64, rounds: u64, detail: String) {
        self.per_party(name, vec![elements; self.parties], rounds, detail);
    }

    /// A step whose element count differs by party (rank 0 first).
    pub fn per_party(&mut self, name: &str, elements: Vec<u64>, rounds: u64, detail: String) {
        crate::budget::spend(1);
        if rounds == 0 && elements.iter().all(|&e| e == 0) {
            return;
        }
        let parties: Vec<PartyCost> =
            elements.iter().map(|&e| PartyCost { bytes: e * ELEMENT_BYTES, rounds }).collect();
        // Wire bytes: CrypTen's counters log sends and receives, so the
        // system-wide traffic is the sum over parties divided by two
        // (docstring of `Communicator.get_communication_stats`).
        let sum: u64 = parties.iter().map(|p| p.bytes).sum();
        let cost = Cost { bytes: sum / 2, rounds, online: sum / 2, offline: 0, parties };
        self.steps.push(Step { name: name.into(), count: elements.first().copied().unwrap_or(0), detail, cost });
    }

    /// One TTP tuple request for a tuple of `numel` elements with `ndim` dims:
    /// rank 0 logs `send_obj` (request), `recv_obj` (size) and the `broadcast`
    /// of the tuple: 3 rounds, `8·numel + 232 + 8·ndim` bytes. Other parties
    /// derive their shares from a seed and log nothing. TFP: no traffic.
    pub fn dealer(&mut self, what: &str, numel: u64, ndim: u64) {
        if !self.ttp {
            return;
        }
        let bytes = ELEMENT_BYTES * numel + TTP_REQUEST_FIXED + ELEMENT_BYTES * ndim;
        let mut parties = vec![PartyCost::default(); self.parties];
        parties[0] = PartyCost { bytes, rounds: 3 };
        let cost = Cost { bytes, rounds: 0, online: 0, offline: bytes, parties };
        self.steps.push(Step {
            name: format!("dealer: {what}"),
            count: numel,
            detail: format!("TTP request, rank 0 only: 8·{numel} + 232 + 8·{ndim} B, 3 rounds"),
            cost,
        });
    }

    pub fn total(&self) -> Cost {
        let mut c = Cost::zero(self.parties);
        for s in &self.steps {
            c += &s.cost;
        }
        c
    }

    // ---- primitives ----

    /// Beaver product of private `x` and `y` (mul, matmul, conv): both masked
    /// operands are opened in one batched `all_reduce`: `2(|x|+|y|)` elements,
    /// 1 round (`mpc/primitives/beaver.py` `__beaver_protocol`). TTP: one triple
    /// request whose `c` has the output's shape.
    pub fn beaver(&mut self, what: &str, x: u64, y: u64, out: u64, out_ndim: u64) {
        self.symmetric(
            &format!("Beaver open ({what})"),
            2 * (x + y),
            1,
            format!("open x−a and y−b: 2·({x}+{y}) elements"),
        );
        self.dealer(&format!("{what} triple"), out, out_ndim);
    }

    /// Fixed-point truncation after a product. Two parties: each divides its
    /// share locally, free (`arithmetic.py` `div_`). More parties: the wraps
    /// protocol (`beaver.py` `truncate`): TFP scatters `P` random shares from
    /// rank 0 and gathers `x+r` at rank 0: rank 0 logs `2(P−1)n`, others `2n`,
    /// 2 rounds. Under TTP (P>2) one `wraps` request replaces the scatter.
    pub fn truncate(&mut self, n: u64, ndim: u64) {
        let p = self.parties as u64;
        if p <= 2 {
            return;
        }
        if self.ttp {
            let mut e = vec![n; self.parties];
            e[0] = (p - 1) * n;
            self.per_party("truncation (gather)", e, 1, format!("P={p}: gather x+r at rank 0"));
            self.dealer("wraps", n, ndim);
        } else {
            let mut e = vec![2 * n; self.parties];
            e[0] = 2 * (p - 1) * n;
            self.per_party(
                "truncation (wraps)",
                e,
                2,
                format!("P={p}: scatter r, gather x+r: rank 0 2(P−1)·{n}, others 2·{n} elements"),
            );
        }
    }

    /// `x²`: open `x−r` (2n elements, 1 round), then truncate (`beaver.py` `square`).
    pub fn square(&mut self, n: u64, ndim: u64) {
        self.symmetric("square open", 2 * n, 1, format!("open x−r: 2·{n} elements"));
        self.dealer("square pair", n, ndim);
        self.truncate(n, ndim);
    }

    /// Private product with truncation (both operands fixed-point).
    pub fn mul(&mut self, what: &str, x: u64, y: u64, out: u64, ndim: u64) {
        self.beaver(what, x, y, out, ndim);
        self.truncate(out, ndim);
    }

    /// Product with a 0/1 tensor (encoder scale 1): never truncated
    /// (`arithmetic.py` `_arithmetic_function`, scale check).
    pub fn mul_bit(&mut self, what: &str, x: u64, y: u64, out: u64, ndim: u64) {
        self.beaver(what, x, y, out, ndim);
    }

    /// Binary AND of `x` broadcast to `y` (`binary.py` `__and__` then
    /// `beaver.AND`): opens `2(|x_b|+|y|)` elements, 1 round.
    fn and(&mut self, what: &str, x: u64, y: u64, ndim: u64) {
        let xb = x.max(y); // x is broadcast to y's shape before the triple is used
        self.symmetric(
            &format!("AND open ({what})"),
            2 * (xb + y),
            1,
            format!("open x⊕a, y⊕b (x broadcast): 2·({xb}+{y}) elements"),
        );
        self.dealer("binary triple", y, ndim);
    }

    /// A2B of `n` elements: every party XOR-shares its arithmetic share (free,
    /// PRZS) and the `P` stacked shares are summed by `BinarySharedTensor.sum`'s
    /// tree (`converters.py` `_A2B`, `binary.py` `sum`): while `m > 1` slices
    /// remain, one 64-bit adder (`circuit.py` `add`) adds the first `⌊m/2⌋` to
    /// the next `⌊m/2⌋` (an odd slice waits), leaving `⌈m/2⌉`: `⌈log2 P⌉`
    /// sequential adders on `P − 1` slices of `n` in all. One adder on `k`
    /// slices (`k·n` elements, ndim+1): `S = x&y` (4kn, 1 round), then 6 levels
    /// of the SPK tree, each an AND of `P0` (kn) with the stacked `[S1;P1]`
    /// (2kn): 8kn per level; 52kn, 7 rounds. Measured at 2, 3, 4 and 8
    /// parties (tests/fixtures/crypten/*_nparty.json).
    fn a2b(&mut self, n: u64, ndim: u64) {
        let p = self.parties as u64;
        let mut m = p;
        let mut adder = 0;
        while m > 1 {
            let k = m / 2;
            adder += 1;
            let tag = if p > 2 { format!("A2B adder {adder} ({k} of {m} slices)") } else { "A2B adder".into() };
            let kn = k.saturating_mul(n);
            self.and(&format!("{tag}: S = x&y"), kn, kn, ndim + 1);
            for level in 1..=6 {
                self.and(&format!("{tag}: SPK level {level}"), kn, 2 * kn, ndim + 2);
            }
            m -= k;
        }
    }

    /// B2A of one bit plane: open `x⊕r` (`beaver.py` `B2A_single_bit`): 2n, 1 round.
    fn b2a_bit(&mut self, n: u64, ndim: u64) {
        self.symmetric("B2A open (1 bit)", 2 * n, 1, format!("open x⊕r: 2·{n} elements"));
        self.dealer("B2A bits", n, ndim);
    }

    /// `x < 0` (`mpc.py` `ltz`): A2B then the sign bit back to arithmetic.
    /// Two parties: 54n elements, 8 rounds.
    pub fn ltz(&mut self, n: u64, ndim: u64) {
        self.a2b(n, ndim);
        self.b2a_bit(n, ndim);
    }

    /// ReLU = `x · (x ≥ 0)` (`common/functions/logic.py` `relu`): ltz + an
    /// untruncated product. Two parties: 58n elements, 9 rounds.
    pub fn relu(&mut self, n: u64, ndim: u64) {
        self.ltz(n, ndim);
        self.mul_bit("x·(x≥0)", n, n, n, ndim);
    }

    /// `x == y` (`mpc.py` `eq`). Two parties: the 6-level AND tree on
    /// `¬(x0⊕x1)` (`circuit.py` `__P_circuit`, each level an AND on n) + 1-bit
    /// B2A: 26n, 7 rounds. More parties: `1 − ltz([d; −d]).sum(0)`.
    pub fn eq(&mut self, n: u64, ndim: u64) {
        if self.parties == 2 {
            for level in 1..=6 {
                self.and(&format!("equality tree level {level}"), n, n, ndim);
            }
            self.b2a_bit(n, ndim);
        } else {
            self.ltz(2 * n, ndim + 1);
        }
    }

    /// `crypten.where(c, x, y) = c·x + (1−c)·y` with a 0/1 `c`: two untruncated
    /// products issued one after the other (`crypten/__init__.py` `where`).
    pub fn where_bit(&mut self, n: u64, ndim: u64) {
        self.mul_bit("c·x", n, n, n, ndim);
        self.mul_bit("(1−c)·y", n, n, n, ndim);
    }

    /// `exp(x) = (1 + x/2^k)^(2^k)` with `k` squarings
    /// (`common/functions/approximations.py` `exp`). Two parties: 2kn, k rounds.
    pub fn exp(&mut self, n: u64, ndim: u64, iters: u64) {
        self.truncate(n, ndim); // x / 2^k
        for _ in 0..iters {
            self.square(n, ndim);
        }
    }

    /// Newton–Raphson reciprocal (`approximations.py` `reciprocal`). Unless
    /// `all_pos`: sign = 1 − 2·ltz (54n, 8), |x| = x·sign (4n, 1). Initial guess
    /// `3·exp(0.5 − x) + 0.003`, then `iters` × `y ← 2y − x·y²` (square + mul:
    /// 6n, 2 rounds), then the sign product (4n, 1).
    pub fn reciprocal(&mut self, n: u64, ndim: u64, all_pos: bool, nr_iters: u64, exp_iters: u64) {
        if !all_pos {
            self.ltz(n, ndim);
            self.mul_bit("|x| = x·sign", n, n, n, ndim);
        }
        self.exp(n, ndim, exp_iters); // 2·x and 3·exp are integer products: free
        for _ in 0..nr_iters {
            self.square(n, ndim);
            self.mul("y²·x", n, n, n, ndim);
        }
        if !all_pos {
            self.mul_bit("y·sign", n, n, n, ndim);
        }
    }

    /// `x^(-1/2)` (`approximations.py` `inv_sqrt`): initial guess from exp
    /// (16n, 8), then `iters` × `y ← y(3 − x·y²)/2`: square + 2 products
    /// (10n, 3 rounds). Two parties: 46n, 17 rounds for 3 iterations.
    /// For more than 2 parties the public divisions (`x/2`, `·2.2`, `x/1024`,
    /// `/2` per iteration) each add a truncation.
    pub fn inv_sqrt(&mut self, n: u64, ndim: u64, iters: u64, exp_iters: u64) {
        self.truncate(n, ndim); // x / 2
        self.exp(n, ndim, exp_iters);
        self.truncate(n, ndim); // · 2.2
        self.truncate(n, ndim); // x / 1024
        for _ in 0..iters {
            self.square(n, ndim);
            self.mul("x·y²", n, n, n, ndim);
            self.mul("y·(3−x·y²)", n, n, n, ndim);
            self.truncate(n, ndim); // / 2
        }
    }

    /// Non-negative integer power by CrypTen's recursion (`common/functions/power.py` `pow`):
    /// `p` = 0 or 1 free (ones, clone); `p=2` square; even `p` squares then recurses on `p/2`;
    /// odd `p` computes `x²·x` then recurses on `(p−1)/2`. Written as the loop the tail
    /// recursion is, so an exponent of 2^63 costs 63 steps and no stack.
    pub fn pow(&mut self, n: u64, ndim: u64, mut p: u64) {
        while p >= 2 {
            self.square(n, ndim);
            if p % 2 == 1 {
                self.mul("x²·x", n, n, n, ndim);
            }
            p /= 2; // p/2 for even p, (p−1)/2 for odd p
        }
    }
}
