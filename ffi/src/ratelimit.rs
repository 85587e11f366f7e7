//! C door for rate limiting: a `bw_limiter` handle over `memory://` or `redis://` storage.

use crate::guard::{
    check_sized_out, ffi_guard, opt_ref, out, read_sized, text, write_sized, write_text,
};
use crate::result::{bw_result, Failure};
use bulwark::ratelimit::limiter::{
    headers_for, Limiter, LimiterOptions, OnBackendFailure, Outcome,
};
use bulwark::ratelimit::{parse, Clock, Rate, Strategy, SystemClock};
use std::ffi::c_char;
use std::time::Duration;

/// Strategy: fixed window.
pub const BW_RL_FIXED_WINDOW: u32 = 1;
/// Strategy: sliding-window counter (the previous window weighted).
pub const BW_RL_SLIDING_WINDOW: u32 = 2;
/// Strategy: exact moving window (a log of hits).
pub const BW_RL_MOVING_WINDOW: u32 = 3;
/// Strategy: GCRA token bucket (burst of the limit, even refill).
pub const BW_RL_GCRA: u32 = 4;

/// When Redis is unreachable: deny (the default).
pub const BW_RL_FAIL_CLOSED: u32 = 0;
/// When Redis is unreachable: allow.
pub const BW_RL_FAIL_OPEN: u32 = 1;
/// When Redis is unreachable: decide with a bounded in-process limiter until it answers again.
pub const BW_RL_FAIL_LOCAL: u32 = 2;

/// Options of `bw_limiter_new`: set `size` and zero the rest for the defaults
/// (`bw_limiter_options o = { sizeof o };`). NULL means the defaults.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bw_limiter_options {
    /// `sizeof(bw_limiter_options)` as the caller's header declares it (fields may be added at
    /// the end).
    pub size: usize,
    /// `BW_RL_FAIL_CLOSED` (0, default), `BW_RL_FAIL_OPEN` or `BW_RL_FAIL_LOCAL`.
    pub on_backend_failure: u32,
    /// Redis key prefix; empty means `bulwark:rl:`.
    pub prefix: *const c_char,
    /// Length of `prefix`.
    pub prefix_len: usize,
    /// Deadline of one Redis decision in milliseconds (connecting and redirects included); 0
    /// means 500.
    pub timeout_ms: u32,
    /// Bound on keys of the memory store (and the local fallback); 0 means 1048576.
    pub max_keys: usize,
    /// Under `BW_RL_FAIL_LOCAL`, the share of each limit this process admits on its own while
    /// Redis is unreachable, in (0, 1]; 0 means 1 (the whole limit).
    pub local_share: f64,
    /// Answer keys Redis denied locally until their retry-after, without a round trip.
    pub deny_cache: bool,
    /// TLS files and circuit breaker of the Redis store (NULL: the defaults).
    pub redis: *const crate::redis_backend::bw_redis_options,
}

/// One decision. `backend_error` is `BW_OK`, or `BW_ERR_BACKEND` when Redis failed and the
/// failure policy decided (the detail is in `bw_last_error_message`). Set `size` before the
/// call that fills it: `bw_decision d = { sizeof d };`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct bw_decision {
    /// `sizeof(bw_decision)` as the caller's header declares it (fields may be added at the end).
    pub size: usize,
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The binding rate's limit.
    pub limit: u64,
    /// Units left under the binding rate.
    pub remaining: u64,
    /// Microseconds until the binding rate is fully available again.
    pub reset_after_us: u64,
    /// Microseconds until a denied request could succeed; `UINT64_MAX` if never (cost > limit).
    pub retry_after_us: u64,
    /// `BW_OK`, or `BW_ERR_BACKEND` when the failure policy decided.
    pub backend_error: u32,
    /// Which of the limiter's rates decided (0-based, in the order of the rate string).
    pub rate_index: u32,
}

/// A rate limiter (opaque) with its rates. Safe to share between threads: every call on one
/// handle may run concurrently. Free with `bw_limiter_free`.
#[allow(non_camel_case_types)]
pub struct bw_limiter {
    limiter: Limiter,
    rates: Vec<Rate>,
}

fn strategy(code: u32) -> Result<Strategy, Failure> {
    match code {
        BW_RL_FIXED_WINDOW => Ok(Strategy::FixedWindow),
        BW_RL_SLIDING_WINDOW => Ok(Strategy::SlidingWindow),
        BW_RL_MOVING_WINDOW => Ok(Strategy::MovingWindow),
        BW_RL_GCRA => Ok(Strategy::Gcra),
        other => Err(bulwark::Error::invalid_input(format!(
            "unknown strategy {other} (BW_RL_FIXED_WINDOW .. BW_RL_GCRA)"
        ))
        .into()),
    }
}

fn options_from(o: Option<&bw_limiter_options>) -> Result<LimiterOptions, Failure> {
    let mut options = LimiterOptions::default();
    let Some(o) = o else {
        return Ok(options);
    };
    options.on_backend_failure = match o.on_backend_failure {
        BW_RL_FAIL_CLOSED => OnBackendFailure::Deny,
        BW_RL_FAIL_OPEN => OnBackendFailure::Allow,
        BW_RL_FAIL_LOCAL => OnBackendFailure::Local,
        other => {
            return Err(bulwark::Error::invalid_input(format!(
                "unknown on_backend_failure {other}"
            ))
            .into())
        }
    };
    // SAFETY: the caller guarantees (prefix, prefix_len).
    let prefix = unsafe { text(o.prefix, o.prefix_len, "prefix") }?;
    if !prefix.is_empty() {
        prefix.clone_into(&mut options.prefix);
    }
    if o.timeout_ms > 0 {
        options.timeout = Duration::from_millis(u64::from(o.timeout_ms));
    }
    if o.max_keys > 0 {
        options.max_keys = o.max_keys;
    }
    if o.local_share != 0.0 {
        options.local_share = o.local_share;
    }
    options.deny_cache = o.deny_cache;
    // SAFETY: the caller guarantees `redis` is NULL or a valid sized struct.
    let redis = unsafe { read_sized(o.redis, "redis") }?;
    options.redis = crate::redis_backend::redis_options_from(redis.as_ref())?;
    Ok(options)
}

/// Creates a limiter on `storage_uri` (`memory://`, `memory://?max_keys=N`,
/// `redis://[:password@]host:port/db`, `rediss://…` (TLS), `redis+cluster://host:port,host:port`,
/// `redis+sentinel://host:port,…/service`) with `strategy` (`BW_RL_*`) and `rates` (`"10/second"`,
/// `"100 per minute; 1000/day"`). `options` may be NULL for the defaults. Malformed URIs, rates,
/// strategies or options (an unreadable certificate file too) are `BW_ERR_INVALID_INPUT` with
/// the offending part in the message. Nothing connects yet: Redis is reached on the first hit,
/// and each hit costs at most `timeout_ms` whatever happens on the network.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_limiter_new(
    storage_uri: *const c_char,
    storage_uri_len: usize,
    strategy_code: u32,
    rates: *const c_char,
    rates_len: usize,
    options: *const bw_limiter_options,
    out_limiter: *mut *mut bw_limiter,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each (ptr, len) pair and the options pointer.
        let (uri, rates, o) = unsafe {
            (
                text(storage_uri, storage_uri_len, "storage_uri")?,
                text(rates, rates_len, "rates")?,
                read_sized(options, "options")?,
            )
        };
        // SAFETY: the caller guarantees out_limiter is NULL or valid for a write.
        let slot = unsafe { out(out_limiter, "out_limiter") }?;
        let rates = parse(rates)?;
        let limiter = Limiter::new(uri, strategy(strategy_code)?, &options_from(o.as_ref())?)?;
        *slot = Box::into_raw(Box::new(bw_limiter { limiter, rates }));
        Ok(())
    })
}

crate::guard::sized_struct! {
    bw_limiter_options => bw_limiter_options {
        size: 0,
        on_backend_failure: 0,
        prefix: std::ptr::null(),
        prefix_len: 0,
        timeout_ms: 0,
        max_keys: 0,
        local_share: 0.0,
        deny_cache: false,
        redis: std::ptr::null(),
    };
    bw_decision => bw_decision::default();
}

/// # Safety
/// `out_decision` must be valid for the size it declares (checked non-NULL before the decision).
unsafe fn write_decision(o: &Outcome, out_decision: *mut bw_decision) -> Result<(), Failure> {
    let d = o.decision;
    let decision = bw_decision {
        size: std::mem::size_of::<bw_decision>(),
        allowed: d.allowed,
        limit: d.limit,
        remaining: d.remaining,
        reset_after_us: d.reset_after_us,
        retry_after_us: d.retry_after_us,
        backend_error: match &o.backend_error {
            None => bw_result::BW_OK as u32,
            Some(e) => {
                crate::result::set_last_error(e.message());
                bw_result::BW_ERR_BACKEND as u32
            }
        },
        rate_index: u32::try_from(o.binding).unwrap_or(u32::MAX),
    };
    // SAFETY: forwarded caller guarantee.
    unsafe { write_sized(out_decision, decision, "out_decision") }
}

/// # Safety
/// As `bw_limiter_hit`.
unsafe fn decide(
    limiter: *const bw_limiter,
    key: *const c_char,
    key_len: usize,
    cost: u64,
    out_decision: *mut bw_decision,
    peek: bool,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantees.
    let l = unsafe { opt_ref(limiter) }.ok_or_else(|| Failure::null("limiter"))?;
    // SAFETY: forwarded caller guarantees.
    let key = unsafe { text(key, key_len, "key") }?;
    // SAFETY: forwarded caller guarantees; checked before the hit counts anything.
    unsafe { check_sized_out(out_decision, "out_decision") }?;
    let outcome = if peek {
        l.limiter.test(key, &l.rates, cost)?
    } else {
        l.limiter.hit(key, &l.rates, cost)?
    };
    // SAFETY: forwarded caller guarantees.
    unsafe { write_decision(&outcome, out_decision) }
}

/// Counts a request of `cost` for `key` if every rate allows it and writes the decision. Returns
/// `BW_OK` whether allowed or denied (read `out_decision->allowed`); when Redis failed, the
/// failure policy decided and `out_decision->backend_error` is `BW_ERR_BACKEND`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_limiter_hit(
    limiter: *const bw_limiter,
    key: *const c_char,
    key_len: usize,
    cost: u64,
    out_decision: *mut bw_decision,
) -> bw_result {
    ffi_guard!({
        // SAFETY: forwarded caller guarantees.
        unsafe { decide(limiter, key, key_len, cost, out_decision, false) }
    })
}

/// As `bw_limiter_hit`, without counting (a peek). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_limiter_test(
    limiter: *const bw_limiter,
    key: *const c_char,
    key_len: usize,
    cost: u64,
    out_decision: *mut bw_decision,
) -> bw_result {
    ffi_guard!({
        // SAFETY: forwarded caller guarantees.
        unsafe { decide(limiter, key, key_len, cost, out_decision, true) }
    })
}

/// Forgets the counts of `key`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_limiter_reset(
    limiter: *const bw_limiter,
    key: *const c_char,
    key_len: usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees limiter and (key, key_len).
        let (l, key) = unsafe {
            (
                opt_ref(limiter).ok_or_else(|| Failure::null("limiter"))?,
                text(key, key_len, "key")?,
            )
        };
        l.limiter.reset(key, &l.rates)?;
        Ok(())
    })
}

/// Gives back `cost` units that an earlier `bw_limiter_hit` of `key` counted: reserve with a
/// hit before the work, refund when it turns out not to count (a login that succeeded, under a
/// limit on failures), so concurrent requests can never all pass one remaining unit. Gives back
/// at most what the current window still counts. `BW_ERR_BACKEND` when Redis fails (unless the
/// limiter falls back locally). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_limiter_refund(
    limiter: *const bw_limiter,
    key: *const c_char,
    key_len: usize,
    cost: u64,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees limiter and (key, key_len).
        let (l, key) = unsafe {
            (
                opt_ref(limiter).ok_or_else(|| Failure::null("limiter"))?,
                text(key, key_len, "key")?,
            )
        };
        l.limiter.refund(key, &l.rates, cost)?;
        Ok(())
    })
}

/// Writes the response headers for a decision of this limiter as `Name: value\r\n` lines
/// (`X-RateLimit-Limit`, `-Remaining`, `-Reset` as Unix time, `Retry-After` when denied, and the
/// IETF `RateLimit` / `RateLimit-Policy` fields). Text buffer contract as `bw_token_urlsafe`.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_limiter_headers(
    limiter: *const bw_limiter,
    decision: *const bw_decision,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees both pointers are NULL or valid for reads.
        let (l, d) = unsafe {
            (
                opt_ref(limiter).ok_or_else(|| Failure::null("limiter"))?,
                read_sized(decision, "decision")?.ok_or_else(|| Failure::null("decision"))?,
            )
        };
        let binding = bulwark::ratelimit::Decision {
            allowed: d.allowed,
            limit: d.limit,
            remaining: d.remaining,
            reset_after_us: d.reset_after_us,
            retry_after_us: d.retry_after_us,
        };
        let lines: String = headers_for(
            &binding,
            usize::try_from(d.rate_index).unwrap_or(0),
            &l.rates,
            SystemClock.now_us(),
        )
        .into_iter()
        .map(|(n, v)| format!("{n}: {v}\r\n"))
        .collect();
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(&lines, buf, cap, out_len) }
    })
}

/// Frees a limiter; NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_limiter_free(limiter: *mut bw_limiter) -> bw_result {
    ffi_guard!({
        if !limiter.is_null() {
            // SAFETY: the caller guarantees it came from bw_limiter_new and is freed once.
            drop(unsafe { Box::from_raw(limiter) });
        }
        Ok(())
    })
}

// ------------------------------------------------------------------ limits' storage model

use bulwark::ratelimit::counters::{self, Counters, CountersOptions, LimitsStrategy};

/// `limits` strategy: a counter per window that opens at the first hit (a refused hit counts).
pub const BW_LIMITS_FIXED_WINDOW: u32 = 1;
/// `limits` strategy: an exact log of the last period's hits.
pub const BW_LIMITS_MOVING_WINDOW: u32 = 2;
/// `limits` strategy: the previous window weighted by its overlap (rounded down), plus the current.
pub const BW_LIMITS_SLIDING_WINDOW_COUNTER: u32 = 3;

/// Counters in `limits`' storage model, addressed by the caller's own keys (the keys Python's
/// `limits`-shaped classes build, `LIMITER/alice/10/1/minute`), shared with Python code that
/// uses the same Redis server and prefix. Thread-safe. Free with `bw_counters_free`.
#[allow(non_camel_case_types)]
pub struct bw_counters {
    inner: std::sync::Arc<dyn Counters>,
}

fn limits_strategy(code: u32) -> Result<LimitsStrategy, Failure> {
    match code {
        BW_LIMITS_FIXED_WINDOW => Ok(LimitsStrategy::FixedWindow),
        BW_LIMITS_MOVING_WINDOW => Ok(LimitsStrategy::MovingWindow),
        BW_LIMITS_SLIDING_WINDOW_COUNTER => Ok(LimitsStrategy::SlidingWindowCounter),
        other => Err(bulwark::Error::invalid_input(format!(
            "unknown strategy {other} (BW_LIMITS_FIXED_WINDOW .. BW_LIMITS_SLIDING_WINDOW_COUNTER)"
        ))
        .into()),
    }
}

/// Opens counters on `storage_uri` (`memory://` or `redis://[:password@]host:port/db`). `prefix`
/// (may be empty: `LIMITS`, as Python's `limits`) namespaces Redis keys; `timeout_ms` 0 means
/// 500; `max_keys` 0 means 1048576 (memory). Nothing connects yet.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_counters_new(
    storage_uri: *const c_char,
    storage_uri_len: usize,
    prefix: *const c_char,
    prefix_len: usize,
    timeout_ms: u32,
    max_keys: usize,
    out_counters: *mut *mut bw_counters,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each (ptr, len) pair.
        let (uri, prefix) = unsafe {
            (
                text(storage_uri, storage_uri_len, "storage_uri")?,
                text(prefix, prefix_len, "prefix")?,
            )
        };
        // SAFETY: the caller guarantees out_counters is NULL or valid for a write.
        let slot = unsafe { out(out_counters, "out_counters") }?;
        let mut options = CountersOptions::default();
        if !prefix.is_empty() {
            prefix.clone_into(&mut options.prefix);
        }
        if timeout_ms > 0 {
            options.timeout = Duration::from_millis(u64::from(timeout_ms));
        }
        if max_keys > 0 {
            options.max_keys = max_keys;
        }
        let inner = counters::open(uri, &options)?;
        *slot = Box::into_raw(Box::new(bw_counters { inner }));
        Ok(())
    })
}

/// # Safety
/// As `bw_counters_hit`.
unsafe fn counters_and_key<'a>(
    c: *const bw_counters,
    key: *const c_char,
    key_len: usize,
    period_us: u64,
) -> Result<(&'a bw_counters, &'a str), Failure> {
    // SAFETY: forwarded caller guarantees.
    let c = unsafe { opt_ref(c) }.ok_or_else(|| Failure::null("counters"))?;
    // SAFETY: forwarded caller guarantees.
    let key = unsafe { text(key, key_len, "key") }?;
    if period_us == 0 {
        return Err(bulwark::Error::invalid_input("period_us must be at least 1").into());
    }
    Ok((c, key))
}

/// # Safety
/// As `bw_counters_hit`.
#[allow(clippy::too_many_arguments)]
unsafe fn counters_decide(
    counters: *const bw_counters,
    strategy: u32,
    key: *const c_char,
    key_len: usize,
    limit: u64,
    period_us: u64,
    cost: u64,
    out_allowed: *mut bool,
    peek: bool,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantees.
    let (c, key) = unsafe { counters_and_key(counters, key, key_len, period_us) }?;
    // SAFETY: the caller guarantees out_allowed is NULL or valid for a write.
    let slot = unsafe { out(out_allowed, "out_allowed") }?;
    let strategy = limits_strategy(strategy)?;
    *slot = if peek {
        strategy.test(&*c.inner, key, limit, period_us, cost)?
    } else {
        strategy.hit(&*c.inner, key, limit, period_us, cost)?
    };
    Ok(())
}

/// Consumes `cost` of `limit` per `period_us` microseconds for `key` by `strategy`
/// (`BW_LIMITS_*`); `*out_allowed` is false when that would exceed it. Returns `BW_OK` either
/// way; `BW_ERR_BACKEND` when Redis fails (nothing is decided then).
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_counters_hit(
    counters: *const bw_counters,
    strategy: u32,
    key: *const c_char,
    key_len: usize,
    limit: u64,
    period_us: u64,
    cost: u64,
    out_allowed: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: forwarded caller guarantees.
        unsafe {
            counters_decide(
                counters,
                strategy,
                key,
                key_len,
                limit,
                period_us,
                cost,
                out_allowed,
                false,
            )
        }
    })
}

/// As `bw_counters_hit`, without consuming anything.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_counters_test(
    counters: *const bw_counters,
    strategy: u32,
    key: *const c_char,
    key_len: usize,
    limit: u64,
    period_us: u64,
    cost: u64,
    out_allowed: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: forwarded caller guarantees.
        unsafe {
            counters_decide(
                counters,
                strategy,
                key,
                key_len,
                limit,
                period_us,
                cost,
                out_allowed,
                true,
            )
        }
    })
}

/// When the window of `key` resets (`*out_reset_time`, Unix seconds with a fraction) and what is
/// left (`*out_remaining`), with `limits`' meaning of the reset time for each strategy.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_counters_window_stats(
    counters: *const bw_counters,
    strategy: u32,
    key: *const c_char,
    key_len: usize,
    limit: u64,
    period_us: u64,
    out_reset_time: *mut f64,
    out_remaining: *mut u64,
) -> bw_result {
    ffi_guard!({
        // SAFETY: forwarded caller guarantees.
        let (c, key) = unsafe { counters_and_key(counters, key, key_len, period_us) }?;
        // SAFETY: the caller guarantees both are NULL or valid for a write.
        let (reset, remaining) = unsafe {
            (
                out(out_reset_time, "out_reset_time")?,
                out(out_remaining, "out_remaining")?,
            )
        };
        let stats = limits_strategy(strategy)?.window_stats(&*c.inner, key, limit, period_us)?;
        *reset = stats.reset_time;
        *remaining = stats.remaining;
        Ok(())
    })
}

/// Forgets what `strategy` counted for `key`.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_counters_clear(
    counters: *const bw_counters,
    strategy: u32,
    key: *const c_char,
    key_len: usize,
    period_us: u64,
) -> bw_result {
    ffi_guard!({
        // SAFETY: forwarded caller guarantees.
        let (c, key) = unsafe { counters_and_key(counters, key, key_len, period_us) }?;
        limits_strategy(strategy)?.clear(&*c.inner, key, period_us)?;
        Ok(())
    })
}

/// Forgets every key (under the prefix, for Redis); `*out_dropped` is how many there were.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_counters_reset(
    counters: *const bw_counters,
    out_dropped: *mut u64,
) -> bw_result {
    ffi_guard!({
        // SAFETY: forwarded caller guarantees.
        let c = unsafe { opt_ref(counters) }.ok_or_else(|| Failure::null("counters"))?;
        // SAFETY: the caller guarantees out_dropped is NULL or valid for a write.
        let slot = unsafe { out(out_dropped, "out_dropped") }?;
        *slot = c.inner.reset()?;
        Ok(())
    })
}

/// Frees counters; NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_counters_free(counters: *mut bw_counters) -> bw_result {
    ffi_guard!({
        if !counters.is_null() {
            // SAFETY: the caller guarantees it came from bw_counters_new and is freed once.
            drop(unsafe { Box::from_raw(counters) });
        }
        Ok(())
    })
}
