//! ONNX bytes → load → profile with every framework, inference and training.
//! Any panic (overflow checks are on), abort or out-of-memory is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mpclens::{LoadOptions, Mode, ProfileRequest};

fuzz_target!(|data: &[u8]| {
    let Ok(graph) = mpclens::load(data, &LoadOptions::default()) else { return };
    for mode in [Mode::Inference, Mode::Training] {
        let req = ProfileRequest { mode, ..Default::default() };
        let report = mpclens::profile(&graph, &req).expect("default settings are valid");
        serde_json::to_string(&report).expect("a report serialises");
    }
});
