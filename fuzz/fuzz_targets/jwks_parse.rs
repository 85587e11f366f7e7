#![no_main]
//! Fuzz target: see `bulwark_fuzz::props::jwks_parse` for the properties checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| bulwark_fuzz::props::jwks_parse(data));
