//! The record of what is measured: which (framework, op, settings) cost paths a recorded run of
//! the real framework (a fixture under `tests/fixtures/`) or a derivation test checks.
//!
//! The table is `src/measured.txt`, compiled in. [`flag_unmeasured`] runs once per framework in
//! `profile`, after the cost model: any priced row whose path has no entry is marked
//! `approximate` with the setting that leaves it uncovered. No cost model knows about it.
//! `tests/measured.rs` keeps the table honest (evidence exists and contains the op; scope claims
//! hold; a new cost path without an entry fails). The file's header says how to add an entry.

use crate::frameworks::CostModel;
use crate::report::{FrameworkReport, Mode};
use crate::settings::Settings;
use std::sync::OnceLock;

/// The table's text: one entry or scope declaration a line.
pub const TABLE_TEXT: &str = include_str!("measured.txt");

/// The values of one setting an entry covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Values {
    /// Every value (the derivation is symbolic in it, or the runs cover the whole range).
    Any,
    /// These spellings (canonical, as `SettingSpec::check` returns them).
    List(Vec<String>),
    /// Integers `min..=max`.
    Range(i64, i64),
}

impl Values {
    fn parse(text: &str) -> Result<Values, String> {
        if text == "*" {
            return Ok(Values::Any);
        }
        if let Some((a, b)) = text.split_once("..") {
            let (a, b) = (
                a.parse().map_err(|_| format!("bad range '{text}'"))?,
                b.parse().map_err(|_| format!("bad range '{text}'"))?,
            );
            return Ok(Values::Range(a, b));
        }
        Ok(Values::List(text.split('|').map(str::to_string).collect()))
    }
    pub fn contains(&self, value: &str) -> bool {
        match self {
            Values::Any => true,
            Values::List(v) => v.iter().any(|x| x.eq_ignore_ascii_case(value)),
            Values::Range(a, b) => value.parse::<i64>().is_ok_and(|n| n >= *a && n <= *b),
        }
    }
}

/// One line of the table: these ops on this framework, under these settings, are checked by
/// this evidence. A relevant setting the entry does not name is covered at its default only.
#[derive(Clone, Debug)]
pub struct Entry {
    pub framework: String,
    pub ops: Vec<String>,
    /// `key → values`; the pseudo-key `mode` is `inference` (default) or `training`.
    pub when: Vec<(String, Values)>,
    /// Fixture paths, or `tests/FILE.rs#test_fn` for a derivation test.
    pub evidence: Vec<String>,
    /// 1-based line in `measured.txt`, for messages.
    pub line: usize,
}

/// `@scope FRAMEWORK KEY OP…`: the setting changes the cost of these ops only (the word
/// `training` stands for every row of a training step). A key with no scope line changes every op.
#[derive(Clone, Debug)]
pub struct Scope {
    pub framework: String,
    pub key: String,
    pub ops: Vec<String>,
    pub line: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Table {
    pub entries: Vec<Entry>,
    pub scopes: Vec<Scope>,
}

/// The compiled-in table (parsed once; `tests/measured.rs` checks that it parses).
pub fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| Table::parse(TABLE_TEXT).unwrap_or_else(|e| panic!("src/measured.txt: {e}")))
}

impl Table {
    pub fn parse(text: &str) -> Result<Table, String> {
        let mut t = Table::default();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let at = |m: String| format!("line {}: {m}", i + 1);
            if let Some(rest) = line.strip_prefix("@scope") {
                let w: Vec<&str> = rest.split_whitespace().collect();
                if w.len() < 3 {
                    return Err(at("expected '@scope FRAMEWORK KEY OP…'".into()));
                }
                let ops = w[2..].iter().map(|s| s.to_string()).collect();
                t.scopes.push(Scope { framework: w[0].into(), key: w[1].into(), ops, line: i + 1 });
                continue;
            }
            let (lhs, rhs) =
                line.split_once(':').ok_or_else(|| at("expected 'FRAMEWORK OPS [KEY=VALUES…] : EVIDENCE…'".into()))?;
            let w: Vec<&str> = lhs.split_whitespace().collect();
            if w.len() < 2 {
                return Err(at("expected a framework and ops before ':'".into()));
            }
            let mut when = Vec::new();
            for kv in &w[2..] {
                let (k, v) = kv.split_once('=').ok_or_else(|| at(format!("expected KEY=VALUES, got '{kv}'")))?;
                when.push((k.to_string(), Values::parse(v).map_err(at)?));
            }
            let evidence: Vec<String> = rhs.split_whitespace().map(str::to_string).collect();
            if evidence.is_empty() {
                return Err(at("no evidence after ':'".into()));
            }
            t.entries.push(Entry {
                framework: w[0].into(),
                ops: w[1].split(',').map(str::to_string).collect(),
                when,
                evidence,
                line: i + 1,
            });
        }
        Ok(t)
    }

    /// Whether `key` of `framework` changes the cost of `op` in `mode`.
    pub fn relevant(&self, framework: &str, key: &str, op: &str, mode: Mode) -> bool {
        let mut scoped = self.scopes.iter().filter(|s| s.framework == framework && s.key == key).peekable();
        if scoped.peek().is_none() {
            return true;
        }
        scoped.any(|s| s.ops.iter().any(|o| o == op || (o == "training" && mode == Mode::Training)))
    }

    /// `None` when an entry covers `op` on `model` under `settings` and `mode`; otherwise why not.
    pub fn uncovered(&self, model: &dyn CostModel, op: &str, mode: Mode, settings: &Settings) -> Option<String> {
        let fw = model.name();
        let candidates: Vec<&Entry> =
            self.entries.iter().filter(|e| e.framework == fw && e.ops.iter().any(|o| o == op)).collect();
        let none = || format!("no recorded run or derivation covers {op} on {}", model.title());
        if candidates.is_empty() {
            return Some(none());
        }
        // Each relevant setting's value, the mode first.
        let mut current: Vec<(&str, &str, &str)> = vec![("mode", mode.as_str(), "inference")];
        for spec in model.settings() {
            if self.relevant(fw, spec.key, op, mode) {
                current.push((spec.key, settings.get(spec.key), spec.default));
            }
        }
        let misses = |e: &Entry| -> Vec<(&str, &str)> {
            current
                .iter()
                .filter(|(k, v, default)| match e.when.iter().find(|(ek, _)| ek == k) {
                    Some((_, vals)) => !vals.contains(v),
                    None => !v.eq_ignore_ascii_case(default),
                })
                .map(|(k, v, _)| (*k, *v))
                .collect()
        };
        let best = candidates.iter().map(|e| misses(e)).min_by_key(|m| m.len())?;
        let (k, v) = best.first()?;
        Some(format!("{} with {k}={v}", none()))
    }
}

/// Marks every priced, non-free row of `fr` that no entry covers as approximate, keeping a
/// reason the cost model gave. Zero-cost rows are the claim "this op sends nothing" and are
/// counted as free by the coverage; they need no entry.
pub fn flag_unmeasured(model: &dyn CostModel, mode: Mode, settings: &Settings, fr: &mut FrameworkReport) {
    let table = table();
    // Per op, not per node: a model repeats a few ops thousands of times.
    let mut by_op: std::collections::HashMap<String, Option<String>> = Default::default();
    for n in fr.nodes.iter_mut().filter(|n| !n.cost.is_zero()) {
        let why = match by_op.get(&n.op) {
            Some(w) => w.clone(),
            None => {
                let w = table.uncovered(model, &n.op, mode, settings);
                by_op.insert(n.op.clone(), w.clone());
                w
            }
        };
        if let Some(why) = why {
            n.approximate = Some(match n.approximate.take() {
                Some(own) if !own.contains(&why) => format!("{own}; {why}"),
                Some(own) => own,
                None => why,
            });
        }
    }
}
