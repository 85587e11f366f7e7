//! C ABI for the Bulwark security SDK. The header `include/bulwark.h` is generated from this
//! crate by cbindgen (see `cbindgen.toml`) and committed.
//!
//! Conventions (also in the header's preamble): every function returns a `bw_result`; outputs go
//! through out-parameters written only on success; a NULL pointer with length 0 is an empty input,
//! any other NULL is `BW_ERR_NULL_PARAMETER`; variable-size outputs go into a caller buffer and a
//! too-small buffer gives `BW_ERR_BUFFER_TOO_SMALL` with the size needed in `*out_len`; no panic
//! crosses the boundary. All functions are safe to call from several threads at once.
#![allow(clippy::missing_safety_doc)] // each extern fn's doc states its pointer contract instead

mod aead;
mod apikey;
mod ct;
mod fernet;
mod guard;
mod headers;
mod ipnet;
mod jwt;
mod oauth;
mod otp;
mod password;
mod random;
mod ratelimit;
mod redact;
mod redis_backend;
mod result;
mod version;
mod versioning;

pub use aead::*;
pub use apikey::*;
pub use ct::*;
pub use fernet::*;
use guard::{ffi_guard, write_text};
pub use headers::*;
pub use jwt::*;
pub use otp::*;
pub use password::*;
pub use random::*;
pub use ratelimit::*;
pub use redact::*;
pub use redis_backend::*;
pub use result::bw_result;
use result::{describe, last_error, set_last_error};
use std::ffi::c_char;
pub use version::*;

/// Returns the library version as a static NUL-terminated string (for example `"0.1.0"`).
/// Never NULL; do not free it.
#[no_mangle]
pub extern "C" fn bw_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Returns a static NUL-terminated description of any result code, unknown values included.
/// Never NULL; do not free it.
#[no_mangle]
pub extern "C" fn bw_result_str(code: u32) -> *const c_char {
    describe(code)
}

/// Copies the detail message of the latest failed call on this thread into `buf`.
///
/// The message is NUL-terminated; `*out_len` receives its length without the NUL ("" and 0 when
/// no call has failed on this thread yet). If `cap` is too small (`buf` may then be NULL), returns
/// `BW_ERR_BUFFER_TOO_SMALL` with `*out_len` set to the capacity needed, and keeps the stored
/// message so the call can be repeated (this function never changes the stored message).
/// `out_len` must not be NULL. Thread-safe (the message is per thread).
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_last_error_message(
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    let message = last_error();
    let code = ffi_guard!({
        // SAFETY: the caller guarantees (buf, cap) and out_len as documented above.
        unsafe { write_text(&message, buf, cap, out_len) }
    });
    // This call never replaces the stored message, so it can be repeated with a larger buffer.
    set_last_error(&message);
    code
}

#[cfg(test)]
mod tests;
