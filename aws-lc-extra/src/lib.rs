//! Bulwark's one unsafe corner outside the C ABI: the aws-lc calls that aws-lc-rs does not
//! expose, kept in their own crate so that the core crate can `forbid(unsafe_code)`. Every unsafe
//! block says why it is sound; the tests compare each result with aws-lc-rs's own.
//!
//! - [`hmac_window`]: aws-lc's keyed HMAC context, copied once per OTP window check.
//! - [`rsa`]: an RSA private key's primes recovered from `n`, `e` and `d` (JWKs without CRT
//!   values), on aws-lc's `BIGNUM` arithmetic.

#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod hmac_window;
pub mod rsa;
