//! Argon2 (RFC 9106) on the `argon2` crate, in the PHC string format argon2-cffi reads and writes.

use crate::error::{Error, Result};
use argon2::{Algorithm, Argon2, Version};
use zeroize::Zeroizing;

/// Argon2 cost parameters, validated: time cost (passes), memory cost (KiB), parallelism
/// (lanes), hash (tag) length and salt length in bytes.
///
/// The defaults are RFC 9106's second recommended ("low-memory") profile as argon2-cffi uses it,
/// so hashes interoperate with it both ways.
///
/// ```
/// use bulwark::password::Argon2Params;
/// let p = Argon2Params::DEFAULT;
/// assert_eq!((p.t_cost(), p.m_cost(), p.parallelism()), (3, 65536, 4));
/// assert!(Argon2Params::new(1, 4, 4, 32, 16).is_err()); // memory below 8 KiB per lane
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Argon2Params {
    t_cost: u32,
    m_cost: u32,
    parallelism: u32,
    hash_len: u32,
    salt_len: u32,
}

impl Argon2Params {
    /// RFC 9106 low-memory profile, as argon2-cffi: t=3, m=64 MiB, p=4, 32-byte hash, 16-byte salt.
    pub const DEFAULT: Self = Self {
        t_cost: 3,
        m_cost: 65536,
        parallelism: 4,
        hash_len: 32,
        salt_len: 16,
    };
    /// Fewest passes.
    pub const MIN_T_COST: u32 = 1;
    /// Most passes accepted, in hashing and in hashes presented for verification (a guard
    /// against hashes crafted to pin a CPU).
    pub const MAX_T_COST: u32 = 1024;
    /// Largest memory cost in KiB (2 GiB, RFC 9106's first recommended profile), in hashing and
    /// in hashes presented for verification (a guard against hashes crafted to exhaust memory).
    pub const MAX_M_COST: u32 = 2 * 1024 * 1024;
    /// Most lanes.
    pub const MAX_PARALLELISM: u32 = 255;
    /// Shortest hash (tag), in bytes (libargon2's minimum, as argon2-cffi allows; the default
    /// is 32).
    pub const MIN_HASH_LEN: u32 = 4;
    /// Longest hash (tag), in bytes (a bound on what a stored hash can make a verifier compute).
    pub const MAX_HASH_LEN: u32 = 1024;
    /// Shortest salt, in bytes.
    pub const MIN_SALT_LEN: u32 = 8;
    /// Longest salt, in bytes.
    pub const MAX_SALT_LEN: u32 = 1024;

    /// Validates and builds parameters.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput), naming the parameter, when `t_cost` is
    /// outside 1..=[`MAX_T_COST`](Self::MAX_T_COST), `parallelism` outside
    /// 1..=[`MAX_PARALLELISM`](Self::MAX_PARALLELISM), `m_cost` below 8 KiB per lane or above
    /// [`MAX_M_COST`](Self::MAX_M_COST), `hash_len` outside 4..=1024 or `salt_len` outside 8..=1024.
    pub fn new(
        t_cost: u32,
        m_cost: u32,
        parallelism: u32,
        hash_len: u32,
        salt_len: u32,
    ) -> Result<Self> {
        let check = |name: &str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(Error::invalid_input(format!(
                    "argon2: {name} must be between {lo} and {hi}, got {v}"
                )))
            }
        };
        check("time_cost", t_cost, Self::MIN_T_COST, Self::MAX_T_COST)?;
        check("parallelism", parallelism, 1, Self::MAX_PARALLELISM)?;
        check(
            "memory_cost (KiB)",
            m_cost,
            8 * parallelism,
            Self::MAX_M_COST,
        )?;
        check("hash_len", hash_len, Self::MIN_HASH_LEN, Self::MAX_HASH_LEN)?;
        check("salt_len", salt_len, Self::MIN_SALT_LEN, Self::MAX_SALT_LEN)?;
        Ok(Self {
            t_cost,
            m_cost,
            parallelism,
            hash_len,
            salt_len,
        })
    }

    /// Passes over memory.
    #[must_use]
    pub const fn t_cost(&self) -> u32 {
        self.t_cost
    }
    /// Memory in KiB.
    #[must_use]
    pub const fn m_cost(&self) -> u32 {
        self.m_cost
    }
    /// Lanes (computed in parallel).
    #[must_use]
    pub const fn parallelism(&self) -> u32 {
        self.parallelism
    }
    /// Hash (tag) length in bytes.
    #[must_use]
    pub const fn hash_len(&self) -> u32 {
        self.hash_len
    }
    /// Salt length in bytes.
    #[must_use]
    pub const fn salt_len(&self) -> u32 {
        self.salt_len
    }

    /// Length of the PHC string [`hash`] produces with these parameters (for sizing buffers).
    #[must_use]
    pub fn encoded_len(&self, variant: Argon2Variant) -> usize {
        let head = format!(
            "${}$v=19$m={},t={},p={}$",
            variant.ident(),
            self.m_cost,
            self.t_cost,
            self.parallelism
        );
        head.len()
            + crate::random::token_urlsafe_len(self.salt_len as usize)
            + 1
            + crate::random::token_urlsafe_len(self.hash_len as usize)
    }

    fn to_crate(self) -> Result<argon2::Params> {
        argon2::Params::new(
            self.m_cost,
            self.t_cost,
            self.parallelism,
            Some(self.hash_len as usize),
        )
        .map_err(|e| Error::invalid_input(format!("argon2: {e}")))
    }
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The three Argon2 variants. Bulwark hashes with Argon2id; it verifies all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Argon2Variant {
    /// Data-dependent memory access (`$argon2d$`).
    Argon2d,
    /// Data-independent memory access (`$argon2i$`).
    Argon2i,
    /// Hybrid, the recommended variant (`$argon2id$`).
    Argon2id,
}

impl Argon2Variant {
    /// The PHC identifier: `argon2d`, `argon2i` or `argon2id`.
    #[must_use]
    pub const fn ident(self) -> &'static str {
        match self {
            Self::Argon2d => "argon2d",
            Self::Argon2i => "argon2i",
            Self::Argon2id => "argon2id",
        }
    }

    const fn algorithm(self) -> Algorithm {
        match self {
            Self::Argon2d => Algorithm::Argon2d,
            Self::Argon2i => Algorithm::Argon2i,
            Self::Argon2id => Algorithm::Argon2id,
        }
    }
}

/// What an Argon2 PHC string says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Info {
    /// The variant named by the prefix.
    pub variant: Argon2Variant,
    /// The algorithm version (`v=`): 19 (0x13) or the legacy 16 (0x10).
    pub version: u32,
    /// Its cost parameters, salt and hash lengths.
    pub params: Argon2Params,
}

/// Hashes `password` with Argon2id, a fresh 16-byte (per `params`) salt from the OS CSPRNG, into a
/// PHC string such as `$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>`.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) if the password is longer than 4 GiB;
/// [`Backend`](crate::ErrorKind::Backend) if the OS random source fails.
pub fn hash(password: &[u8], params: &Argon2Params) -> Result<String> {
    let mut salt = Zeroizing::new(vec![0u8; params.salt_len as usize]);
    crate::random::fill(&mut salt)?;
    hash_with_salt(password, &salt, params, Argon2Variant::Argon2id)
}

/// Hashes with a caller-chosen salt and variant (known-answer tests and interop, as
/// argon2-cffi's `hash(password, salt=...)`). Prefer [`hash`], which draws a fresh salt.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a salt outside 8..=1024 bytes or a
/// password longer than 4 GiB.
pub fn hash_with_salt(
    password: &[u8],
    salt: &[u8],
    params: &Argon2Params,
    variant: Argon2Variant,
) -> Result<String> {
    let raw = hash_raw(password, salt, params, variant, VERSION_13)?;
    Ok(encode(variant, VERSION_13, params, salt, &raw))
}

/// Argon2 version 1.3 (`v=19`), the current one.
pub const VERSION_13: u32 = 0x13;
/// Argon2 version 1.0 (`v=16`, or no `v=` at all), still verified for old hashes.
pub const VERSION_10: u32 = 0x10;

fn version_of(version: u32) -> Result<Version> {
    match version {
        VERSION_13 => Ok(Version::V0x13),
        VERSION_10 => Ok(Version::V0x10),
        v => Err(Error::invalid_input(format!(
            "argon2: unknown version {v} (16 or 19)"
        ))),
    }
}

/// The raw Argon2 tag of `password` (`params.hash_len()` bytes) with `salt`, as argon2-cffi's
/// `low_level.hash_secret_raw`: no encoding, any variant, version 1.3 or 1.0.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a salt outside 8..=1024 bytes, an
/// unknown version, or a password longer than 4 GiB.
pub fn hash_raw(
    password: &[u8],
    salt: &[u8],
    params: &Argon2Params,
    variant: Argon2Variant,
    version: u32,
) -> Result<Zeroizing<Vec<u8>>> {
    let salt_len = u32::try_from(salt.len()).unwrap_or(u32::MAX);
    if !(Argon2Params::MIN_SALT_LEN..=Argon2Params::MAX_SALT_LEN).contains(&salt_len) {
        return Err(Error::invalid_input(format!(
            "argon2: salt must be {} to {} bytes, got {}",
            Argon2Params::MIN_SALT_LEN,
            Argon2Params::MAX_SALT_LEN,
            salt.len()
        )));
    }
    check_password_len(password)?;
    let hasher = Argon2::new(
        variant.algorithm(),
        version_of(version)?,
        params.to_crate()?,
    );
    let mut out = Zeroizing::new(vec![0u8; params.hash_len as usize]);
    hasher
        .hash_password_into(password, salt, &mut out)
        .map_err(|e| Error::invalid_input(format!("argon2: {e}")))?;
    Ok(out)
}

/// The encoded form libargon2 writes and argon2-cffi reads:
/// `$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>`, salt and hash in unpadded standard base64.
#[must_use]
pub fn encode(
    variant: Argon2Variant,
    version: u32,
    params: &Argon2Params,
    salt: &[u8],
    hash: &[u8],
) -> String {
    let b64 = &data_encoding::BASE64_NOPAD;
    format!(
        "${}$v={}$m={},t={},p={}${}${}",
        variant.ident(),
        version,
        params.m_cost,
        params.t_cost,
        params.parallelism,
        b64.encode(salt),
        b64.encode(hash)
    )
}

/// Parses an Argon2 hash without verifying anything.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) saying what is wrong: not an encoded Argon2
/// hash, an unknown variant or version, parameters other than exactly `m=..,t=..,p=..`, a
/// missing salt or hash, bad base64, or parameters outside the limits of [`Argon2Params`].
pub fn parse(hash: &str) -> Result<Argon2Info> {
    decode(hash).map(|(info, _, _)| info)
}

/// The parts of an encoded hash: what it says about itself, its salt and its tag.
fn decode(hash: &str) -> Result<(Argon2Info, Vec<u8>, Vec<u8>)> {
    let bad = |why: &str| Error::invalid_input(format!("argon2: malformed hash: {why}"));
    let rest = hash
        .strip_prefix('$')
        .ok_or_else(|| bad("it must start with '$'"))?;
    let parts: Vec<&str> = rest.split('$').collect();
    let (ident, version, costs, salt, tag) = match parts.as_slice() {
        [ident, v, costs, salt, tag] => {
            let v = v
                .strip_prefix("v=")
                .ok_or_else(|| bad("expected v=<version>"))?;
            (
                *ident,
                decimal(v).ok_or_else(|| bad("bad version"))?,
                *costs,
                *salt,
                *tag,
            )
        }
        // A hash without `v=` is Argon2 1.0, as libargon2 (argon2-cffi) reads it.
        [ident, costs, salt, tag] => (*ident, VERSION_10, *costs, *salt, *tag),
        _ => return Err(bad("expected $variant$v=..$m=..,t=..,p=..$salt$hash")),
    };
    let variant = match ident {
        "argon2id" => Argon2Variant::Argon2id,
        "argon2i" => Argon2Variant::Argon2i,
        "argon2d" => Argon2Variant::Argon2d,
        other => {
            return Err(Error::invalid_input(format!(
                "argon2: unknown variant '{other}'"
            )))
        }
    };
    version_of(version)?;
    // Exactly m, t, p, once each and in that order, as the reference encoder writes them and
    // libargon2 (argon2-cffi) requires: a duplicated or missing parameter is not guessed
    // (found by fuzzing: "m=8,t=1,t=1" verified as "m=8,t=1,p=1").
    let mut values = [0u32; 3];
    let mut fields = costs.split(',');
    for (slot, name) in values.iter_mut().zip(["m=", "t=", "p="]) {
        *slot = fields
            .next()
            .and_then(|f| f.strip_prefix(name))
            .and_then(decimal)
            .ok_or_else(|| {
                Error::invalid_input(
                    "argon2: the parameters must be exactly m=..,t=..,p=.. in that order",
                )
            })?;
    }
    if fields.next().is_some() {
        return Err(Error::invalid_input(
            "argon2: the parameters must be exactly m=..,t=..,p=.. in that order",
        ));
    }
    let b64 = &data_encoding::BASE64_NOPAD;
    if salt.is_empty() {
        return Err(Error::invalid_input("argon2: the hash has no salt"));
    }
    if tag.is_empty() {
        return Err(Error::invalid_input("argon2: the hash has no hash value"));
    }
    let salt = b64
        .decode(salt.as_bytes())
        .map_err(|_| bad("the salt is not unpadded base64"))?;
    let tag = b64
        .decode(tag.as_bytes())
        .map_err(|_| bad("the hash is not unpadded base64"))?;
    let as_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let [m, t, p] = values;
    let params = Argon2Params::new(t, m, p, as_u32(tag.len()), as_u32(salt.len()))?;
    Ok((
        Argon2Info {
            variant,
            version,
            params,
        },
        salt,
        tag,
    ))
}

/// A plain decimal `u32` (digits only, no sign, no leading zero but for `0`).
fn decimal(s: &str) -> Option<u32> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    canonical.then(|| s.parse().ok()).flatten()
}

/// Checks `password` against an Argon2 PHC string of any variant, comparing in constant time.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a malformed hash (see [`parse`]) or one
/// above [`CostLimits::DEFAULT`](super::CostLimits::DEFAULT); a wrong password is `Ok(false)`,
/// not an error.
pub fn verify(password: &[u8], hash: &str) -> Result<bool> {
    verify_within(password, hash, &super::CostLimits::DEFAULT)
}

/// As [`verify`], refusing hashes that ask for more than `limits` (see
/// [`CostLimits`](super::CostLimits)); [`verify`] uses [`CostLimits::DEFAULT`](super::CostLimits::DEFAULT).
///
/// # Errors
/// As [`verify`], and [`InvalidInput`](crate::ErrorKind::InvalidInput) above the limits.
pub fn verify_within(password: &[u8], hash: &str, limits: &super::CostLimits) -> Result<bool> {
    check_password_len(password)?;
    // The parameters are checked against the limits before any memory is allocated.
    let (info, salt, tag) = decode(hash)?;
    limits.check(&super::HashInfo::Argon2(info))?;
    let computed = hash_raw(password, &salt, &info.params, info.variant, info.version)?;
    Ok(crate::ct::eq(&computed, &tag))
}

fn check_password_len(password: &[u8]) -> Result<()> {
    if u32::try_from(password.len()).is_err() {
        return Err(Error::invalid_input(
            "argon2: passwords are limited to 4 GiB",
        ));
    }
    Ok(())
}
