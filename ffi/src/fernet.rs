//! C door for Fernet tokens (`bulwark::fernet`), interoperable with Python cryptography's `Fernet`.

use crate::guard::{ffi_guard, slice, text, write_bytes, write_text};
use crate::result::{bw_result, Failure};
use bulwark::fernet::Fernet;
use std::ffi::c_char;
use zeroize::Zeroizing;

/// Length of a Fernet key as text (url-safe base64 of 32 bytes), without the NUL.
pub const BW_FERNET_KEY_LEN: usize = 44;

/// Returns the length of the Fernet token (without NUL) that `bw_fernet_encrypt` makes from
/// `plaintext_len` bytes.
#[no_mangle]
pub extern "C" fn bw_fernet_token_len(plaintext_len: usize) -> usize {
    Fernet::token_len(plaintext_len.min(usize::MAX / 2))
}

/// Writes a fresh Fernet key (44 characters of url-safe base64, NUL-terminated) into `buf`.
/// Text buffer contract as `bw_token_urlsafe` (45 bytes suffice). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_fernet_generate_key(
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees (buf, cap) and out_len as documented.
        unsafe { crate::guard::reserve_text(buf, cap, out_len, BW_FERNET_KEY_LEN) }?;
        let key = Zeroizing::new(Fernet::generate_key()?);
        // SAFETY: as above.
        unsafe { write_text(&key, buf, cap, out_len) }
    })
}

/// Encrypts `plaintext` into a Fernet token (NUL-terminated) with `key` (a Fernet key as text),
/// the current time and a random IV; tokens decrypt with Python cryptography's `Fernet`. The token
/// length is `bw_fernet_token_len(plaintext_len)`; text buffer contract as `bw_token_urlsafe`. A
/// malformed key is `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_fernet_encrypt(
    key: *const c_char,
    key_len: usize,
    plaintext: *const u8,
    plaintext_len: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (key, plaintext) = unsafe {
            (
                text(key, key_len, "key")?,
                slice(plaintext, plaintext_len, "plaintext")?,
            )
        };
        let fernet = Fernet::new(key)?;
        // SAFETY: the caller guarantees (buf, cap) and out_len as documented.
        unsafe {
            crate::guard::reserve_text(buf, cap, out_len, Fernet::token_len(plaintext.len()))
        }?;
        let token = fernet.encrypt(plaintext)?;
        // SAFETY: as above.
        unsafe { write_text(&token, buf, cap, out_len) }
    })
}

/// Decrypts a Fernet token into `out`. With `ttl_seconds` non-NULL, tokens older than
/// `*ttl_seconds`, or dated more than 60 s in the future, are refused (NULL: no time check, as
/// cryptography's `ttl=None`). Every invalid, tampered or expired token is
/// `BW_ERR_VERIFICATION_FAILED` with the same message. The plaintext is shorter than the token, so
/// `token_len` bytes always suffice; a smaller buffer that cannot hold it gives
/// `BW_ERR_BUFFER_TOO_SMALL` with the size needed. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_fernet_decrypt(
    key: *const c_char,
    key_len: usize,
    token: *const c_char,
    token_len: usize,
    ttl_seconds: *const u64,
    out_buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (key, token) =
            unsafe { (text(key, key_len, "key")?, text(token, token_len, "token")?) };
        // SAFETY: the caller guarantees ttl_seconds is NULL or valid for a read.
        let ttl = unsafe { ttl_seconds.as_ref() }.copied();
        if out_len.is_null() {
            return Err(Failure::null("out_len"));
        }
        crate::guard::check_out_buffer(out_buf, cap)?;
        let plain = Zeroizing::new(Fernet::new(key)?.decrypt(token, ttl)?);
        // SAFETY: the caller guarantees (out_buf, cap) and out_len as documented.
        unsafe { write_bytes(&plain, out_buf, cap, out_len) }
    })
}
