//! Network profiles and the time estimate shown next to every cost.
//!
//! `time = bytes / bandwidth + rounds × RTT`. Bytes are the framework's total on
//! the wire (all parties, both directions) sent over one shared link; this is the
//! usual first-order model (HawkEye §6, CrypTFlow2 §7) and ignores computation
//! and overlap, so it is a lower bound on wall-clock time.

use crate::cost::Cost;
use serde::{Deserialize, Serialize};

/// A network: bandwidth in bits per second and round-trip time in seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub name: String,
    pub bits_per_second: f64,
    pub rtt_seconds: f64,
    /// Where the figures come from.
    pub source: String,
}

/// The custom network a new page (and `mpclens profile --summary`) starts with.
pub const DEFAULT_MBPS: f64 = 1000.0;
pub const DEFAULT_RTT_MS: f64 = 0.5;

/// Presets. CrypTFlow2 (Rathee et al., CCS 2020, §7 "Experimental setup") states
/// LAN 377 MBps with 0.3 ms echo latency and WAN 40 MBps with 80 ms; the other two
/// are generic reference points, labelled as such.
pub fn presets() -> Vec<Network> {
    vec![
        Network {
            name: "LAN (CrypTFlow2)".into(),
            bits_per_second: 377e6 * 8.0,
            rtt_seconds: 0.3e-3,
            source: "CrypTFlow2, CCS 2020, §7: 377 MBps, 0.3 ms".into(),
        },
        Network {
            name: "WAN (CrypTFlow2)".into(),
            bits_per_second: 40e6 * 8.0,
            rtt_seconds: 80e-3,
            source: "CrypTFlow2, CCS 2020, §7: 40 MBps, 80 ms".into(),
        },
        Network {
            name: "Datacenter 10 Gbps".into(),
            bits_per_second: 10e9,
            rtt_seconds: 0.1e-3,
            source: "generic: 10 Gbps, 0.1 ms".into(),
        },
        Network {
            name: "Home broadband".into(),
            bits_per_second: 50e6,
            rtt_seconds: 30e-3,
            source: "generic: 50 Mbps, 30 ms".into(),
        },
    ]
}

impl Network {
    /// A custom profile from user sliders (Mbps and milliseconds).
    pub fn custom(mbps: f64, rtt_ms: f64) -> Network {
        Network {
            name: "Custom".into(),
            bits_per_second: mbps.max(1e-3) * 1e6,
            rtt_seconds: rtt_ms.max(0.0) / 1e3,
            source: "custom".into(),
        }
    }
    /// Estimated seconds for `cost` on this network.
    pub fn seconds(&self, cost: &Cost) -> f64 {
        cost.bytes as f64 * 8.0 / self.bits_per_second + cost.rounds as f64 * self.rtt_seconds
    }
    /// The formula with this profile's numbers, for display.
    pub fn formula(&self) -> String {
        format!("time = bytes × 8 / {} + rounds × {}", fmt_bps(self.bits_per_second), fmt_secs(self.rtt_seconds))
    }
}

fn fmt_bps(b: f64) -> String {
    if b >= 1e9 {
        format!("{:.3} Gbit/s", b / 1e9)
    } else {
        format!("{:.3} Mbit/s", b / 1e6)
    }
}

/// Seconds in a readable unit (µs, ms, s, min, h).
pub fn fmt_secs(s: f64) -> String {
    if !s.is_finite() {
        "–".into()
    } else if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else if s < 120.0 {
        format!("{s:.2} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_bandwidth_plus_latency() {
        let wan = &presets()[1];
        let c = Cost { bytes: 40_000_000, rounds: 100, ..Cost::default() };
        // 40 MB at 40 MB/s = 1 s; 100 rounds × 80 ms = 8 s.
        assert!((wan.seconds(&c) - 9.0).abs() < 1e-9);
        assert_eq!(fmt_secs(9.0), "9.00 s");
        assert_eq!(
            Network::custom(100.0, 10.0).seconds(&Cost { bytes: 12_500_000, rounds: 2, ..Cost::default() }),
            1.02
        );
    }
}
