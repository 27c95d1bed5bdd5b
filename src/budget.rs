//! A work budget per profile: a cost model that loops far longer than any real model needs
//! (a loop bound taken from a hostile size, a setting combination nobody checked) stops and
//! becomes an error naming the node, instead of freezing the CLI or the browser tab.
//!
//! Cost models charge [`spend`] in their protocol-step pushes and in every loop whose trip
//! count comes from the model (elements, batch, chunks), and name the node they price with
//! [`at_node`]. `profile` opens a budget around each framework ([`Budget::start`]) and turns an
//! exhausted one into an error ([`Budget::finish`]). Outside a profile nothing is counted.
//!
//! The state is thread-local, so cost models keep their signatures and parallel tests (or a
//! web worker) do not share a budget.

use std::cell::{Cell, RefCell};

/// Work units per profile and framework: a node, a protocol step pushed or a loop trip is one
/// unit. The largest sample (BERT-base, SEMI2K training) spends 6,326 and ResNet-50 at batch 64
/// 601; 10^7 is over 1000 times that, and a release build spends it in about a second.
pub const DEFAULT_LIMIT: u64 = 10_000_000;

thread_local! {
    static LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static NODE: RefCell<(String, String)> = const { RefCell::new((String::new(), String::new())) };
    static OVER_AT: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Charges `units` of work; `false` once the budget is spent, so the loop should stop.
#[inline]
pub fn spend(units: u64) -> bool {
    LEFT.with(|left| {
        let v = left.get();
        if v >= units {
            left.set(v - units);
            return true;
        }
        left.set(0);
        if ACTIVE.with(Cell::get) {
            OVER_AT.with(|o| {
                let mut o = o.borrow_mut();
                if o.is_none() {
                    *o = Some(NODE.with(|n| n.borrow().clone()));
                }
            });
        }
        false
    })
}

/// Names the node being priced, for the message if the budget runs out there.
pub fn at_node(name: &str, op: &str) {
    if ACTIVE.with(Cell::get) {
        spend(1);
        NODE.with(|n| {
            let mut n = n.borrow_mut();
            n.0.clear();
            n.0.push_str(name);
            n.1.clear();
            n.1.push_str(op);
        });
    }
}

/// One framework's budget within a profile.
pub struct Budget {
    limit: u64,
}

impl Budget {
    pub fn start(limit: u64) -> Budget {
        LEFT.with(|l| l.set(limit));
        ACTIVE.with(|a| a.set(true));
        OVER_AT.with(|o| *o.borrow_mut() = None);
        NODE.with(|n| *n.borrow_mut() = (String::new(), String::new()));
        Budget { limit }
    }

    /// `Err` with the node's name when the budget ran out: the figures are then incomplete.
    pub fn finish(self, framework: &str) -> Result<(), String> {
        let over = OVER_AT.with(|o| o.borrow_mut().take());
        let limit = self.limit;
        drop(self);
        match over {
            None => Ok(()),
            Some((node, op)) => {
                let at = if node.is_empty() { String::new() } else { format!(" at node '{node}' ({op})") };
                Err(format!(
                    "{framework}: pricing stopped{at}: it needed more than the work budget of {} steps, far more \
                     than any real model; the model's sizes or these settings are out of reach (lower the batch \
                     or the dimensions)",
                    limit
                ))
            }
        }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Units spent so far.
    pub fn used(&self) -> u64 {
        self.limit - LEFT.with(Cell::get).min(self.limit)
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(false));
        LEFT.with(|l| l.set(u64::MAX));
    }
}
