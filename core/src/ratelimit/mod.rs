//! Rate limiting: rate strings as `limits` / flask-limiter write them, four strategies, and
//! decisions with the numbers response headers need.
//!
//! Time is integer microseconds since the Unix epoch, from an injectable [`Clock`], so window
//! arithmetic is exact and tests are deterministic. Each strategy is a pure step function over a
//! small per-key state ([`step`]); stores keep the states and apply steps atomically.
//!
//! [`limiter::Limiter`] puts a strategy over a store (memory or Redis); its
//! [`limiter::Outcome`] builds the response headers, the one place they are built for every door.
//!
//! ```
//! use bulwark::ratelimit::{parse, Rate};
//! let rates = parse("10/second; 1000 per hour")?;
//! assert_eq!(rates, vec![Rate::new(10, 1_000_000)?, Rate::new(1000, 3_600_000_000)?]);
//! # Ok::<(), bulwark::Error>(())
//! ```

pub mod counters;
#[cfg(feature = "redis")]
pub mod counters_redis;
pub mod limiter;
pub mod memory;
#[cfg(feature = "redis")]
pub mod redis_store;

#[cfg(test)]
mod tests;

use crate::{Error, Result};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds per second.
pub const MICROS: u64 = 1_000_000;

/// A limit: at most `limit` units of cost per `period_us` microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    limit: u64,
    period_us: u64,
}

impl Rate {
    /// A rate of `limit` per `period_us` microseconds (both at least 1).
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidInput`] for a zero limit or period.
    pub fn new(limit: u64, period_us: u64) -> Result<Self> {
        if limit == 0 || period_us == 0 {
            return Err(Error::invalid_input(
                "a rate needs a limit and a period of at least 1",
            ));
        }
        Ok(Self { limit, period_us })
    }

    /// The number of units allowed per period.
    #[must_use]
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The period in microseconds.
    #[must_use]
    pub fn period_us(&self) -> u64 {
        self.period_us
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.granularity() {
            Some((1, unit)) => write!(f, "{} per {unit}", self.limit),
            Some((n, unit)) => write!(f, "{} per {n} {unit}s", self.limit),
            None => write!(f, "{} per {} microseconds", self.limit, self.period_us),
        }
    }
}

/// The units a rate is written in, longest first, with their length in microseconds: the one
/// table behind parsing, [`Rate::per`], [`Rate::granularity`] and `Display`.
pub const UNITS: [(&str, u64); 6] = [
    ("year", 360 * 86_400 * MICROS),
    ("month", 30 * 86_400 * MICROS),
    ("day", 86_400 * MICROS),
    ("hour", 3_600 * MICROS),
    ("minute", 60 * MICROS),
    ("second", MICROS),
];

impl Rate {
    /// `amount` per `multiples` of `unit` (`"second"`, `"minute"`, `"hour"`, `"day"`, singular
    /// or plural, as `limits`' `RateLimitItem` takes them).
    ///
    /// ```
    /// use bulwark::ratelimit::Rate;
    /// assert_eq!(Rate::per(5, 10, "seconds")?, Rate::new(5, 10_000_000)?);
    /// assert_eq!(Rate::per(5, 10, "seconds")?.granularity(), Some((10, "second")));
    /// # Ok::<(), bulwark::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidInput` for an unknown unit, a zero amount or multiple, or a period past `u64`
    /// microseconds.
    pub fn per(amount: u64, multiples: u64, unit: &str) -> Result<Self> {
        let per = unit_us(unit).ok_or_else(|| {
            Error::invalid_input(format!(
                "unknown granularity {unit:?}: use second, minute, hour, day, month or year"
            ))
        })?;
        if amount == 0 || multiples == 0 {
            return Err(Error::invalid_input(
                "amount and multiples must be at least 1",
            ));
        }
        let period = multiples
            .checked_mul(per)
            .ok_or_else(|| Error::invalid_input("the period is too long"))?;
        Self::new(amount, period)
    }

    /// The period as `(multiples, unit)` in the largest unit that divides it (`None` when it is
    /// not a whole number of seconds).
    #[must_use]
    pub fn granularity(&self) -> Option<(u64, &'static str)> {
        UNITS
            .iter()
            .find(|(_, us)| self.period_us % us == 0)
            .map(|&(name, us)| (self.period_us / us, name))
    }
}

/// The length of one unit in microseconds, for singular and plural spellings.
fn unit_us(word: &str) -> Option<u64> {
    let w = word.to_ascii_lowercase();
    let w = w.strip_suffix('s').unwrap_or(&w);
    let w = match w {
        "sec" => "second",
        "min" => "minute",
        "hr" => "hour",
        other => other,
    };
    UNITS.iter().find(|(name, _)| *name == w).map(|&(_, us)| us)
}

/// One rate as written, before its unit is looked up: `amount` per `multiples` (`None` when not
/// written) `unit` (the word as written, lower-cased). A door whose callers define units of their
/// own (`limits`' custom granularities) resolves the unit itself; [`parse`] resolves it from
/// [`UNITS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateSpec {
    /// The number of units of cost allowed.
    pub amount: u64,
    /// How many units make the period, when written.
    pub multiples: Option<u64>,
    /// The unit word, lower-cased (`"minute"`, `"minutes"`, `"fortnight"`).
    pub unit: String,
}

impl RateSpec {
    /// The canonical singular name of the unit when it is one of [`UNITS`] (also `sec`, `min`,
    /// `hr` and plurals), else `None`.
    #[must_use]
    pub fn known_unit(&self) -> Option<&'static str> {
        let us = unit_us(&self.unit)?;
        UNITS.iter().find(|(_, u)| *u == us).map(|(name, _)| *name)
    }
}

fn spec_one(part: &str) -> Result<RateSpec> {
    let bad = |why: &str| Error::invalid_input(format!("rate {part:?}: {why}"));
    let lower = part.trim();
    let (count, rest) = if let Some((c, r)) = lower.split_once('/') {
        (c.trim(), r.trim())
    } else if let Some(i) = lower.to_ascii_lowercase().find(" per ") {
        let (c, r) = lower.split_at(i);
        (c.trim(), r.get(5..).unwrap_or("").trim())
    } else {
        return Err(bad("expected \"N/unit\" or \"N per [M] unit(s)\""));
    };
    let amount: u64 = count
        .parse()
        .map_err(|_| bad(&format!("{count:?} is not a whole number")))?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    let (multiples, unit) = match words.as_slice() {
        [unit] => (None, *unit),
        [n, unit] => (
            Some(
                n.parse()
                    .map_err(|_| bad(&format!("{n:?} is not a whole number")))?,
            ),
            *unit,
        ),
        _ => return Err(bad("expected a unit such as second, minute, hour or day")),
    };
    if !unit.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(bad(&format!("{unit:?} is not a unit")));
    }
    Ok(RateSpec {
        amount,
        multiples,
        unit: unit.to_ascii_lowercase(),
    })
}

fn parse_one(part: &str) -> Result<Rate> {
    let bad = |why: &str| Error::invalid_input(format!("rate {part:?}: {why}"));
    let spec = spec_one(part)?;
    let per = unit_us(&spec.unit).ok_or_else(|| {
        bad(&format!(
            "unknown unit {:?} (second, minute, hour, day, month, year; singular or plural)",
            spec.unit
        ))
    })?;
    let period = spec
        .multiples
        .unwrap_or(1)
        .checked_mul(per)
        .ok_or_else(|| bad("the period is too long"))?;
    Rate::new(spec.amount, period).map_err(|_| bad("the limit and the period must be at least 1"))
}

/// Splits rates joined by `;` or `,` and reads each as written, units not looked up (see
/// [`RateSpec`]).
///
/// # Errors
/// [`crate::ErrorKind::InvalidInput`] naming the offending part, or for no rate at all.
pub fn parse_specs(rates: &str) -> Result<Vec<RateSpec>> {
    let parts = split_rates(rates)?;
    parts.into_iter().map(spec_one).collect()
}

fn split_rates(rates: &str) -> Result<Vec<&str>> {
    let parts: Vec<&str> = rates
        .split([';', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return Err(Error::invalid_input("no rate given"));
    }
    Ok(parts)
}

/// Parses one rate or several joined by `;` or `,`: `"10/second"`, `"100 per minute"`,
/// `"5 per 10 seconds"`, `"10/second; 1000/hour"`.
///
/// # Errors
/// [`crate::ErrorKind::InvalidInput`] naming the offending part.
pub fn parse(rates: &str) -> Result<Vec<Rate>> {
    split_rates(rates)?.into_iter().map(parse_one).collect()
}

/// How hits are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Counts per window opened by a key's first hit and lasting one period (as `limits`):
    /// cheap; allows up to twice the limit across a window's edge.
    FixedWindow,
    /// The current window's count plus the previous one's, weighted by how much of it still
    /// overlaps the trailing period (as `limits`' sliding-window counter).
    SlidingWindow,
    /// The exact log of hits in the trailing period (as `limits`' moving window).
    MovingWindow,
    /// Generic cell rate algorithm: a token bucket of `limit` that refills evenly over the period.
    Gcra,
}

impl Strategy {
    /// The name used in configuration: `fixed-window`, `sliding-window`, `moving-window`, `gcra`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::FixedWindow => "fixed-window",
            Self::SlidingWindow => "sliding-window",
            Self::MovingWindow => "moving-window",
            Self::Gcra => "gcra",
        }
    }
}

impl std::str::FromStr for Strategy {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "fixed-window" => Ok(Self::FixedWindow),
            "sliding-window" | "sliding-window-counter" => Ok(Self::SlidingWindow),
            "moving-window" => Ok(Self::MovingWindow),
            "gcra" | "token-bucket" => Ok(Self::Gcra),
            _ => Err(Error::invalid_input(format!(
                "unknown strategy {s:?} (fixed-window, sliding-window, moving-window, gcra)"
            ))),
        }
    }
}

/// One [`Decision`] per rate, in the order the rates were given; held inline (no allocation)
/// for up to two rates, the common case.
pub type Decisions = smallvec::SmallVec<[Decision; 2]>;

/// The outcome of a hit (or a peek) against one rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The rate's limit.
    pub limit: u64,
    /// Units left after this decision.
    pub remaining: u64,
    /// Microseconds until the limit is fully available again.
    pub reset_after_us: u64,
    /// Microseconds until a denied request of this cost could succeed (0 when allowed).
    pub retry_after_us: u64,
}

/// A source of time in microseconds since the Unix epoch.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now_us(&self) -> u64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_us(&self) -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| {
            d.as_secs()
                .saturating_mul(MICROS)
                .saturating_add(u64::from(d.subsec_micros()))
        })
    }
}

/// A clock tests set by hand.
#[derive(Debug, Default)]
pub struct ManualClock(std::sync::atomic::AtomicU64);

impl ManualClock {
    /// A clock reading `now_us`.
    #[must_use]
    pub fn new(now_us: u64) -> Self {
        Self(std::sync::atomic::AtomicU64::new(now_us))
    }

    /// Moves the clock forward.
    pub fn advance(&self, us: u64) {
        self.0.fetch_add(us, std::sync::atomic::Ordering::SeqCst);
    }

    /// Sets the clock.
    pub fn set(&self, now_us: u64) {
        self.0.store(now_us, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_us(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// What a store keeps per key and rate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum State {
    /// Nothing recorded (or expired).
    #[default]
    Empty,
    /// Fixed window: its start and count.
    Window {
        /// Window start, microseconds.
        start: u64,
        /// Units counted in it.
        count: u64,
    },
    /// Sliding window counter: the current window's start and count, and the previous count.
    Sliding {
        /// Current window start, microseconds.
        start: u64,
        /// Units in the current window.
        count: u64,
        /// Units in the window before it.
        previous: u64,
    },
    /// Moving window: (time, cost) of each hit still inside the period, oldest first, and
    /// their total cost.
    Log {
        /// The hits, oldest first.
        entries: std::collections::VecDeque<(u64, u64)>,
        /// Their total cost.
        total: u64,
    },
    /// GCRA: the theoretical arrival time, microseconds.
    Tat(u64),
}

impl State {
    /// The latest time the state recorded (0 for none; GCRA's arrival time is a future time,
    /// not a record, so it does not count).
    fn latest(&self) -> u64 {
        match self {
            Self::Empty | Self::Tat(_) => 0,
            Self::Window { start, .. } | Self::Sliding { start, .. } => *start,
            Self::Log { entries, .. } => entries.back().map_or(0, |(t, _)| *t),
        }
    }

    /// When the state stops mattering (after which it may be dropped), microseconds.
    #[must_use]
    pub fn expires_at(&self, rate: &Rate) -> u64 {
        let p = rate.period_us;
        match self {
            Self::Empty => 0,
            Self::Window { start, .. } => start.saturating_add(p),
            Self::Sliding { start, .. } => start.saturating_add(p.saturating_mul(2)),
            Self::Log { entries, .. } => entries.back().map_or(0, |(t, _)| t.saturating_add(p)),
            Self::Tat(tat) => *tat,
        }
    }
}

/// Applies one strategy step: the decision for a request of `cost` at `now`. The state changes
/// only when the request is allowed and not a `peek` (a moving-window log also drops entries
/// that aged out, which changes no decision). O(1) amortised for every strategy. A cost above the
/// limit is always denied, with `retry_after_us` of `u64::MAX` (it can never succeed).
pub fn step(
    strategy: Strategy,
    state: &mut State,
    rate: &Rate,
    cost: u64,
    now: u64,
    peek: bool,
) -> Decision {
    let (decision, next) = step_pure(strategy, state, rate, cost, now, peek);
    if let Some(next) = next {
        *state = next;
    }
    decision
}

/// Gives back `cost` units a hit counted earlier (the request turned out not to count, as
/// flask-limiter's `deduct_when` decides after the view ran): the counted units are reserved up
/// front, so concurrent requests can never all pass a check that only counts afterwards. Gives
/// back at most what is still counted in the current window (a window that has rolled over has
/// already forgotten the hit); never goes below empty.
pub fn refund(strategy: Strategy, state: &mut State, rate: &Rate, cost: u64, now: u64) {
    let now = now.max(state.latest());
    let p = rate.period_us;
    match (strategy, state) {
        (Strategy::FixedWindow, State::Window { start, count })
            if now < start.saturating_add(p) =>
        {
            *count = count.saturating_sub(cost);
        }
        (Strategy::SlidingWindow, State::Sliding { start, count, .. })
            if now < start.saturating_add(p) =>
        {
            *count = count.saturating_sub(cost);
        }
        (
            Strategy::SlidingWindow,
            State::Sliding {
                start,
                count,
                previous,
            },
        ) if now < start.saturating_add(p.saturating_mul(2)) => {
            // The hit's window became the previous one: move on and take it from there.
            *start = start.saturating_add(p);
            *previous = count.saturating_sub(cost);
            *count = 0;
        }
        (Strategy::MovingWindow, State::Log { entries, total }) => {
            // The newest entries first: the refunded hit is among the most recent.
            let mut left = cost;
            while left > 0 {
                let Some((t, c)) = entries.back_mut() else {
                    break;
                };
                if t.saturating_add(p) <= now {
                    break;
                }
                let take = left.min(*c);
                *c -= take;
                *total = total.saturating_sub(take);
                left -= take;
                if *c == 0 {
                    entries.pop_back();
                }
            }
        }
        (Strategy::Gcra, State::Tat(tat)) => {
            let back = u64::try_from(u128::from(cost) * u128::from(p) / u128::from(rate.limit))
                .unwrap_or(u64::MAX);
            *tat = tat.saturating_sub(back).max(now);
        }
        _ => {}
    }
}

/// The decision and, when it commits, the new state (moving windows mutate in place instead).
fn step_pure(
    strategy: Strategy,
    state: &mut State,
    rate: &Rate,
    cost: u64,
    now: u64,
    peek: bool,
) -> (Decision, Option<State>) {
    let (limit, p) = (rate.limit, rate.period_us);
    // A wall clock that stepped back (NTP step, VM resume) reads as "no time passed": nothing
    // recorded is forgotten, no window restarts early and no subtraction below runs negative.
    let now = now.max(state.latest());
    match strategy {
        Strategy::FixedWindow => {
            // The window opens at the first hit and lasts one period (as `limits` does).
            let (start, count) = match state {
                State::Window { start, count } if now < start.saturating_add(p) => (*start, *count),
                _ => (now, 0),
            };
            let reset = start.saturating_add(p) - now;
            let allowed = count.saturating_add(cost) <= limit;
            let used = if allowed {
                count.saturating_add(cost)
            } else {
                count
            };
            let decision = Decision {
                allowed,
                limit,
                remaining: limit.saturating_sub(used),
                reset_after_us: reset,
                retry_after_us: if allowed {
                    0
                } else if cost > limit {
                    u64::MAX
                } else {
                    reset
                },
            };
            let next = (allowed && !peek).then_some(State::Window { start, count: used });
            (decision, next)
        }
        Strategy::SlidingWindow => {
            let start = now - now % p;
            let (count, previous) = match state {
                State::Sliding {
                    start: s,
                    count,
                    previous,
                } if *s == start => (*count, *previous),
                State::Sliding {
                    start: s, count, ..
                } if s.saturating_add(p) == start => (0, *count),
                _ => (0, 0),
            };
            let elapsed = now - start;
            // previous * (p - elapsed) / p, rounded up (never over-admit), in u128 integers.
            let weighted = u64::try_from(
                (u128::from(previous) * u128::from(p - elapsed)).div_ceil(u128::from(p)),
            )
            .unwrap_or(u64::MAX);
            let current = weighted.saturating_add(count);
            let allowed = current.saturating_add(cost) <= limit;
            let used = if allowed {
                current.saturating_add(cost)
            } else {
                current
            };
            let retry = if allowed {
                0
            } else if cost > limit {
                u64::MAX
            } else {
                sliding_retry(previous, count, cost, limit, p, elapsed)
            };
            let decision = Decision {
                allowed,
                limit,
                remaining: limit.saturating_sub(used),
                reset_after_us: if count > 0 || (allowed && cost > 0) {
                    p.saturating_mul(2) - elapsed
                } else if previous > 0 {
                    p - elapsed
                } else {
                    0
                },
                retry_after_us: retry,
            };
            let next = (allowed && !peek).then_some(State::Sliding {
                start,
                count: count.saturating_add(cost),
                previous,
            });
            (decision, next)
        }
        Strategy::MovingWindow => {
            if !matches!(state, State::Log { .. }) {
                *state = State::Log {
                    entries: std::collections::VecDeque::new(),
                    total: 0,
                };
            }
            let State::Log { entries, total } = state else {
                return (
                    Decision {
                        allowed: false,
                        limit,
                        remaining: 0,
                        reset_after_us: 0,
                        retry_after_us: 0,
                    },
                    None,
                );
            };
            // Entries that aged out never count again: drop them (amortised O(1)).
            while let Some(&(t, c)) = entries.front() {
                if t.saturating_add(p) > now {
                    break;
                }
                entries.pop_front();
                *total = total.saturating_sub(c);
            }
            let used = *total;
            let allowed = used.saturating_add(cost) <= limit;
            let retry = if allowed {
                0
            } else if cost > limit {
                u64::MAX
            } else {
                // The moment enough of the oldest hits have aged out (stops at the first that
                // suffices, so this walks only the hits that must expire).
                let mut need = used.saturating_add(cost) - limit;
                let mut at = now;
                for (t, c) in entries.iter() {
                    at = t.saturating_add(p);
                    need = need.saturating_sub(*c);
                    if need == 0 {
                        break;
                    }
                }
                at - now
            };
            if allowed && !peek && cost > 0 {
                // Hits in the same microsecond share one entry.
                match entries.back_mut() {
                    Some((t, c)) if *t == now => *c = c.saturating_add(cost),
                    _ => entries.push_back((now, cost)),
                }
                *total = total.saturating_add(cost);
            }
            let now_used = if allowed {
                used.saturating_add(cost)
            } else {
                used
            };
            let reset = if allowed && cost > 0 {
                p
            } else {
                entries.back().map_or(0, |(t, _)| t.saturating_add(p) - now)
            };
            let decision = Decision {
                allowed,
                limit,
                remaining: limit.saturating_sub(now_used),
                reset_after_us: reset,
                retry_after_us: retry,
            };
            (decision, None)
        }
        Strategy::Gcra => {
            // Emission interval T = p / limit (in u128 micro-units to keep exactness).
            // A stored TAT is at most one period ahead of the hit that stored it; further ahead
            // means the clock stepped back: the key stays full, for one period at most.
            let tat = match state {
                State::Tat(t) => (*t).max(now).min(now.saturating_add(p)),
                _ => now,
            };
            let interval = |units: u64| {
                u64::try_from(u128::from(units) * u128::from(p) / u128::from(limit))
                    .unwrap_or(u64::MAX)
            };
            let new_tat = tat.saturating_add(interval(cost));
            let allow_at = new_tat.saturating_sub(p);
            let allowed = cost <= limit && allow_at <= now;
            let kept_tat = if allowed { new_tat } else { tat };
            let backlog = kept_tat - now; // time worth of units in use
            let used =
                u64::try_from((u128::from(backlog) * u128::from(limit)).div_ceil(u128::from(p)))
                    .unwrap_or(u64::MAX);
            let decision = Decision {
                allowed,
                limit,
                remaining: limit.saturating_sub(used),
                reset_after_us: backlog,
                retry_after_us: if allowed {
                    0
                } else if cost > limit {
                    u64::MAX
                } else {
                    allow_at - now
                },
            };
            let next = (allowed && !peek).then_some(State::Tat(new_tat));
            (decision, next)
        }
    }
}

/// When a denied sliding-window request fits: the previous window's weight falls linearly; if
/// that is not enough within this window, the count moves into the previous slot at the next
/// window start and decays from there.
fn sliding_retry(previous: u64, count: u64, cost: u64, limit: u64, p: u64, elapsed: u64) -> u64 {
    // Within this window: need previous * (p - e') / p + count + cost <= limit for some e' < p.
    let room = limit.saturating_sub(count.saturating_add(cost));
    if count.saturating_add(cost) <= limit && previous > 0 {
        // (p - e') <= room * p / previous  =>  e' >= p - room * p / previous
        let keep = u64::try_from(u128::from(room) * u128::from(p) / u128::from(previous))
            .unwrap_or(u64::MAX);
        let e_needed = p.saturating_sub(keep);
        if e_needed < p {
            return e_needed.saturating_sub(elapsed).max(1);
        }
    }
    // Next window: count becomes "previous"; need count * (p - e'') / p + cost <= limit.
    let room = limit - cost;
    let to_next = p - elapsed;
    if count == 0 {
        return to_next;
    }
    let keep =
        u64::try_from(u128::from(room) * u128::from(p) / u128::from(count)).unwrap_or(u64::MAX);
    to_next.saturating_add(p.saturating_sub(keep))
}
