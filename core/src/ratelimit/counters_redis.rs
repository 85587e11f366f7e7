//! [`Counters`] on Redis, shared by every process that uses the same server and prefix.
//!
//! A counter is a Redis string at `PREFIX:key` (the layout `limits`' Redis storage uses, so a
//! fixed window is shared with it). A moving-window log is a list at `PREFIX:{key}:moving` of
//! `at_us:units` entries, newest first, with its total at `PREFIX:{key}:moving:total` (a hit
//! drops only the entries that aged out, never walks the log); a sliding window is a hash at
//! `PREFIX:{key}:sliding`. Needs Redis 6.0 or later.
//! Time comes from the server (`TIME`), so every process agrees on windows.
//!
//! A hit is one script that records it and reports the count it made; the decision is made here
//! from that count, by the same rule as the memory store ([`SlidingWindow::admits`], `used +
//! amount <= limit`), and a refused hit is taken back by a second script. A hit that was
//! allowed is never taken back, so a limit is never exceeded, and concurrent hits of equal cost
//! fill it exactly (a refused hit's units are visible to others only until they are taken back,
//! and only while the limit is already full).

use super::counters::{Counters, SlidingWindow};
use super::{Clock, SystemClock};
use crate::redis_backend::{Redis, RedisOptions};
use crate::{Error, Result};
use std::time::Duration;

/// `limits`' default key prefix (`LIMITS:`).
pub const DEFAULT_COUNTERS_PREFIX: &str = "LIMITS";

const NOW: &str =
    "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n";

/// KEYS[1] counter; ARGV expiry_ms, amount.
const INCR: &str = "local v = redis.call('INCRBY', KEYS[1], ARGV[2])
if v == tonumber(ARGV[2]) or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return v";

/// Drops the entries of the log KEYS[1] (newest first) that left the window ARGV[1] and takes
/// them off its total KEYS[2]; leaves `since` and `total` set. O(entries dropped).
const MOVING_TRIM: &str = "local since = now - tonumber(ARGV[1])
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
local trimmed = false
while true do
  local e = redis.call('LINDEX', KEYS[1], -1)
  if not e then total = 0 break end
  local sep = string.find(e, ':', 1, true)
  if tonumber(string.sub(e, 1, sep - 1)) > since then break end
  redis.call('RPOP', KEYS[1])
  trimmed = true
  total = total - tonumber(string.sub(e, sep + 1))
end
if total < 0 then total = 0 end
";

/// KEYS[1] log, KEYS[2] its total; ARGV expiry_us, amount. Records the hit and returns the
/// units now in the window (this hit included) and the entry written.
const MOVING_ACQUIRE: &str = "local entry = string.format('%d:%d', now, tonumber(ARGV[2]))
redis.call('LPUSH', KEYS[1], entry)
total = total + tonumber(ARGV[2])
local ms = math.ceil(tonumber(ARGV[1]) / 1000)
redis.call('SET', KEYS[2], string.format('%d', total), 'PX', ms)
redis.call('PEXPIRE', KEYS[1], ms)
return {total, entry}";

/// KEYS[1] log, KEYS[2] its total; ARGV expiry_us. `{oldest at, units, now}` in the window.
const MOVING_WINDOW: &str = "local last = redis.call('LINDEX', KEYS[1], -1)
local oldest = now
if last then oldest = tonumber(string.sub(last, 1, string.find(last, ':', 1, true) - 1)) end
if trimmed then
  if total == 0 then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], string.format('%d', total), 'KEEPTTL') end
end
return {string.format('%d', oldest), total, string.format('%d', now)}";

/// KEYS[1] log, KEYS[2] its total; ARGV entry, amount: takes back a refused hit.
const MOVING_UNDO: &str = "if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  local total = redis.call('DECRBY', KEYS[2], ARGV[2])
  if total <= 0 then redis.call('DEL', KEYS[2]) end
end
return 1";

/// KEYS[1] sliding hash; ARGV period_us, amount (0 to read only). Shifts the windows to now,
/// adds `amount` to the current one and returns `{previous, current, now}`.
const SLIDING: &str = "local p = tonumber(ARGV[1])
local w = math.floor(now / p)
local h = redis.call('HMGET', KEYS[1], 'i', 'c', 'p', 'e')
local i, c, prev, e = tonumber(h[1]), tonumber(h[2]) or 0, tonumber(h[3]) or 0, tonumber(h[4])
if e ~= p then i = nil end
if i == w then
elseif i == w - 1 then prev = c c = 0
else prev = 0 c = 0 end
local amount = tonumber(ARGV[2])
if amount > 0 then
  c = c + amount
  redis.call('HSET', KEYS[1], 'i', string.format('%d', w), 'c', c, 'p', prev, 'e', ARGV[1])
  redis.call('PEXPIREAT', KEYS[1], math.ceil((w + 2) * p / 1000))
end
return {prev, c, string.format('%d', now)}";

/// KEYS[1] sliding hash; ARGV window index, amount: takes back a refused hit.
const SLIDING_UNDO: &str = "local h = redis.call('HMGET', KEYS[1], 'i', 'c')
if h[1] == ARGV[1] and tonumber(h[2]) then
  redis.call('HSET', KEYS[1], 'c', math.max(0, tonumber(h[2]) - tonumber(ARGV[2])))
end
return 1";

/// [`Counters`] on one Redis server.
pub struct RedisCounters {
    redis: Redis,
    prefix: String,
    incr: redis::Script,
    moving_acquire: redis::Script,
    moving_window: redis::Script,
    moving_undo: redis::Script,
    sliding: redis::Script,
    sliding_undo: redis::Script,
}

impl std::fmt::Debug for RedisCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCounters")
            .field("addr", &self.redis.addr())
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn ms_ceil(us: u64) -> u64 {
    us.div_ceil(1000).max(1)
}

fn int(text: &str) -> Result<u64> {
    text.parse()
        .map_err(|_| Error::backend(format!("redis: unexpected reply {text:?}")))
}

impl RedisCounters {
    /// Counters on `url` under `prefix` (`LIMITS` as `limits`). Nothing connects yet.
    ///
    /// # Errors
    /// `InvalidInput` for a malformed URL.
    pub fn open(
        url: &str,
        prefix: &str,
        timeout: Duration,
        options: &RedisOptions,
    ) -> Result<Self> {
        let with_now = |body: &str| redis::Script::new(&format!("{NOW}{body}"));
        Ok(Self {
            redis: Redis::open(url, timeout, options)?,
            prefix: prefix.to_owned(),
            incr: redis::Script::new(INCR),
            moving_acquire: with_now(&format!("{MOVING_TRIM}{MOVING_ACQUIRE}")),
            moving_window: with_now(&format!("{MOVING_TRIM}{MOVING_WINDOW}")),
            moving_undo: redis::Script::new(MOVING_UNDO),
            sliding: with_now(SLIDING),
            sliding_undo: redis::Script::new(SLIDING_UNDO),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    fn moving_key(&self, key: &str) -> String {
        format!("{}:{{{key}}}:moving", self.prefix)
    }

    fn moving_total_key(&self, key: &str) -> String {
        format!("{}:{{{key}}}:moving:total", self.prefix)
    }

    fn sliding_key(&self, key: &str) -> String {
        format!("{}:{{{key}}}:sliding", self.prefix)
    }

    fn sliding_call(&self, key: &str, period_us: u64, amount: u64) -> Result<(u64, u64, u64)> {
        let sliding_key = self.sliding_key(key);
        let (previous, current, now): (u64, u64, String) = self.redis.invoke(
            &sliding_key,
            self.sliding.key(&sliding_key).arg(period_us).arg(amount),
        )?;
        Ok((previous, current, int(&now)?))
    }
}

impl Counters for RedisCounters {
    fn now_us(&self) -> u64 {
        SystemClock.now_us()
    }

    fn incr(&self, key: &str, expiry_us: u64, amount: u64) -> Result<u64> {
        let key = self.key(key);
        self.redis.invoke(
            &key,
            self.incr.key(&key).arg(ms_ceil(expiry_us)).arg(amount),
        )
    }

    fn get(&self, key: &str) -> Result<u64> {
        let key = self.key(key);
        let v: Option<u64> = self.redis.query(&key, redis::cmd("GET").arg(&key))?;
        Ok(v.unwrap_or(0))
    }

    fn get_expiry(&self, key: &str) -> Result<u64> {
        let key = self.key(key);
        let ttl_ms: i64 = self.redis.query(&key, redis::cmd("PTTL").arg(&key))?;
        let now = self.now_us();
        Ok(u64::try_from(ttl_ms).map_or(now, |ms| now.saturating_add(ms.saturating_mul(1000))))
    }

    fn clear(&self, key: &str) -> Result<()> {
        self.redis.del(&[
            self.key(key),
            self.moving_key(key),
            self.moving_total_key(key),
        ])?;
        Ok(())
    }

    fn reset(&self) -> Result<u64> {
        let pattern = format!(
            "{}:*",
            self.prefix.replace(['*', '?', '[', ']', '\\'], "\\$0")
        );
        self.redis.delete_matching(&pattern)
    }

    fn check(&self) -> bool {
        self.redis.ping()
    }

    fn acquire_entry(&self, key: &str, limit: u64, expiry_us: u64, amount: u64) -> Result<bool> {
        if amount > limit {
            return Ok(false);
        }
        let (log, total) = (self.moving_key(key), self.moving_total_key(key));
        let (used, entry): (u64, String) = self.redis.invoke(
            &log,
            self.moving_acquire
                .key(&log)
                .key(&total)
                .arg(expiry_us)
                .arg(amount),
        )?;
        if used <= limit {
            return Ok(true);
        }
        // Refused: take this hit's entry back (an equal entry is the same hit as far as any
        // count goes).
        let _: u64 = self.redis.invoke(
            &log,
            self.moving_undo
                .key(&log)
                .key(&total)
                .arg(entry)
                .arg(amount),
        )?;
        Ok(false)
    }

    fn moving_window(&self, key: &str, _limit: u64, expiry_us: u64) -> Result<(u64, u64)> {
        let log = self.moving_key(key);
        let (oldest, used, _now): (String, u64, String) = self.redis.invoke(
            &log,
            self.moving_window
                .key(&log)
                .key(self.moving_total_key(key))
                .arg(expiry_us),
        )?;
        Ok((int(&oldest)?, used))
    }

    fn acquire_sliding(&self, key: &str, limit: u64, expiry_us: u64, amount: u64) -> Result<bool> {
        if amount > limit || expiry_us == 0 {
            return Ok(false);
        }
        let (previous, current, now) = self.sliding_call(key, expiry_us, amount)?;
        // The count before this hit, plus it: the same rule as the memory store.
        let before = SlidingWindow::at(now, expiry_us, previous, current.saturating_sub(amount));
        if before.admits(expiry_us, limit, amount) {
            return Ok(true);
        }
        let sliding_key = self.sliding_key(key);
        let _: u64 = self.redis.invoke(
            &sliding_key,
            self.sliding_undo
                .key(&sliding_key)
                .arg(now / expiry_us)
                .arg(amount),
        )?;
        Ok(false)
    }

    fn sliding_window(&self, key: &str, expiry_us: u64) -> Result<SlidingWindow> {
        if expiry_us == 0 {
            return Ok(SlidingWindow::default());
        }
        let (previous, current, now) = self.sliding_call(key, expiry_us, 0)?;
        Ok(SlidingWindow::at(now, expiry_us, previous, current))
    }

    fn clear_sliding(&self, key: &str, _expiry_us: u64) -> Result<()> {
        self.redis.del(&[self.sliding_key(key)])?;
        Ok(())
    }
}
