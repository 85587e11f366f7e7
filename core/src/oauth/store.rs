//! Pending authorizations: the `state`, `nonce` and PKCE verifier of each authorization request
//! a client started, bound to the session (or client) that started it, single-use and expiring,
//! in memory or in Redis (the replay guard's stores), so a replayed callback is refused by every
//! process.

use super::pkce::CodeVerifier;
#[cfg(feature = "redis")]
use crate::redis_backend::{Redis, RedisOptions};
use crate::{Error, ErrorKind, Result};
#[cfg(feature = "redis")]
use serde_json::{json, Value};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::Duration;
use zeroize::Zeroizing;

const SHARDS: usize = 16;
/// Longest binding accepted (a session id, a client id), in bytes.
pub const MAX_BINDING_LEN: usize = 1024;
/// Longest lifetime of a pending authorization.
pub const MAX_TTL: Duration = Duration::from_secs(3600);

/// Options of an [`AuthorizationStore`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Redis key prefix (default `bulwark:oauth:`).
    pub prefix: String,
    /// Redis deadline of one operation, connecting included (default 500 ms).
    pub timeout: Duration,
    /// Redis TLS files and circuit breaker (the topology comes from the storage URI).
    #[cfg(feature = "redis")]
    pub redis: RedisOptions,
    /// Pending authorizations the memory store holds at most (default 1,048,576); when it is
    /// full of live ones a new one is refused (`Backend`) rather than forgetting one.
    pub max_pending: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            prefix: "bulwark:oauth:".to_owned(),
            timeout: Duration::from_millis(500),
            #[cfg(feature = "redis")]
            redis: RedisOptions::default(),
            max_pending: 1 << 20,
        }
    }
}

/// One authorization request in flight: what goes into the authorization URL (`state`, `nonce`,
/// the verifier's challenge) and what the callback needs back (the verifier, the redirect URI).
#[derive(Clone, PartialEq, Eq)]
pub struct PendingAuthorization {
    /// The `state` parameter: 256 random bits, base64url.
    pub state: String,
    /// The OpenID Connect `nonce`: 256 random bits, base64url.
    pub nonce: String,
    /// The PKCE code verifier (secret).
    pub code_verifier: CodeVerifier,
    /// The redirect URI the request was made with (the token request repeats it).
    pub redirect_uri: String,
}

impl std::fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("state", &self.state)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Stored per state: SHA-256 of the binding, the nonce, the verifier, the redirect URI.
struct Record {
    binding: [u8; 32],
    nonce: String,
    verifier: Zeroizing<String>,
    redirect_uri: String,
    expires_ms: u128,
}

#[derive(Default)]
struct Shard {
    map: HashMap<[u8; 32], Record>,
    next_sweep_ms: u128,
}

enum Backing {
    Memory {
        shards: Box<[Mutex<Shard>]>,
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
    take: redis::Script,
}

/// Get and delete in one step (any Redis version, one key so any topology).
#[cfg(feature = "redis")]
const TAKE_SCRIPT: &str = r"
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v
";

/// Keeps pending authorizations, in memory (one process) or Redis (a fleet). Thread-safe.
///
/// ```
/// use bulwark::oauth::AuthorizationStore;
/// use std::time::Duration;
/// let store = AuthorizationStore::new("memory://", &Default::default())?;
/// let pending = store.begin("session-7", "https://app.example/cb", Duration::from_secs(600))?;
/// let back = store.finish(&pending.state, "session-7")?;          // the callback, once
/// assert_eq!(back.code_verifier, pending.code_verifier);
/// let again = store.finish(&pending.state, "session-7").unwrap_err(); // replayed
/// assert_eq!(again.kind(), bulwark::ErrorKind::Replayed);
/// # Ok::<(), bulwark::Error>(())
/// ```
pub struct AuthorizationStore {
    backing: Backing,
}

impl std::fmt::Debug for AuthorizationStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.backing {
            Backing::Memory { .. } => "memory".to_owned(),
            #[cfg(feature = "redis")]
            Backing::Redis(r) => r.redis.addr().to_owned(),
        };
        f.debug_struct("AuthorizationStore")
            .field("store", &kind)
            .finish_non_exhaustive()
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

fn replayed() -> Error {
    Error::new(
        ErrorKind::Replayed,
        "unknown, already used or expired OAuth state (a replayed or forged callback)",
    )
}

impl AuthorizationStore {
    /// A store on `storage`: `memory://`, or Redis in any topology (`redis://…`, `rediss://…`,
    /// `redis+cluster://…`, `redis+sentinel://…`).
    ///
    /// # Errors
    /// `InvalidInput` for another scheme, a malformed Redis URI or option, or a prefix with `{`
    /// or `}`.
    pub fn new(storage: &str, options: &StoreOptions) -> Result<Self> {
        let backing = match crate::storage::open(
            storage,
            "OAuth store",
            &options.prefix,
            options.timeout,
            #[cfg(feature = "redis")]
            &options.redis,
        )? {
            crate::storage::Storage::Memory => Backing::Memory {
                shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
                per_shard: options.max_pending.div_ceil(SHARDS).max(1),
                hasher: std::collections::hash_map::RandomState::new(),
            },
            #[cfg(feature = "redis")]
            crate::storage::Storage::Redis(redis) => Backing::Redis(Box::new(RedisBacking {
                redis: *redis,
                prefix: options.prefix.clone(),
                take: redis::Script::new(TAKE_SCRIPT),
            })),
        };
        Ok(Self { backing })
    }

    /// Starts an authorization request for `binding` (the session or client that makes it:
    /// only the same binding can finish it) with a fresh `state`, `nonce` and PKCE verifier,
    /// kept for `ttl` (1 s to 1 h).
    ///
    /// # Errors
    /// `InvalidInput` for an empty or over-long binding, an empty redirect URI or a ttl out of
    /// range; `Backend` when the store fails or is full of live requests.
    pub fn begin(
        &self,
        binding: &str,
        redirect_uri: &str,
        ttl: Duration,
    ) -> Result<PendingAuthorization> {
        if binding.is_empty() || binding.len() > MAX_BINDING_LEN {
            return Err(Error::invalid_input(format!(
                "an OAuth binding (session or client id) is 1 to {MAX_BINDING_LEN} bytes"
            )));
        }
        if redirect_uri.is_empty() {
            return Err(Error::invalid_input("the redirect URI is empty"));
        }
        if ttl < Duration::from_secs(1) || ttl > MAX_TTL {
            return Err(Error::invalid_input(
                "a pending authorization lives 1 second to 1 hour",
            ));
        }
        let pending = PendingAuthorization {
            state: crate::random::token_urlsafe(32)?,
            nonce: crate::random::token_urlsafe(32)?,
            code_verifier: CodeVerifier::generate()?,
            redirect_uri: redirect_uri.to_owned(),
        };
        let key = sha256(pending.state.as_bytes());
        let record = Record {
            binding: sha256(binding.as_bytes()),
            nonce: pending.nonce.clone(),
            verifier: Zeroizing::new(pending.code_verifier.as_str().to_owned()),
            redirect_uri: pending.redirect_uri.clone(),
            expires_ms: now_ms().saturating_add(ttl.as_millis()),
        };
        match &self.backing {
            Backing::Memory {
                shards,
                per_shard,
                hasher,
            } => {
                let mut shard = Self::shard(shards, hasher, &key)?;
                if shard.map.len() >= *per_shard {
                    let now = now_ms();
                    if now >= shard.next_sweep_ms {
                        shard.map.retain(|_, r| r.expires_ms > now);
                        shard.next_sweep_ms = now.saturating_add(1000);
                    }
                    if shard.map.len() >= *per_shard {
                        return Err(Error::backend(
                            "the OAuth store is full of pending authorizations",
                        ));
                    }
                }
                shard.map.insert(key, record);
            }
            #[cfg(feature = "redis")]
            Backing::Redis(r) => {
                let value = Zeroizing::new(
                    json!({
                        "b": crate::encoding::hex_encode(&record.binding),
                        "n": record.nonce,
                        "v": record.verifier.as_str(),
                        "r": record.redirect_uri,
                    })
                    .to_string(),
                );
                let redis_key = format!("{}{}", r.prefix, crate::encoding::hex_encode(&key));
                let mut cmd = redis::cmd("SET");
                cmd.arg(&redis_key)
                    .arg(value.as_str())
                    .arg("PX")
                    .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX))
                    .arg("NX");
                let stored: Option<String> = r.redis.query(&redis_key, &cmd)?;
                if stored.is_none() {
                    return Err(Error::internal("a fresh OAuth state collided"));
                }
            }
        }
        Ok(pending)
    }

    fn shard<'a>(
        shards: &'a [Mutex<Shard>],
        hasher: &std::collections::hash_map::RandomState,
        key: &[u8; 32],
    ) -> Result<std::sync::MutexGuard<'a, Shard>> {
        let i = usize::try_from(hasher.hash_one(key) % SHARDS as u64).unwrap_or(0);
        Ok(shards
            .get(i)
            .ok_or_else(|| Error::internal("OAuth store shard out of range"))?
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Finishes the authorization request of `state` for `binding`, once: the pending request
    /// is removed whatever the outcome, so a second callback with the same state is refused.
    ///
    /// # Errors
    /// `Replayed` for a state never issued, already used or expired; `VerificationFailed` when
    /// `binding` is not the one that started it (a callback delivered to another session);
    /// `Backend` when the store fails.
    pub fn finish(&self, state: &str, binding: &str) -> Result<PendingAuthorization> {
        if state.is_empty() || state.len() > 512 {
            return Err(replayed());
        }
        let key = sha256(state.as_bytes());
        let record = match &self.backing {
            Backing::Memory { shards, hasher, .. } => {
                let mut shard = Self::shard(shards, hasher, &key)?;
                let record = shard.map.remove(&key).ok_or_else(replayed)?;
                if record.expires_ms <= now_ms() {
                    return Err(replayed());
                }
                record
            }
            #[cfg(feature = "redis")]
            Backing::Redis(r) => {
                let redis_key = format!("{}{}", r.prefix, crate::encoding::hex_encode(&key));
                let mut invocation = r.take.prepare_invoke();
                invocation.key(&redis_key);
                let value: Option<String> = r.redis.invoke(&redis_key, &invocation)?;
                let value = Zeroizing::new(value.ok_or_else(replayed)?);
                let parsed: Value = serde_json::from_str(&value)
                    .map_err(|_| Error::backend("a stored OAuth state is unreadable"))?;
                let text = |k: &str| {
                    parsed
                        .get(k)
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .ok_or_else(|| Error::backend("a stored OAuth state is unreadable"))
                };
                let binding = crate::encoding::hex_decode(&text("b")?)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| Error::backend("a stored OAuth state is unreadable"))?;
                Record {
                    binding,
                    nonce: text("n")?,
                    verifier: Zeroizing::new(text("v")?),
                    redirect_uri: text("r")?,
                    expires_ms: 0,
                }
            }
        };
        if !crate::ct::eq(&record.binding, &sha256(binding.as_bytes())) {
            return Err(Error::verification_failed(
                "the OAuth callback belongs to another session",
            ));
        }
        Ok(PendingAuthorization {
            state: state.to_owned(),
            nonce: record.nonce,
            code_verifier: CodeVerifier::new(&record.verifier)?,
            redirect_uri: record.redirect_uri,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_use_bound_and_bounded() {
        let store = AuthorizationStore::new("memory://", &StoreOptions::default()).unwrap();
        let ttl = Duration::from_secs(60);
        let p = store.begin("s1", "https://a.example/cb", ttl).unwrap();
        assert_eq!(p.state.len(), 43);
        assert_ne!(p.state, p.nonce);
        let e = store.finish(&p.state, "s2").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VerificationFailed);
        // A wrong binding burns the state.
        assert_eq!(
            store.finish(&p.state, "s1").unwrap_err().kind(),
            ErrorKind::Replayed
        );
        let p = store.begin("s1", "https://a.example/cb", ttl).unwrap();
        let back = store.finish(&p.state, "s1").unwrap();
        assert_eq!((back.nonce, back.redirect_uri), (p.nonce, p.redirect_uri));
        assert_eq!(
            store.finish("forged", "s1").unwrap_err().kind(),
            ErrorKind::Replayed
        );
        assert!(store.begin("", "https://a.example/cb", ttl).is_err());
        assert!(store
            .begin("s", "https://a.example/cb", Duration::from_secs(7200))
            .is_err());
        let small = AuthorizationStore::new(
            "memory://",
            &StoreOptions {
                max_pending: 16,
                ..StoreOptions::default()
            },
        )
        .unwrap();
        let mut refused = 0;
        for _ in 0..64 {
            if small.begin("s", "https://a.example/cb", ttl).is_err() {
                refused += 1;
            }
        }
        assert!(refused > 0);
        assert!(AuthorizationStore::new("ftp://x", &StoreOptions::default()).is_err());
    }

    #[test]
    fn expired_states_are_refused() {
        let store = AuthorizationStore::new("memory://", &StoreOptions::default()).unwrap();
        let p = store
            .begin("s", "https://a.example/cb", Duration::from_secs(1))
            .unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(
            store.finish(&p.state, "s").unwrap_err().kind(),
            ErrorKind::Replayed
        );
    }
}
