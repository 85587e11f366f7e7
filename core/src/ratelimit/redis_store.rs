//! The Redis store: every decision is one atomic Lua script (EVALSHA, loaded once, NOSCRIPT
//! handled by reloading), one round trip, time from the server's clock. Keys are namespaced by a
//! prefix and expire with their state. Connections are pooled, opened with a timeout, and dropped
//! after any error so the next call reconnects (a restarted server is picked up again).

use super::{Decision, Decisions, Rate, Strategy};
use crate::{Error, Result};
use std::sync::Mutex;
use std::time::Duration;

pub use super::limiter::{DEFAULT_PREFIX, DEFAULT_TIMEOUT};
const POOL_MAX: usize = 16;

/// A rate-limit store shared through Redis by every process that uses the same server and prefix.
pub struct RedisStore {
    pool: RedisPool,
    prefix: String,
    script: redis::Script,
    refund_script: redis::Script,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("addr", &self.pool.addr())
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

pub(crate) fn backend(e: &redis::RedisError) -> Error {
    Error::backend(format!("redis: {e}"))
}

/// Pooled connections to one Redis server, opened with a timeout and dropped after any error so
/// the next call reconnects; shared by the rate limiter and the OTP replay guard.
pub(crate) struct RedisPool {
    client: redis::Client,
    pool: Mutex<Vec<redis::Connection>>,
    timeout: Duration,
}

impl RedisPool {
    /// A pool for `url`; nothing connects yet.
    pub(crate) fn open(url: &str, timeout: Duration) -> Result<Self> {
        if url.starts_with("rediss://") {
            return Err(Error::invalid_input(
                "rediss:// (TLS) is not supported by this build; use a TLS tunnel or redis://",
            ));
        }
        let client = redis::Client::open(url)
            .map_err(|e| Error::invalid_input(format!("bad Redis URL: {e}")))?;
        Ok(Self {
            client,
            pool: Mutex::new(Vec::new()),
            timeout,
        })
    }

    /// Where the pool points (never the password the URL may carry).
    pub(crate) fn addr(&self) -> String {
        self.client.get_connection_info().addr().to_string()
    }

    /// A pooled connection, or a new one.
    pub(crate) fn connection(&self) -> Result<redis::Connection> {
        if let Some(c) = self.pool.lock().ok().and_then(|mut p| p.pop()) {
            return Ok(c);
        }
        let con = self
            .client
            .get_connection_with_timeout(self.timeout)
            .map_err(|e| backend(&e))?;
        con.set_read_timeout(Some(self.timeout))
            .and_then(|()| con.set_write_timeout(Some(self.timeout)))
            .map_err(|e| backend(&e))?;
        Ok(con)
    }

    /// Returns a connection that worked to the pool.
    pub(crate) fn give_back(&self, con: redis::Connection) {
        if let Ok(mut pool) = self.pool.lock() {
            if pool.len() < POOL_MAX {
                pool.push(con);
            }
        }
    }

    /// Runs `script` on a pooled connection; a failed connection is dropped, not pooled.
    pub(crate) fn invoke<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T> {
        let mut con = self.connection()?;
        let reply = invocation.invoke(&mut con).map_err(|e| backend(&e))?;
        self.give_back(con);
        Ok(reply)
    }
}

impl RedisStore {
    /// A store on `url` (`redis://[:password@]host[:port][/db]`). Nothing is connected yet; the
    /// first decision connects.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidInput`] for a malformed URL or `rediss://` (TLS is not
    /// compiled in).
    pub fn open(url: &str, prefix: &str, timeout: Duration) -> Result<Self> {
        Ok(Self {
            pool: RedisPool::open(url, timeout)?,
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

    pub(super) fn key(&self, strategy: Strategy, rate: &Rate, key: &str) -> String {
        format!(
            "{}{}:{}:{}:{}",
            self.prefix,
            strategy.as_str(),
            rate.limit(),
            rate.period_us(),
            key
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
        let reply: Vec<i64> = self.pool.invoke(&invocation)?;
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
        let _: i64 = self.pool.invoke(&invocation)?;
        Ok(())
    }

    /// Forgets what `strategy` recorded for `key` under `rates` (one DEL).
    ///
    /// # Errors
    /// `Backend` when Redis fails.
    pub fn reset(&self, strategy: Strategy, key: &str, rates: &[Rate]) -> Result<()> {
        let keys: Vec<String> = rates.iter().map(|r| self.key(strategy, r, key)).collect();
        if keys.is_empty() {
            return Ok(());
        }
        let mut con = self.pool.connection()?;
        redis::cmd("DEL")
            .arg(keys)
            .query::<()>(&mut con)
            .map_err(|e| backend(&e))?;
        self.pool.give_back(con);
        Ok(())
    }
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
