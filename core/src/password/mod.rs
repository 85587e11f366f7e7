//! Password hashing: Argon2id by default, bcrypt for compatibility, migration between them, and
//! password policy.
//!
//! [`hash`] uses the preferred scheme (Argon2id, RFC 9106 low-memory profile); [`verify`] reads
//! the scheme from the hash itself (`$argon2id$`, `$argon2i$`, `$argon2d$`, `$2a$`, `$2b$`,
//! `$2y$`); [`needs_rehash`] and [`verify_and_update`] move old hashes to the preferred scheme on
//! the next successful login. A wrong password is `Ok(false)`; a malformed hash is an
//! [`InvalidInput`](crate::ErrorKind::InvalidInput) error that says what is wrong.
//!
//! ```
//! use bulwark::password::{self, Hasher};
//! // An old bcrypt hash migrates to Argon2id on the next successful login.
//! let old = password::bcrypt::hash(b"s3cret-pass", 4)?;
//! let (ok, new_hash) = password::verify_and_update(b"s3cret-pass", &old)?;
//! assert!(ok);
//! let new_hash = new_hash.expect("bcrypt is not the preferred scheme");
//! assert!(new_hash.starts_with("$argon2id$"));
//! assert!(!password::needs_rehash(&new_hash)?);
//! assert!(!password::verify(b"wrong", &new_hash)?);
//! # Ok::<(), bulwark::Error>(())
//! ```

pub mod argon2id;
pub mod bcrypt;
mod policy;

pub use argon2id::{Argon2Info, Argon2Params, Argon2Variant};
pub use bcrypt::{BcryptInfo, BcryptPrefix};
pub use policy::{check_policy, common_password_count, is_common, Policy, Violation};

use crate::error::{Error, Result};
use std::time::{Duration, Instant};

/// A password-hashing scheme with its parameters: what [`Hasher`] produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Argon2id with these parameters (the default, with [`Argon2Params::DEFAULT`]).
    Argon2id(Argon2Params),
    /// bcrypt (`$2b$`) at this cost.
    Bcrypt {
        /// log2 of the rounds, 4..=31.
        cost: u32,
    },
}

/// What a stored hash says about itself, whatever its scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashInfo {
    /// An Argon2 PHC string.
    Argon2(Argon2Info),
    /// A bcrypt string.
    Bcrypt(BcryptInfo),
}

/// Identifies and parses a stored hash by its prefix, without verifying anything.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an unknown scheme or a malformed hash.
pub fn identify(hash: &str) -> Result<HashInfo> {
    if hash.starts_with("$argon2") {
        argon2id::parse(hash).map(HashInfo::Argon2)
    } else if hash.starts_with("$2") {
        bcrypt::parse(hash).map(HashInfo::Bcrypt)
    } else {
        let shown: String = hash.chars().take(12).collect();
        Err(Error::invalid_input(format!(
            "unknown password hash scheme (expected $argon2id$, $argon2i$, $argon2d$, $2a$, $2b$ or $2y$; got '{shown}…')"
        )))
    }
}

/// Hashes new passwords with one preferred [`Scheme`] and verifies hashes of every scheme.
/// `Hasher::default()` is Argon2id with RFC 9106's low-memory parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hasher {
    scheme: Scheme,
}

impl Default for Hasher {
    fn default() -> Self {
        Self {
            scheme: Scheme::Argon2id(Argon2Params::DEFAULT),
        }
    }
}

impl Hasher {
    /// A hasher whose preferred scheme is `scheme`.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a bcrypt cost outside 4..=31.
    pub fn new(scheme: Scheme) -> Result<Self> {
        if let Scheme::Bcrypt { cost } = scheme {
            if !(bcrypt::MIN_COST..=bcrypt::MAX_COST).contains(&cost) {
                return Err(Error::invalid_input(format!(
                    "bcrypt: cost must be in 4..=31, got {cost}"
                )));
            }
        }
        Ok(Self { scheme })
    }

    /// The preferred scheme.
    #[must_use]
    pub const fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Length of the hash strings [`Hasher::hash`] produces (for sizing C buffers).
    #[must_use]
    pub fn hash_len(&self) -> usize {
        match self.scheme {
            Scheme::Argon2id(p) => p.encoded_len(Argon2Variant::Argon2id),
            Scheme::Bcrypt { .. } => bcrypt::HASH_LEN,
        }
    }

    /// Hashes `password` with the preferred scheme and a fresh salt.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a password the scheme cannot take
    /// (bcrypt: over 72 bytes or containing NUL); [`Backend`](crate::ErrorKind::Backend) if the
    /// OS random source fails.
    pub fn hash(&self, password: &[u8]) -> Result<String> {
        match self.scheme {
            Scheme::Argon2id(p) => argon2id::hash(password, &p),
            Scheme::Bcrypt { cost } => bcrypt::hash(password, cost),
        }
    }

    /// Checks `password` against a stored hash of any supported scheme, in constant time.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a malformed or unknown hash, or a
    /// password its scheme cannot take; a wrong password is `Ok(false)`.
    pub fn verify(&self, password: &[u8], hash: &str) -> Result<bool> {
        match identify(hash)? {
            HashInfo::Argon2(_) => argon2id::verify(password, hash),
            HashInfo::Bcrypt(_) => bcrypt::verify(password, hash),
        }
    }

    /// Whether `hash` should be replaced: another scheme or variant than the preferred one, an
    /// older version, or parameters weaker than the preferred ones (less memory, fewer passes,
    /// shorter salt or hash; bcrypt: lower cost or an old prefix). Stronger parameters are kept.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a malformed or unknown hash.
    pub fn needs_rehash(&self, hash: &str) -> Result<bool> {
        let info = identify(hash)?;
        Ok(match (self.scheme, info) {
            (Scheme::Argon2id(want), HashInfo::Argon2(have)) => {
                let p = have.params;
                have.variant != Argon2Variant::Argon2id
                    || have.version != 0x13
                    || p.m_cost() < want.m_cost()
                    || p.t_cost() < want.t_cost()
                    || p.hash_len() < want.hash_len()
                    || p.salt_len() < want.salt_len()
            }
            (Scheme::Bcrypt { cost }, HashInfo::Bcrypt(have)) => {
                have.prefix != BcryptPrefix::TwoB || have.cost < cost
            }
            _ => true,
        })
    }

    /// Verifies, and when the password is right but the hash [needs a rehash](Self::needs_rehash),
    /// also returns a new hash in the preferred scheme to store in place of the old one.
    ///
    /// # Errors
    /// As [`Hasher::verify`] and [`Hasher::hash`].
    pub fn verify_and_update(&self, password: &[u8], hash: &str) -> Result<(bool, Option<String>)> {
        let stale = self.needs_rehash(hash)?;
        if !self.verify(password, hash)? {
            return Ok((false, None));
        }
        let new_hash = if stale {
            Some(self.hash(password)?)
        } else {
            None
        };
        Ok((true, new_hash))
    }
}

/// Hashes with the default [`Hasher`] (Argon2id, RFC 9106 low-memory parameters).
///
/// # Errors
/// As [`Hasher::hash`].
pub fn hash(password: &[u8]) -> Result<String> {
    Hasher::default().hash(password)
}

/// Verifies against a hash of any supported scheme.
///
/// # Errors
/// As [`Hasher::verify`].
pub fn verify(password: &[u8], hash: &str) -> Result<bool> {
    Hasher::default().verify(password, hash)
}

/// Whether a hash falls short of the default [`Hasher`]'s scheme and parameters.
///
/// # Errors
/// As [`Hasher::needs_rehash`].
pub fn needs_rehash(hash: &str) -> Result<bool> {
    Hasher::default().needs_rehash(hash)
}

/// Verifies, and returns a new Argon2id hash when the old one needs a rehash.
///
/// # Errors
/// As [`Hasher::verify_and_update`].
pub fn verify_and_update(password: &[u8], hash: &str) -> Result<(bool, Option<String>)> {
    Hasher::default().verify_and_update(password, hash)
}

/// Floor of [`calibrate`]: OWASP's minimum Argon2id configuration (19 MiB, 2 passes).
const CALIBRATE_FLOOR: (u32, u32) = (19 * 1024, 2);

/// Picks Argon2id parameters that take about `target` per hash on this machine: memory first
/// (doubling from 19 MiB up to `max_m_cost` KiB), then passes. Never returns less than OWASP's
/// floor (19 MiB, t=2), however small the target; parallelism is 4, as the defaults.
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a zero target, a target over a minute,
/// or a `max_m_cost` below the 19 MiB floor or above [`Argon2Params::MAX_M_COST`].
pub fn calibrate(target: Duration, max_m_cost: u32) -> Result<Argon2Params> {
    if target.is_zero() || target > Duration::from_secs(60) {
        return Err(Error::invalid_input(
            "calibrate: target must be between 0 and 60 seconds",
        ));
    }
    if !(CALIBRATE_FLOOR.0..=Argon2Params::MAX_M_COST).contains(&max_m_cost) {
        return Err(Error::invalid_input(format!(
            "calibrate: max_m_cost must be in {}..={} KiB, got {max_m_cost}",
            CALIBRATE_FLOOR.0,
            Argon2Params::MAX_M_COST
        )));
    }
    let d = Argon2Params::DEFAULT;
    let make =
        |m: u32, t: u32| Argon2Params::new(t, m, d.parallelism(), d.hash_len(), d.salt_len());
    let time = |p: &Argon2Params| -> Result<Duration> {
        let start = Instant::now();
        argon2id::hash_with_salt(
            b"calibration password",
            &[0u8; 16],
            p,
            Argon2Variant::Argon2id,
        )?;
        Ok(start.elapsed())
    };
    let (mut m, mut t) = CALIBRATE_FLOOR;
    let mut best = make(m, t)?;
    let mut elapsed = time(&best)?;
    // Memory first: double while the doubled cost is still expected to fit the target.
    while elapsed * 2 <= target && m.saturating_mul(2) <= max_m_cost {
        m *= 2;
        best = make(m, t)?;
        elapsed = time(&best)?;
    }
    // Then passes: time grows about linearly with t.
    while t < Argon2Params::MAX_T_COST {
        let per_pass = elapsed / t;
        if elapsed + per_pass > target {
            break;
        }
        t += 1;
        best = make(m, t)?;
        elapsed = time(&best)?;
    }
    Ok(best)
}

#[cfg(test)]
mod tests;
