//! Test helpers: the shared test vectors in `../shared/vectors/` (beside the repository).

use std::path::PathBuf;

/// Loads `../shared/vectors/<rel>` as JSON, and fails the test loudly when the shared folder is
/// absent (a checkout without `shared/` beside it): known-answer tests never pass by skipping.
/// `BULWARK_VECTORS` overrides the folder.
pub(crate) fn vectors(rel: &str) -> serde_json::Value {
    let dir = std::env::var_os("BULWARK_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors"));
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "test vectors not found at {} ({e}): put shared/ beside the repository or set \
             BULWARK_VECTORS; known-answer tests never pass by skipping",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes a hex string from a vector file.
pub(crate) fn hex(s: &str) -> Vec<u8> {
    crate::encoding::hex_decode(s).unwrap()
}
