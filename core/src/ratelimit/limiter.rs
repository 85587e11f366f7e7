//! The limiter a service uses: a store chosen by URI, one strategy, a policy for when the shared
//! store is unreachable, and response headers from a decision.

use super::memory::{MemoryStore, DEFAULT_MAX_KEYS};
#[cfg(feature = "redis")]
use super::redis_store::RedisStore;
use super::{Clock, Decision, Decisions, Rate, Strategy, SystemClock, MICROS};
use crate::{Error, ErrorKind, Result};
use std::sync::Arc;
use std::time::Duration;

/// The default key prefix in a shared store.
pub const DEFAULT_PREFIX: &str = "bulwark:rl:";
/// The default connect/read/write timeout of a shared store.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

/// Where decisions are kept.
pub trait Store: Send + Sync {
    /// Applies a request (see [`MemoryStore::apply`]); `now_us` is used by stores without a
    /// clock of their own.
    ///
    /// # Errors
    /// `InvalidInput` for no rates; `Backend` when a shared store fails.
    fn apply(
        &self,
        strategy: Strategy,
        key: &str,
        rates: &[Rate],
        cost: u64,
        peek: bool,
        now_us: u64,
    ) -> Result<Decisions>;

    /// Gives back `cost` units of an earlier counted hit (see [`super::refund`]).
    ///
    /// # Errors
    /// `InvalidInput` for no rates; `Backend` when a shared store fails.
    fn refund(
        &self,
        strategy: Strategy,
        key: &str,
        rates: &[Rate],
        cost: u64,
        now_us: u64,
    ) -> Result<()>;

    /// Forgets what `strategy` recorded for `key` under `rates`.
    ///
    /// # Errors
    /// `Backend` when a shared store fails.
    fn reset(&self, strategy: Strategy, key: &str, rates: &[Rate]) -> Result<()>;
}

impl Store for MemoryStore {
    fn apply(
        &self,
        strategy: Strategy,
        key: &str,
        rates: &[Rate],
        cost: u64,
        peek: bool,
        now_us: u64,
    ) -> Result<Decisions> {
        MemoryStore::apply(self, strategy, key, rates, cost, now_us, peek)
    }

    fn refund(
        &self,
        strategy: Strategy,
        key: &str,
        rates: &[Rate],
        cost: u64,
        now_us: u64,
    ) -> Result<()> {
        MemoryStore::refund(self, strategy, key, rates, cost, now_us)
    }

    fn reset(&self, _strategy: Strategy, key: &str, _rates: &[Rate]) -> Result<()> {
        MemoryStore::reset(self, key)
    }
}

#[cfg(feature = "redis")]
impl Store for RedisStore {
    fn apply(
        &self,
        strategy: Strategy,
        key: &str,
        rates: &[Rate],
        cost: u64,
        peek: bool,
        _now_us: u64,
    ) -> Result<Decisions> {
        RedisStore::apply(self, strategy, key, rates, cost, peek)
    }

    fn refund(
        &self,
        strategy: Strategy,
        key: &str,
        rates: &[Rate],
        cost: u64,
        _now_us: u64,
    ) -> Result<()> {
        RedisStore::refund(self, strategy, key, rates, cost)
    }

    fn reset(&self, strategy: Strategy, key: &str, rates: &[Rate]) -> Result<()> {
        RedisStore::reset(self, strategy, key, rates)
    }
}

/// What a limiter does when its shared store (Redis) cannot be reached. In every case the
/// [`Outcome`] also carries the backend error, to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnBackendFailure {
    /// Deny the request (fail closed): the default.
    #[default]
    Deny,
    /// Allow the request (fail open).
    Allow,
    /// Decide with a bounded in-process limiter until the store answers again.
    Local,
}

impl OnBackendFailure {
    /// The policy's name: `deny`, `allow` or `local` (what [`str::parse`] reads).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deny => "deny",
            Self::Allow => "allow",
            Self::Local => "local",
        }
    }
}

impl std::str::FromStr for OnBackendFailure {
    type Err = Error;

    /// `deny`, `allow` or `local`, the names every door and config file uses.
    ///
    /// ```
    /// use bulwark::ratelimit::limiter::OnBackendFailure;
    /// assert_eq!("local".parse::<OnBackendFailure>()?, OnBackendFailure::Local);
    /// assert!("open".parse::<OnBackendFailure>().is_err());
    /// # Ok::<(), bulwark::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        [Self::Deny, Self::Allow, Self::Local]
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                let shown: String = s.chars().take(32).collect();
                Error::invalid_input(format!(
                    "on_backend_failure must be 'deny', 'allow' or 'local', not {shown:?}"
                ))
            })
    }
}

/// Limiter settings beyond the storage URI and strategy.
#[derive(Debug, Clone)]
pub struct LimiterOptions {
    /// Policy when the shared store fails.
    pub on_backend_failure: OnBackendFailure,
    /// Key namespace in Redis.
    pub prefix: String,
    /// Redis deadline of one decision, connecting and redirects included.
    pub timeout: Duration,
    /// Bound on keys of the memory store (and of the local fallback and the deny cache).
    pub max_keys: usize,
    /// The share of each limit one process may admit on its own while the shared store is
    /// unreachable under the `Local` policy, in (0, 1]. With `P` processes, a window that the
    /// store had already admitted `n` in admits at most `n + P * ceil(limit * local_share)` in
    /// all during an outage (`limit + P * ...` across a store restart that lost its counts):
    /// set it to `1/P` to keep an outage under twice the limit.
    pub local_share: f64,
    /// Remember, in this process, keys the shared store denied until their `retry_after`, and
    /// deny their further hits (of the same or a larger cost) without a round trip. Off by
    /// default; allowed hits are exactly as without it.
    pub deny_cache: bool,
    /// Redis TLS files and circuit breaker (the topology comes from the storage URI).
    #[cfg(feature = "redis")]
    pub redis: crate::redis_backend::RedisOptions,
}

impl Default for LimiterOptions {
    fn default() -> Self {
        Self {
            on_backend_failure: OnBackendFailure::Deny,
            prefix: DEFAULT_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            max_keys: DEFAULT_MAX_KEYS,
            local_share: 1.0,
            deny_cache: false,
            #[cfg(feature = "redis")]
            redis: crate::redis_backend::RedisOptions::default(),
        }
    }
}

/// The result of a hit: the deciding rate's decision, every rate's, and the backend error when
/// the shared store failed (the decision then follows the failure policy).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The binding decision: the denying rate that frees up last, or the rate with the least left.
    pub decision: Decision,
    /// One decision per rate, in the order given.
    pub decisions: Decisions,
    /// The index of the binding rate in `decisions`.
    pub binding: usize,
    /// Set when the shared store failed and the failure policy decided instead.
    pub backend_error: Option<Error>,
    /// The rates decided on, in the order given (what `RateLimit-Policy` lists).
    pub rates: Rates,
    /// When the decision was made, in microseconds since the Unix epoch (the base of
    /// `X-RateLimit-Reset`).
    pub at_us: u64,
}

/// The rates of one decision, held inline for up to two.
pub type Rates = smallvec::SmallVec<[Rate; 2]>;

/// A rate limiter over one store and one strategy. Thread-safe.
pub struct Limiter {
    store: Box<dyn Store>,
    shared: bool,
    fallback: Option<MemoryStore>,
    local_share: f64,
    deny_cache: Option<DenyCache>,
    strategy: Strategy,
    policy: OnBackendFailure,
    clock: Arc<dyn Clock>,
}

/// Keys the shared store denied, until their retry-after: see [`LimiterOptions::deny_cache`].
struct DenyCache {
    shards: Box<[std::sync::Mutex<std::collections::HashMap<String, Denied>>]>,
    per_shard: usize,
    hasher: std::collections::hash_map::RandomState,
}

/// One denial: for which rates and cost, until when, and what the store said.
struct Denied {
    rates: Rates,
    cost: u64,
    at_us: u64,
    until_us: u64,
    decisions: Decisions,
}

const DENY_SHARDS: usize = 16;

impl DenyCache {
    fn new(max_keys: usize) -> Self {
        Self {
            shards: (0..DENY_SHARDS)
                .map(|_| std::sync::Mutex::default())
                .collect(),
            per_shard: max_keys.div_ceil(DENY_SHARDS).max(1),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    fn shard(
        &self,
        key: &str,
    ) -> Option<std::sync::MutexGuard<'_, std::collections::HashMap<String, Denied>>> {
        use std::hash::BuildHasher;
        let i = usize::try_from(self.hasher.hash_one(key) % DENY_SHARDS as u64).unwrap_or(0);
        self.shards
            .get(i)
            .map(|m| m.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// The cached denial of `key` for these rates, as decisions at `now`, while it holds.
    fn lookup(&self, key: &str, rates: &[Rate], cost: u64, now: u64) -> Option<Decisions> {
        let mut shard = self.shard(key)?;
        let d = shard.get(key)?;
        if now >= d.until_us || d.rates.as_slice() != rates {
            if now >= d.until_us {
                shard.remove(key);
            }
            return None;
        }
        if cost < d.cost {
            return None; // a smaller request may fit where the cached one did not
        }
        let elapsed = now.saturating_sub(d.at_us);
        Some(
            d.decisions
                .iter()
                .map(|x| Decision {
                    reset_after_us: x.reset_after_us.saturating_sub(elapsed),
                    retry_after_us: if x.allowed {
                        0
                    } else {
                        x.retry_after_us.saturating_sub(elapsed).max(1)
                    },
                    ..*x
                })
                .collect(),
        )
    }

    fn remember(&self, key: &str, rates: &[Rate], cost: u64, now: u64, decisions: &Decisions) {
        let wait = decisions
            .iter()
            .filter(|d| !d.allowed)
            .map(|d| d.retry_after_us)
            .max()
            .unwrap_or(0);
        // Nothing to remember for a wait of zero, or for a cost that never fits (u64::MAX: the
        // caller must change the request, not wait).
        if wait == 0 || wait == u64::MAX {
            return;
        }
        let Some(mut shard) = self.shard(key) else {
            return;
        };
        if shard.len() >= self.per_shard && !shard.contains_key(key) {
            shard.retain(|_, d| d.until_us > now);
            if shard.len() >= self.per_shard {
                return; // full of live denials: the store keeps deciding (exactly) for new keys
            }
        }
        shard.insert(
            key.to_owned(),
            Denied {
                rates: rates.iter().copied().collect(),
                cost,
                at_us: now,
                until_us: now.saturating_add(wait),
                decisions: decisions.clone(),
            },
        );
    }

    fn forget(&self, key: &str) {
        if let Some(mut shard) = self.shard(key) {
            shard.remove(key);
        }
    }
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("strategy", &self.strategy)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// `memory://` (optionally `memory://?max_keys=N`) or Redis in any topology (`redis://…`,
/// `rediss://…`, `redis+cluster://…`, `redis+sentinel://…/service`).
fn open_store(uri: &str, options: &LimiterOptions) -> Result<(Box<dyn Store>, bool)> {
    if let Some(rest) = uri.strip_prefix("memory://") {
        let mut max_keys = options.max_keys;
        if let Some(query) = rest.strip_prefix('?') {
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                match pair.split_once('=') {
                    Some(("max_keys", v)) => {
                        max_keys = v.parse().map_err(|_| {
                            Error::invalid_input(format!(
                                "memory:// max_keys {v:?} is not a number"
                            ))
                        })?;
                    }
                    _ => {
                        return Err(Error::invalid_input(format!(
                            "unknown memory:// option {pair:?} (max_keys=N)"
                        )))
                    }
                }
            }
        } else if !rest.is_empty() {
            return Err(Error::invalid_input(format!(
                "memory:// takes no host or path (got {rest:?})"
            )));
        }
        #[cfg(feature = "redis")]
        options.redis.refuse_tls_for(uri)?;
        return Ok((Box::new(MemoryStore::new(max_keys)), false));
    }
    if uri.starts_with("redis") || uri.starts_with("unix://") {
        #[cfg(feature = "redis")]
        {
            let store = RedisStore::open(uri, &options.prefix, options.timeout, &options.redis)?;
            return Ok((Box::new(store), true));
        }
        #[cfg(not(feature = "redis"))]
        return Err(Error::invalid_input(
            "redis:// storage needs bulwark's `redis` feature (this build was made without it)",
        ));
    }
    let scheme = uri.split("://").next().unwrap_or(uri);
    Err(Error::invalid_input(format!(
        "unknown storage {scheme:?}: use memory:// or redis://host:port/db"
    )))
}

impl Limiter {
    /// A limiter on the storage named by `uri`.
    ///
    /// # Errors
    /// `InvalidInput` for an unknown or malformed URI.
    pub fn new(uri: &str, strategy: Strategy, options: &LimiterOptions) -> Result<Self> {
        // A zero timeout would mean "wait for ever" to a socket: refused for every door at once.
        if options.timeout.is_zero() {
            return Err(Error::invalid_input(
                "the store timeout must be positive (a zero timeout would wait for ever)",
            ));
        }
        if !(options.local_share > 0.0 && options.local_share <= 1.0) {
            return Err(Error::invalid_input(
                "local_share must be a fraction of the limit in (0, 1]",
            ));
        }
        let (store, shared) = open_store(uri, options)?;
        let fallback = (shared && options.on_backend_failure == OnBackendFailure::Local)
            .then(|| MemoryStore::new(options.max_keys));
        let deny_cache = (shared && options.deny_cache).then(|| DenyCache::new(options.max_keys));
        Ok(Self {
            store,
            shared,
            fallback,
            local_share: options.local_share,
            deny_cache,
            strategy,
            policy: options.on_backend_failure,
            clock: Arc::new(SystemClock),
        })
    }

    /// The same limiter reading time from `clock` (memory storage; Redis uses its own clock).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whether decisions go over the network (Redis) rather than stay in process.
    #[must_use]
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// The strategy in use.
    #[must_use]
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// Counts a request of `cost` against `rates` for `key` if every rate allows it.
    ///
    /// # Errors
    /// `InvalidInput` for no rates. A failing shared store is not an error: see
    /// [`Outcome::backend_error`].
    pub fn hit(&self, key: &str, rates: &[Rate], cost: u64) -> Result<Outcome> {
        self.decide(key, rates, cost, false)
    }

    /// Whether a request of `cost` would be allowed, without counting it.
    ///
    /// # Errors
    /// As [`Limiter::hit`].
    pub fn test(&self, key: &str, rates: &[Rate], cost: u64) -> Result<Outcome> {
        self.decide(key, rates, cost, true)
    }

    /// Gives back `cost` units that an earlier [`Limiter::hit`] of `key` counted against
    /// `rates`: reserve with `hit` before the work, refund when the work turns out not to count
    /// (a login that succeeded, under a limit on failures). Unlike "test, then count afterwards"
    /// this never lets concurrent requests all pass one remaining unit.
    ///
    /// ```
    /// use bulwark::ratelimit::{limiter::{Limiter, LimiterOptions}, parse, Strategy};
    /// let limiter = Limiter::new("memory://", Strategy::FixedWindow, &LimiterOptions::default())?;
    /// let rates = parse("1/minute")?;
    /// assert!(limiter.hit("login:ann", &rates, 1)?.decision.allowed);
    /// assert!(!limiter.hit("login:ann", &rates, 1)?.decision.allowed);
    /// limiter.refund("login:ann", &rates, 1)?; // the first attempt succeeded: it does not count
    /// assert!(limiter.hit("login:ann", &rates, 1)?.decision.allowed);
    /// # Ok::<(), bulwark::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidInput` for no rates; `Backend` when the shared store fails (with the `Local`
    /// policy the local fallback is refunded instead and this is not an error).
    pub fn refund(&self, key: &str, rates: &[Rate], cost: u64) -> Result<()> {
        if let Some(cache) = &self.deny_cache {
            cache.forget(key);
        }
        let now = self.clock.now_us();
        match self.store.refund(self.strategy, key, rates, cost, now) {
            Err(e) if e.kind() == ErrorKind::Backend => match (&self.fallback, self.policy) {
                (Some(local), OnBackendFailure::Local) => {
                    local.refund(self.strategy, key, &self.local_rates(rates)?, cost, now)
                }
                _ => Err(e),
            },
            other => other,
        }
    }

    /// Forgets `key`'s counts under `rates`.
    ///
    /// # Errors
    /// `Backend` when the shared store fails.
    pub fn reset(&self, key: &str, rates: &[Rate]) -> Result<()> {
        if let Some(cache) = &self.deny_cache {
            cache.forget(key);
        }
        if let Some(local) = &self.fallback {
            local.reset(key)?;
        }
        self.store.reset(self.strategy, key, rates)
    }

    /// The rates the local fallback decides with: each limit scaled by `local_share`, rounded
    /// up (at least 1).
    fn local_rates(&self, rates: &[Rate]) -> Result<Rates> {
        rates
            .iter()
            .map(|r| {
                if self.local_share >= 1.0 {
                    return Ok(*r);
                }
                #[allow(
                    clippy::cast_precision_loss,
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss
                )]
                let share = ((r.limit() as f64) * self.local_share).ceil().max(1.0) as u64;
                Rate::new(share.min(r.limit()), r.period_us())
            })
            .collect()
    }

    fn decide(&self, key: &str, rates: &[Rate], cost: u64, peek: bool) -> Result<Outcome> {
        if rates.is_empty() {
            return Err(Error::invalid_input("no rate given"));
        }
        let now = self.clock.now_us();
        if let Some(cache) = &self.deny_cache {
            if let Some(decisions) = cache.lookup(key, rates, cost, now) {
                return Ok(outcome(decisions, None, rates, now));
            }
        }
        match self.store.apply(self.strategy, key, rates, cost, peek, now) {
            Ok(decisions) => {
                if let Some(cache) = &self.deny_cache {
                    if decisions.iter().any(|d| !d.allowed) {
                        cache.remember(key, rates, cost, now, &decisions);
                    }
                }
                Ok(outcome(decisions, None, rates, now))
            }
            Err(e) if e.kind() == ErrorKind::Backend => {
                let decisions = match (self.policy, &self.fallback) {
                    (OnBackendFailure::Local, Some(local)) => {
                        let shares = self.local_rates(rates)?;
                        local.apply(self.strategy, key, &shares, cost, now, peek)?
                    }
                    (policy, _) => rates
                        .iter()
                        .map(|r| {
                            let allowed = policy == OnBackendFailure::Allow;
                            Decision {
                                allowed,
                                limit: r.limit(),
                                remaining: 0,
                                reset_after_us: 0,
                                retry_after_us: if allowed { 0 } else { MICROS },
                            }
                        })
                        .collect(),
                };
                Ok(outcome(decisions, Some(e), rates, now))
            }
            Err(e) => Err(e),
        }
    }
}

fn outcome(
    decisions: Decisions,
    backend_error: Option<Error>,
    rates: &[Rate],
    at_us: u64,
) -> Outcome {
    let binding = binding_index(&decisions).unwrap_or(0);
    let decision = decisions.get(binding).copied().unwrap_or(Decision {
        allowed: false,
        limit: 0,
        remaining: 0,
        reset_after_us: 0,
        retry_after_us: 0,
    });
    Outcome {
        decision,
        decisions,
        binding,
        backend_error,
        rates: rates.iter().copied().collect(),
        at_us,
    }
}

/// Which of several decisions to report: the denial that frees up last, else the one with the
/// least left (then the smallest limit). The rule behind [`Outcome::binding`], also for
/// combining the outcomes of several limits on one request (a route's own and a shared one).
///
/// ```
/// use bulwark::ratelimit::{limiter::binding_index, Decision};
/// let d = |allowed, remaining, retry_after_us| Decision {
///     allowed, limit: 10, remaining, reset_after_us: 0, retry_after_us,
/// };
/// assert_eq!(binding_index(&[d(true, 5, 0), d(true, 2, 0)]), Some(1));
/// assert_eq!(binding_index(&[d(false, 0, 9), d(false, 0, 30), d(true, 0, 0)]), Some(1));
/// assert_eq!(binding_index(&[]), None);
/// ```
#[must_use]
pub fn binding_index(decisions: &[Decision]) -> Option<usize> {
    if let [_] = decisions {
        return Some(0);
    }
    decisions
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.allowed)
        .max_by_key(|(_, d)| d.retry_after_us)
        .or_else(|| {
            decisions
                .iter()
                .enumerate()
                .min_by_key(|(_, d)| (d.remaining, d.limit))
        })
        .map(|(i, _)| i)
}

fn secs_ceil(us: u64) -> u64 {
    us.div_ceil(MICROS)
}

impl Decision {
    /// Whole seconds a denied request should wait, for `Retry-After`: at least 1, and the time
    /// to a full reset when no wait would ever let this cost through.
    #[must_use]
    pub fn retry_after_secs(&self) -> u64 {
        if self.retry_after_us == u64::MAX {
            secs_ceil(self.reset_after_us).max(1)
        } else {
            secs_ceil(self.retry_after_us).max(1)
        }
    }
}

impl Outcome {
    /// The response headers of this outcome: `X-RateLimit-Limit`, `X-RateLimit-Remaining`,
    /// `X-RateLimit-Reset` (Unix time of the reset, as flask-limiter and GitHub send it),
    /// `Retry-After` (seconds, when denied), the IETF `RateLimit` field
    /// (`"default";r=<remaining>;t=<seconds to reset>`) and `RateLimit-Policy` listing every
    /// rate (`"default";q=<limit>;w=<window seconds>` for one rate, `"r1"`, `"r2"`, … for several).
    ///
    /// ```
    /// use bulwark::ratelimit::{limiter::{Limiter, LimiterOptions}, parse, Strategy};
    /// let limiter = Limiter::new("memory://", Strategy::FixedWindow, &LimiterOptions::default())?;
    /// let outcome = limiter.hit("ip:203.0.113.7", &parse("1/minute")?, 1)?;
    /// let headers = outcome.headers();
    /// assert!(headers.contains(&("RateLimit-Policy", "\"default\";q=1;w=60".to_owned())));
    /// let denied = limiter.hit("ip:203.0.113.7", &parse("1/minute")?, 1)?;
    /// assert!(denied.headers().iter().any(|(name, _)| *name == "Retry-After"));
    /// # Ok::<(), bulwark::Error>(())
    /// ```
    #[must_use]
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        headers_for(&self.decision, self.binding, &self.rates, self.at_us)
    }
}

/// The response headers of a binding `decision` (rate `binding` of `rates`) made at `at_us`:
/// what [`Outcome::headers`] returns, for a door that keeps the parts apart.
#[must_use]
pub fn headers_for(
    decision: &Decision,
    binding: usize,
    rates: &[Rate],
    at_us: u64,
) -> Vec<(&'static str, String)> {
    let reset_in = secs_ceil(decision.reset_after_us);
    let name = |i: usize| {
        if rates.len() > 1 {
            format!("r{}", i + 1)
        } else {
            "default".to_owned()
        }
    };
    let mut h = Vec::with_capacity(6);
    h.push(("X-RateLimit-Limit", decision.limit.to_string()));
    h.push(("X-RateLimit-Remaining", decision.remaining.to_string()));
    // The moment of the reset rounded up, never before it (the whole second of `at` plus the
    // rounded-up wait could fall short by up to a second).
    h.push((
        "X-RateLimit-Reset",
        at_us
            .saturating_add(decision.reset_after_us)
            .div_ceil(MICROS)
            .to_string(),
    ));
    h.push((
        "RateLimit",
        format!(
            "\"{}\";r={};t={reset_in}",
            name(binding),
            decision.remaining
        ),
    ));
    let policy: Vec<String> = rates
        .iter()
        .enumerate()
        .map(|(i, r)| {
            format!(
                "\"{}\";q={};w={}",
                name(i),
                r.limit(),
                secs_ceil(r.period_us())
            )
        })
        .collect();
    h.push(("RateLimit-Policy", policy.join(", ")));
    if !decision.allowed {
        h.push(("Retry-After", decision.retry_after_secs().to_string()));
    }
    h
}
