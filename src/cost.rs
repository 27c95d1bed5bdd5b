//! Communication cost: the unit every framework model produces and every view sums.
//!
//! Units are bytes and rounds. What a "round" and a party's "bytes" mean is the
//! framework's own definition (see each framework's `ROUND_DEFINITION` and
//! `COUNTING`); `bytes` is always the total on the wire, all parties and both
//! directions, so frameworks can be compared.

use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign};

/// One party's figures, exactly as that framework's own counters report them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyCost {
    pub bytes: u64,
    pub rounds: u64,
}

/// A cost: totals, online/offline split and per-party counter values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    /// Total bytes on the wire (all parties, all directions, online + offline).
    pub bytes: u64,
    /// Sequential communication rounds, in the framework's definition.
    pub rounds: u64,
    /// Bytes of the online (input-dependent) phase.
    pub online: u64,
    /// Bytes of the offline / preprocessing / dealer phase.
    pub offline: u64,
    /// Per-party counters (index = party rank).
    pub parties: Vec<PartyCost>,
}

impl Cost {
    /// An empty cost for `n` parties.
    pub fn zero(parties: usize) -> Cost {
        Cost { parties: vec![PartyCost::default(); parties], ..Cost::default() }
    }
    pub fn is_zero(&self) -> bool {
        self.bytes == 0 && self.rounds == 0 && self.parties.iter().all(|p| p.bytes == 0 && p.rounds == 0)
    }
    /// This cost repeated `k` times in sequence (bytes and rounds both scale).
    pub fn times(&self, k: u64) -> Cost {
        Cost {
            bytes: self.bytes.saturating_mul(k),
            rounds: self.rounds.saturating_mul(k),
            online: self.online.saturating_mul(k),
            offline: self.offline.saturating_mul(k),
            parties: self
                .parties
                .iter()
                .map(|p| PartyCost { bytes: p.bytes.saturating_mul(k), rounds: p.rounds.saturating_mul(k) })
                .collect(),
        }
    }
}

impl AddAssign<&Cost> for Cost {
    fn add_assign(&mut self, o: &Cost) {
        self.bytes = self.bytes.saturating_add(o.bytes);
        self.rounds = self.rounds.saturating_add(o.rounds);
        self.online = self.online.saturating_add(o.online);
        self.offline = self.offline.saturating_add(o.offline);
        if self.parties.len() < o.parties.len() {
            self.parties.resize(o.parties.len(), PartyCost::default());
        }
        for (a, b) in self.parties.iter_mut().zip(&o.parties) {
            a.bytes = a.bytes.saturating_add(b.bytes);
            a.rounds = a.rounds.saturating_add(b.rounds);
        }
    }
}

impl AddAssign for Cost {
    fn add_assign(&mut self, o: Cost) {
        *self += &o;
    }
}

impl Add for Cost {
    type Output = Cost;
    fn add(mut self, o: Cost) -> Cost {
        self += &o;
        self
    }
}

impl std::iter::Sum for Cost {
    fn sum<I: Iterator<Item = Cost>>(iter: I) -> Cost {
        iter.fold(Cost::default(), |a, b| a + b)
    }
}

/// One named protocol step inside an op's cost ("Beaver open", "A2B adder level",
/// "B2A", "truncation wrap", "dealer request", …), so a view can explain a number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Short name of the protocol step.
    pub name: String,
    /// How many times it runs (elements, calls or levels, as `detail` says).
    pub count: u64,
    /// Human explanation with the formula, e.g. "2·(|x|+|W|) elements × 8 B".
    pub detail: String,
    pub cost: Cost,
}
