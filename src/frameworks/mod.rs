//! One module per MPC framework. Each is a cost model: a pure function of
//! (graph, mode, settings) → [`FrameworkReport`], built from documented
//! per-op formulas. The registry below is the only place that lists them.

pub mod cheetah;
pub mod crypten;
pub mod cryptflow2;
pub mod delphi;
pub mod missing;
pub mod sci;
pub mod semi2k;
pub mod spu_cheetah;

use crate::graph::Graph;
use crate::report::{FrameworkReport, Mode};
use crate::settings::{SettingSpec, Settings};

/// A framework's cost model.
pub trait CostModel: Sync {
    /// Registry name used on the command line (`--framework crypten`) and in `--set crypten.KEY=V`.
    fn name(&self) -> &'static str;
    /// Display name with the version modelled.
    fn title(&self) -> &'static str;
    /// Settings with the framework's real defaults.
    fn settings(&self) -> &'static [SettingSpec];
    /// Whether the framework can run a training step at all.
    fn supports_training(&self) -> bool;
    /// Constraints between settings that each pass their own range (Cheetah's ℓ against its
    /// scale). Checked before any pricing, with a message naming both settings.
    fn check_settings(&self, _settings: &Settings) -> Result<(), String> {
        Ok(())
    }
    /// Warnings about nodes on public values, which cost nothing and no cost model prices,
    /// but which the framework's loader may still refuse (CrypTen's `from_onnx` rejects a
    /// Trilu whatever its inputs).
    fn public_node_warnings(&self, _public: &[&crate::graph::Node]) -> Vec<String> {
        Vec::new()
    }
    /// Prices the graph. Nodes the framework cannot run go to `unsupported`
    /// with a reason; the rest are still priced.
    fn profile(&self, graph: &Graph, mode: Mode, settings: &Settings) -> FrameworkReport;
}

/// Every framework mpclens models, in display order.
pub fn all() -> Vec<&'static dyn CostModel> {
    vec![
        &crypten::CrypTen,
        &semi2k::Semi2k,
        &semi2k::Aby3,
        &spu_cheetah::SpuCheetah,
        &cryptflow2::CRYPTFLOW2,
        &cheetah::CHEETAH,
        &delphi::DELPHI,
    ]
}

/// Looks a framework up by registry name (case-insensitive).
pub fn by_name(name: &str) -> Option<&'static dyn CostModel> {
    all().into_iter().find(|f| f.name().eq_ignore_ascii_case(name))
}
