//! C door for secure random bytes and tokens (`bulwark::random`), from AWS-LC's CSPRNG.

use crate::guard::{check_out_buffer, ffi_guard, reserve_text, slice_mut, write_text};
use crate::result::{bw_result, Failure};
use bulwark::random;
use std::ffi::c_char;
use zeroize::Zeroizing;

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
