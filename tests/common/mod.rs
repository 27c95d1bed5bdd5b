//! Shared by the tests that match recorded SPU runs (tests/semi2k.rs, tests/aby3.rs, tests/spu_cheetah.rs).

use std::path::{Path, PathBuf};

/// Runs `check` (runs checked, mismatch lines) on every `.json` fixture of `dir`, a path
/// relative to the crate root, in name order: (files, runs checked, all mismatch lines).
pub fn check_fixture_dir(dir: &str, check: impl Fn(&Path) -> (usize, Vec<String>)) -> (usize, usize, Vec<String>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut misses = Vec::new();
    let mut runs = 0;
    for f in &files {
        let (c, m) = check(f);
        runs += c;
        misses.extend(m);
    }
    (files.len(), runs, misses)
}
