//! Network profiles: estimated time = bytes / bandwidth + rounds × RTT.

/// A network: bandwidth in bits per second, round-trip time in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Network {
    pub bits_per_s: f64,
    pub rtt_s: f64,
}

impl Network {
    /// Estimated wall time of `bytes` over `rounds` sequential round trips:
    /// `8·bytes / bandwidth + rounds · RTT` (computation and overlap ignored).
    pub fn time(&self, bytes: u64, rounds: u64) -> f64 {
        bytes as f64 * 8.0 / self.bits_per_s + rounds as f64 * self.rtt_s
    }
    pub fn label(&self) -> String {
        format!("{} · RTT {}", bandwidth(self.bits_per_s), crate::fmt::seconds(self.rtt_s))
    }
}

pub fn bandwidth(bps: f64) -> String {
    if bps >= 1e9 {
        format!("{:.3} Gbit/s", bps / 1e9).replace(".000", "")
    } else {
        format!("{:.0} Mbit/s", bps / 1e6)
    }
}

/// Two example settings; the custom profile is set with the sliders.
pub const LAN: Network = Network { bits_per_s: 1e9, rtt_s: 0.5e-3 };
pub const WAN: Network = Network { bits_per_s: 100e6, rtt_s: 80e-3 };
