#![no_main]
//! Fuzz target: see `bulwark_fuzz::props::keyring_decrypt` for the properties checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| bulwark_fuzz::props::keyring_decrypt(data));
