#![no_main]
//! Fuzz target: see `bulwark_fuzz::props::apikey_parse` for the properties checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| bulwark_fuzz::props::apikey_parse(data));
