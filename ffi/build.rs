//! Gives the shared library the SONAME it is installed under (`libbulwark.so`), so programs
//! linked with `-lbulwark` record that name rather than cargo's `libbulwark_ffi.so`.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libbulwark.so");
    }
}
