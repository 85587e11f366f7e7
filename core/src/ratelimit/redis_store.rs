//! The Redis store: every decision is one atomic Lua script (EVALSHA, loaded once, NOSCRIPT
//! handled by reloading), one round trip, time from the server's clock. Keys are namespaced by a
//! prefix and expire with their state; every key of one decision carries the same hash tag
//! (`{strategy:key}`), so a Redis Cluster runs the script on one node. Topologies, TLS, the
//! deadline and the circuit breaker are [`crate::redis_backend`]'s.

use super::{Decision, Decisions, Rate, Strategy};
use crate::redis_backend::{Redis, RedisOptions};
use crate::{Error, Result};
use std::time::Duration;

pub use super::limiter::{DEFAULT_PREFIX, DEFAULT_TIMEOUT};

/// A rate-limit store shared through Redis by every process that uses the same server and prefix.
pub struct RedisStore {
    redis: Redis,
    prefix: String,
    script: redis::Script,
    refund_script: redis::Script,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("addr", &self.redis.addr())
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store on `url` (any topology [`crate::redis_backend`] reads: `redis://`, `rediss://`,
    /// `redis+cluster://`, `redis+sentinel://`). Nothing is connected yet; the first decision
    /// connects.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidInput`] for a malformed URL, an unknown option, an unreadable
    /// certificate file, or a prefix with `{` or `}` (it would move the keys' hash tag).
    pub fn open(
        url: &str,
        prefix: &str,
        timeout: Duration,
        options: &RedisOptions,
    ) -> Result<Self> {
        check_prefix(prefix)?;
        Ok(Self {
            redis: Redis::open(url, timeout, options)?,
            prefix: prefix.to_owned(),
            script: redis::Script::new(concat!(
                include_str!("redis_common.lua"),
                include_str!("redis_store.lua")
            )),
            refund_script: redis::Script::new(concat!(
                include_str!("redis_common.lua"),
                include_str!("redis_refund.lua")
            )),
        })
    }

    /// The part of every key of `key`'s decisions that holds the hash tag (what routes them).
    fn route(&self, strategy: Strategy, key: &str) -> String {
        format!("{}{{{}:{}}}", self.prefix, strategy.as_str(), key)
    }

    /// `PREFIX{strategy:key}:limit:period`: the hash tag is the same for every rate of a key.
    pub(super) fn key(&self, strategy: Strategy, rate: &Rate, key: &str) -> String {
        format!(
            "{}{{{}:{}}}:{}:{}",
            self.prefix,
            strategy.as_str(),
            key,
            rate.limit(),
            rate.period_us(),
        )
    }

    /// As [`super::memory::MemoryStore::apply`], with the server's clock. A failure to reach
    /// Redis is [`crate::ErrorKind::Backend`]; what to do then is the caller's policy.
    ///
    /// # Errors
    /// `InvalidInput` for no rates; `Backend` when Redis fails or is unreachable.
    pub fn apply(
        &self,
        strategy: Strategy,
        key: &str,
        rates: &[Rate],
        cost: u64,
        peek: bool,
    ) -> Result<Decisions> {
        if rates.is_empty() {
            return Err(Error::invalid_input("no rate given"));
        }
        let mut invocation = self.script.prepare_invoke();
        for r in rates {
            invocation.key(self.key(strategy, r, key));
        }
        invocation
            .arg(strategy.as_str())
            .arg(cost)
            .arg(if peek { "1" } else { "0" });
        for r in rates {
            invocation.arg(r.limit()).arg(r.period_us());
        }
        let reply: Vec<i64> = self.redis.invoke(&self.route(strategy, key), &invocation)?;
        decode_reply(&reply, rates)
    }

    /// As [`super::memory::MemoryStore::refund`], atomically in one round trip.
    ///
    /// # Errors
    /// `InvalidInput` for no rates; `Backend` when Redis fails.
    pub fn refund(&self, strategy: Strategy, key: &str, rates: &[Rate], cost: u64) -> Result<()> {
        if rates.is_empty() {
            return Err(Error::invalid_input("no rate given"));
        }
        let mut invocation = self.refund_script.prepare_invoke();
        for r in rates {
            invocation.key(self.key(strategy, r, key));
        }
        invocation.arg(strategy.as_str()).arg(cost);
        for r in rates {
            invocation.arg(r.limit()).arg(r.period_us());
        }
        let _: i64 = self.redis.invoke(&self.route(strategy, key), &invocation)?;
        Ok(())
    }

    /// Forgets what `strategy` recorded for `key` under `rates` (one DEL).
    ///
    /// # Errors
    /// `Backend` when Redis fails.
    pub fn reset(&self, strategy: Strategy, key: &str, rates: &[Rate]) -> Result<()> {
        let keys: Vec<String> = rates.iter().map(|r| self.key(strategy, r, key)).collect();
        if !keys.is_empty() {
            self.redis.del(&keys)?;
        }
        Ok(())
    }
}

/// A Redis key prefix must not hold `{` or `}`: the hash tag that keeps a decision's keys on one
/// cluster node starts right after it.
pub(crate) fn check_prefix(prefix: &str) -> Result<()> {
    if prefix.contains(['{', '}']) {
        return Err(Error::invalid_input(format!(
            "the Redis key prefix {prefix:?} must not contain '{{' or '}}' (Bulwark puts the \
             hash tag that keeps a decision on one cluster slot right after it)"
        )));
    }
    Ok(())
}

/// Turns the script's flat integer reply into decisions.
fn decode_reply(reply: &[i64], rates: &[Rate]) -> Result<Decisions> {
    let bad = || Error::backend("redis: unexpected reply from the rate-limit script");
    let (all, rest) = reply.split_first().ok_or_else(bad)?;
    if rest.len() != rates.len() * 5 {
        return Err(bad());
    }
    let all = *all == 1;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    rest.chunks(5)
        .zip(rates)
        .map(|(c, r)| {
            let [allowed, counted, uncounted, reset, retry] = *c else {
                return Err(bad());
            };
            let counts = all && allowed == 1;
            Ok(Decision {
                allowed: counts,
                limit: r.limit(),
                remaining: n(if counts { counted } else { uncounted }),
                reset_after_us: n(reset),
                retry_after_us: if retry < 0 { u64::MAX } else { n(retry) },
            })
        })
        .collect()
}
