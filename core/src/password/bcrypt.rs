//! bcrypt on the `bcrypt` crate: `$2b$` output, `$2a$` / `$2b$` / `$2y$` input, the salt handling
//! of pyca/bcrypt (so hashes interoperate both ways) and none of its silent truncation.

use crate::error::{Error, Result};
use data_encoding::{Encoding, Specification};
use std::sync::OnceLock;

/// Longest password bcrypt uses, in bytes; longer ones are an error, never truncated.
pub const MAX_PASSWORD_BYTES: usize = 72;
/// Lowest cost (log2 of the rounds) accepted.
pub const MIN_COST: u32 = 4;
/// Highest cost accepted.
pub const MAX_COST: u32 = 31;
/// Default cost, as pyca/bcrypt's `gensalt()`.
pub const DEFAULT_COST: u32 = 12;
/// Length of a bcrypt hash string.
pub const HASH_LEN: usize = 60;
/// Length of a bcrypt salt string (`$2b$12$` + 22 characters).
pub const SALT_LEN: usize = 29;

/// The bcrypt version prefixes Bulwark reads. `$2x$` (the buggy 2011 variant) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BcryptPrefix {
    /// `$2a$`: the original, read for legacy hashes.
    TwoA,
    /// `$2b$`: the current prefix, and what Bulwark writes.
    TwoB,
    /// `$2y$`: PHP's name for the corrected algorithm, read for interop.
    TwoY,
}

impl BcryptPrefix {
    /// The prefix text without dollars: `2a`, `2b` or `2y`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TwoA => "2a",
            Self::TwoB => "2b",
            Self::TwoY => "2y",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "2a" => Ok(Self::TwoA),
            "2b" => Ok(Self::TwoB),
            "2y" => Ok(Self::TwoY),
            "2x" => Err(Error::invalid_input(
                "bcrypt: the $2x$ prefix (buggy 2011 variant) is not supported",
            )),
            other => Err(Error::invalid_input(format!(
                "bcrypt: unknown prefix '${other}$'"
            ))),
        }
    }

    const fn version(self) -> bcrypt::Version {
        match self {
            Self::TwoA => bcrypt::Version::TwoA,
            Self::TwoB => bcrypt::Version::TwoB,
            Self::TwoY => bcrypt::Version::TwoY,
        }
    }
}

/// What a bcrypt hash or salt string says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BcryptInfo {
    /// Its version prefix.
    pub prefix: BcryptPrefix,
    /// Its cost (log2 of the rounds).
    pub cost: u32,
}

/// bcrypt's own base64 alphabet, unpadded, with non-zero trailing bits refused (as pyca/bcrypt).
fn b64() -> Result<&'static Encoding> {
    static ENC: OnceLock<std::result::Result<Encoding, String>> = OnceLock::new();
    ENC.get_or_init(|| {
        let mut spec = Specification::new();
        spec.symbols
            .push_str("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
        spec.check_trailing_bits = true;
        spec.encoding().map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| Error::internal(format!("bcrypt base64 alphabet: {e}")))
}

/// Makes a salt string `$<prefix>$<cost>$<22 chars>` from 16 CSPRNG bytes (as
/// `bcrypt.gensalt(rounds, prefix)`).
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a cost outside 4..=31;
/// [`Backend`](crate::ErrorKind::Backend) if the OS random source fails.
pub fn gensalt(cost: u32, prefix: BcryptPrefix) -> Result<String> {
    check_cost(cost)?;
    let mut raw = [0u8; 16];
    crate::random::fill(&mut raw)?;
    Ok(format!(
        "${}${cost:02}${}",
        prefix.as_str(),
        b64()?.encode(&raw)
    ))
}

/// Hashes `password` with a fresh salt at `cost`, giving a 60-character `$2b$` string.
///
/// ```
/// let h = bulwark::password::bcrypt::hash(b"hunter2", 4).unwrap();
/// assert!(h.starts_with("$2b$04$") && h.len() == 60);
/// assert!(bulwark::password::bcrypt::verify(b"hunter2", &h).unwrap());
/// assert!(bulwark::password::bcrypt::hash(&[b'a'; 73], 4).is_err()); // never truncated
/// ```
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a password over 72 bytes or containing a
/// NUL byte, or a cost outside 4..=31.
pub fn hash(password: &[u8], cost: u32) -> Result<String> {
    check_password(password)?;
    hashpw(password, &gensalt(cost, BcryptPrefix::TwoB)?)
}

/// Hashes with the prefix, cost and salt of `salt` (a `gensalt` string, or a whole hash whose
/// first 29 characters are used), keeping its prefix, as pyca/bcrypt's `hashpw`.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a bad password (see [`hash`]) or a salt
/// that is not `$2a$`/`$2b$`/`$2y$`, two cost digits in 04..=31, `$` and 22 salt characters.
pub fn hashpw(password: &[u8], salt: &str) -> Result<String> {
    check_password(password)?;
    let (info, raw_salt) = parse_salt(salt)?;
    let parts = bcrypt::hash_with_salt(password, info.cost, raw_salt)
        .map_err(|e| Error::invalid_input(format!("bcrypt: {e}")))?;
    Ok(parts.format_for_version(info.prefix.version()))
}

/// pyca/bcrypt's `checkpw`: hashes `password` with the salt of `hashed` and compares the whole
/// strings in constant time. Anything after a valid salt that is not the right hash is `false`.
///
/// # Errors
/// As [`hashpw`].
pub fn checkpw(password: &[u8], hashed: &str) -> Result<bool> {
    checkpw_within(password, hashed, super::CostLimits::DEFAULT.bcrypt_cost)
}

/// As [`checkpw`], refusing a salt or hash whose cost is above `max_cost`; [`checkpw`] uses
/// [`CostLimits::DEFAULT`](super::CostLimits::DEFAULT). A password containing a NUL byte is
/// `Ok(false)` (no such password was ever hashed: [`hashpw`] refuses them), so a login handler
/// never turns attacker input into an error.
///
/// # Errors
/// As [`hashpw`], and [`InvalidInput`](crate::ErrorKind::InvalidInput) above `max_cost`.
pub fn checkpw_within(password: &[u8], hashed: &str, max_cost: u32) -> Result<bool> {
    let (info, _) = parse_salt(hashed)?;
    super::CostLimits {
        bcrypt_cost: max_cost,
        ..super::CostLimits::DEFAULT
    }
    .check(&super::HashInfo::Bcrypt(info))?;
    if password.contains(&0) {
        return Ok(false);
    }
    let computed = zeroize::Zeroizing::new(hashpw(password, hashed)?);
    Ok(crate::ct::eq(computed.as_bytes(), hashed.as_bytes()))
}

/// Checks `password` against a complete 60-character bcrypt hash, in constant time.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a malformed hash (wrong length, prefix,
/// cost, or characters outside bcrypt's base64), a cost above
/// [`CostLimits::DEFAULT`](super::CostLimits::DEFAULT) or a password over 72 bytes; a wrong
/// password (one with a NUL byte included) is `Ok(false)`.
pub fn verify(password: &[u8], hash: &str) -> Result<bool> {
    verify_within(password, hash, super::CostLimits::DEFAULT.bcrypt_cost)
}

/// As [`verify`], refusing a hash whose cost is above `max_cost`.
///
/// # Errors
/// As [`verify`], and [`InvalidInput`](crate::ErrorKind::InvalidInput) above `max_cost`.
pub fn verify_within(password: &[u8], hash: &str, max_cost: u32) -> Result<bool> {
    parse(hash)?;
    checkpw_within(password, hash, max_cost)
}

/// Parses a complete bcrypt hash string without verifying anything.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) saying what is wrong.
pub fn parse(hash: &str) -> Result<BcryptInfo> {
    if hash.len() != HASH_LEN {
        return Err(Error::invalid_input(format!(
            "bcrypt: a hash is {HASH_LEN} characters, this one is {}",
            hash.len()
        )));
    }
    let (info, _) = parse_salt(hash)?;
    let digest = hash.get(SALT_LEN..).unwrap_or_default();
    // 31 characters carry 23 bytes (the last two bits must be zero).
    match b64()?.decode(digest.as_bytes()) {
        Ok(d) if d.len() == 23 => Ok(info),
        _ => Err(Error::invalid_input(
            "bcrypt: the hash part is not 31 characters of bcrypt base64",
        )),
    }
}

fn parse_salt(salt: &str) -> Result<(BcryptInfo, [u8; 16])> {
    let bytes = salt.as_bytes();
    if bytes.len() < SALT_LEN || !salt.is_char_boundary(SALT_LEN) {
        return Err(Error::invalid_input(format!(
            "bcrypt: a salt is at least {SALT_LEN} characters ($2b$NN$ + 22), this one is {}",
            salt.len()
        )));
    }
    let head = salt.get(..SALT_LEN).unwrap_or_default();
    let (sep1, prefix, sep2, cost, sep3, encoded) = (
        head.get(0..1),
        head.get(1..3),
        head.get(3..4),
        head.get(4..6),
        head.get(6..7),
        head.get(7..SALT_LEN),
    );
    if sep1 != Some("$") || sep2 != Some("$") || sep3 != Some("$") {
        return Err(Error::invalid_input(
            "bcrypt: expected the form $2b$NN$<22 salt characters>",
        ));
    }
    let prefix = BcryptPrefix::parse(prefix.unwrap_or_default())?;
    let cost_text = cost.unwrap_or_default();
    if !cost_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid_input(format!(
            "bcrypt: the cost '{cost_text}' is not two digits"
        )));
    }
    let cost: u32 = cost_text
        .parse()
        .map_err(|_| Error::invalid_input("bcrypt: bad cost"))?;
    check_cost(cost)?;
    let raw = b64()?
        .decode(encoded.unwrap_or_default().as_bytes())
        .map_err(|_| {
            Error::invalid_input("bcrypt: the salt is not 22 characters of bcrypt base64")
        })?;
    let raw: [u8; 16] = raw
        .try_into()
        .map_err(|_| Error::invalid_input("bcrypt: the salt does not decode to 16 bytes"))?;
    Ok((BcryptInfo { prefix, cost }, raw))
}

fn check_cost(cost: u32) -> Result<()> {
    if (MIN_COST..=MAX_COST).contains(&cost) {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "bcrypt: cost must be between {MIN_COST} and {MAX_COST}, got {cost}"
        )))
    }
}

fn check_password(password: &[u8]) -> Result<()> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::invalid_input(format!(
            "bcrypt: password cannot be longer than {MAX_PASSWORD_BYTES} bytes (this one is {}); \
             it is never truncated silently: use Argon2id, or truncate deliberately",
            password.len()
        )));
    }
    if password.contains(&0) {
        return Err(Error::invalid_input(
            "bcrypt: password cannot contain a NUL byte (C implementations stop at the first NUL)",
        ));
    }
    Ok(())
}

/// Largest key [`pbkdf`] derives, in bytes (pyca/bcrypt's limit; OpenSSH keys need 48).
pub const PBKDF_MAX_KEY_BYTES: usize = 512;
/// Fewer [`pbkdf`] rounds than this are weak (the count is linear, like PBKDF2's, not bcrypt's
/// logarithmic cost): the Python door warns, as pyca/bcrypt does.
pub const PBKDF_MIN_ROUNDS: u32 = 50;
/// Longest salt [`pbkdf`] takes (OpenBSD's limit).
pub const PBKDF_MAX_SALT_BYTES: usize = 1 << 20;

/// OpenBSD's `bcrypt_hash`: the Blowfish core keyed by the SHA-512 of the password and of the
/// salt, 64 rounds of key expansion, then 64 encryptions of a fixed text, as 32 little-endian bytes.
fn bcrypt_hash(sha2pass: &[u8], sha2salt: &[u8]) -> [u8; 32] {
    use blowfish::Blowfish;
    let mut state = Blowfish::bc_init_state();
    state.salted_expand_key(sha2salt, sha2pass);
    for _ in 0..64 {
        state.bc_expand_key(sha2salt);
        state.bc_expand_key(sha2pass);
    }
    let mut words = [0u32; 8];
    for (word, chunk) in words
        .iter_mut()
        .zip(b"OxychromaticBlowfishSwatDynamite".chunks_exact(4))
    {
        let mut be = [0u8; 4];
        be.copy_from_slice(chunk);
        *word = u32::from_be_bytes(be);
    }
    for _ in 0..64 {
        for pair in words.chunks_exact_mut(2) {
            if let [l, r] = pair {
                [*l, *r] = state.bc_encrypt([*l, *r]);
            }
        }
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    words.fill(0);
    out
}

fn sha512(parts: &[&[u8]]) -> aws_lc_rs::digest::Digest {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA512);
    for part in parts {
        ctx.update(part);
    }
    ctx.finish()
}

/// `bcrypt_pbkdf` (OpenBSD, as OpenSSH's key files and paramiko use it, and pyca/bcrypt's
/// `kdf`): a `key_len`-byte key from `password` and `salt` with `rounds` rounds of the bcrypt
/// core. Blowfish is the `blowfish` crate the bcrypt hashes already run on; SHA-512 is AWS-LC's.
///
/// ```
/// let key = bulwark::password::bcrypt::pbkdf(b"correct horse", b"salt of the key file", 16, 32)?;
/// assert_eq!(key.len(), 32);
/// assert_eq!(*key, *bulwark::password::bcrypt::pbkdf(b"correct horse", b"salt of the key file", 16, 32)?);
/// # Ok::<(), bulwark::Error>(())
/// ```
///
/// # Errors
/// `InvalidInput` for an empty password or salt, a salt over [`PBKDF_MAX_SALT_BYTES`], zero
/// rounds, or a key length of 0 or over [`PBKDF_MAX_KEY_BYTES`]. Unlike the bcrypt hash, the
/// password may hold any bytes (NUL included) and any length: it is hashed with SHA-512 first.
pub fn pbkdf(
    password: &[u8],
    salt: &[u8],
    rounds: u32,
    key_len: usize,
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    if password.is_empty() || salt.is_empty() {
        return Err(Error::invalid_input(
            "bcrypt_pbkdf: the password and the salt must not be empty",
        ));
    }
    if salt.len() > PBKDF_MAX_SALT_BYTES {
        return Err(Error::invalid_input(format!(
            "bcrypt_pbkdf: the salt is longer than {PBKDF_MAX_SALT_BYTES} bytes"
        )));
    }
    if rounds == 0 {
        return Err(Error::invalid_input(
            "bcrypt_pbkdf: rounds must be at least 1",
        ));
    }
    if key_len == 0 || key_len > PBKDF_MAX_KEY_BYTES {
        return Err(Error::invalid_input(format!(
            "bcrypt_pbkdf: the key length must be between 1 and {PBKDF_MAX_KEY_BYTES} bytes, got {key_len}"
        )));
    }
    let stride = key_len.div_ceil(32);
    let amount = key_len.div_ceil(stride);
    let sha2pass = zeroize::Zeroizing::new(sha512(&[password]).as_ref().to_vec());
    let mut key = zeroize::Zeroizing::new(vec![0u8; key_len]);
    let mut remaining = key_len;
    let mut count: u32 = 1;
    while remaining > 0 {
        let mut tmp = zeroize::Zeroizing::new(bcrypt_hash(
            &sha2pass,
            sha512(&[salt, &count.to_be_bytes()]).as_ref(),
        ));
        let mut out = tmp.clone();
        for _ in 1..rounds {
            *tmp = bcrypt_hash(&sha2pass, sha512(&[tmp.as_slice()]).as_ref());
            for (o, t) in out.iter_mut().zip(tmp.iter()) {
                *o ^= t;
            }
        }
        let take = amount.min(remaining);
        let mut written = 0;
        for (i, byte) in out.iter().take(take).enumerate() {
            let dest = i * stride + (count as usize - 1);
            let Some(slot) = key.get_mut(dest) else {
                break;
            };
            *slot = *byte;
            written += 1;
        }
        remaining -= written;
        count += 1;
    }
    Ok(key)
}
