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

/// The most a stored hash may ask a verifier to spend. A stored hash carries its own cost, so
/// whoever can write one (a database row, an import, a compromised admin) could otherwise make
/// every login against it take minutes of CPU and gigabytes of memory. Hashes above a limit are
/// refused with [`InvalidInput`](crate::ErrorKind::InvalidInput) before any work is done.
///
/// ```
/// use bulwark::password::{bcrypt, CostLimits, Hasher};
/// let hasher = Hasher::default().with_cost_limits(CostLimits { bcrypt_cost: 10, ..CostLimits::DEFAULT })?;
/// let costly = bcrypt::hash(b"pw", 11)?;
/// assert!(hasher.verify(b"pw", &costly).is_err()); // asks for more than the limit allows
/// assert!(hasher.verify(b"pw", &bcrypt::hash(b"pw", 4)?)?);
/// # Ok::<(), bulwark::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostLimits {
    /// Most Argon2 memory, KiB.
    pub argon2_m_cost: u32,
    /// Most Argon2 passes.
    pub argon2_t_cost: u32,
    /// Most Argon2 work: passes times memory (KiB), which is what a verification costs in time.
    pub argon2_work: u64,
    /// Most Argon2 lanes.
    pub argon2_parallelism: u32,
    /// Highest bcrypt cost (log2 of the rounds).
    pub bcrypt_cost: u32,
}

impl CostLimits {
    /// Four times the default parameters' memory and eight times their work (Argon2: 256 MiB,
    /// 24 passes, 1.5 Gi KiB-passes, 16 lanes; about 8 x a default verification at most), and
    /// bcrypt cost 14 (4 x the default cost 12): room to raise parameters, none for a hash
    /// crafted to pin a CPU or exhaust memory.
    pub const DEFAULT: Self = Self {
        argon2_m_cost: 4 * Argon2Params::DEFAULT.m_cost(),
        argon2_t_cost: 8 * Argon2Params::DEFAULT.t_cost(),
        argon2_work: 8
            * (Argon2Params::DEFAULT.t_cost() as u64)
            * (Argon2Params::DEFAULT.m_cost() as u64),
        argon2_parallelism: 16,
        bcrypt_cost: bcrypt::DEFAULT_COST + 2,
    };

    /// The default limits, raised where needed so that hashes of `scheme` at up to 4x its cost
    /// (Argon2: 4x the memory, 8x the work; bcrypt: cost + 2) still verify.
    #[must_use]
    pub fn covering(scheme: Scheme) -> Self {
        let d = Self::DEFAULT;
        match scheme {
            Scheme::Argon2id(p) => Self {
                argon2_m_cost: d.argon2_m_cost.max(p.m_cost().saturating_mul(4)),
                argon2_t_cost: d.argon2_t_cost.max(p.t_cost().saturating_mul(8)),
                argon2_work: d
                    .argon2_work
                    .max(8 * u64::from(p.t_cost()) * u64::from(p.m_cost())),
                argon2_parallelism: d.argon2_parallelism.max(p.parallelism()),
                bcrypt_cost: d.bcrypt_cost,
            },
            Scheme::Bcrypt { cost } => Self {
                bcrypt_cost: d.bcrypt_cost.max(cost.saturating_add(2)),
                ..d
            },
        }
    }

    /// Refuses a hash whose parameters ask for more than these limits.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput), naming the parameter and the limit.
    pub fn check(&self, info: &HashInfo) -> Result<()> {
        let over = |what: &str, have: u64, max: u64| {
            Err(Error::invalid_input(format!(
                "the stored hash asks for {what} {have}, above this verifier's limit of {max}; \
                 raise the verifier's cost limits if the hash is genuine"
            )))
        };
        match info {
            HashInfo::Argon2(a) => {
                let p = a.params;
                let work = u64::from(p.t_cost()) * u64::from(p.m_cost());
                if p.m_cost() > self.argon2_m_cost {
                    return over(
                        "argon2 memory (KiB)",
                        p.m_cost().into(),
                        self.argon2_m_cost.into(),
                    );
                }
                if p.t_cost() > self.argon2_t_cost {
                    return over(
                        "argon2 passes",
                        p.t_cost().into(),
                        self.argon2_t_cost.into(),
                    );
                }
                if work > self.argon2_work {
                    return over("argon2 work (passes x KiB)", work, self.argon2_work);
                }
                if p.parallelism() > self.argon2_parallelism {
                    return over(
                        "argon2 lanes",
                        p.parallelism().into(),
                        self.argon2_parallelism.into(),
                    );
                }
            }
            HashInfo::Bcrypt(b) if b.cost > self.bcrypt_cost => {
                return over("bcrypt cost", b.cost.into(), self.bcrypt_cost.into());
            }
            HashInfo::Bcrypt(_) => {}
        }
        Ok(())
    }
}

impl Default for CostLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Hashes new passwords with one preferred [`Scheme`] and verifies hashes of every scheme, up
/// to its [`CostLimits`]. `Hasher::default()` is Argon2id with RFC 9106's low-memory parameters
/// and [`CostLimits::DEFAULT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hasher {
    scheme: Scheme,
    limits: CostLimits,
}

impl Default for Hasher {
    fn default() -> Self {
        Self {
            scheme: Scheme::Argon2id(Argon2Params::DEFAULT),
            limits: CostLimits::DEFAULT,
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
                    "bcrypt: cost must be between 4 and 31, got {cost}"
                )));
            }
        }
        Ok(Self {
            scheme,
            limits: CostLimits::covering(scheme),
        })
    }

    /// The same hasher verifying only hashes within `limits`.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) when the limits would refuse the
    /// hasher's own hashes.
    pub fn with_cost_limits(self, limits: CostLimits) -> Result<Self> {
        let own = match self.scheme {
            Scheme::Argon2id(params) => HashInfo::Argon2(Argon2Info {
                variant: Argon2Variant::Argon2id,
                version: 0x13,
                params,
            }),
            Scheme::Bcrypt { cost } => HashInfo::Bcrypt(BcryptInfo {
                prefix: BcryptPrefix::TwoB,
                cost,
            }),
        };
        limits.check(&own).map_err(|e| {
            Error::invalid_input(format!(
                "cost limits below the hasher's own parameters: {}",
                e.message()
            ))
        })?;
        Ok(Self { limits, ..self })
    }

    /// The most a stored hash may ask this hasher to spend.
    #[must_use]
    pub const fn cost_limits(&self) -> CostLimits {
        self.limits
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
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a malformed or unknown hash, a hash
    /// above the [`CostLimits`], or a password its scheme cannot take; a wrong password is
    /// `Ok(false)`.
    pub fn verify(&self, password: &[u8], hash: &str) -> Result<bool> {
        // Each scheme's verify checks the limits before it spends anything.
        match identify(hash)? {
            HashInfo::Argon2(_) => argon2id::verify_within(password, hash, &self.limits),
            HashInfo::Bcrypt(_) => bcrypt::verify_within(password, hash, self.limits.bcrypt_cost),
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
            "calibrate: max_m_cost must be between {} and {} KiB, got {max_m_cost}",
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
