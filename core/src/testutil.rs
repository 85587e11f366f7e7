//! Test helpers: the shared test vectors in `../shared/vectors/` (beside the repository).

use std::path::PathBuf;

/// Loads `../shared/vectors/<rel>` as JSON, or prints a loud skip notice and returns None when the
/// shared folder is absent (a checkout without `shared/` beside it). `BULWARK_VECTORS` overrides
/// the folder.
pub(crate) fn vectors(rel: &str) -> Option<serde_json::Value> {
    let dir = std::env::var_os("BULWARK_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors"));
    let path = dir.join(rel);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        }
        Err(_) => {
            eprintln!(
                "\n!!!!!! SKIPPED: test vectors not found at {} — known-answer tests did NOT run. \
                 Put shared/ beside the repository or set BULWARK_VECTORS. !!!!!!\n",
                path.display()
            );
            None
        }
    }
}

/// Decodes a hex string from a vector file.
pub(crate) fn hex(s: &str) -> Vec<u8> {
    crate::encoding::hex_decode(s).unwrap()
}
