//! Secure randomness from the operating system's CSPRNG (through aws-lc-rs's `SystemRandom`).
//!
//! Functions mirror Python's `secrets` module: [`token_bytes`], [`token_urlsafe`], [`token_hex`],
//! plus [`random_base32`] for OTP secrets (as `pyotp.random_base32`). There is no seedable or
//! "fast" generator in the SDK on purpose.

use crate::encoding;
use crate::error::{Error, Result};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// Default entropy of a token, in bytes, when the caller does not choose one (as `secrets`).
pub const DEFAULT_TOKEN_BYTES: usize = 32;

/// Largest request, in bytes of randomness, that the token functions accept (64 MiB).
///
/// Far beyond any token; it turns an absurd request into a clear error instead of an
/// out-of-memory abort.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024 * 1024;

/// The base32 alphabet (RFC 4648), as used by OTP secrets.
const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Shortest secret [`random_base32`] produces: 32 characters = 160 bits (RFC 4226's
/// recommendation, and pyotp's minimum).
pub const MIN_BASE32_CHARS: usize = 32;

/// Fills `buf` with bytes from the OS CSPRNG.
///
/// ```
/// let mut key = [0u8; 32];
/// bulwark::random::fill(&mut key).unwrap();
/// ```
///
/// # Errors
/// [`Backend`](crate::ErrorKind::Backend) if the operating system's random source fails.
pub fn fill(buf: &mut [u8]) -> Result<()> {
    SystemRandom::new()
        .fill(buf)
        .map_err(|_| Error::backend("the operating system's random number generator failed"))
}

/// Returns `nbytes` random bytes (as `secrets.token_bytes`).
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) if `nbytes` exceeds [`MAX_TOKEN_BYTES`];
/// [`Backend`](crate::ErrorKind::Backend) if the OS random source fails.
pub fn token_bytes(nbytes: usize) -> Result<Vec<u8>> {
    check_token_size(nbytes)?;
    let mut out = vec![0u8; nbytes];
    fill(&mut out)?;
    Ok(out)
}

/// Returns a URL-safe text token holding `nbytes` random bytes, base64url without padding
/// (as `secrets.token_urlsafe`): `ceil(4 * nbytes / 3)` characters.
///
/// ```
/// let token = bulwark::random::token_urlsafe(32).unwrap();
/// assert_eq!(token.len(), 43);
/// ```
///
/// # Errors
/// As [`token_bytes`].
pub fn token_urlsafe(nbytes: usize) -> Result<String> {
    let bytes = zeroizing(token_bytes(nbytes)?);
    Ok(encoding::b64url_encode(&bytes))
}

/// Returns a token of `nbytes` random bytes as `2 * nbytes` lower-case hex digits
/// (as `secrets.token_hex`).
///
/// # Errors
/// As [`token_bytes`].
pub fn token_hex(nbytes: usize) -> Result<String> {
    let bytes = zeroizing(token_bytes(nbytes)?);
    Ok(encoding::hex_encode(&bytes))
}

/// Length in characters of [`token_urlsafe`]`(nbytes)`, for sizing buffers (saturates at
/// `usize::MAX` for sizes no token can have).
#[must_use]
pub const fn token_urlsafe_len(nbytes: usize) -> usize {
    // 4 characters per 3 bytes, no padding: ceil(4n/3), computed without overflow.
    let tail = match nbytes % 3 {
        0 => 0,
        1 => 2,
        _ => 3,
    };
    (nbytes / 3).saturating_mul(4).saturating_add(tail)
}

/// Returns a random base32 secret of `chars` characters (5 bits each), for TOTP/HOTP
/// (as `pyotp.random_base32(length)`).
///
/// ```
/// let secret = bulwark::random::random_base32(32).unwrap();
/// assert_eq!(secret.len(), 32);
/// assert!(bulwark::encoding::base32_decode_lenient(&secret).is_ok());
/// ```
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) if `chars` is below [`MIN_BASE32_CHARS`]
/// (160 bits) or above [`MAX_TOKEN_BYTES`]; [`Backend`](crate::ErrorKind::Backend) if the OS
/// random source fails.
pub fn random_base32(chars: usize) -> Result<String> {
    check_base32_len(chars)?;
    let raw = zeroizing(token_bytes(chars)?);
    // 256 is a multiple of 32, so the low five bits of a uniform byte are uniform.
    #[allow(clippy::indexing_slicing)] // the mask keeps the index below 32
    let out = raw
        .iter()
        .map(|b| char::from(BASE32_ALPHABET[usize::from(b & 0x1f)]))
        .collect();
    Ok(out)
}

/// Checks a base32 secret length for [`random_base32`] without generating anything.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) below [`MIN_BASE32_CHARS`] or above
/// [`MAX_TOKEN_BYTES`].
pub fn check_base32_len(chars: usize) -> Result<()> {
    if chars < MIN_BASE32_CHARS {
        return Err(Error::invalid_input(format!(
            "a base32 secret needs at least {MIN_BASE32_CHARS} characters (160 bits), got {chars}"
        )));
    }
    check_token_size(chars)
}

/// Checks a token size for the `token_*` functions without generating anything.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) above [`MAX_TOKEN_BYTES`].
pub fn check_token_size(nbytes: usize) -> Result<()> {
    if nbytes > MAX_TOKEN_BYTES {
        return Err(Error::invalid_input(format!(
            "requested {nbytes} random bytes; the limit is {MAX_TOKEN_BYTES}"
        )));
    }
    Ok(())
}

fn zeroizing(bytes: Vec<u8>) -> zeroize::Zeroizing<Vec<u8>> {
    zeroize::Zeroizing::new(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use std::collections::HashSet;

    #[test]
    fn lengths_match_python_secrets() {
        for n in [0usize, 1, 2, 3, 4, 16, 31, 32, 33, 100] {
            assert_eq!(token_bytes(n).unwrap().len(), n);
            let t = token_urlsafe(n).unwrap();
            assert_eq!(t.len(), token_urlsafe_len(n), "n={n}");
            assert_eq!(encoding::b64url_decode(&t).unwrap().len(), n);
            let h = token_hex(n).unwrap();
            assert_eq!(h.len(), 2 * n);
            assert!(h
                .bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        }
        assert_eq!(token_urlsafe_len(usize::MAX), usize::MAX);
    }

    #[test]
    fn tokens_differ() {
        let seen: HashSet<String> = (0..1000).map(|_| token_urlsafe(16).unwrap()).collect();
        assert_eq!(seen.len(), 1000);
    }

    #[test]
    fn bytes_look_uniform() {
        // 64 KiB of output: every byte value appears, and no value is wildly over-represented.
        let data = token_bytes(1 << 16).unwrap();
        let mut counts = [0u32; 256];
        for b in &data {
            counts[usize::from(*b)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (128..=384).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn base32_secret_alphabet_and_minimum() {
        let s = random_base32(32).unwrap();
        assert_eq!(s.len(), 32);
        assert!(s.bytes().all(|c| BASE32_ALPHABET.contains(&c)));
        assert_eq!(
            random_base32(31).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(random_base32(64).unwrap().len(), 64);
    }

    #[test]
    fn oversized_requests_are_refused() {
        for f in [
            |n| token_bytes(n).map(|_| ()),
            |n| token_urlsafe(n).map(|_| ()),
            |n| token_hex(n).map(|_| ()),
            |n| random_base32(n).map(|_| ()),
        ] {
            assert_eq!(
                f(MAX_TOKEN_BYTES + 1).unwrap_err().kind(),
                ErrorKind::InvalidInput
            );
            assert_eq!(f(usize::MAX).unwrap_err().kind(), ErrorKind::InvalidInput);
        }
    }
}
