//! C door for authenticated encryption (`bulwark::aead`): one-shot AES-256-GCM and
//! ChaCha20-Poly1305 with a random or caller nonce, and keyrings of versioned keys.

use crate::guard::{ffi_guard, out, slice, text, write_exact, write_text};
use crate::result::{bw_result, Failure};
use bulwark::aead::{AeadKey, Algorithm, Keyring};
use std::ffi::c_char;

/// Algorithm id of AES-256-GCM for `bw_aead_*` and `bw_keyring_new_random`.
pub const BW_AEAD_AES_256_GCM: u32 = 1;
/// Algorithm id of ChaCha20-Poly1305.
pub const BW_AEAD_CHACHA20_POLY1305: u32 = 2;
/// AEAD key length in bytes (both algorithms).
pub const BW_AEAD_KEY_LEN: usize = 32;
/// AEAD nonce length in bytes.
pub const BW_AEAD_NONCE_LEN: usize = 12;
/// AEAD tag length in bytes: `bw_aead_encrypt_with_nonce` output is
/// `plaintext_len + BW_AEAD_TAG_LEN`.
pub const BW_AEAD_TAG_LEN: usize = 16;
/// `bw_aead_seal` overhead: its output is `plaintext_len + BW_AEAD_OVERHEAD` (12-byte nonce,
/// 16-byte tag).
pub const BW_AEAD_OVERHEAD: usize = BW_AEAD_NONCE_LEN + BW_AEAD_TAG_LEN;
/// Keyring ciphertext overhead: `bw_keyring_encrypt` output is `plaintext_len + BW_KEYRING_OVERHEAD`
/// (format byte, 4-byte key id, 12-byte nonce, 16-byte tag).
pub const BW_KEYRING_OVERHEAD: usize = 33;

/// Returns `BW_AEAD_KEY_LEN` (for callers that cannot read C macros).
#[no_mangle]
pub extern "C" fn bw_aead_key_len() -> usize {
    BW_AEAD_KEY_LEN
}

/// Returns `BW_AEAD_NONCE_LEN`.
#[no_mangle]
pub extern "C" fn bw_aead_nonce_len() -> usize {
    BW_AEAD_NONCE_LEN
}

/// Returns `BW_AEAD_TAG_LEN`.
#[no_mangle]
pub extern "C" fn bw_aead_tag_len() -> usize {
    BW_AEAD_TAG_LEN
}

/// Returns `BW_AEAD_OVERHEAD`.
#[no_mangle]
pub extern "C" fn bw_aead_overhead() -> usize {
    BW_AEAD_OVERHEAD
}

/// Returns `BW_KEYRING_OVERHEAD`.
#[no_mangle]
pub extern "C" fn bw_keyring_overhead() -> usize {
    BW_KEYRING_OVERHEAD
}

/// Expands the caller's raw key for `algorithm`, reading it in place (the backend keeps its own
/// copy and wipes it on drop).
///
/// # Safety
/// `key` must be valid for `key_len` bytes (or NULL with 0).
unsafe fn aead_key(algorithm: u32, key: *const u8, key_len: usize) -> Result<AeadKey, Failure> {
    // SAFETY: forwarded caller guarantee.
    let raw = unsafe { slice(key, key_len, "key") }?;
    Ok(AeadKey::new(Algorithm::from_id(algorithm)?, raw)?)
}

/// Encrypts `plaintext` under a fresh random nonce: writes `nonce || ciphertext || tag`
/// (`plaintext_len + BW_AEAD_OVERHEAD` bytes) into `out`. The safe default: no nonce to manage.
///
/// `algorithm` is `BW_AEAD_AES_256_GCM` or `BW_AEAD_CHACHA20_POLY1305`; `key` is 32 bytes. Bad
/// sizes or ids are `BW_ERR_INVALID_INPUT`; too small an `out` is `BW_ERR_BUFFER_TOO_SMALL` with
/// `*out_len` set to the size needed; on success `*out_len` is the bytes written. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_aead_seal(
    algorithm: u32,
    key: *const u8,
    key_len: usize,
    plaintext: *const u8,
    plaintext_len: usize,
    aad: *const u8,
    aad_len: usize,
    out_buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (key, plaintext, aad) = unsafe {
            (
                aead_key(algorithm, key, key_len)?,
                slice(plaintext, plaintext_len, "plaintext")?,
                slice(aad, aad_len, "aad")?,
            )
        };
        let needed = plaintext.len().saturating_add(BW_AEAD_OVERHEAD);
        // SAFETY: the caller guarantees (out_buf, cap) and out_len as documented.
        unsafe {
            write_exact(out_buf, cap, out_len, needed, |dest| {
                key.encrypt_into(plaintext, aad, dest)
            })
        }
    })
}

/// Decrypts what `bw_aead_seal` wrote: the plaintext (`sealed_len - BW_AEAD_OVERHEAD` bytes) goes
/// into `out`. Anything that does not authenticate (wrong key or aad, tampering, too short) is
/// `BW_ERR_VERIFICATION_FAILED` with no further detail, and `out` is wiped. Other contracts as
/// `bw_aead_seal`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_aead_open(
    algorithm: u32,
    key: *const u8,
    key_len: usize,
    sealed: *const u8,
    sealed_len: usize,
    aad: *const u8,
    aad_len: usize,
    out_buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (key, sealed, aad) = unsafe {
            (
                aead_key(algorithm, key, key_len)?,
                slice(sealed, sealed_len, "sealed")?,
                slice(aad, aad_len, "aad")?,
            )
        };
        let Some(needed) = sealed.len().checked_sub(BW_AEAD_OVERHEAD) else {
            return Err(Failure::new(
                bw_result::BW_ERR_VERIFICATION_FAILED,
                "decryption failed",
            ));
        };
        // SAFETY: the caller guarantees (out_buf, cap) and out_len as documented.
        unsafe {
            write_exact(out_buf, cap, out_len, needed, |dest| {
                let (nonce, body) = sealed.split_at(BW_AEAD_NONCE_LEN);
                key.open_with_nonce_into(nonce, body, aad, dest)
            })
        }
    })
}

/// Encrypts `plaintext` with a CALLER-SUPPLIED 12-byte `nonce`: writes `ciphertext || tag`
/// (`plaintext_len + BW_AEAD_TAG_LEN` bytes) into `out`. The escape hatch for formats that fix
/// the nonce: a nonce must NEVER repeat under a key (a repeat reveals the XOR of the plaintexts
/// and lets an attacker forge GCM tags). Prefer `bw_aead_seal`. Contracts as `bw_aead_seal`.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_aead_encrypt_with_nonce(
    algorithm: u32,
    key: *const u8,
    key_len: usize,
    nonce: *const u8,
    nonce_len: usize,
    plaintext: *const u8,
    plaintext_len: usize,
    aad: *const u8,
    aad_len: usize,
    out_buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (key, nonce, plaintext, aad) = unsafe {
            (
                aead_key(algorithm, key, key_len)?,
                slice(nonce, nonce_len, "nonce")?,
                slice(plaintext, plaintext_len, "plaintext")?,
                slice(aad, aad_len, "aad")?,
            )
        };
        let needed = plaintext.len().saturating_add(BW_AEAD_TAG_LEN);
        // SAFETY: the caller guarantees (out_buf, cap) and out_len as documented.
        unsafe {
            write_exact(out_buf, cap, out_len, needed, |dest| {
                key.seal_with_nonce_into(nonce, plaintext, aad, dest)
            })
        }
    })
}

/// Decrypts `ciphertext || tag` with the caller's `nonce`: writes the plaintext
/// (`ciphertext_len - 16` bytes) into `out`. A tag that does not verify (wrong key, nonce, aad,
/// or tampering) is `BW_ERR_VERIFICATION_FAILED` with no further detail, and `out` is wiped.
/// Other contracts as `bw_aead_encrypt_with_nonce`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_aead_decrypt_with_nonce(
    algorithm: u32,
    key: *const u8,
    key_len: usize,
    nonce: *const u8,
    nonce_len: usize,
    ciphertext: *const u8,
    ciphertext_len: usize,
    aad: *const u8,
    aad_len: usize,
    out_buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (key, nonce, ciphertext, aad) = unsafe {
            (
                aead_key(algorithm, key, key_len)?,
                slice(nonce, nonce_len, "nonce")?,
                slice(ciphertext, ciphertext_len, "ciphertext")?,
                slice(aad, aad_len, "aad")?,
            )
        };
        let Some(needed) = ciphertext.len().checked_sub(BW_AEAD_TAG_LEN) else {
            return Err(Failure::new(
                bw_result::BW_ERR_VERIFICATION_FAILED,
                "decryption failed",
            ));
        };
        // SAFETY: the caller guarantees (out_buf, cap) and out_len as documented.
        unsafe {
            write_exact(out_buf, cap, out_len, needed, |dest| {
                key.open_with_nonce_into(nonce, ciphertext, aad, dest)
            })
        }
    })
}

/// A keyring of versioned AEAD keys (opaque). Create with `bw_keyring_new_random`,
/// `bw_keyring_from_json` or `bw_keyring_from_env`; release with `bw_keyring_free`. A handle may be
/// shared between threads: every operation on it is internally synchronized.
#[allow(non_camel_case_types)]
pub struct bw_keyring(Keyring);

/// Borrows a keyring handle.
///
/// # Safety
/// `ptr` must be NULL or a live handle from this library.
unsafe fn keyring<'a>(ptr: *const bw_keyring) -> Result<&'a bw_keyring, Failure> {
    // SAFETY: forwarded caller guarantee.
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::null("keyring"))
}

/// Hands a new keyring to the caller through `out`.
///
/// # Safety
/// `out` must be NULL or valid for a write.
unsafe fn give(ring: Keyring, out_ring: *mut *mut bw_keyring) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantee.
    let slot = unsafe { out(out_ring, "out_keyring") }?;
    *slot = Box::into_raw(Box::new(bw_keyring(ring)));
    Ok(())
}

/// Creates a keyring with one fresh random key (id 1) of `algorithm` as primary, into
/// `*out_keyring` (free it with `bw_keyring_free`). `out_keyring` must not be NULL. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_keyring_new_random(
    algorithm: u32,
    out_keyring: *mut *mut bw_keyring,
) -> bw_result {
    ffi_guard!({
        if out_keyring.is_null() {
            return Err(Failure::null("out_keyring"));
        }
        let ring = Keyring::generate(Algorithm::from_id(algorithm)?)?;
        // SAFETY: checked non-NULL; the caller guarantees it is valid for a write.
        unsafe { give(ring, out_keyring) }
    })
}

/// Shared body of the keyring loaders: UTF-8 text in, a keyring handle out.
///
/// # Safety
/// `input` valid for `len` bytes (or NULL with 0); `out_ring` NULL or valid for a write.
unsafe fn load(
    input: *const c_char,
    len: usize,
    name: &str,
    out_ring: *mut *mut bw_keyring,
    make: impl FnOnce(&str) -> bulwark::Result<Keyring>,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantee.
    let input = unsafe { text(input, len, name) }?;
    if out_ring.is_null() {
        return Err(Failure::null("out_keyring"));
    }
    let ring = make(input)?;
    // SAFETY: checked non-NULL; the caller guarantees it is valid for a write.
    unsafe { give(ring, out_ring) }
}

/// Loads a keyring from its JSON (`json[0..json_len]`, UTF-8) into `*out_keyring`. Malformed JSON
/// is `BW_ERR_INVALID_INPUT` with a message that never quotes key material. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_keyring_from_json(
    json: *const c_char,
    json_len: usize,
    out_keyring: *mut *mut bw_keyring,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer contracts documented above.
        unsafe { load(json, json_len, "json", out_keyring, Keyring::from_json) }
    })
}

/// Loads a keyring from the JSON in the environment variable `name[0..name_len]`. A missing or
/// malformed variable is `BW_ERR_INVALID_INPUT`: a key is never generated in its place.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_keyring_from_env(
    name: *const c_char,
    name_len: usize,
    out_keyring: *mut *mut bw_keyring,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer contracts documented above.
        unsafe { load(name, name_len, "name", out_keyring, Keyring::from_env) }
    })
}

/// Writes the keyring as NUL-terminated JSON (it contains the secret keys: store it like one).
/// Text buffer contract as `bw_token_urlsafe`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_keyring_to_json(
    keyring_ptr: *const bw_keyring,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees keyring_ptr is NULL or a live handle.
        let ring = unsafe { keyring(keyring_ptr) }?;
        let json = ring.0.to_json();
        // SAFETY: the caller guarantees (buf, cap) and out_len as documented.
        unsafe { write_text(&json, buf, cap, out_len) }
    })
}

/// Adds a fresh random key and makes it the primary; older keys stay for decryption. The new
/// key's id goes to `*out_new_id` (may be NULL if not wanted). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_keyring_rotate(
    keyring_ptr: *mut bw_keyring,
    out_new_id: *mut u32,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees keyring_ptr is NULL or a live handle.
        let ring = unsafe { keyring(keyring_ptr) }?;
        let id = ring.0.rotate()?;
        // SAFETY: the caller guarantees out_new_id is NULL or valid for a write.
        if let Some(slot) = unsafe { out_new_id.as_mut() } {
            *slot = id;
        }
        Ok(())
    })
}

/// Removes key `id`; ciphertexts made with it can no longer be decrypted. The primary key and
/// unknown ids are `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_keyring_retire(keyring_ptr: *mut bw_keyring, id: u32) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees keyring_ptr is NULL or a live handle.
        let ring = unsafe { keyring(keyring_ptr) }?;
        ring.0.retire(id)?;
        Ok(())
    })
}

/// Writes the primary key's id to `*out_id`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_keyring_primary_id(
    keyring_ptr: *const bw_keyring,
    out_id: *mut u32,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees keyring_ptr is NULL or a live handle.
        let ring = unsafe { keyring(keyring_ptr) }?;
        // SAFETY: the caller guarantees out_id is NULL or valid for a write.
        let out_id = unsafe { out(out_id, "out_id") }?;
        *out_id = ring.0.primary_id();
        Ok(())
    })
}

/// Encrypts with the primary key into the versioned keyring format: `plaintext_len +
/// BW_KEYRING_OVERHEAD` bytes in `out`. Buffer contract as `bw_aead_seal`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_keyring_encrypt(
    keyring_ptr: *const bw_keyring,
    plaintext: *const u8,
    plaintext_len: usize,
    aad: *const u8,
    aad_len: usize,
    out_buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees keyring_ptr is NULL or a live handle.
        let ring = unsafe { keyring(keyring_ptr) }?;
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (plaintext, aad) = unsafe {
            (
                slice(plaintext, plaintext_len, "plaintext")?,
                slice(aad, aad_len, "aad")?,
            )
        };
        let needed = plaintext.len().saturating_add(BW_KEYRING_OVERHEAD);
        let ring = &ring.0;
        // SAFETY: the caller guarantees (out_buf, cap) and out_len as documented.
        unsafe {
            write_exact(out_buf, cap, out_len, needed, |dest| {
                ring.encrypt_into(plaintext, aad, dest)
            })
        }
    })
}

/// Decrypts a keyring ciphertext made by any key still in the keyring: `ciphertext_len -
/// BW_KEYRING_OVERHEAD` bytes in `out`. An unknown format or key id (say, retired) is
/// `BW_ERR_INVALID_INPUT`; anything that does not authenticate is `BW_ERR_VERIFICATION_FAILED`
/// and `out` is wiped. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_keyring_decrypt(
    keyring_ptr: *const bw_keyring,
    ciphertext: *const u8,
    ciphertext_len: usize,
    aad: *const u8,
    aad_len: usize,
    out_buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees keyring_ptr is NULL or a live handle.
        let ring = unsafe { keyring(keyring_ptr) }?;
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (ciphertext, aad) = unsafe {
            (
                slice(ciphertext, ciphertext_len, "ciphertext")?,
                slice(aad, aad_len, "aad")?,
            )
        };
        let Some(needed) = Keyring::plaintext_len(ciphertext.len()) else {
            return Err(Failure::new(
                bw_result::BW_ERR_INVALID_INPUT,
                format!(
                    "keyring: a ciphertext is at least {BW_KEYRING_OVERHEAD} bytes, got {}",
                    ciphertext.len()
                ),
            ));
        };
        let ring = &ring.0;
        // SAFETY: the caller guarantees (out_buf, cap) and out_len as documented.
        unsafe {
            write_exact(out_buf, cap, out_len, needed, |dest| {
                ring.decrypt_into(ciphertext, aad, dest)
            })
        }
    })
}

/// Frees a keyring and wipes its keys. NULL is a no-op. The handle must not be used afterwards
/// (nor freed twice).
#[no_mangle]
pub unsafe extern "C" fn bw_keyring_free(keyring_ptr: *mut bw_keyring) -> bw_result {
    ffi_guard!({
        if !keyring_ptr.is_null() {
            // SAFETY: the caller guarantees a live handle from this library, freed once.
            drop(unsafe { Box::from_raw(keyring_ptr) });
        }
        Ok(())
    })
}
