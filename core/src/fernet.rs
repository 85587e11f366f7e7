//! Fernet tokens (the [Fernet specification], as Python cryptography's `Fernet`), so tokens made
//! by either side decrypt on the other.
//!
//! Token: `0x80 || timestamp (u64 BE) || IV (16) || AES-128-CBC-PKCS7 ciphertext || HMAC-SHA256`,
//! base64url with padding. The key is 32 bytes as url-safe base64: the first 16 sign, the last 16
//! encrypt. The HMAC is checked in constant time before anything is decrypted, and every kind of
//! invalid token is the same [`VerificationFailed`](crate::ErrorKind::VerificationFailed) error
//! with the same message: no oracle about which check failed.
//!
//! ```
//! use bulwark::fernet::Fernet;
//! let f = Fernet::new(&Fernet::generate_key()?)?;
//! let token = f.encrypt(b"secret data")?;
//! assert_eq!(f.decrypt(&token, Some(60))?, b"secret data");
//! # Ok::<(), bulwark::Error>(())
//! ```
//!
//! [Fernet specification]: https://github.com/fernet/spec/blob/master/Spec.md

use crate::error::{Error, Result};
use aws_lc_rs::cipher::{
    DecryptionContext, EncryptionContext, PaddedBlockDecryptingKey, PaddedBlockEncryptingKey,
    UnboundCipherKey, AES_128,
};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use zeroize::Zeroizing;

/// The version byte of Fernet tokens.
pub const VERSION: u8 = 0x80;
/// With a TTL, tokens dated more than this many seconds in the future are refused (as cryptography).
pub const MAX_CLOCK_SKEW: u64 = 60;
const HEADER_LEN: usize = 1 + 8 + 16;
const MAC_LEN: usize = 32;

/// A Fernet key, ready to encrypt and decrypt. `Debug` never shows the key.
#[derive(Clone)]
pub struct Fernet {
    signing: hmac::Key,
    encryption: Zeroizing<[u8; 16]>,
}

impl std::fmt::Debug for Fernet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fernet").finish_non_exhaustive()
    }
}

fn invalid_token() -> Error {
    Error::verification_failed("invalid token")
}

/// Seconds since the Unix epoch, now.
fn now() -> Result<u64> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| Error::backend("the system clock is before 1970"))
}

/// Decodes url-safe base64 with padding, also accepting the standard alphabet (as Python's
/// `base64.urlsafe_b64decode`, which cryptography uses for keys).
fn b64_any(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let normalized = Zeroizing::new(text.trim().replace('+', "-").replace('/', "_"));
    data_encoding::BASE64URL
        .decode(normalized.as_bytes())
        .ok()
        .map(Zeroizing::new)
}

impl Fernet {
    /// A Fernet from a key as produced by [`Fernet::generate_key`] (44 characters of url-safe
    /// base64 encoding 32 bytes).
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput): "Fernet key must be 32 url-safe
    /// base64-encoded bytes" (cryptography's message), never quoting the key.
    pub fn new(key: &str) -> Result<Self> {
        let raw = b64_any(key).filter(|k| k.len() == 32).ok_or_else(|| {
            Error::invalid_input("Fernet key must be 32 url-safe base64-encoded bytes.")
        })?;
        let mut signing = Zeroizing::new([0u8; 16]);
        let mut encryption = Zeroizing::new([0u8; 16]);
        signing.copy_from_slice(raw.get(..16).unwrap_or_default());
        encryption.copy_from_slice(raw.get(16..).unwrap_or_default());
        Ok(Self {
            signing: hmac::Key::new(hmac::HMAC_SHA256, signing.as_ref()),
            encryption,
        })
    }

    /// A fresh key from the OS CSPRNG, as url-safe base64 (44 characters).
    ///
    /// # Errors
    /// [`Backend`](crate::ErrorKind::Backend) if the OS random source fails.
    pub fn generate_key() -> Result<String> {
        let mut raw = Zeroizing::new([0u8; 32]);
        crate::random::fill(raw.as_mut())?;
        Ok(data_encoding::BASE64URL.encode(raw.as_ref()))
    }

    /// Length of the token [`Fernet::encrypt`] makes from `plaintext_len` bytes.
    #[must_use]
    pub fn token_len(plaintext_len: usize) -> usize {
        let raw = HEADER_LEN + (plaintext_len / 16 + 1) * 16 + MAC_LEN;
        raw.div_ceil(3) * 4
    }

    /// Encrypts `data` with the current time and a random IV.
    ///
    /// # Errors
    /// [`Backend`](crate::ErrorKind::Backend) if the OS random source or clock fails.
    pub fn encrypt(&self, data: &[u8]) -> Result<String> {
        self.encrypt_at_time(data, now()?)
    }

    /// Encrypts `data` stamped with `timestamp` (seconds since the epoch) and a random IV.
    ///
    /// # Errors
    /// [`Backend`](crate::ErrorKind::Backend) if the OS random source fails.
    pub fn encrypt_at_time(&self, data: &[u8], timestamp: u64) -> Result<String> {
        let mut iv = [0u8; 16];
        crate::random::fill(&mut iv)?;
        self.encrypt_with_iv(data, timestamp, iv)
    }

    /// Encrypts with a caller-chosen IV: for known-answer tests only. Never reuse an IV.
    ///
    /// # Errors
    /// [`Internal`](crate::ErrorKind::Internal) if the cipher backend fails.
    pub fn encrypt_with_iv(&self, data: &[u8], timestamp: u64, iv: [u8; 16]) -> Result<String> {
        let key = UnboundCipherKey::new(&AES_128, self.encryption.as_ref())
            .and_then(PaddedBlockEncryptingKey::cbc_pkcs7)
            .map_err(|_| Error::internal("AES-128-CBC key setup failed"))?;
        let mut body = Zeroizing::new(data.to_vec());
        key.less_safe_encrypt(&mut *body, EncryptionContext::Iv128(FixedLength::from(iv)))
            .map_err(|_| Error::internal("AES-128-CBC encryption failed"))?;
        let mut token = Vec::with_capacity(HEADER_LEN + body.len() + MAC_LEN);
        token.push(VERSION);
        token.extend_from_slice(&timestamp.to_be_bytes());
        token.extend_from_slice(&iv);
        token.extend_from_slice(&body);
        let mac = hmac::sign(&self.signing, &token);
        token.extend_from_slice(mac.as_ref());
        Ok(data_encoding::BASE64URL.encode(&token))
    }

    /// Decrypts a token. With `ttl`, tokens older than `ttl` seconds, or dated more than 60
    /// seconds in the future, are refused; without, the timestamp is not checked (as cryptography).
    ///
    /// # Errors
    /// [`VerificationFailed`](crate::ErrorKind::VerificationFailed) ("invalid token") for any
    /// invalid, tampered, expired or future token; [`Backend`](crate::ErrorKind::Backend) if the
    /// clock fails.
    pub fn decrypt(&self, token: &str, ttl: Option<u64>) -> Result<Vec<u8>> {
        self.decrypt_at_time(token, ttl, now()?)
    }

    /// [`Fernet::decrypt`] as if the time were `now` (seconds since the epoch).
    ///
    /// # Errors
    /// As [`Fernet::decrypt`].
    pub fn decrypt_at_time(&self, token: &str, ttl: Option<u64>, now: u64) -> Result<Vec<u8>> {
        let (timestamp, raw) = parse_token(token)?;
        self.decrypt_parsed(&raw, timestamp, ttl, now)
    }

    /// The timestamp of a token, after checking its HMAC.
    ///
    /// # Errors
    /// [`VerificationFailed`](crate::ErrorKind::VerificationFailed) for an invalid token.
    pub fn extract_timestamp(&self, token: &str) -> Result<u64> {
        let (timestamp, raw) = parse_token(token)?;
        self.verify_mac(&raw)?;
        Ok(timestamp)
    }

    fn verify_mac(&self, raw: &[u8]) -> Result<()> {
        let split = raw.len().checked_sub(MAC_LEN).ok_or_else(invalid_token)?;
        let (signed, mac) = raw.split_at(split);
        hmac::verify(&self.signing, signed, mac).map_err(|_| invalid_token())
    }

    fn decrypt_parsed(
        &self,
        raw: &[u8],
        timestamp: u64,
        ttl: Option<u64>,
        now: u64,
    ) -> Result<Vec<u8>> {
        // As cryptography: the time checks apply only when a TTL is given.
        if let Some(ttl) = ttl {
            if timestamp.saturating_add(ttl) < now || now.saturating_add(MAX_CLOCK_SKEW) < timestamp
            {
                return Err(invalid_token());
            }
        }
        self.verify_mac(raw)?;
        let iv: [u8; 16] = raw
            .get(9..HEADER_LEN)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(invalid_token)?;
        let mut body = Zeroizing::new(
            raw.get(HEADER_LEN..raw.len() - MAC_LEN)
                .ok_or_else(invalid_token)?
                .to_vec(),
        );
        let key = UnboundCipherKey::new(&AES_128, self.encryption.as_ref())
            .and_then(PaddedBlockDecryptingKey::cbc_pkcs7)
            .map_err(|_| Error::internal("AES-128-CBC key setup failed"))?;
        let plain = key
            .decrypt(&mut body, DecryptionContext::Iv128(FixedLength::from(iv)))
            .map_err(|_| invalid_token())?;
        Ok(plain.to_vec())
    }
}

/// Decodes a token and checks its framing: version byte, minimum length, whole blocks.
fn parse_token(token: &str) -> Result<(u64, Zeroizing<Vec<u8>>)> {
    let raw = data_encoding::BASE64URL
        .decode(token.as_bytes())
        .map_err(|_| invalid_token())?;
    let raw = Zeroizing::new(raw);
    let min = HEADER_LEN + 16 + MAC_LEN;
    if raw.len() < min
        || raw.first() != Some(&VERSION)
        || (raw.len() - HEADER_LEN - MAC_LEN) % 16 != 0
    {
        return Err(invalid_token());
    }
    let ts: [u8; 8] = raw
        .get(1..9)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(invalid_token)?;
    Ok((u64::from_be_bytes(ts), raw))
}

/// Several Fernet keys: encrypt with the first, decrypt with any, [`rotate`](MultiFernet::rotate)
/// old tokens to the first (as cryptography's `MultiFernet`).
#[derive(Debug, Clone)]
pub struct MultiFernet {
    fernets: Vec<Fernet>,
}

impl MultiFernet {
    /// A MultiFernet over `fernets`, the first being the current key.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty list.
    pub fn new(fernets: Vec<Fernet>) -> Result<Self> {
        if fernets.is_empty() {
            return Err(Error::invalid_input(
                "MultiFernet requires at least one Fernet instance",
            ));
        }
        Ok(Self { fernets })
    }

    fn first(&self) -> Result<&Fernet> {
        self.fernets
            .first()
            .ok_or_else(|| Error::internal("MultiFernet is empty"))
    }

    /// Encrypts with the first key.
    ///
    /// # Errors
    /// As [`Fernet::encrypt`].
    pub fn encrypt(&self, data: &[u8]) -> Result<String> {
        self.first()?.encrypt(data)
    }

    /// Encrypts with the first key, stamped with `timestamp`.
    ///
    /// # Errors
    /// As [`Fernet::encrypt_at_time`].
    pub fn encrypt_at_time(&self, data: &[u8], timestamp: u64) -> Result<String> {
        self.first()?.encrypt_at_time(data, timestamp)
    }

    /// Decrypts with whichever key made the token.
    ///
    /// # Errors
    /// As [`Fernet::decrypt`].
    pub fn decrypt(&self, token: &str, ttl: Option<u64>) -> Result<Vec<u8>> {
        self.decrypt_at_time(token, ttl, now()?)
    }

    /// [`MultiFernet::decrypt`] as if the time were `now`.
    ///
    /// # Errors
    /// As [`Fernet::decrypt`].
    pub fn decrypt_at_time(&self, token: &str, ttl: Option<u64>, now: u64) -> Result<Vec<u8>> {
        let (timestamp, raw) = parse_token(token)?;
        self.fernets
            .iter()
            .find_map(|f| f.decrypt_parsed(&raw, timestamp, ttl, now).ok())
            .ok_or_else(invalid_token)
    }

    /// The timestamp of a token made by any of the keys.
    ///
    /// # Errors
    /// As [`Fernet::extract_timestamp`].
    pub fn extract_timestamp(&self, token: &str) -> Result<u64> {
        self.fernets
            .iter()
            .find_map(|f| f.extract_timestamp(token).ok())
            .ok_or_else(invalid_token)
    }

    /// Re-encrypts a token made by any key with the first key, keeping its original timestamp
    /// (so TTLs still count from the original encryption).
    ///
    /// # Errors
    /// As [`Fernet::decrypt`].
    pub fn rotate(&self, token: &str) -> Result<String> {
        let (timestamp, raw) = parse_token(token)?;
        let plain = self
            .fernets
            .iter()
            .find_map(|f| f.decrypt_parsed(&raw, timestamp, None, 0).ok())
            .map(Zeroizing::new)
            .ok_or_else(invalid_token)?;
        self.first()?.encrypt_at_time(&plain, timestamp)
    }
}

#[cfg(test)]
mod tests;
