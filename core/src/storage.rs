//! The one choice of where a small security store lives (the OTP replay guard, pending OAuth
//! authorizations): `memory://` in this process, or Redis in any topology for a fleet.

#[cfg(feature = "redis")]
use crate::redis_backend::{is_redis_uri, Redis, RedisOptions};
use crate::{Error, Result};
use std::time::Duration;

/// Where a store lives.
pub(crate) enum Storage {
    /// This process's memory.
    Memory,
    /// A Redis deployment (the connection, prefix already checked).
    #[cfg(feature = "redis")]
    Redis(Box<Redis>),
}

/// Opens `storage` for the store called `what` (in messages): `memory://` (with or without a
/// query), or a Redis URI with `prefix` for its keys.
///
/// # Errors
/// `InvalidInput` for another scheme, a malformed Redis URI or option, TLS options given for
/// memory, a prefix with `{` or `}`, or a Redis URI in a build without the `redis` feature.
pub(crate) fn open(
    storage: &str,
    what: &str,
    prefix: &str,
    timeout: Duration,
    #[cfg(feature = "redis")] options: &RedisOptions,
) -> Result<Storage> {
    let unsupported = || {
        Error::invalid_input(format!(
            "unsupported {what} storage {:?}: use memory:// or a Redis URI",
            storage
                .split("://")
                .next()
                .unwrap_or("")
                .chars()
                .take(32)
                .collect::<String>()
        ))
    };
    if storage == "memory://" || storage.starts_with("memory://?") {
        #[cfg(feature = "redis")]
        options.refuse_tls_for(storage)?;
        return Ok(Storage::Memory);
    }
    if !(storage.starts_with("redis") || storage.starts_with("unix://")) {
        return Err(unsupported());
    }
    #[cfg(feature = "redis")]
    {
        if !is_redis_uri(storage) {
            return Err(unsupported());
        }
        crate::ratelimit::redis_store::check_prefix(prefix)?;
        Ok(Storage::Redis(Box::new(Redis::open(
            storage, timeout, options,
        )?)))
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = (prefix, timeout);
        Err(Error::invalid_input(
            "redis:// storage needs bulwark's `redis` feature (this build was made without it)",
        ))
    }
}
