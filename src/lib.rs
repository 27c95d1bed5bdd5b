//! mpclens: a static profiler of the communication cost of ONNX models under
//! secure multi-party computation.
//!
//! Data flows one way (see ARCHITECTURE.md):
//! ONNX bytes → [`loader`] → [`graph::Graph`] → [`frameworks`] (per-framework
//! cost, training included) → [`report::Report`] → CLI / web views.

pub mod budget;
pub mod cost;
pub mod crossover;
pub mod csv;
pub mod dataflow;
pub mod frameworks;
pub mod generation;
pub mod graph;
pub mod loader;
pub mod measured;
pub mod network;
pub mod ops;
pub mod profile;
pub mod public;
pub mod report;
pub mod scope;
pub mod settings;
pub mod share;
pub mod summary;
pub mod training;
pub mod whatif;

pub use graph::Graph;
pub use loader::{load, load_file, LoadError, LoadOptions};
pub use profile::{profile, ProfileRequest};
pub use report::{Mode, Report};
