//! API keys: `<prefix>_<40 base62 characters>_<6-character base62 CRC32>`.
//!
//! - The prefix names the product or environment (`bw_live`, `bw_test`, …): lower-case letters
//!   and digits in `_`-separated words, starting with a letter, at most 32 characters.
//! - The 40 random characters carry 238 bits from the OS CSPRNG. The first 8 also form the public
//!   **key id** (`<prefix>_<8 characters>`), safe to log and show in a UI; the remaining 32
//!   (190 bits) stay secret.
//! - The checksum is CRC32 of `<prefix>_<random>` in base62 (as GitHub's tokens), so secret
//!   scanners and servers reject typos and random strings without a database lookup.
//! - Servers store a keyed hash (HMAC-SHA256 under a server-side pepper), never the key, and
//!   [`KeyHasher::verify`] compares in constant time.
//!
//! ```
//! use bulwark::apikey::{self, KeyHasher};
//! let issued = apikey::generate("bw_live")?;
//! let hasher = KeyHasher::new(b"server-side pepper of 32 bytes or more!!")?;
//! let stored = hasher.hash(issued.key())?;                  // keep this, not the key
//! assert!(hasher.verify(issued.key(), &stored)?);
//! assert_eq!(apikey::parse(issued.key())?.key_id, issued.key_id());
//! # Ok::<(), bulwark::Error>(())
//! ```

use crate::error::{Error, Result};
use aws_lc_rs::hmac;
use zeroize::Zeroizing;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Random characters in a key (238 bits).
pub const RANDOM_LEN: usize = 40;
/// Characters of the random part that form the public key id.
pub const ID_LEN: usize = 8;
/// Characters of the checksum.
pub const CHECKSUM_LEN: usize = 6;
/// Longest prefix.
pub const MAX_PREFIX_LEN: usize = 32;
/// Shortest pepper accepted by [`KeyHasher::new`], in bytes.
pub const MIN_PEPPER_LEN: usize = 32;

/// A freshly generated key. `Debug` shows only the key id; the key is wiped on drop.
pub struct ApiKey {
    key: Zeroizing<String>,
    key_id: String,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl ApiKey {
    /// The secret key, to hand to the client once.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }
    /// The public key id: `<prefix>_<first 8 random characters>`.
    #[must_use]
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}

/// The public parts of a well-formed key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedKey {
    /// The prefix (`bw_live`).
    pub prefix: String,
    /// The public key id (`bw_live_AbC12xYz`).
    pub key_id: String,
    /// The checksum characters.
    pub checksum: String,
}

/// Checks a prefix: `^[a-z][a-z0-9]*(_[a-z0-9]+)*$`, at most 32 characters.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) saying what is wrong.
pub fn check_prefix(prefix: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::invalid_input(format!(
            "api key prefix {prefix:?}: {why}"
        )))
    };
    if prefix.is_empty() || prefix.len() > MAX_PREFIX_LEN {
        return bad("must be 1 to 32 characters");
    }
    if !prefix.starts_with(|c: char| c.is_ascii_lowercase()) {
        return bad("must start with a lower-case letter");
    }
    if !prefix.split('_').all(|w| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }) {
        return bad("only lower-case letters and digits, in words joined by single underscores");
    }
    Ok(())
}

fn base62_checksum(body: &str) -> String {
    let mut n = crc32fast::hash(body.as_bytes());
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62.get((n % 62) as usize).copied().unwrap_or(b'0');
        n /= 62;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// Generates a key under `prefix`.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a bad prefix;
/// [`Backend`](crate::ErrorKind::Backend) if the OS random source fails.
pub fn generate(prefix: &str) -> Result<ApiKey> {
    check_prefix(prefix)?;
    let mut random = Zeroizing::new(String::with_capacity(RANDOM_LEN));
    let mut pool = Zeroizing::new([0u8; 64]);
    while random.len() < RANDOM_LEN {
        crate::random::fill(pool.as_mut())?;
        // Rejection sampling: 248 = 4 * 62, so bytes below it map uniformly onto 62 symbols.
        for &b in pool.iter().filter(|&&b| b < 248) {
            if random.len() == RANDOM_LEN {
                break;
            }
            random.push(char::from(
                BASE62.get(usize::from(b % 62)).copied().unwrap_or(b'0'),
            ));
        }
    }
    let body = Zeroizing::new(format!("{prefix}_{}", random.as_str()));
    let key = Zeroizing::new(format!("{}_{}", body.as_str(), base62_checksum(&body)));
    let key_id = format!("{prefix}_{}", random.get(..ID_LEN).unwrap_or_default());
    Ok(ApiKey { key, key_id })
}

/// Splits and checks a presented key: format, prefix, and checksum. Never quotes the key.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) saying what is wrong (format, prefix, or a
/// checksum mismatch: a typo or a string that is not a key).
pub fn parse(presented: &str) -> Result<ParsedKey> {
    let bad = |why: &str| Error::invalid_input(format!("malformed API key: {why}"));
    let (body, checksum) = presented
        .rsplit_once('_')
        .ok_or_else(|| bad("expected <prefix>_<random>_<checksum>"))?;
    let (prefix, random) = body
        .rsplit_once('_')
        .ok_or_else(|| bad("expected <prefix>_<random>_<checksum>"))?;
    if random.len() != RANDOM_LEN || !random.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad("the random part must be 40 base62 characters"));
    }
    if checksum.len() != CHECKSUM_LEN || !checksum.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad("the checksum must be 6 base62 characters"));
    }
    check_prefix(prefix).map_err(|_| bad("bad prefix"))?;
    if !crate::ct::eq(base62_checksum(body).as_bytes(), checksum.as_bytes()) {
        return Err(bad(
            "checksum mismatch (mistyped, truncated, or not an API key)",
        ));
    }
    Ok(ParsedKey {
        prefix: prefix.to_owned(),
        key_id: format!("{prefix}_{}", random.get(..ID_LEN).unwrap_or_default()),
        checksum: checksum.to_owned(),
    })
}

/// Whether `text` is a well-formed key (format and checksum), for secret scanners.
#[must_use]
pub fn is_well_formed(text: &str) -> bool {
    parse(text).is_ok()
}

/// Hashes and verifies keys under a server-side pepper (HMAC-SHA256). `Debug` hides the pepper.
pub struct KeyHasher {
    key: hmac::Key,
}

impl std::fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyHasher").finish_non_exhaustive()
    }
}

impl KeyHasher {
    /// A hasher with `pepper` (at least 32 bytes, kept outside the database).
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a pepper under 32 bytes.
    pub fn new(pepper: &[u8]) -> Result<Self> {
        if pepper.len() < MIN_PEPPER_LEN {
            return Err(Error::invalid_input(format!(
                "the API key pepper must be at least {MIN_PEPPER_LEN} bytes, got {}",
                pepper.len()
            )));
        }
        Ok(Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, pepper),
        })
    }

    /// The value to store for `key`: 64 lower-case hex digits of HMAC-SHA256(pepper, key).
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a malformed key (see [`parse`]).
    pub fn hash(&self, key: &str) -> Result<String> {
        parse(key)?;
        Ok(crate::encoding::hex_encode(
            hmac::sign(&self.key, key.as_bytes()).as_ref(),
        ))
    }

    /// Whether `presented` is the key whose stored value is `stored`, in constant time.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a malformed presented key or a stored
    /// value that is not 64 hex digits. A well-formed but wrong key is `Ok(false)`.
    pub fn verify(&self, presented: &str, stored: &str) -> Result<bool> {
        let expected = crate::encoding::hex_decode(stored)
            .ok()
            .filter(|d| d.len() == 32)
            .ok_or_else(|| Error::invalid_input("the stored API key hash must be 64 hex digits"))?;
        parse(presented)?;
        Ok(hmac::verify(&self.key, presented.as_bytes(), &expected).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use std::collections::HashSet;

    #[test]
    fn format_and_parse() {
        let k = generate("bw_live").unwrap();
        let key = k.key();
        assert_eq!(
            key.len(),
            "bw_live".len() + 1 + RANDOM_LEN + 1 + CHECKSUM_LEN
        );
        let p = parse(key).unwrap();
        assert_eq!(p.prefix, "bw_live");
        assert_eq!(p.key_id, k.key_id());
        assert!(key.starts_with(&p.key_id));
        assert!(!format!("{k:?}").contains(&key[20..]));
    }

    #[test]
    fn a_million_keys_are_distinct_and_all_parse() {
        let mut seen = HashSet::with_capacity(1_000_000);
        for _ in 0..1_000_000 {
            let k = generate("t").unwrap();
            assert!(parse(k.key()).is_ok());
            assert!(seen.insert(k.key().to_owned()));
        }
    }

    #[test]
    fn every_single_character_change_is_caught() {
        let k = generate("bw_test").unwrap();
        let key = k.key().as_bytes().to_vec();
        let mut caught = 0;
        for i in 0..key.len() {
            for c in [b'a', b'Z', b'0', b'_'] {
                if key[i] == c {
                    continue;
                }
                let mut t = key.clone();
                t[i] = c;
                let s = String::from_utf8(t).unwrap();
                assert!(parse(&s).is_err(), "{s}");
                caught += 1;
            }
        }
        assert!(caught > 150);
    }

    #[test]
    fn prefixes() {
        for ok in ["bw", "bw_live", "acme2_prod_eu1", "a"] {
            assert!(generate(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Bw",
            "1bw",
            "bw-live",
            "bw__live",
            "bw_",
            "_bw",
            "bw live",
            &"a".repeat(33),
            "bwé",
        ] {
            assert_eq!(
                generate(bad).unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn malformed_keys_have_reasons() {
        let k = generate("bw").unwrap();
        // A last checksum character other than the real one (a fixed 'x' was the real one in
        // 1 run of 62).
        let last = if k.key().ends_with('x') { 'y' } else { 'x' };
        let cases = [
            ("", "expected"),
            ("bw_only", "expected"),
            ("bw_short_abcdef", "40 base62"),
            (&k.key()[..k.key().len() - 1], "6 base62"),
            (
                &format!("{}{last}", &k.key()[..k.key().len() - 1]),
                "checksum",
            ),
        ];
        for (s, why) in cases {
            let e = parse(s).unwrap_err();
            assert!(e.message().contains(why), "{s}: {}", e.message());
        }
    }

    #[test]
    fn hash_and_verify() {
        let h = KeyHasher::new(&[7u8; 32]).unwrap();
        let other = KeyHasher::new(&[8u8; 32]).unwrap();
        let k = generate("bw_live").unwrap();
        let stored = h.hash(k.key()).unwrap();
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains(k.key()));
        assert!(h.verify(k.key(), &stored).unwrap());
        assert!(!other.verify(k.key(), &stored).unwrap());
        let k2 = generate("bw_live").unwrap();
        assert!(!h.verify(k2.key(), &stored).unwrap());
        assert_eq!(
            h.verify("nonsense", &stored).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            h.verify(k.key(), "abcd").unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert!(KeyHasher::new(&[1u8; 31]).is_err());
    }
}
