//! pyo3 glue for secure random tokens (`bulwark.token_bytes`, ...; core's `random`), the
//! `secrets` module's functions on AWS-LC's CSPRNG.

use crate::IntoPy;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Reads a `secrets`-style size argument: None means the default, negatives are a ValueError.
fn token_size(nbytes: Option<i64>) -> PyResult<usize> {
    match nbytes {
        None => Ok(bulwark::random::DEFAULT_TOKEN_BYTES),
        Some(n) if n < 0 => Err(PyValueError::new_err("negative argument not allowed")),
        // On 64-bit targets every non-negative i64 fits; elsewhere too big is too big.
        Some(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
    }
}

/// Random bytes from the OS CSPRNG (as ``secrets.token_bytes``); 32 when ``nbytes`` is None.
#[pyfunction]
#[pyo3(signature = (nbytes=None))]
fn token_bytes(py: Python<'_>, nbytes: Option<i64>) -> PyResult<Bound<'_, PyBytes>> {
    let n = token_size(nbytes)?;
    bulwark::random::check_token_size(n).py(py)?;
    // Written straight into the bytes object: no intermediate copy of the secret.
    PyBytes::new_with(py, n, |buf| bulwark::random::fill(buf).py(py))
}

/// URL-safe text token of ``nbytes`` random bytes, base64url without padding (as
/// ``secrets.token_urlsafe``).
#[pyfunction]
#[pyo3(signature = (nbytes=None))]
fn token_urlsafe(py: Python<'_>, nbytes: Option<i64>) -> PyResult<String> {
    bulwark::random::token_urlsafe(token_size(nbytes)?).py(py)
}

/// Text token of ``nbytes`` random bytes as lower-case hex (as ``secrets.token_hex``).
#[pyfunction]
#[pyo3(signature = (nbytes=None))]
fn token_hex(py: Python<'_>, nbytes: Option<i64>) -> PyResult<String> {
    bulwark::random::token_hex(token_size(nbytes)?).py(py)
}

/// Random base32 secret of ``length`` characters for TOTP/HOTP (as ``pyotp.random_base32``).
#[pyfunction]
#[pyo3(signature = (length=32))]
fn random_base32(py: Python<'_>, length: i64) -> PyResult<String> {
    let chars = usize::try_from(length)
        .map_err(|_| PyValueError::new_err("length must not be negative"))?;
    bulwark::random::random_base32(chars).py(py)
}

/// Registers this module's functions on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(token_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(token_urlsafe, m)?)?;
    m.add_function(wrap_pyfunction!(token_hex, m)?)?;
    m.add_function(wrap_pyfunction!(random_base32, m)?)?;
    Ok(())
}
