//! C door for API keys (`bulwark::apikey`): generation, parsing, peppered hashes and checks.

use crate::guard::{ffi_guard, out, reserve_text, slice, text, write_text};
use crate::result::{bw_result, Failure};
use bulwark::apikey::{self, KeyHasher};
use std::ffi::c_char;

/// A buffer of this many bytes holds any API key (NUL included).
pub const BW_APIKEY_MAX_LEN: usize = 81;
/// Length of a stored API key hash (hex, without the NUL).
pub const BW_APIKEY_HASH_LEN: usize = 64;

/// Generates an API key `<prefix>_<40 base62>_<6-char checksum>` into `key_buf` and its public
/// key id (`<prefix>_<8 characters>`, safe to log) into `id_buf`, both NUL-terminated.
///
/// The prefix is 1..=32 lower-case letters and digits in `_`-separated words, starting with a
/// letter, else `BW_ERR_INVALID_INPUT`. `BW_APIKEY_MAX_LEN` bytes always hold the key; when either
/// buffer is too small, `BW_ERR_BUFFER_TOO_SMALL` with both needed sizes in `*key_len` and
/// `*id_len`, before anything is generated. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_apikey_generate(
    prefix: *const c_char,
    prefix_len: usize,
    key_buf: *mut c_char,
    key_cap: usize,
    key_len: *mut usize,
    id_buf: *mut c_char,
    id_cap: usize,
    id_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees prefix is valid for prefix_len bytes (or NULL with 0).
        let prefix = unsafe { text(prefix, prefix_len, "prefix") }?;
        apikey::check_prefix(prefix)?;
        if key_len.is_null() {
            return Err(Failure::null("key_len"));
        }
        if id_len.is_null() {
            return Err(Failure::null("id_len"));
        }
        let need_key = prefix.len() + 1 + apikey::RANDOM_LEN + 1 + apikey::CHECKSUM_LEN;
        let need_id = prefix.len() + 1 + apikey::ID_LEN;
        // SAFETY: the caller guarantees the buffer contracts documented above.
        let r1 = unsafe { reserve_text(key_buf, key_cap, key_len, need_key) };
        // SAFETY: as above.
        let r2 = unsafe { reserve_text(id_buf, id_cap, id_len, need_id) };
        r1?;
        r2?;
        let key = apikey::generate(prefix)?;
        // SAFETY: as above.
        unsafe { write_text(key.key(), key_buf, key_cap, key_len) }?;
        // SAFETY: as above.
        unsafe { write_text(key.key_id(), id_buf, id_cap, id_len) }
    })
}

/// Checks a presented key's format and checksum and writes its public key id into `id_buf`.
/// A malformed key is `BW_ERR_INVALID_INPUT` (the detail never quotes the key). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_apikey_parse(
    key: *const c_char,
    key_len: usize,
    id_buf: *mut c_char,
    id_cap: usize,
    id_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees key is valid for key_len bytes (or NULL with 0).
        let key = unsafe { text(key, key_len, "key") }?;
        let parsed = apikey::parse(key)?;
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(&parsed.key_id, id_buf, id_cap, id_len) }
    })
}

/// Writes the value to store for `key`: 64 hex digits of HMAC-SHA256 under `pepper` (at least 32
/// bytes, kept outside the database), NUL-terminated. Malformed key or short pepper:
/// `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_apikey_hash(
    pepper: *const u8,
    pepper_len: usize,
    key: *const c_char,
    key_len: usize,
    out_buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (pepper, key) = unsafe {
            (
                slice(pepper, pepper_len, "pepper")?,
                text(key, key_len, "key")?,
            )
        };
        let hasher = KeyHasher::new(pepper)?;
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { reserve_text(out_buf, cap, out_len, BW_APIKEY_HASH_LEN) }?;
        let stored = hasher.hash(key)?;
        // SAFETY: as above.
        unsafe { write_text(&stored, out_buf, cap, out_len) }
    })
}

/// Sets `*out_valid` when `presented` is the key whose stored hash is `stored`, comparing in
/// constant time. A well-formed wrong key is `BW_OK` with `false`; a malformed key or stored hash
/// is `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_apikey_verify(
    pepper: *const u8,
    pepper_len: usize,
    presented: *const c_char,
    presented_len: usize,
    stored: *const c_char,
    stored_len: usize,
    out_valid: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (pepper, presented, stored) = unsafe {
            (
                slice(pepper, pepper_len, "pepper")?,
                text(presented, presented_len, "presented")?,
                text(stored, stored_len, "stored")?,
            )
        };
        // SAFETY: the caller guarantees out_valid is NULL or valid for a write.
        let out_valid = unsafe { out(out_valid, "out_valid") }?;
        *out_valid = KeyHasher::new(pepper)?.verify(presented, stored)?;
        Ok(())
    })
}
