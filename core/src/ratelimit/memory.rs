//! The in-process store: sharded, exact under contention (one shard lock per decision, all of a
//! key's rates under it), and bounded: at most `max_keys` keys, and idle keys expire.
//!
//! The eviction rule, when a shard is full and a new key must be counted: first the keys that
//! expired are dropped (a sweep of the shard at most once a second); else one key is evicted,
//! the least recently used (hits that were denied count as use) of a sample of up to 8 keys
//! that are not being denied right now. A key that is being denied (its last hit was refused
//! and its retry time has not come) is evicted only when the first 64 keys looked at are all
//! being denied. So a flood of fresh keys cannot reset a key that is being held back, and the
//! work per hit stays bounded.

use super::{step, Decisions, Rate, State, Strategy};
use crate::{Error, Result};
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::sync::Mutex;

const SHARDS: usize = 64;
/// Keys not being denied that a full shard compares before evicting the least recently used.
const EVICTION_SAMPLE: usize = 8;
/// Keys a full shard looks at, at most, for that sample (bounds the work per hit).
const EVICTION_SCAN: usize = 64;
/// The default bound on keys.
pub const DEFAULT_MAX_KEYS: usize = 1 << 20;

struct Entry {
    key: Box<str>,
    /// The key's hash, computed once per request: it picks the shard and the slot.
    hash: u64,
    states: Vec<(Strategy, Rate, State)>,
    expires_at: u64,
    last_used: u64,
    /// Until when the key is being denied (its last hit was refused): evicted last.
    denied_until: u64,
}

#[derive(Default)]
struct Shard {
    map: HashTable<Entry>,
    next_sweep: u64,
}

impl Shard {
    fn find_mut(&mut self, hash: u64, key: &str) -> Option<&mut Entry> {
        self.map
            .find_mut(hash, |e| e.hash == hash && *e.key == *key)
    }

    fn remove(&mut self, hash: u64, key: &str) {
        if let Ok(slot) = self
            .map
            .find_entry(hash, |e| e.hash == hash && *e.key == *key)
        {
            slot.remove();
        }
    }
}

/// A thread-safe in-memory store with a bounded number of keys. Most callers use it through
/// [`Limiter`](super::limiter::Limiter) with `memory://` (or `memory://?max_keys=N`).
///
/// ```
/// use bulwark::ratelimit::{memory::MemoryStore, parse, Strategy};
/// let store = MemoryStore::new(10_000);
/// let rates = parse("2/second")?;
/// let now = 1_700_000_000_000_000; // microseconds
/// for allowed in [true, true, false] {
///     let d = store.apply(Strategy::FixedWindow, "ip:203.0.113.7", &rates, 1, now, false)?;
///     assert_eq!(d[0].allowed, allowed);
/// }
/// # Ok::<(), bulwark::Error>(())
/// ```
pub struct MemoryStore {
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
    hasher: std::collections::hash_map::RandomState,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("max_keys", &(self.per_shard * SHARDS))
            .finish_non_exhaustive()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_KEYS)
    }
}

impl MemoryStore {
    /// A store keeping at most about `max_keys` keys (rounded up to a multiple of the shards).
    #[must_use]
    pub fn new(max_keys: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            per_shard: max_keys.div_ceil(SHARDS).max(1),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    /// The key's (keyed, flood-resistant) hash and its shard, locked. The shard comes from bits
    /// the shard's table does not use for slots (it uses the low ones and the top seven).
    fn shard(&self, key: &str) -> Result<(u64, std::sync::MutexGuard<'_, Shard>)> {
        let hash = self.hasher.hash_one(key);
        let i = usize::try_from((hash >> 40) % SHARDS as u64).unwrap_or(0);
        let shard = self
            .shards
            .get(i)
            .ok_or_else(|| Error::internal("shard index out of range"))?
            .lock()
            .unwrap_or_else(|poisoned| {
                // Counters stay usable after a panic elsewhere: a limiter that refuses every
                // later request on the shard would be worse than a count off by one.
                poisoned.into_inner()
            });
        Ok((hash, shard))
    }

    /// Applies a request of `cost` against every rate of `key` at `now` (microseconds): allowed
    /// only if every rate allows it, and then counted against all of them; counted against none
    /// when any denies (or when `peek`). Returns one decision per rate, in order.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidInput`] for no rates; `Internal` for a poisoned lock.
    pub fn apply(
        &self,
        strategy: Strategy,
        key: &str,
        rates: &[Rate],
        cost: u64,
        now: u64,
        peek: bool,
    ) -> Result<Decisions> {
        if rates.is_empty() {
            return Err(Error::invalid_input("no rate given"));
        }
        let (hash, mut shard) = self.shard(key)?;
        if let Some(entry) = shard.find_mut(hash, key) {
            // New rates for this key start empty.
            line_up(&mut entry.states, strategy, rates);
            let decisions = decide(strategy, &mut entry.states, rates, cost, now, peek)?;
            if !peek {
                entry.last_used = entry.last_used.max(now);
                if decisions.iter().all(|d| d.allowed) {
                    let expires_at = expiry(&entry.states, now);
                    entry.expires_at = entry.expires_at.max(expires_at);
                } else {
                    // Denied: held back until the retry time (bounded by the key's own expiry,
                    // so a cost that can never pass does not pin the key forever).
                    let retry = decisions
                        .iter()
                        .map(|d| d.retry_after_us)
                        .max()
                        .unwrap_or(0);
                    let until = now.saturating_add(retry).min(entry.expires_at);
                    entry.denied_until = entry.denied_until.max(until);
                }
            }
            return Ok(decisions);
        }
        // A first hit: decide on empty states; insert only when something is counted.
        let mut states = Vec::with_capacity(rates.len());
        line_up(&mut states, strategy, rates);
        let decisions = decide(strategy, &mut states, rates, cost, now, peek)?;
        if !peek && decisions.iter().all(|d| d.allowed) {
            if shard.map.len() >= self.per_shard {
                make_room(&mut shard, now, self.per_shard);
            }
            let expires_at = expiry(&states, now);
            shard.map.insert_unique(
                hash,
                Entry {
                    key: key.into(),
                    hash,
                    states,
                    expires_at,
                    last_used: now,
                    denied_until: 0,
                },
                |e| e.hash,
            );
        }
        Ok(decisions)
    }

    /// Gives back `cost` units of an earlier counted hit of `key` against every one of `rates`
    /// (see [`super::refund`]); nothing happens for a key no longer held.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidInput`] for no rates.
    pub fn refund(
        &self,
        strategy: Strategy,
        key: &str,
        rates: &[Rate],
        cost: u64,
        now: u64,
    ) -> Result<()> {
        if rates.is_empty() {
            return Err(Error::invalid_input("no rate given"));
        }
        let (hash, mut shard) = self.shard(key)?;
        if let Some(entry) = shard.find_mut(hash, key) {
            for (i, r) in rates.iter().enumerate() {
                // A rate listed twice is one state, counted once: give back once.
                if rates.get(..i).is_some_and(|e| e.contains(r)) {
                    continue;
                }
                if let Some((_, _, st)) = entry
                    .states
                    .iter_mut()
                    .find(|(s, rr, _)| *s == strategy && rr == r)
                {
                    super::refund(strategy, st, r, cost, now);
                }
            }
        }
        Ok(())
    }

    /// Forgets everything recorded for `key`.
    ///
    /// # Errors
    /// `Internal` for a poisoned lock.
    pub fn reset(&self, key: &str) -> Result<()> {
        let (hash, mut shard) = self.shard(key)?;
        shard.remove(hash, key);
        Ok(())
    }

    /// How many keys are held (expired ones included until they are swept).
    #[must_use]
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.lock()
                    .map_or_else(|p| p.into_inner().map.len(), |s| s.map.len())
            })
            .sum()
    }

    /// Whether no key is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Adds an empty state for each of `rates` that `states` does not hold yet.
fn line_up(states: &mut Vec<(Strategy, Rate, State)>, strategy: Strategy, rates: &[Rate]) {
    for r in rates {
        if !states.iter().any(|(s, rr, _)| *s == strategy && rr == r) {
            states.push((strategy, *r, State::Empty));
        }
    }
}

/// Decides every rate on its state (peeking), then commits all of them if all allow and this is
/// not a peek: a request is counted against every rate or none. The one decision path for new
/// and existing keys.
fn decide(
    strategy: Strategy,
    states: &mut [(Strategy, Rate, State)],
    rates: &[Rate],
    cost: u64,
    now: u64,
    peek: bool,
) -> Result<Decisions> {
    if let [r] = rates {
        // One rate: its own step decides and (when allowed, not peeking) commits.
        let d = step(
            strategy,
            state_for(states, strategy, r)?,
            r,
            cost,
            now,
            peek,
        );
        let mut one = Decisions::new();
        one.push(d);
        return Ok(one);
    }
    let mut decisions = Decisions::with_capacity(rates.len());
    for r in rates {
        decisions.push(step(
            strategy,
            state_for(states, strategy, r)?,
            r,
            cost,
            now,
            true,
        ));
    }
    if !decisions.iter().all(|d| d.allowed) {
        for d in &mut decisions {
            d.allowed = false;
        }
    } else if !peek {
        for (i, r) in rates.iter().enumerate() {
            // A rate listed twice is one state: count it once.
            let earlier = rates.get(..i).and_then(|e| e.iter().position(|e| e == r));
            let d = match earlier.and_then(|j| decisions.get(j)) {
                Some(d) => *d,
                None => step(
                    strategy,
                    state_for(states, strategy, r)?,
                    r,
                    cost,
                    now,
                    false,
                ),
            };
            if let Some(slot) = decisions.get_mut(i) {
                *slot = d;
            }
        }
    }
    Ok(decisions)
}

/// When the last of `states` runs out (microseconds).
fn expiry(states: &[(Strategy, Rate, State)], now: u64) -> u64 {
    states
        .iter()
        .map(|(_, r, st)| st.expires_at(r))
        .max()
        .unwrap_or(now)
}

fn state_for<'a>(
    states: &'a mut [(Strategy, Rate, State)],
    strategy: Strategy,
    rate: &Rate,
) -> Result<&'a mut State> {
    states
        .iter_mut()
        .find(|(s, r, _)| *s == strategy && r == rate)
        .map(|(_, _, st)| st)
        .ok_or_else(|| Error::internal("rate-limit state missing under its lock"))
}

/// Frees one slot in a full shard, by the rule in the module docs.
fn make_room(shard: &mut Shard, now: u64, cap: usize) {
    if now >= shard.next_sweep {
        shard.map.retain(|e| e.expires_at > now);
        shard.next_sweep = now.saturating_add(super::MICROS);
    }
    if shard.map.len() < cap {
        return;
    }
    // The least recently used key not being denied among the first EVICTION_SAMPLE such keys,
    // else (all of the EVICTION_SCAN looked at are denied) the least recently used of those.
    let (mut free, mut denied): (Option<&Entry>, Option<&Entry>) = (None, None);
    let mut free_seen = 0;
    for e in shard.map.iter().take(EVICTION_SCAN) {
        let slot = if e.denied_until > now {
            &mut denied
        } else {
            free_seen += 1;
            &mut free
        };
        if slot.is_none_or(|best| e.last_used < best.last_used) {
            *slot = Some(e);
        }
        if free_seen >= EVICTION_SAMPLE {
            break;
        }
    }
    let victim = free.or(denied).map(|e| (e.hash, e.key.clone()));
    if let Some((hash, key)) = victim {
        shard.remove(hash, &key);
    }
}
