//! A framework's price table: op name → the function that prices it, in the spirit of tract's
//! `register_all_ops`. Each framework keeps its own table beside its formulas; dispatch is a
//! lookup, so an op without an entry is unsupported by construction.

/// `(op, how this framework prices it)`, one row per op the framework runs.
pub type Table<F> = &'static [(&'static str, F)];

/// The entry for `op`, if the framework has one.
pub fn lookup<F: Copy>(table: Table<F>, op: &str) -> Option<F> {
    table.iter().find(|(name, _)| *name == op).map(|(_, f)| *f)
}

/// The ops of a table, for checks against the registry.
pub fn ops<F>(table: Table<F>) -> impl Iterator<Item = &'static str> {
    table.iter().map(|(name, _)| *name)
}
