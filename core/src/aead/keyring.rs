//! A keyring of versioned AEAD keys: encrypt with the primary, decrypt with whichever key the
//! ciphertext names, rotate without re-encrypting old data.
//!
//! # Ciphertext format (version 1)
//!
//! | bytes | field |
//! |---|---|
//! | 0 | format version, `0x01` |
//! | 1..5 | key id, unsigned 32-bit big-endian |
//! | 5..17 | nonce (12 random bytes) |
//! | 17.. | ciphertext, then the 16-byte tag |
//!
//! The 5-byte header is authenticated (it is prepended to the caller's associated data), so
//! changing the version or key id fails verification like any other tampering. Overhead:
//! [`OVERHEAD`] = 33 bytes. Random 96-bit nonces are safe for about 2^32 messages per key:
//! rotate well before that.
//!
//! # JSON (keys are secrets: store it like one)
//!
//! `{"version":1,"primary":2,"keys":[{"id":1,"algorithm":"AES-256-GCM","key":"<base64url>","created_at":1700000000},…]}`

use super::{AeadKey, Algorithm, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::encoding;
use crate::error::{Error, Result};
use serde_json::{json, Value};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use zeroize::Zeroizing;

/// The format byte of ciphertexts this version writes.
pub const FORMAT_VERSION: u8 = 1;
/// Header length: format byte and key id.
pub const HEADER_LEN: usize = 5;
/// Bytes a keyring ciphertext adds to the plaintext: header, nonce and tag.
pub const OVERHEAD: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;

struct Entry {
    id: u32,
    algorithm: Algorithm,
    created_at: u64,
    material: Zeroizing<[u8; KEY_LEN]>,
    key: AeadKey,
}

/// Public facts about one key of a keyring (never the key itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key's id, as written in ciphertexts.
    pub id: u32,
    /// Its algorithm.
    pub algorithm: Algorithm,
    /// When it was created, in seconds since the Unix epoch.
    pub created_at: u64,
    /// Whether it is the primary (encrypting) key.
    pub primary: bool,
}

/// An ordered set of versioned keys. It synchronises itself: share one keyring between threads
/// (`Arc<Keyring>`); encrypt and decrypt run side by side, a rotation waits for them and they
/// see it at once. `Debug` shows ids and algorithms, never key material; keys are wiped on drop.
///
/// ```
/// use bulwark::aead::{Algorithm, Keyring};
/// let ring = std::sync::Arc::new(Keyring::generate(Algorithm::Aes256Gcm)?);
/// let sealed = ring.encrypt(b"card 4111", b"user:42")?;
/// let worker = std::thread::spawn({
///     let ring = ring.clone();
///     move || ring.decrypt(&sealed, b"user:42")
/// });
/// assert_eq!(ring.rotate()?, 2); // no &mut needed: the keyring locks itself
/// assert_eq!(worker.join().expect("thread")?, b"card 4111");
/// # Ok::<(), bulwark::Error>(())
/// ```
pub struct Keyring {
    state: RwLock<State>,
}

struct State {
    entries: Vec<Entry>,
    primary: u32,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("primary", &self.primary_id())
            .field("keys", &self.keys())
            .finish()
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Entry {
    fn new(
        id: u32,
        algorithm: Algorithm,
        created_at: u64,
        material: Zeroizing<[u8; KEY_LEN]>,
    ) -> Result<Self> {
        let key = AeadKey::new(algorithm, material.as_ref())?;
        Ok(Self {
            id,
            algorithm,
            created_at,
            material,
            key,
        })
    }

    fn random(id: u32, algorithm: Algorithm) -> Result<Self> {
        let mut material = Zeroizing::new([0u8; KEY_LEN]);
        crate::random::fill(material.as_mut())?;
        Self::new(id, algorithm, now(), material)
    }
}

/// The authenticated header of a version-1 ciphertext under key `id`.
fn header_for(id: u32) -> [u8; HEADER_LEN] {
    let [a, b, c, d] = id.to_be_bytes();
    [FORMAT_VERSION, a, b, c, d]
}

impl State {
    fn entry(&self, id: u32) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    fn primary_entry(&self) -> Result<&Entry> {
        self.entry(self.primary)
            .ok_or_else(|| Error::internal("keyring: the primary key is missing"))
    }
}

impl Keyring {
    fn from_state(entries: Vec<Entry>, primary: u32) -> Self {
        Self {
            state: RwLock::new(State { entries, primary }),
        }
    }

    /// The state to read. Every change is made whole under the write lock, so a lock poisoned by
    /// a panic elsewhere still guards a consistent state.
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A keyring with one fresh random key (id 1) as primary.
    ///
    /// # Errors
    /// [`Backend`](crate::ErrorKind::Backend) if the OS random source fails.
    pub fn generate(algorithm: Algorithm) -> Result<Self> {
        Ok(Self::from_state(vec![Entry::random(1, algorithm)?], 1))
    }

    /// The primary key's id.
    #[must_use]
    pub fn primary_id(&self) -> u32 {
        self.read().primary
    }

    /// Facts about every key, oldest first.
    #[must_use]
    pub fn keys(&self) -> Vec<KeyInfo> {
        let state = self.read();
        state
            .entries
            .iter()
            .map(|e| KeyInfo {
                id: e.id,
                algorithm: e.algorithm,
                created_at: e.created_at,
                primary: e.id == state.primary,
            })
            .collect()
    }

    /// Adds a fresh random key (same algorithm as the current primary, id one above the
    /// highest) and makes it the primary. Older keys stay, for decryption. Returns the new id.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) when key ids are exhausted;
    /// [`Backend`](crate::ErrorKind::Backend) if the OS random source fails.
    pub fn rotate(&self) -> Result<u32> {
        let mut state = self.write();
        let algorithm = state.primary_entry()?.algorithm;
        Self::add_primary(&mut state, algorithm)
    }

    /// As [`Keyring::rotate`], with a new primary of another algorithm.
    ///
    /// # Errors
    /// As [`Keyring::rotate`].
    pub fn rotate_to(&self, algorithm: Algorithm) -> Result<u32> {
        Self::add_primary(&mut self.write(), algorithm)
    }

    fn add_primary(state: &mut State, algorithm: Algorithm) -> Result<u32> {
        let max = state.entries.iter().map(|e| e.id).max().unwrap_or(0);
        let id = max
            .checked_add(1)
            .ok_or_else(|| Error::invalid_input("keyring: key ids are exhausted"))?;
        state.entries.push(Entry::random(id, algorithm)?);
        state.primary = id;
        Ok(id)
    }

    /// Removes key `id`: what was encrypted with it can no longer be decrypted.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an unknown id or the primary key
    /// (rotate first).
    pub fn retire(&self, id: u32) -> Result<()> {
        let mut state = self.write();
        if id == state.primary {
            return Err(Error::invalid_input(format!(
                "keyring: key {id} is the primary key; rotate before retiring it"
            )));
        }
        let before = state.entries.len();
        state.entries.retain(|e| e.id != id);
        if state.entries.len() == before {
            return Err(Error::invalid_input(format!(
                "keyring: no key with id {id}"
            )));
        }
        Ok(())
    }

    /// Encrypts with the primary key into the versioned format (`plaintext.len() + 33` bytes).
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a plaintext over 2^31 - 1 bytes;
    /// [`Backend`](crate::ErrorKind::Backend) if the OS random source fails.
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let mut out = vec![0u8; plaintext.len().saturating_add(OVERHEAD)];
        self.encrypt_into(plaintext, aad, &mut out)?;
        Ok(out)
    }

    /// [`Keyring::encrypt`] into `out`, which must be exactly `plaintext.len() + 33` bytes.
    ///
    /// # Errors
    /// As [`Keyring::encrypt`], and [`InvalidInput`](crate::ErrorKind::InvalidInput) for an `out`
    /// of the wrong size.
    pub fn encrypt_into(&self, plaintext: &[u8], aad: &[u8], out: &mut [u8]) -> Result<()> {
        if out.len() != plaintext.len().saturating_add(OVERHEAD) {
            return Err(Error::invalid_input(
                "keyring: out must be plaintext length + 33 bytes",
            ));
        }
        let state = self.read();
        let entry = state.primary_entry()?;
        let header = header_for(entry.id);
        let (header_out, rest) = out.split_at_mut(HEADER_LEN);
        header_out.copy_from_slice(&header);
        let (nonce, body) = rest.split_at_mut(NONCE_LEN);
        crate::random::fill(nonce)?;
        let full_aad = Zeroizing::new([&header[..], aad].concat());
        entry
            .key
            .seal_with_nonce_into(nonce, plaintext, &full_aad, body)
    }

    /// Length of the plaintext inside a keyring ciphertext of `len` bytes, if it can hold one.
    #[must_use]
    pub fn plaintext_len(len: usize) -> Option<usize> {
        len.checked_sub(OVERHEAD)
    }

    /// Decrypts a ciphertext of any key still in the keyring.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an input too short to be a keyring
    /// ciphertext, an unknown format version, or a key id not in the keyring (say, retired);
    /// [`VerificationFailed`](crate::ErrorKind::VerificationFailed) when it does not authenticate.
    pub fn decrypt(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let mut out = vec![0u8; Self::plaintext_len(sealed.len()).unwrap_or(0)];
        self.decrypt_into(sealed, aad, &mut out)?;
        Ok(out)
    }

    /// [`Keyring::decrypt`] into `out`, which must be exactly `sealed.len() - 33` bytes; wiped
    /// on failure.
    ///
    /// # Errors
    /// As [`Keyring::decrypt`].
    pub fn decrypt_into(&self, sealed: &[u8], aad: &[u8], out: &mut [u8]) -> Result<()> {
        if sealed.len() < OVERHEAD {
            return Err(Error::invalid_input(format!(
                "keyring: a ciphertext is at least {OVERHEAD} bytes, got {}",
                sealed.len()
            )));
        }
        let (header, rest) = sealed.split_at(HEADER_LEN);
        let (&version, id_bytes) = header
            .split_first()
            .ok_or_else(|| Error::internal("keyring: empty header"))?;
        if version != FORMAT_VERSION {
            return Err(Error::invalid_input(format!(
                "keyring: unknown ciphertext format version {version}"
            )));
        }
        let id_bytes: [u8; 4] = id_bytes
            .try_into()
            .map_err(|_| Error::internal("keyring: bad header length"))?;
        let id = u32::from_be_bytes(id_bytes);
        let state = self.read();
        let entry = state.entry(id).ok_or_else(|| {
            Error::invalid_input(format!(
                "keyring: key {id} is not in the keyring (retired?)"
            ))
        })?;
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let full_aad = [header, aad].concat();
        entry.key.open_with_nonce_into(nonce, body, &full_aad, out)
    }

    /// Serializes to JSON (keys base64url). The result holds secret keys.
    #[must_use]
    pub fn to_json(&self) -> Zeroizing<String> {
        let state = self.read();
        let keys: Vec<Value> = state
            .entries
            .iter()
            .map(|e| {
                json!({
                    "id": e.id,
                    "algorithm": e.algorithm.name(),
                    "key": encoding::b64url_encode(e.material.as_ref()),
                    "created_at": e.created_at,
                })
            })
            .collect();
        Zeroizing::new(json!({"version": 1, "primary": state.primary, "keys": keys}).to_string())
    }

    /// Parses [`Keyring::to_json`] output, strictly.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) saying what is wrong (never quoting a
    /// key): not JSON, wrong version, missing or mistyped fields, keys that are not 32 bytes of
    /// base64url, duplicate ids, a primary that is not in the list, an empty list.
    pub fn from_json(text: &str) -> Result<Self> {
        let bad = |what: &str| Error::invalid_input(format!("keyring JSON: {what}"));
        let doc: Value = serde_json::from_str(text).map_err(|e| {
            bad(&format!(
                "not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        let obj = doc.as_object().ok_or_else(|| bad("expected an object"))?;
        if obj.get("version").and_then(Value::as_u64) != Some(1) {
            return Err(bad("\"version\" must be 1"));
        }
        let as_u32 = |v: Option<&Value>, name: &str| -> Result<u32> {
            v.and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    bad(&format!(
                        "\"{name}\" must be an integer from 0 to 4294967295"
                    ))
                })
        };
        let primary = as_u32(obj.get("primary"), "primary")?;
        let list = obj
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("\"keys\" must be a list"))?;
        if list.is_empty() {
            return Err(bad("\"keys\" is empty"));
        }
        let mut entries: Vec<Entry> = Vec::with_capacity(list.len());
        for (i, k) in list.iter().enumerate() {
            let id = as_u32(k.get("id"), &format!("keys[{i}].id"))?;
            if entries.iter().any(|e| e.id == id) {
                return Err(bad(&format!("key id {id} appears twice")));
            }
            let algorithm = k
                .get("algorithm")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(&format!("keys[{i}].algorithm must be a string")))
                .and_then(|name| {
                    Algorithm::from_name(name)
                        .map_err(|e| bad(&format!("keys[{i}]: {}", e.message())))
                })?;
            let text = k
                .get("key")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(&format!("keys[{i}].key must be a string")))?;
            let raw = Zeroizing::new(
                encoding::b64url_decode(text)
                    .map_err(|_| bad(&format!("keys[{i}].key is not base64url (no padding)")))?,
            );
            if raw.len() != KEY_LEN {
                return Err(bad(&format!(
                    "keys[{i}].key must be {KEY_LEN} bytes, got {}",
                    raw.len()
                )));
            }
            let mut material = Zeroizing::new([0u8; KEY_LEN]);
            material.copy_from_slice(&raw);
            let created_at = match k.get("created_at") {
                None => 0,
                Some(v) => v.as_u64().ok_or_else(|| {
                    bad(&format!(
                        "keys[{i}].created_at must be a non-negative integer"
                    ))
                })?,
            };
            entries.push(Entry::new(id, algorithm, created_at, material)?);
        }
        if !entries.iter().any(|e| e.id == primary) {
            return Err(bad(&format!("primary key {primary} is not in \"keys\"")));
        }
        Ok(Self::from_state(entries, primary))
    }

    /// Loads a keyring from the JSON in environment variable `name`. A missing or malformed
    /// variable is an error: a key is never generated in its place.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) naming the variable, when it is unset,
    /// not Unicode, or not a valid keyring (see [`Keyring::from_json`]).
    pub fn from_env(name: &str) -> Result<Self> {
        let value = std::env::var(name).map_err(|e| match e {
            std::env::VarError::NotPresent => Error::invalid_input(format!(
                "environment variable {name} is not set (create a keyring with Keyring::generate and store its JSON there)"
            )),
            std::env::VarError::NotUnicode(_) => Error::invalid_input(format!("environment variable {name} is not valid Unicode")),
        })?;
        let value = Zeroizing::new(value);
        Self::from_json(&value).map_err(|e| {
            Error::invalid_input(format!("environment variable {name}: {}", e.message()))
        })
    }
}
