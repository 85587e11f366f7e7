//! Argon2 (RFC 9106) on the `argon2` crate, in the PHC string format argon2-cffi reads and writes.

use crate::error::{Error, Result};
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
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
    /// Shortest hash (tag), in bytes, the PHC format carries.
    pub const MIN_HASH_LEN: u32 = 10;
    /// Longest hash (tag), in bytes, the PHC format carries.
    pub const MAX_HASH_LEN: u32 = 64;
    /// Shortest salt, in bytes.
    pub const MIN_SALT_LEN: u32 = 8;
    /// Longest salt, in bytes, the PHC format carries.
    pub const MAX_SALT_LEN: u32 = 48;

    /// Validates and builds parameters.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput), naming the parameter, when `t_cost` is
    /// outside 1..=[`MAX_T_COST`](Self::MAX_T_COST), `parallelism` outside
    /// 1..=[`MAX_PARALLELISM`](Self::MAX_PARALLELISM), `m_cost` below 8 KiB per lane or above
    /// [`MAX_M_COST`](Self::MAX_M_COST), `hash_len` outside 10..=64 or `salt_len` outside 8..=48.
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
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a salt outside 8..=48 bytes or a
/// password longer than 4 GiB.
pub fn hash_with_salt(
    password: &[u8],
    salt: &[u8],
    params: &Argon2Params,
    variant: Argon2Variant,
) -> Result<String> {
    let salt_len = u32::try_from(salt.len()).unwrap_or(u32::MAX);
    if !(Argon2Params::MIN_SALT_LEN..=Argon2Params::MAX_SALT_LEN).contains(&salt_len) {
        return Err(Error::invalid_input(format!(
            "argon2: salt must be 8 to 48 bytes, got {}",
            salt.len()
        )));
    }
    check_password_len(password)?;
    let hasher = Argon2::new(variant.algorithm(), Version::V0x13, params.to_crate()?);
    let phc = hasher
        .hash_password_with_salt(password, salt)
        .map_err(|e| Error::internal(format!("argon2 hashing failed: {e}")))?;
    Ok(phc.to_string())
}

/// Parses an Argon2 PHC string without verifying anything.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) saying what is wrong: not a PHC string, an
/// unknown variant or version, a missing salt or hash, bad base64, or parameters outside the
/// limits of [`Argon2Params`].
pub fn parse(hash: &str) -> Result<Argon2Info> {
    parse_phc(hash).map(|(_, info)| info)
}

fn parse_phc(hash: &str) -> Result<(argon2::password_hash::phc::PasswordHash, Argon2Info)> {
    let phc = argon2::password_hash::phc::PasswordHash::new(hash)
        .map_err(|e| Error::invalid_input(format!("argon2: malformed hash: {e}")))?;
    let variant = match phc.algorithm.as_str() {
        "argon2id" => Argon2Variant::Argon2id,
        "argon2i" => Argon2Variant::Argon2i,
        "argon2d" => Argon2Variant::Argon2d,
        other => {
            return Err(Error::invalid_input(format!(
                "argon2: unknown variant '{other}'"
            )))
        }
    };
    // A hash without `v=` is Argon2 1.0, as libargon2 (argon2-cffi) reads it; the hashing
    // crate would take it for 1.3, so the version is made explicit before verifying.
    let mut phc = phc;
    let version = match phc.version {
        Some(0x13) => 0x13,
        Some(0x10) => 0x10,
        None => {
            phc.version = Some(0x10);
            0x10
        }
        Some(v) => return Err(Error::invalid_input(format!("argon2: unknown version {v}"))),
    };
    let salt_len = phc
        .salt
        .as_ref()
        .map(|s| s.len())
        .ok_or_else(|| Error::invalid_input("argon2: the hash has no salt"))?;
    let hash_len = phc
        .hash
        .as_ref()
        .map(|h| h.len())
        .ok_or_else(|| Error::invalid_input("argon2: the hash has no hash value"))?;
    // Exactly m, t, p, once each and in that order, as the reference encoder writes them and
    // libargon2 (argon2-cffi) requires: a duplicated or missing parameter is not guessed
    // (found by fuzzing: "m=8,t=1,t=1" verified as "m=8,t=1,p=1").
    if !phc
        .params
        .iter()
        .map(|(name, _)| name.to_string())
        .eq(["m", "t", "p"])
    {
        return Err(Error::invalid_input(
            "argon2: the parameters must be exactly m=..,t=..,p=.. in that order",
        ));
    }
    let crate_params = argon2::Params::try_from(&phc)
        .map_err(|e| Error::invalid_input(format!("argon2: bad parameters: {e}")))?;
    let as_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let params = Argon2Params::new(
        crate_params.t_cost(),
        crate_params.m_cost(),
        crate_params.p_cost(),
        as_u32(hash_len),
        as_u32(salt_len),
    )?;
    Ok((
        phc,
        Argon2Info {
            variant,
            version,
            params,
        },
    ))
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
    let (phc, info) = parse_phc(hash)?;
    limits.check(&super::HashInfo::Argon2(info))?;
    match Argon2::default().verify_password(password, &phc) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(Error::invalid_input(format!(
            "argon2: cannot verify against this hash: {e}"
        ))),
    }
}

fn check_password_len(password: &[u8]) -> Result<()> {
    if u32::try_from(password.len()).is_err() {
        return Err(Error::invalid_input(
            "argon2: passwords are limited to 4 GiB",
        ));
    }
    Ok(())
}
