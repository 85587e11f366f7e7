//! Python door for Redis connection settings shared by every Redis-backed class
//! (`RateLimiter`, `ReplayGuard`, the `limits` storages): keyword arguments converted to core's
//! `RedisOptions`.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// Core's Redis connection options from a door's keyword arguments: `ssl_ca_certs`,
/// `ssl_certfile`, `ssl_keyfile` (str or path), `ssl_cert_reqs` (core's rule),
/// `insecure_skip_verify` (bool),
/// `breaker_failures` (int), `breaker_cooldown` (seconds). Any other keyword is a `TypeError`
/// naming it; the values' rules (files readable, TLS URI) are core's, checked when the store opens.
pub(crate) fn redis_options(
    kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
) -> PyResult<bulwark::redis_backend::RedisOptions> {
    let mut o = bulwark::redis_backend::RedisOptions::default();
    let Some(kwargs) = kwargs else {
        return Ok(o);
    };
    for (name, value) in kwargs.iter() {
        let name: String = name.extract()?;
        if value.is_none() {
            continue;
        }
        match name.as_str() {
            "ssl_ca_certs" => o.ssl_ca_certs = Some(value.extract()?),
            "ssl_certfile" => o.ssl_certfile = Some(value.extract()?),
            "ssl_keyfile" => o.ssl_keyfile = Some(value.extract()?),
            "insecure_skip_verify" => o.insecure_skip_verify = value.extract()?,
            "ssl_cert_reqs" => {
                // redis-py takes a string or an ssl.VerifyMode; core decides which are accepted.
                let text: String = match value.getattr("name") {
                    Ok(name) => name.extract()?,
                    Err(_) => value.str()?.extract()?,
                };
                bulwark::redis_backend::check_ssl_cert_reqs(&text)
                    .map_err(|e| crate::to_pyerr(value.py(), &e))?;
            }
            "breaker_failures" => {
                let n: i64 = value.extract()?;
                o.breaker_failures = u32::try_from(n).map_err(|_| {
                    PyValueError::new_err(format!(
                        "breaker_failures must be a count from 0 (never open), got {n}"
                    ))
                })?;
            }
            "breaker_cooldown" => {
                let secs: f64 = value.extract()?;
                o.breaker_cooldown = std::time::Duration::try_from_secs_f64(secs)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| {
                        PyValueError::new_err(format!(
                            "breaker_cooldown must be a positive number of seconds, got {secs}"
                        ))
                    })?;
            }
            other => {
                return Err(PyTypeError::new_err(format!(
                    "unexpected keyword argument {other:?} (Redis options: ssl_ca_certs, \
                     ssl_certfile, ssl_keyfile, ssl_cert_reqs, insecure_skip_verify, \
                     breaker_failures, breaker_cooldown)"
                )))
            }
        }
    }
    Ok(o)
}
