// No unsafe code in core: the one unsafe corner of the SDK (the aws-lc calls aws-lc-rs lacks: the
// OTP window's HMAC context, RSA prime recovery) is the `bulwark-aws-lc` crate beside it; the C
// door's is the ABI itself.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
#![doc = include_str!("../../README.md")]

pub mod aead;
pub mod apikey;
pub mod ct;
pub mod encoding;
pub mod error;
pub mod fernet;
pub mod headers;
pub mod ipnet;
mod json_scan;
pub mod jwt;
pub mod oauth;
pub mod otp;
#[cfg(feature = "password")]
pub mod password;
pub mod random;
pub mod ratelimit;
#[cfg(feature = "redact")]
pub mod redact;
#[cfg(feature = "redis")]
pub mod redis_backend;
mod storage;
pub mod versioning;

pub use error::{Error, ErrorKind, Result};
/// The JSON crate of Bulwark's claims and headers (`Map`, `Value`, `json!`), re-exported so that
/// callers use the same version.
pub use serde_json;

#[cfg(test)]
mod testutil;

/// The SDK's version (the workspace version, shared by the C library and the Python wheel).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The Rust examples of docs/features.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/features.md")]
pub struct FeaturesGuide;

/// The Rust examples of docs/rust.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/rust.md")]
pub struct RustGuide;
