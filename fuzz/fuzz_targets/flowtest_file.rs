//! A flow-test file (`*.flowtest.json`), read: any JSON gives a test file or a clear error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(value) = flowexpr::value::from_json_str(text) else { return };
    let _ = flowexpr::flowtest::file::TestFile::from_value(std::path::Path::new("fuzz.flowtest.json"), &value);
    let _ = flowexpr::workflow::Mocks::from_value(&value);
});
