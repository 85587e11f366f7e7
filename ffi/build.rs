//! Gives the shared library its versioned SONAME (`libbulwark.so.MAJOR`, MAJOR from the crate
//! version), so programs linked with `-lbulwark` record the ABI they were built against rather
//! than cargo's `libbulwark_ffi.so`; a major version bump is what changes it.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".to_owned());
    if os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libbulwark.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
