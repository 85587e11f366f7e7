//! Authenticated encryption: AES-256-GCM and ChaCha20-Poly1305 with 96-bit nonces and associated
//! data, on aws-lc-rs.
//!
//! Two levels:
//! - [`AeadKey::seal`] / [`AeadKey::open`]: the caller supplies the nonce (interop with other
//!   implementations, as cryptography's `AESGCM`); reusing a nonce with a key breaks security.
//! - [`AeadKey::encrypt`] / [`AeadKey::decrypt`]: a fresh random nonce for every message,
//!   prepended to the output (`nonce || ciphertext || tag`), so a caller cannot reuse one.
//!
//! A failed tag is one opaque [`VerificationFailed`](crate::ErrorKind::VerificationFailed)
//! error, and the output buffer is wiped.
//!
//! ```
//! use bulwark::aead::{AeadKey, Algorithm};
//! let key = AeadKey::generate(Algorithm::Aes256Gcm)?;
//! let sealed = key.encrypt(b"card 4111...", b"user:42")?;
//! assert_eq!(key.decrypt(&sealed, b"user:42")?, b"card 4111...");
//! assert!(key.decrypt(&sealed, b"user:43").is_err()); // wrong associated data
//! # Ok::<(), bulwark::Error>(())
//! ```

mod keyring;

pub use keyring::{
    KeyInfo, Keyring, FORMAT_VERSION as KEYRING_FORMAT_VERSION, HEADER_LEN as KEYRING_HEADER_LEN,
    OVERHEAD as KEYRING_OVERHEAD,
};

use crate::error::{Error, Result};
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, CHACHA20_POLY1305};
use zeroize::Zeroize;

/// Key length in bytes for both algorithms.
pub const KEY_LEN: usize = 32;
/// Nonce length in bytes (96 bits).
pub const NONCE_LEN: usize = 12;
/// Authentication tag length in bytes.
pub const TAG_LEN: usize = 16;
/// Bytes [`AeadKey::encrypt`] adds to a plaintext: nonce plus tag.
pub const OVERHEAD: usize = NONCE_LEN + TAG_LEN;
/// Largest plaintext accepted (as cryptography's AEADs: below 2^31 bytes).
pub const MAX_PLAINTEXT_LEN: usize = (1 << 31) - 1;

/// An AEAD algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// AES-256-GCM (NIST SP 800-38D), hardware-accelerated where the CPU has AES-NI.
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439), fast everywhere in software.
    ChaCha20Poly1305,
}

impl Algorithm {
    /// The name used in key files and JSON: `AES-256-GCM` or `ChaCha20-Poly1305`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Aes256Gcm => "AES-256-GCM",
            Self::ChaCha20Poly1305 => "ChaCha20-Poly1305",
        }
    }

    /// Parses [`Algorithm::name`] (case-insensitive).
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for any other name.
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_uppercase().as_str() {
            "AES-256-GCM" | "AES256GCM" | "AES-GCM" => Ok(Self::Aes256Gcm),
            "CHACHA20-POLY1305" | "CHACHA20POLY1305" => Ok(Self::ChaCha20Poly1305),
            _ => Err(Error::invalid_input(format!(
                "unknown AEAD algorithm {name:?} (expected \"AES-256-GCM\" or \"ChaCha20-Poly1305\")"
            ))),
        }
    }

    /// The numeric identifier of the C ABI: 1 = AES-256-GCM, 2 = ChaCha20-Poly1305.
    #[must_use]
    pub const fn id(self) -> u32 {
        match self {
            Self::Aes256Gcm => 1,
            Self::ChaCha20Poly1305 => 2,
        }
    }

    /// Parses [`Algorithm::id`].
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an unknown identifier.
    pub fn from_id(id: u32) -> Result<Self> {
        match id {
            1 => Ok(Self::Aes256Gcm),
            2 => Ok(Self::ChaCha20Poly1305),
            _ => Err(Error::invalid_input(format!(
                "unknown AEAD algorithm id {id} (1 = AES-256-GCM, 2 = ChaCha20-Poly1305)"
            ))),
        }
    }

    fn backend(self) -> &'static aws_lc_rs::aead::Algorithm {
        match self {
            Self::Aes256Gcm => &AES_256_GCM,
            Self::ChaCha20Poly1305 => &CHACHA20_POLY1305,
        }
    }
}

/// An AEAD key, expanded once and reused for every message. `Debug` never shows the key.
pub struct AeadKey {
    algorithm: Algorithm,
    key: LessSafeKey,
}

impl std::fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AeadKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl AeadKey {
    /// A key from 32 bytes of key material (the backend keeps its own copy and wipes it on drop;
    /// wipe yours when done).
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) unless `key` is exactly 32 bytes.
    pub fn new(algorithm: Algorithm, key: &[u8]) -> Result<Self> {
        if key.len() != KEY_LEN {
            return Err(Error::invalid_input(format!(
                "{} keys are {KEY_LEN} bytes, got {}",
                algorithm.name(),
                key.len()
            )));
        }
        let unbound = UnboundKey::new(algorithm.backend(), key)
            .map_err(|_| Error::internal("the AEAD backend refused a 32-byte key"))?;
        Ok(Self {
            algorithm,
            key: LessSafeKey::new(unbound),
        })
    }

    /// A fresh random key from the OS CSPRNG.
    ///
    /// # Errors
    /// [`Backend`](crate::ErrorKind::Backend) if the OS random source fails.
    pub fn generate(algorithm: Algorithm) -> Result<Self> {
        let mut raw = zeroize::Zeroizing::new([0u8; KEY_LEN]);
        crate::random::fill(raw.as_mut())?;
        Self::new(algorithm, raw.as_ref())
    }

    /// The key's algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Encrypts `plaintext` under a caller-supplied nonce into `out[..plaintext.len()]` and writes
    /// the tag into `out[plaintext.len()..]`: `out` must be exactly `plaintext.len() + TAG_LEN`
    /// bytes. The escape hatch for formats that fix the nonce: the nonce must NEVER repeat for this
    /// key (a repeat reveals the XOR of the plaintexts and, for GCM, lets an attacker forge tags).
    /// Prefer [`AeadKey::encrypt`], which draws a random nonce.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a nonce that is not 12 bytes, a
    /// plaintext over [`MAX_PLAINTEXT_LEN`] or an `out` of the wrong size.
    pub fn seal_with_nonce_into(
        &self,
        nonce: &[u8],
        plaintext: &[u8],
        aad: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        let nonce = nonce_of(nonce)?;
        check_plaintext(plaintext)?;
        if out.len() != plaintext.len() + TAG_LEN {
            return Err(Error::invalid_input(
                "seal_into: out must be plaintext length + 16 bytes",
            ));
        }
        let (body, tag_out) = out.split_at_mut(plaintext.len());
        // Out of place: no copy of the plaintext first (about a fifth of the time at 1 MiB). Not a
        // FIPS-approved service in aws-lc-rs; this build does not use the FIPS module.
        self.key
            .seal_out_of_place_scatter(nonce, Aad::from(aad), plaintext, body, &[], tag_out)
            .map_err(|_| Error::internal("AEAD encryption failed"))
    }

    /// Encrypts with a caller-supplied nonce (never repeat one: see
    /// [`AeadKey::seal_with_nonce_into`]): returns `ciphertext || tag`.
    ///
    /// # Errors
    /// As [`AeadKey::seal_with_nonce_into`].
    pub fn seal_with_nonce(&self, nonce: &[u8], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let mut out = vec![0u8; plaintext.len() + TAG_LEN];
        self.seal_with_nonce_into(nonce, plaintext, aad, &mut out)?;
        Ok(out)
    }

    /// Decrypts `ciphertext || tag` into `out`, which must be exactly `ciphertext.len() - 16`
    /// bytes. On failure `out` is wiped.
    ///
    /// # Errors
    /// [`VerificationFailed`](crate::ErrorKind::VerificationFailed) when the tag does not verify
    /// (wrong key, nonce, associated data, or tampering); [`InvalidInput`](crate::ErrorKind::InvalidInput)
    /// for a nonce that is not 12 bytes, an input shorter than the tag, or an `out` of the wrong size.
    pub fn open_with_nonce_into(
        &self,
        nonce: &[u8],
        ciphertext_and_tag: &[u8],
        aad: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        let nonce = nonce_of(nonce)?;
        let Some(body_len) = ciphertext_and_tag.len().checked_sub(TAG_LEN) else {
            return Err(Error::verification_failed("decryption failed"));
        };
        if out.len() != body_len {
            return Err(Error::invalid_input(
                "open_into: out must be ciphertext length - 16 bytes",
            ));
        }
        let (body, tag) = ciphertext_and_tag.split_at(body_len);
        if self
            .key
            .open_separate_gather(nonce, Aad::from(aad), body, tag, out)
            .is_err()
        {
            out.zeroize();
            return Err(Error::verification_failed("decryption failed"));
        }
        Ok(())
    }

    /// Decrypts `ciphertext || tag` with a caller-supplied nonce.
    ///
    /// # Errors
    /// As [`AeadKey::open_with_nonce_into`].
    pub fn open_with_nonce(
        &self,
        nonce: &[u8],
        ciphertext_and_tag: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>> {
        let mut out = vec![0u8; ciphertext_and_tag.len().saturating_sub(TAG_LEN)];
        self.open_with_nonce_into(nonce, ciphertext_and_tag, aad, &mut out)?;
        Ok(out)
    }

    /// Encrypts with a fresh random nonce: returns `nonce || ciphertext || tag`
    /// (`plaintext.len() + OVERHEAD` bytes).
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a plaintext over
    /// [`MAX_PLAINTEXT_LEN`]; [`Backend`](crate::ErrorKind::Backend) if the OS random source fails.
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let mut out = vec![0u8; plaintext.len() + OVERHEAD];
        self.encrypt_into(plaintext, aad, &mut out)?;
        Ok(out)
    }

    /// [`AeadKey::encrypt`] into `out`, which must be exactly `plaintext.len() + OVERHEAD` bytes.
    ///
    /// # Errors
    /// As [`AeadKey::encrypt`], and [`InvalidInput`](crate::ErrorKind::InvalidInput) for an `out`
    /// of the wrong size.
    pub fn encrypt_into(&self, plaintext: &[u8], aad: &[u8], out: &mut [u8]) -> Result<()> {
        if out.len() != plaintext.len().saturating_add(OVERHEAD) {
            return Err(Error::invalid_input(
                "encrypt_into: out must be plaintext length + 28 bytes",
            ));
        }
        let (nonce, rest) = out.split_at_mut(NONCE_LEN);
        crate::random::fill(nonce)?;
        self.seal_with_nonce_into(nonce, plaintext, aad, rest)
    }

    /// Decrypts the output of [`AeadKey::encrypt`].
    ///
    /// # Errors
    /// [`VerificationFailed`](crate::ErrorKind::VerificationFailed) for anything that does not
    /// authenticate, including inputs too short to hold a nonce and a tag.
    pub fn decrypt(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() < OVERHEAD {
            return Err(Error::verification_failed("decryption failed"));
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        self.open_with_nonce(nonce, rest, aad)
    }
}

fn nonce_of(nonce: &[u8]) -> Result<Nonce> {
    Nonce::try_assume_unique_for_key(nonce).map_err(|_| {
        Error::invalid_input(format!("nonces are {NONCE_LEN} bytes, got {}", nonce.len()))
    })
}

fn check_plaintext(plaintext: &[u8]) -> Result<()> {
    if plaintext.len() > MAX_PLAINTEXT_LEN {
        return Err(Error::invalid_input(format!(
            "plaintexts are limited to {MAX_PLAINTEXT_LEN} bytes"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
