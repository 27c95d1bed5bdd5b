//! Where each framework becomes the fastest: a map over bandwidth × round-trip
//! time of the framework whose total takes least time, by the one time formula
//! of [`crate::network`] (`bytes × 8 / bandwidth + rounds × RTT`), from the
//! summary's totals. No new cost figure: only [`Network::seconds`] on a grid.
//!
//! A framework whose total is partial (nodes it cannot price) is left out of the
//! ranking: its total leaves work out, so it would win for the wrong reason.

use crate::cost::Cost;
use crate::network::{presets, Network};
use crate::summary::Summary;
use serde::{Deserialize, Serialize};

/// Grid: bandwidth from 10 Mbit/s to 100 Gbit/s, RTT from 0.05 ms to 500 ms,
/// five steps per decade on both axes.
pub const MBPS_RANGE: (f64, f64) = (10.0, 100_000.0);
pub const RTT_MS_RANGE: (f64, f64) = (0.05, 500.0);
pub const STEPS_PER_DECADE: usize = 5;

/// The fastest framework at one (bandwidth, RTT).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Index into [`Summary::frameworks`].
    pub fastest: usize,
    pub seconds: f64,
    /// The runner-up's time over the fastest's (1 = a tie; none with one candidate).
    pub lead: Option<f64>,
}

/// One network preset and who is fastest there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub name: String,
    pub mbps: f64,
    pub rtt_ms: f64,
    pub fastest: Option<usize>,
    pub seconds: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FastestMap {
    /// Columns, low to high.
    pub mbps: Vec<f64>,
    /// Rows, low to high.
    pub rtt_ms: Vec<f64>,
    /// `cells[row][column]`; empty when no framework has a complete total.
    pub cells: Vec<Vec<Cell>>,
    /// Indices of the frameworks ranked.
    pub ranked: Vec<usize>,
    /// Frameworks left out, with the reason.
    pub left_out: Vec<(usize, String)>,
    /// The presets, then the summary's own network.
    pub points: Vec<Point>,
}

/// `lo..=hi` in `steps` per decade, log-spaced.
fn log_steps((lo, hi): (f64, f64), steps: usize) -> Vec<f64> {
    let n = ((hi / lo).log10() * steps as f64).round() as usize;
    (0..=n).map(|i| lo * 10f64.powf(i as f64 / steps as f64)).collect()
}

/// The fastest ranked framework on `net`: (index, seconds, runner-up ratio).
fn fastest(s: &Summary, ranked: &[usize], net: &Network) -> Option<(usize, f64, Option<f64>)> {
    let mut times: Vec<(f64, usize)> = ranked
        .iter()
        .map(|&i| {
            let f = &s.frameworks[i];
            (net.seconds(&Cost { bytes: f.bytes, rounds: f.rounds, ..Cost::default() }), i)
        })
        .collect();
    // Ties go to the earlier framework in the report's order.
    times.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let best = *times.first()?;
    let lead = times.get(1).map(|x| if best.0 > 0.0 { x.0 / best.0 } else { f64::INFINITY });
    Some((best.1, best.0, lead))
}

/// The map for `s`'s totals.
pub fn fastest_map(s: &Summary) -> FastestMap {
    let mut ranked = Vec::new();
    let mut left_out = Vec::new();
    for (i, f) in s.frameworks.iter().enumerate() {
        if f.partial {
            left_out.push((i, format!("{}: {}", f.title, f.coverage)));
        } else {
            ranked.push(i);
        }
    }
    let mbps = log_steps(MBPS_RANGE, STEPS_PER_DECADE);
    let rtt_ms = log_steps(RTT_MS_RANGE, STEPS_PER_DECADE);
    let cells = if ranked.is_empty() {
        Vec::new()
    } else {
        rtt_ms
            .iter()
            .map(|&r| {
                mbps.iter()
                    .filter_map(|&b| fastest(s, &ranked, &Network::custom(b, r)))
                    .map(|(fastest, seconds, lead)| Cell { fastest, seconds, lead })
                    .collect()
            })
            .collect()
    };
    let points = presets()
        .into_iter()
        .chain(std::iter::once(s.network.clone()))
        .map(|n| {
            let best = fastest(s, &ranked, &n);
            Point {
                mbps: n.bits_per_second / 1e6,
                rtt_ms: n.rtt_seconds * 1e3,
                name: n.name,
                fastest: best.map(|b| b.0),
                seconds: best.map_or(f64::NAN, |b| b.1),
            }
        })
        .collect();
    FastestMap { mbps, rtt_ms, cells, ranked, left_out, points }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::FrameworkSummary;

    fn fw(name: &str, bytes: u64, rounds: u64, partial: bool) -> FrameworkSummary {
        FrameworkSummary {
            framework: name.into(),
            title: name.into(),
            bytes,
            rounds,
            seconds: 0.0,
            coverage: if partial { "partial: 1 of 2 nodes unpriced".into() } else { "complete".into() },
            partial,
            top_layers: Vec::new(),
            top_ops: Vec::new(),
            what_ifs: Vec::new(),
        }
    }

    #[test]
    fn few_bytes_win_on_slow_links_and_few_rounds_on_far_ones() {
        // A: 1 GB in 10 rounds; B: 10 MB in 1000 rounds; C would beat both, but is partial.
        let s = Summary {
            network: Network::custom(1000.0, 0.5),
            frameworks: vec![fw("A", 1_000_000_000, 10, false), fw("B", 10_000_000, 1000, false), fw("C", 1, 1, true)],
            op_kinds: Vec::new(),
        };
        let m = fastest_map(&s);
        assert_eq!(m.mbps.len(), 21);
        assert_eq!(m.rtt_ms.len(), 21);
        assert_eq!(m.ranked, [0, 1]);
        assert_eq!(m.left_out.len(), 1);
        // 10 Mbit/s, 0.05 ms: A 800 s vs B 8.05 s → B.
        assert_eq!(m.cells[0][0].fastest, 1);
        // 100 Gbit/s, 500 ms: A 0.08 + 5 s vs B 0.0008 + 500 s → A.
        let far = &m.cells[m.rtt_ms.len() - 1][m.mbps.len() - 1];
        assert_eq!(far.fastest, 0);
        assert!((far.seconds - (8e9 / 1e11 + 10.0 * 0.5)).abs() < 1e-9);
        // The crossing on the 1 Gbit/s column: A = 8 + 10 r, B = 0.08 + 1000 r, so r = 8 ms.
        let col = m.mbps.iter().position(|b| (b - 1000.0).abs() < 1e-6).unwrap();
        for (row, r) in m.rtt_ms.iter().enumerate() {
            let want = if r * 1e-3 * 990.0 > 7.92 { 0 } else { 1 };
            assert_eq!(m.cells[row][col].fastest, want, "rtt {r} ms");
        }
        assert_eq!(m.points.len(), presets().len() + 1);
    }
}
