//! A cache of prepared keys for callers handed raw key material on every call (PyJWT's
//! `jwt.decode(token, key, algorithms=[...])` shape), so that a PEM is parsed and an HMAC secret
//! expanded once, not per token. Keys are typed by core's one rule
//! ([`VerifyingKey::for_algorithm`], [`SigningKey::for_algorithm`]).
//!
//! What it keeps, and for how long: entries are found by a keyed 128-bit PRF (two SipHash-1-3
//! under random keys of this process) of the material, never by a copy of it; at most
//! `capacity` entries; an entry unused for `idle` is dropped (checked on every miss and every
//! 256 hits, so the clock is not read per call), and the prepared keys wipe
//! themselves when the last user lets go. So a secret the application stopped using does not
//! stay in memory for the life of the process.

use super::{Algorithm, KeyType, SigningKey, VerifyingKey};
use crate::Result;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How the material was given: raw bytes (typed by the algorithm) or a JWK's JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Form {
    Raw,
    Jwk,
}

type Id = (Form, KeyType, u128);

struct Entry<K> {
    id: Id,
    key: Arc<K>,
    /// When the entry was last seen in use by a sweep (or made).
    last_used: Instant,
    /// Used since the last sweep.
    used: bool,
}

/// A short list (a service holds a handful of keys; `capacity` bounds it): a scan of a few
/// 128-bit ids costs less than hashing the id again for a map.
struct Map<K> {
    entries: Vec<Entry<K>>,
    /// Hits since the last sweep: the clock is read once per `SWEEP_EVERY` hits (and on every
    /// miss), not on every hit.
    hits: u32,
}

/// Hits between two sweeps of idle entries.
const SWEEP_EVERY: u32 = 256;

impl<K> Map<K> {
    /// Marks what was used since the last sweep as used now, and drops what was not used for
    /// longer than `idle`.
    fn sweep(&mut self, now: Instant, idle: Duration) {
        self.hits = 0;
        for e in &mut self.entries {
            if std::mem::take(&mut e.used) {
                e.last_used = now;
            }
        }
        self.entries
            .retain(|e| now.duration_since(e.last_used) <= idle);
    }
}

/// Prepared keys found again by their material. Thread-safe.
///
/// ```
/// use bulwark::jwt::{self, Algorithm, KeyCache, SigningKey, Validation, Verifier};
/// let cache = KeyCache::new(64, std::time::Duration::from_secs(300));
/// let secret = b"a secret of at least thirty-two bytes!";
/// let claims = bulwark::serde_json::json!({"sub": "ann"});
/// let token = jwt::encode(Algorithm::HS256, &*cache.signing(Algorithm::HS256, secret)?, &claims, None)?;
/// let key = cache.verifying(Algorithm::HS256, secret)?; // prepared once, then found again
/// assert!(std::sync::Arc::ptr_eq(&key, &cache.verifying(Algorithm::HS256, secret)?));
/// let verifier = Verifier::new((*key).clone(), Validation::new(&[Algorithm::HS256]))?;
/// assert_eq!(verifier.verify(&token)?.claims["sub"], "ann");
/// // Core's typing rule holds here too: a PEM public key is never an HMAC secret.
/// let pem = jwt::generate_pem(Algorithm::ES256)?.1;
/// assert!(cache.verifying(Algorithm::HS256, pem.as_bytes()).is_err());
/// # Ok::<(), bulwark::Error>(())
/// ```
pub struct KeyCache {
    verifying: Mutex<Map<VerifyingKey>>,
    signing: Mutex<Map<SigningKey>>,
    capacity: usize,
    idle: Duration,
    prf: (RandomState, RandomState),
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache")
            .field("capacity", &self.capacity)
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere cannot leave the map half-changed (inserts and removes are whole).
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl KeyCache {
    /// A cache of at most `capacity` keys of each kind (signing, verifying), each dropped after
    /// `idle` without use.
    #[must_use]
    pub fn new(capacity: usize, idle: Duration) -> Self {
        Self {
            verifying: Mutex::new(Map {
                entries: Vec::new(),
                hits: 0,
            }),
            signing: Mutex::new(Map {
                entries: Vec::new(),
                hits: 0,
            }),
            capacity: capacity.max(1),
            idle,
            prf: (RandomState::new(), RandomState::new()),
        }
    }

    fn id(&self, form: Form, t: KeyType, material: &[u8]) -> Id {
        let half = |s: &RandomState| {
            let mut h = s.build_hasher();
            h.write(material);
            h.finish()
        };
        (
            form,
            t,
            (u128::from(half(&self.prf.0)) << 64) | u128::from(half(&self.prf.1)),
        )
    }

    /// The verifying key `material` makes for `alg` (secret, PEM, SSH or JWK text, typed by
    /// [`VerifyingKey::for_algorithm`]).
    ///
    /// # Errors
    /// As [`VerifyingKey::for_algorithm`].
    pub fn verifying(&self, alg: Algorithm, material: &[u8]) -> Result<Arc<VerifyingKey>> {
        let id = self.id(Form::Raw, alg.key_type(), material);
        self.get_or(&self.verifying, id, || {
            VerifyingKey::for_algorithm(alg, material)
        })
    }

    /// The signing key `material` makes for `alg`, typed by [`SigningKey::for_algorithm`].
    ///
    /// # Errors
    /// As [`SigningKey::for_algorithm`].
    pub fn signing(&self, alg: Algorithm, material: &[u8]) -> Result<Arc<SigningKey>> {
        let id = self.id(Form::Raw, alg.key_type(), material);
        self.get_or(&self.signing, id, || {
            SigningKey::for_algorithm(alg, material)
        })
    }

    /// The verifying key of a JWK given as JSON text (its `kty` types it).
    ///
    /// # Errors
    /// As [`VerifyingKey::from_jwk`].
    pub fn verifying_jwk(&self, jwk_json: &str) -> Result<Arc<VerifyingKey>> {
        let id = self.id(Form::Jwk, KeyType::Hmac, jwk_json.as_bytes());
        self.get_or(&self.verifying, id, || VerifyingKey::from_jwk(jwk_json))
    }

    /// The signing key of a private JWK given as JSON text.
    ///
    /// # Errors
    /// As [`SigningKey::from_jwk`].
    pub fn signing_jwk(&self, jwk_json: &str) -> Result<Arc<SigningKey>> {
        let id = self.id(Form::Jwk, KeyType::Hmac, jwk_json.as_bytes());
        self.get_or(&self.signing, id, || SigningKey::from_jwk(jwk_json))
    }

    fn get_or<K>(
        &self,
        map: &Mutex<Map<K>>,
        id: Id,
        make: impl FnOnce() -> Result<K>,
    ) -> Result<Arc<K>> {
        {
            let mut m = lock(map);
            m.hits = m.hits.saturating_add(1);
            if m.hits >= SWEEP_EVERY {
                m.sweep(Instant::now(), self.idle);
            }
            if let Some(e) = m.entries.iter_mut().find(|e| e.id == id) {
                e.used = true;
                return Ok(Arc::clone(&e.key));
            }
        }
        // Prepared outside the lock: parsing an RSA key takes a while.
        let key = Arc::new(make()?);
        let now = Instant::now();
        let mut m = lock(map);
        m.sweep(now, self.idle);
        m.entries.retain(|e| e.id != id);
        if m.entries.len() >= self.capacity {
            if let Some(oldest) = m
                .entries
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(i, _)| i)
            {
                m.entries.swap_remove(oldest);
            }
        }
        m.entries.push(Entry {
            id,
            key: Arc::clone(&key),
            last_used: now,
            used: false,
        });
        Ok(key)
    }

    /// How many keys of both kinds the cache holds now (for tests and metrics).
    #[must_use]
    pub fn len(&self) -> usize {
        lock(&self.verifying).entries.len() + lock(&self.signing).entries.len()
    }

    /// Whether the cache holds no key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a secret of at least thirty-two bytes!";

    #[test]
    fn found_again_bounded_and_forgotten_when_idle() {
        let cache = KeyCache::new(3, Duration::from_millis(200));
        let a = cache.verifying(Algorithm::HS256, SECRET).unwrap();
        assert!(Arc::ptr_eq(
            &a,
            &cache.verifying(Algorithm::HS256, SECRET).unwrap()
        ));
        // HS384 types the same secret as the same HMAC key type: one entry serves both.
        assert!(Arc::ptr_eq(
            &a,
            &cache.verifying(Algorithm::HS384, SECRET).unwrap()
        ));
        for i in 0..10u8 {
            let mut other = SECRET.to_vec();
            other.push(i);
            cache.verifying(Algorithm::HS256, &other).unwrap();
        }
        assert!(cache.len() <= 3, "{}", cache.len());
        std::thread::sleep(Duration::from_millis(300));
        let b = cache.verifying(Algorithm::HS256, SECRET).unwrap();
        assert!(
            !Arc::ptr_eq(&a, &b),
            "an idle entry is dropped, not served again"
        );
        assert_eq!(cache.len(), 1, "expired entries are swept on insert");
    }

    #[test]
    fn idle_entries_are_swept_and_used_ones_kept() {
        let cache = KeyCache::new(8, Duration::from_millis(150));
        let idle = cache.verifying(Algorithm::HS256, SECRET).unwrap();
        let busy_secret = b"another secret of at least thirty-two bytes";
        let busy = cache.verifying(Algorithm::HS256, busy_secret).unwrap();
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(60));
            for _ in 0..SWEEP_EVERY {
                cache.verifying(Algorithm::HS256, busy_secret).unwrap(); // a sweep every 256 hits
            }
        }
        assert_eq!(cache.len(), 1, "the idle key was swept, the busy one kept");
        assert!(Arc::ptr_eq(
            &busy,
            &cache.verifying(Algorithm::HS256, busy_secret).unwrap()
        ));
        assert!(!Arc::ptr_eq(
            &idle,
            &cache.verifying(Algorithm::HS256, SECRET).unwrap()
        ));
    }

    #[test]
    fn typing_is_cores_and_errors_are_not_cached() {
        let cache = KeyCache::new(8, Duration::from_secs(60));
        let (private, public) = crate::jwt::generate_pem(Algorithm::ES256).unwrap();
        assert_eq!(
            cache
                .verifying(Algorithm::HS256, public.as_bytes())
                .unwrap_err()
                .kind(),
            crate::ErrorKind::InvalidKey
        );
        assert!(cache.verifying(Algorithm::ES256, public.as_bytes()).is_ok());
        assert!(cache.signing(Algorithm::ES256, private.as_bytes()).is_ok());
        assert!(cache.signing(Algorithm::ES256, b"not a key").is_err());
        assert_eq!(cache.len(), 2);
        let jwk = r#"{"kty":"oct","k":"YSBzZWNyZXQgb2YgYXQgbGVhc3QgdGhpcnR5LXR3byBieXRlcyE"}"#;
        assert!(Arc::ptr_eq(
            &cache.verifying_jwk(jwk).unwrap(),
            &cache.verifying_jwk(jwk).unwrap()
        ));
        let shown = format!("{cache:?}");
        assert!(!shown.contains("secret") && shown.contains("capacity"));
    }
}
