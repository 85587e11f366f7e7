//! The in-process store: sharded, exact under contention (one shard lock per decision, all of a
//! key's rates under it), and bounded: at most `max_keys` keys, idle keys expire, and when full a
//! shard first drops expired keys, then the least recently used of a small sample.

use super::{step, Decision, Rate, State, Strategy};
use crate::{Error, Result};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;

const SHARDS: usize = 64;
/// Keys looked at when a full shard must evict a live key.
const EVICTION_SAMPLE: usize = 8;
/// The default bound on keys.
pub const DEFAULT_MAX_KEYS: usize = 1 << 20;

struct Entry {
    states: Vec<(Strategy, Rate, State)>,
    expires_at: u64,
    last_used: u64,
}

#[derive(Default)]
struct Shard {
    map: HashMap<String, Entry>,
    next_sweep: u64,
}

/// A thread-safe in-memory store with a bounded number of keys.
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

    fn shard(&self, key: &str) -> Result<std::sync::MutexGuard<'_, Shard>> {
        let i = usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or(0);
        self.shards
            .get(i)
            .ok_or_else(|| Error::internal("shard index out of range"))?
            .lock()
            .map_err(|_| Error::internal("a rate-limit shard lock was poisoned"))
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
    ) -> Result<Vec<Decision>> {
        if rates.is_empty() {
            return Err(Error::invalid_input("no rate given"));
        }
        let mut shard = self.shard(key)?;
        if !shard.map.contains_key(key) {
            // A first hit: decide on empty states; insert only when something is counted.
            let mut states = vec![State::Empty; rates.len()];
            let decisions = decide(strategy, &mut states, rates, cost, now, peek);
            if decisions.iter().all(|d| d.allowed) && !peek {
                if shard.map.len() >= self.per_shard {
                    make_room(&mut shard, now, self.per_shard);
                }
                let expires_at = expiry(&states, rates, now);
                shard.map.insert(
                    key.to_owned(),
                    Entry {
                        states: rates
                            .iter()
                            .zip(states)
                            .map(|(r, st)| (strategy, *r, st))
                            .collect(),
                        expires_at,
                        last_used: now,
                    },
                );
            }
            return Ok(decisions);
        }
        let Some(entry) = shard.map.get_mut(key) else {
            return Err(Error::internal("rate-limit entry vanished under its lock"));
        };
        // Line the entry's states up with the rates asked for (new rates start empty).
        for r in rates {
            if !entry
                .states
                .iter()
                .any(|(s, rr, _)| *s == strategy && rr == r)
            {
                entry.states.push((strategy, *r, State::Empty));
            }
        }
        // Move the states out (O(1) each), decide with the shared helper, move them back.
        let mut states = rates
            .iter()
            .map(|r| state_for(&mut entry.states, strategy, r).map(std::mem::take))
            .collect::<Result<Vec<State>>>()?;
        let decisions = decide(strategy, &mut states, rates, cost, now, peek);
        for (r, st) in rates.iter().zip(states) {
            *state_for(&mut entry.states, strategy, r)? = st;
        }
        if !peek && decisions.iter().all(|d| d.allowed) {
            let expires_at = entry
                .states
                .iter()
                .map(|(_, r, st)| st.expires_at(r))
                .max()
                .unwrap_or(now);
            entry.expires_at = entry.expires_at.max(expires_at);
            entry.last_used = now;
        }
        Ok(decisions)
    }

    /// Forgets everything recorded for `key`.
    ///
    /// # Errors
    /// `Internal` for a poisoned lock.
    pub fn reset(&self, key: &str) -> Result<()> {
        self.shard(key)?.map.remove(key);
        Ok(())
    }

    /// How many keys are held (expired ones included until they are swept).
    #[must_use]
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |s| s.map.len()))
            .sum()
    }

    /// Whether no key is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Decides every rate on `states` (peeking), then commits all of them if all allow and this is
/// not a peek.
fn decide(
    strategy: Strategy,
    states: &mut [State],
    rates: &[Rate],
    cost: u64,
    now: u64,
    peek: bool,
) -> Vec<Decision> {
    let mut decisions: Vec<Decision> = states
        .iter_mut()
        .zip(rates)
        .map(|(st, r)| step(strategy, st, r, cost, now, true))
        .collect();
    if !decisions.iter().all(|d| d.allowed) {
        for d in &mut decisions {
            d.allowed = false;
        }
    } else if !peek {
        for ((d, st), r) in decisions.iter_mut().zip(states.iter_mut()).zip(rates) {
            *d = step(strategy, st, r, cost, now, false);
        }
    }
    decisions
}

fn expiry(states: &[State], rates: &[Rate], now: u64) -> u64 {
    states
        .iter()
        .zip(rates)
        .map(|(st, r)| st.expires_at(r))
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

/// Frees one slot in a full shard: expired keys first (a sweep at most once a second), else the
/// least recently used of a few keys.
fn make_room(shard: &mut Shard, now: u64, cap: usize) {
    if now >= shard.next_sweep {
        shard.map.retain(|_, e| e.expires_at > now);
        shard.next_sweep = now.saturating_add(super::MICROS);
    }
    if shard.map.len() < cap {
        return;
    }
    let victim = shard
        .map
        .iter()
        .take(EVICTION_SAMPLE)
        .min_by_key(|(_, e)| e.last_used)
        .map(|(k, _)| k.clone());
    if let Some(k) = victim {
        shard.map.remove(&k);
    }
}
