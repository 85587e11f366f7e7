//! `ReplayGuard`: replay protection for services that would rather not store the last used step
//! themselves. It remembers, per account, the last step accepted, in memory (one process) or in
//! Redis (a fleet, through the same connection pool as the rate limiter); the first request to
//! use a code wins, atomically, and every code of that step or an earlier one is refused after.

use super::Totp;
#[cfg(feature = "redis")]
use crate::redis_backend::{Redis, RedisOptions};
use crate::{Error, ErrorKind, Result};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::Duration;

const SHARDS: usize = 16;

/// Options of a [`ReplayGuard`].
#[derive(Debug, Clone)]
pub struct ReplayGuardOptions {
    /// Redis key prefix (default `bulwark:otp:`).
    pub prefix: String,
    /// Redis deadline of one claim, connecting included (default 500 ms).
    pub timeout: Duration,
    /// Redis TLS files and circuit breaker (the topology comes from the storage URI).
    #[cfg(feature = "redis")]
    pub redis: RedisOptions,
    /// Accounts the memory store holds at most (default 1,048,576). When it is full of live
    /// records, new accounts are refused with a `Backend` error rather than forgetting a record
    /// (which would let a used code through).
    pub max_accounts: usize,
}

impl Default for ReplayGuardOptions {
    fn default() -> Self {
        Self {
            prefix: "bulwark:otp:".to_owned(),
            timeout: Duration::from_millis(500),
            #[cfg(feature = "redis")]
            redis: RedisOptions::default(),
            max_accounts: 1 << 20,
        }
    }
}

/// Per account: (last step used, Unix second the record expires), and when a full shard may
/// next sweep out expired records (at most once a second, so a full guard refuses new accounts
/// in constant time instead of rescanning the shard for each).
#[derive(Default)]
struct Records {
    map: HashMap<String, (u64, u64)>,
    next_sweep: u64,
}

enum Backing {
    Memory {
        shards: Box<[Mutex<Records>]>,
        per_shard: usize,
        hasher: std::collections::hash_map::RandomState,
    },
    #[cfg(feature = "redis")]
    Redis(Box<RedisBacking>),
}

#[cfg(feature = "redis")]
struct RedisBacking {
    redis: Redis,
    prefix: String,
    script: redis::Script,
}

/// Remembers the last accepted OTP step per account, in memory or in Redis. Thread-safe.
///
/// ```
/// use bulwark::otp::{ReplayGuard, Secret, Totp};
/// let guard = ReplayGuard::new("memory://", &Default::default())?; // "redis://…" for a fleet
/// let totp = Totp::new(&Secret::generate()?, Default::default())?;
/// let now = 1_700_000_000;
/// let code = totp.code_at(now)?;
/// assert!(guard.verify(&totp, "alice", &code, now, 1)?.is_some());      // first use wins
/// let again = guard.verify(&totp, "alice", &code, now + 5, 1).unwrap_err();
/// assert_eq!(again.kind(), bulwark::ErrorKind::Replayed);               // never twice
/// assert_eq!(guard.verify(&totp, "alice", "000000x", now, 1)?, None);  // wrong: an answer
/// # Ok::<(), bulwark::Error>(())
/// ```
pub struct ReplayGuard {
    backing: Backing,
}

impl std::fmt::Debug for ReplayGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.backing {
            Backing::Memory { .. } => "memory".to_owned(),
            #[cfg(feature = "redis")]
            Backing::Redis(r) => r.redis.addr().to_owned(),
        };
        f.debug_struct("ReplayGuard")
            .field("store", &kind)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "redis")]
/// The Redis side of `claim`: store the step if it is later than the stored one (compared as
/// decimal strings, exact for every u64), with an expiry, atomically.
const CLAIM_SCRIPT: &str = r"
local s, last = ARGV[1], redis.call('GET', KEYS[1])
if last and (#last > #s or (#last == #s and last >= s)) then return 0 end
redis.call('SET', KEYS[1], s, 'PX', ARGV[2])
return 1
";

impl ReplayGuard {
    /// A guard on `storage`: `memory://`, or Redis in any topology (`redis://host:port/db`,
    /// `rediss://…`, `redis+cluster://…`, `redis+sentinel://…/service`).
    ///
    /// # Errors
    /// `InvalidInput` for another scheme, a malformed Redis URI or option, an unreadable
    /// certificate file, or a prefix with `{` or `}`.
    pub fn new(storage: &str, options: &ReplayGuardOptions) -> Result<Self> {
        let backing = match crate::storage::open(
            storage,
            "replay-guard",
            &options.prefix,
            options.timeout,
            #[cfg(feature = "redis")]
            &options.redis,
        )? {
            crate::storage::Storage::Memory => {
                let per_shard = options.max_accounts.div_ceil(SHARDS).max(1);
                Backing::Memory {
                    shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
                    per_shard,
                    hasher: std::collections::hash_map::RandomState::new(),
                }
            }
            #[cfg(feature = "redis")]
            crate::storage::Storage::Redis(redis) => Backing::Redis(Box::new(RedisBacking {
                redis: *redis,
                prefix: options.prefix.clone(),
                script: redis::Script::new(CLAIM_SCRIPT),
            })),
        };
        Ok(Self { backing })
    }

    /// Records `step` as used for `account` if it is later than the last step recorded, keeping
    /// the record `ttl` (after which no code of that step can verify anyway). Returns whether it
    /// was recorded: false means the step, or a later one, was already used.
    ///
    /// # Errors
    /// `InvalidInput` for an empty account; `Backend` when Redis fails or the memory store is
    /// full of live records.
    pub fn claim(&self, account: &str, step: u64, ttl: Duration, now_secs: u64) -> Result<bool> {
        if account.is_empty() {
            return Err(Error::invalid_input("the replay-guard account is empty"));
        }
        match &self.backing {
            Backing::Memory {
                shards,
                per_shard,
                hasher,
            } => {
                let i = usize::try_from(hasher.hash_one(account) % SHARDS as u64).unwrap_or(0);
                let mut records = shards
                    .get(i)
                    .ok_or_else(|| Error::internal("replay shard out of range"))?
                    .lock()
                    // A panic elsewhere must not turn every later code into an error.
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let expires = now_secs.saturating_add(ttl.as_secs().max(1));
                if let Some((last, until)) = records.map.get_mut(account) {
                    if *until > now_secs && *last >= step {
                        return Ok(false);
                    }
                    *last = step;
                    *until = expires;
                    return Ok(true);
                }
                if records.map.len() >= *per_shard {
                    if now_secs >= records.next_sweep {
                        records.map.retain(|_, (_, until)| *until > now_secs);
                        records.next_sweep = now_secs.saturating_add(1);
                    }
                    if records.map.len() >= *per_shard {
                        return Err(Error::backend(
                            "the replay guard is full of live records; refusing rather than \
                             forgetting one",
                        ));
                    }
                }
                records.map.insert(account.to_owned(), (step, expires));
                Ok(true)
            }
            #[cfg(feature = "redis")]
            Backing::Redis(r) => {
                let mut invocation = r.script.prepare_invoke();
                let key = format!("{}{account}", r.prefix);
                invocation
                    .key(&key)
                    .arg(step.to_string())
                    .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
                let stored: i64 = r.redis.invoke(&key, &invocation)?;
                Ok(stored == 1)
            }
        }
    }

    /// As [`ReplayGuard::verify`], now (system clock).
    ///
    /// # Errors
    /// As [`ReplayGuard::verify`].
    pub fn verify_now(
        &self,
        totp: &Totp,
        account: &str,
        code: &str,
        window: u64,
    ) -> Result<Option<u64>> {
        self.verify(totp, account, code, super::unix_now(), window)
    }

    /// Verifies `code` for `account` at Unix time `time` within `window` steps and records the
    /// matched step: the first request to use a code wins; the same code again, or any code of
    /// that step or an earlier one, is [`ErrorKind::Replayed`]. Returns the matched step, or
    /// `None` for a wrong code (nothing is recorded then).
    ///
    /// # Errors
    /// `Replayed` for a used code, `Backend` when the store fails (fail closed), `InvalidInput`
    /// as for [`Totp::verify`].
    pub fn verify(
        &self,
        totp: &Totp,
        account: &str,
        code: &str,
        time: u64,
        window: u64,
    ) -> Result<Option<u64>> {
        let Some(step) = totp.verify(code, time, window)? else {
            return Ok(None);
        };
        // Codes of steps up to `step` stay acceptable until `step + window` has passed.
        let live_steps = window.saturating_mul(2).saturating_add(2);
        let ttl = Duration::from_secs(live_steps.saturating_mul(totp.period()));
        if self.claim(account, step, ttl, time)? {
            Ok(Some(step))
        } else {
            Err(Error::new(
                ErrorKind::Replayed,
                "the code was already used (or is older than the last one used)",
            ))
        }
    }
}
