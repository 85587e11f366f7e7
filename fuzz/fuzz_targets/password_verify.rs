#![no_main]
//! Fuzz target: see `bulwark_fuzz::props::password_verify` for the properties checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| bulwark_fuzz::props::password_verify(data));
