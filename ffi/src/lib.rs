//! C ABI for the Bulwark security SDK. The header `include/bulwark.h` is generated from this
//! crate by cbindgen (see `cbindgen.toml`) and committed.
//!
//! Conventions (also in the header's preamble): every function returns a `bw_result`; outputs go
//! through out-parameters written only on success; a NULL pointer with length 0 is an empty input,
//! any other NULL is `BW_ERR_NULL_PARAMETER`; variable-size outputs go into a caller buffer and a
//! too-small buffer gives `BW_ERR_BUFFER_TOO_SMALL` with the size needed in `*out_len`; no panic
//! crosses the boundary. All functions are safe to call from several threads at once.
#![allow(clippy::missing_safety_doc)] // each extern fn's doc states its pointer contract instead

mod crypto;
mod guard;
mod jwt;
mod otp;
mod password;
mod ratelimit;
mod result;
mod version;
mod web;

use bulwark::random;
pub use crypto::*;
use guard::{check_out_buffer, ffi_guard, out, reserve_text, slice, slice_mut, write_text};
pub use jwt::*;
pub use otp::*;
pub use password::*;
pub use ratelimit::*;
pub use result::bw_result;
use result::{describe, last_error, set_last_error, Failure};
use std::ffi::c_char;
pub use version::*;
pub use web::*;
use zeroize::Zeroizing;

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

/// Fills `buf[0..len]` with bytes from the operating system's CSPRNG.
///
/// `buf` may be NULL only when `len` is 0. Returns `BW_ERR_BACKEND` if the OS source fails.
/// Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_random_bytes(buf: *mut u8, len: usize) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees buf is valid for `len` writable bytes (or NULL with 0).
        let dest = unsafe { slice_mut(buf, len, "buf") }?;
        bulwark::random::fill(dest)?;
        Ok(())
    })
}

/// Writes a URL-safe random token (base64url, no padding) carrying `nbytes` random bytes into
/// `buf`, NUL-terminated, as Python's `secrets.token_urlsafe(nbytes)`: `ceil(4*nbytes/3)`
/// characters. `nbytes` = 32 is a good default.
///
/// On success `*out_len` is the token length (without NUL). If `cap` is too small (`buf` may then
/// be NULL), returns `BW_ERR_BUFFER_TOO_SMALL` and sets `*out_len` to the capacity needed.
/// `nbytes` above 64 MiB is `BW_ERR_INVALID_INPUT`. `out_len` must not be NULL. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_token_urlsafe(
    nbytes: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the buffer contract documented above.
        unsafe {
            token_out(
                nbytes,
                random::check_token_size,
                random::token_urlsafe_len,
                random::token_urlsafe,
                buf,
                cap,
                out_len,
            )
        }
    })
}

/// Writes a random token of `nbytes` random bytes as `2*nbytes` lower-case hex digits into `buf`,
/// NUL-terminated, as Python's `secrets.token_hex(nbytes)`.
///
/// Buffer contract as `bw_token_urlsafe`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_token_hex(
    nbytes: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the buffer contract documented above.
        unsafe {
            token_out(
                nbytes,
                random::check_token_size,
                |n| n * 2,
                random::token_hex,
                buf,
                cap,
                out_len,
            )
        }
    })
}

/// Writes a random base32 secret of `chars` characters (5 random bits each) into `buf`,
/// NUL-terminated, for TOTP/HOTP enrolment, as `pyotp.random_base32(chars)`.
///
/// `chars` must be at least 32 (160 bits), else `BW_ERR_INVALID_INPUT`. Buffer contract as
/// `bw_token_urlsafe`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_random_base32(
    chars: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the buffer contract documented above.
        unsafe {
            token_out(
                chars,
                random::check_base32_len,
                |n| n,
                random::random_base32,
                buf,
                cap,
                out_len,
            )
        }
    })
}

/// Compares `a[0..a_len]` and `b[0..b_len]` in constant time (time depends only on the lengths),
/// as Python's `hmac.compare_digest`. Different lengths compare unequal; that is not an error.
///
/// `*out_equal` receives the answer. `a` / `b` may be NULL only with length 0; `out_equal` must
/// not be NULL. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_constant_time_eq(
    a: *const u8,
    a_len: usize,
    b: *const u8,
    b_len: usize,
    out_equal: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let a = unsafe { slice(a, a_len, "a") }?;
        // SAFETY: as above.
        let b = unsafe { slice(b, b_len, "b") }?;
        // SAFETY: the caller guarantees out_equal is NULL or valid for a write.
        let out_equal = unsafe { out(out_equal, "out_equal") }?;
        *out_equal = bulwark::ct::eq(a, b);
        Ok(())
    })
}

/// Shared body of the text-token functions: validate `n`, then the buffer size, and only then
/// spend randomness and write.
///
/// # Safety
/// As `write_text`.
unsafe fn token_out(
    n: usize,
    validate: impl Fn(usize) -> bulwark::Result<()>,
    len_of: impl Fn(usize) -> usize,
    make: impl Fn(usize) -> bulwark::Result<String>,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), Failure> {
    if out_len.is_null() {
        return Err(Failure::null("out_len"));
    }
    check_out_buffer(buf, cap)?;
    validate(n)?;
    // SAFETY: the caller guarantees out_len is valid for a write (checked non-NULL above).
    unsafe { reserve_text(buf, cap, out_len, len_of(n)) }?;
    let text = Zeroizing::new(make(n)?);
    // SAFETY: forwarded caller guarantee.
    unsafe { write_text(&text, buf, cap, out_len) }
}

#[cfg(test)]
mod tests;
