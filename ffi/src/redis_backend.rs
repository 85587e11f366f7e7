//! C door for Redis connection settings shared by every Redis-backed handle (the rate limiter,
//! the replay guard): TLS files and the circuit breaker, converted to core's `RedisOptions`.

use crate::guard::text;
use crate::result::Failure;
use std::ffi::c_char;
use std::time::Duration;

/// `bw_redis_options.breaker_failures`: the circuit breaker never opens.
pub const BW_BREAKER_NEVER: u32 = u32::MAX;

/// How a Redis store is reached beyond its URI (TLS files, circuit breaker), for
/// `bw_limiter_options.redis` and `bw_replay_guard_new_with_options`: set `size` and zero the
/// rest for the defaults (`bw_redis_options r = { sizeof r };`). TLS settings may also be given
/// in the URI's query (`rediss://host:6380/0?ssl_ca_certs=/etc/ca.pem`); both ways must agree.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bw_redis_options {
    /// `sizeof(bw_redis_options)` as the caller's header declares it (fields may be added at the
    /// end).
    pub size: usize,
    /// Path of a PEM file of the CAs that verify the server (NULL/0: the system's roots).
    pub ssl_ca_certs: *const c_char,
    /// Length of `ssl_ca_certs`.
    pub ssl_ca_certs_len: usize,
    /// Path of the PEM client certificate chain, for mutual TLS.
    pub ssl_certfile: *const c_char,
    /// Length of `ssl_certfile`.
    pub ssl_certfile_len: usize,
    /// Path of the PEM private key of `ssl_certfile`.
    pub ssl_keyfile: *const c_char,
    /// Length of `ssl_keyfile`.
    pub ssl_keyfile_len: usize,
    /// Accept any server certificate. Insecure: for throw-away test servers only.
    pub insecure_skip_verify: bool,
    /// Consecutive failures to reach a server that open its circuit breaker; 0 means 3,
    /// `BW_BREAKER_NEVER` never opens it.
    pub breaker_failures: u32,
    /// Milliseconds an open breaker fails calls at once before one call probes; 0 means 1000.
    pub breaker_cooldown_ms: u32,
}

/// Core's Redis options from the C struct (NULL: the defaults).
pub(crate) fn redis_options_from(
    o: Option<&bw_redis_options>,
) -> Result<bulwark::redis_backend::RedisOptions, Failure> {
    let mut options = bulwark::redis_backend::RedisOptions::default();
    let Some(o) = o else {
        return Ok(options);
    };
    let path = |ptr: *const c_char,
                len: usize,
                name: &str|
     -> Result<Option<std::path::PathBuf>, Failure> {
        // SAFETY: the caller guarantees each (ptr, len) pair of the struct.
        let t = unsafe { text(ptr, len, name) }?;
        Ok((!t.is_empty()).then(|| std::path::PathBuf::from(t)))
    };
    options.ssl_ca_certs = path(o.ssl_ca_certs, o.ssl_ca_certs_len, "ssl_ca_certs")?;
    options.ssl_certfile = path(o.ssl_certfile, o.ssl_certfile_len, "ssl_certfile")?;
    options.ssl_keyfile = path(o.ssl_keyfile, o.ssl_keyfile_len, "ssl_keyfile")?;
    options.insecure_skip_verify = o.insecure_skip_verify;
    options.breaker_failures = match o.breaker_failures {
        0 => options.breaker_failures,
        BW_BREAKER_NEVER => 0,
        n => n,
    };
    if o.breaker_cooldown_ms > 0 {
        options.breaker_cooldown = Duration::from_millis(u64::from(o.breaker_cooldown_ms));
    }
    Ok(options)
}

crate::guard::sized_struct! {
    bw_redis_options => bw_redis_options {
        size: 0,
        ssl_ca_certs: std::ptr::null(),
        ssl_ca_certs_len: 0,
        ssl_certfile: std::ptr::null(),
        ssl_certfile_len: 0,
        ssl_keyfile: std::ptr::null(),
        ssl_keyfile_len: 0,
        insecure_skip_verify: false,
        breaker_failures: 0,
        breaker_cooldown_ms: 0,
    };
}
