//! Model + settings + batch + dims + what-ifs together: the first bytes choose the request,
//! the rest is the ONNX file. Any panic, abort, hang (libFuzzer's -timeout) or out-of-memory
//! is a finding; a setting, batch or dim out of range must be refused with a message, and a
//! what-if's rewritten file must load (or be refused) and price without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
#[path = "../request.rs"]
mod request;

fuzz_target!(|data: &[u8]| request::run(data));
