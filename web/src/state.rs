//! The view state a share link carries lives in the core library
//! (`mpclens::share`), where its decoder is fuzzed natively.

pub use mpclens::share::{View, ViewState};
