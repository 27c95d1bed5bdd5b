//! Number and shape formatting shared by every view.

use mpclens::graph::Shape;

/// Bytes in decimal units (kB, MB, GB), as network people count them.
pub fn bytes(b: u64) -> String {
    let b = b as f64;
    if b < 1e3 {
        format!("{b:.0} B")
    } else if b < 1e6 {
        format!("{:.1} kB", b / 1e3)
    } else if b < 1e9 {
        format!("{:.1} MB", b / 1e6)
    } else if b < 1e12 {
        format!("{:.2} GB", b / 1e9)
    } else {
        format!("{:.2} TB", b / 1e12)
    }
}

/// [`bytes`] of a chart value.
pub fn bytes_f(v: f64) -> String {
    bytes(v.max(0.0) as u64)
}

/// A round count of a chart value.
pub fn int_f(v: f64) -> String {
    int(v.max(0.0) as u64)
}

/// [`seconds`] of a chart value.
pub fn seconds_f(v: f64) -> String {
    seconds(v)
}

/// Seconds in a readable unit (the core's formatter, shared with the CLI).
pub fn seconds(s: f64) -> String {
    mpclens::network::fmt_secs(s)
}

/// Integer with thin thousands separators.
pub fn int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// `1×3×224×224`, or `?` when unknown.
pub fn shape(s: &Option<Shape>) -> String {
    match s {
        None => "?".into(),
        Some(d) if d.is_empty() => "scalar".into(),
        Some(d) => d.iter().map(u64::to_string).collect::<Vec<_>>().join("×"),
    }
}

/// Several shapes, comma separated.
pub fn shapes(s: &[Option<Shape>]) -> String {
    s.iter().map(shape).collect::<Vec<_>>().join(", ")
}

pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}
