//! Bulwark's fuzz properties, used by the targets in `fuzz_targets/` (see `props`).
#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unwrap_used
)]

pub mod props;
