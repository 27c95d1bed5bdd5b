//! One fuzz input → one profile request: the first 8 bytes choose the framework, mode,
//! batch, dims, two settings and the what-ifs; the rest is the ONNX file. Shared by the
//! `profile` fuzz target and the uninstrumented soak in tests/fuzz_soak.rs.

use mpclens::frameworks;
use mpclens::settings::Allowed;
use mpclens::whatif::{self, WhatIf, SUBSTITUTIONS};
use mpclens::{LoadOptions, Mode, ProfileRequest};

/// A value for one setting from one byte: mostly inside the declared range (min, max, and
/// between), sometimes just outside it or not a value at all.
pub fn value(allowed: &Allowed, b: u8) -> String {
    match allowed {
        Allowed::Int { min, max } => match b % 8 {
            0 => min.to_string(),
            1 => max.to_string(),
            2 => (min - 1).to_string(),
            3 => (max + 1).to_string(),
            4 => "x".into(),
            _ => (min + (b as i64 * (max - min)) / 255).to_string(),
        },
        Allowed::OneOf(words) => words.get(b as usize % (words.len() + 1)).map_or("nonsense".into(), |w| w.to_string()),
        Allowed::Bool => ["true", "false", "maybe"][b as usize % 3].into(),
    }
}

pub fn size(b: [u8; 2]) -> u64 {
    match b[0] % 4 {
        0 => 1 + b[1] as u64,
        1 => 1u64 << (b[1] % 48), // up to past the 2^40 limit
        2 => 0,
        _ => u16::from_le_bytes(b) as u64,
    }
}

pub fn run(data: &[u8]) {
    if data.len() < 8 {
        return;
    }
    let (head, model) = data.split_at(8);
    let mut opts = LoadOptions::default();
    if head[0] & 1 == 1 {
        opts.batch = Some(size([head[1], head[2]]));
    }
    if head[0] & 2 == 2 {
        for name in ["seq", "sequence", "batch", "N", "dim_0"] {
            opts.dims.insert(name.into(), size([head[3], head[2]]));
        }
    }
    let Ok(graph) = mpclens::load(model, &opts) else { return };

    let all = frameworks::all();
    let fw = all[head[4] as usize % all.len()];
    let mode = if head[0] & 4 == 4 { Mode::Training } else { Mode::Inference };
    let mut req = ProfileRequest { frameworks: vec![fw.name().into()], mode, ..Default::default() };
    for (i, &b) in head[5..7].iter().enumerate() {
        let specs = fw.settings();
        if specs.is_empty() {
            break;
        }
        let spec = &specs[(b as usize + 7 * i) % specs.len()];
        let v = value(&spec.allowed, b.rotate_left(3) ^ head[7]);
        if let Err(e) = req.add_setting(&format!("{}.{}={v}", fw.name(), spec.key)) {
            assert!(!e.is_empty(), "a refused setting says why");
        }
    }

    let mut w = WhatIf::default();
    for (bit, (key, _)) in SUBSTITUTIONS.iter().enumerate() {
        if head[7] & (1 << bit) != 0 {
            w = w.with(key, true).unwrap_or(w);
        }
    }
    let (rewritten, _) = whatif::apply(&graph, w);
    for g in [&graph, &rewritten] {
        if let Ok(report) = mpclens::profile(g, &req) {
            serde_json::to_string(&report).expect("a report serialises");
        }
    }
    if w != WhatIf::default() {
        if let Ok((bytes, _)) = whatif::apply_onnx(model, &graph, w) {
            let _ = mpclens::load(&bytes, &opts).map(|g| mpclens::profile(&g, &req));
        }
    }
}
