//! The committed `include/bulwark.h` must be exactly what cbindgen generates from this crate.
//! Run with `BULWARK_UPDATE_HEADER=1` (what `make header` does) to rewrite it.
#![allow(clippy::expect_used, clippy::panic, missing_docs)]

use std::path::Path;

#[test]
fn committed_header_is_fresh() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen failed to generate the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let header = crate_dir.join("../include/bulwark.h");
    if std::env::var_os("BULWARK_UPDATE_HEADER").is_some() {
        std::fs::write(&header, &generated).expect("write include/bulwark.h");
        return;
    }
    let committed = std::fs::read(&header).unwrap_or_default();
    if committed != generated {
        panic!(
            "include/bulwark.h is stale or missing: it differs from what cbindgen generates from ffi/src.\n\
             Run `make header` and commit the result."
        );
    }
}
