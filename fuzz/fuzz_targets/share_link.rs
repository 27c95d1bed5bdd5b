//! Share-link fragment → view state → (model structure → loader). Besides never
//! panicking, a link that decodes must re-encode to a link that decodes to the
//! same state.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mpclens::share::{structure, ViewState};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(mut state) = ViewState::from_fragment(text) else { return };
    state.notes.clear(); // what decoding reset is said, not encoded
    let again = ViewState::from_fragment(&state.to_fragment()).expect("a re-encoded link decodes");
    assert_eq!(again, state, "round trip changed the state");
    if let Some(m) = &state.model {
        if let Ok(bytes) = structure::decode(m) {
            let _ = mpclens::load(&bytes, &mpclens::LoadOptions::default());
        }
    }
});
