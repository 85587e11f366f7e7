//! pyo3 glue for `bulwark.apikey`: key generation, parsing and the peppered `KeyHasher`.

use crate::IntoPy;
use bulwark::apikey::{self, KeyHasher};
use pyo3::prelude::*;

/// ``(key, key_id)`` of a fresh API key under ``prefix``.
#[pyfunction]
fn apikey_generate(py: Python<'_>, prefix: &str) -> PyResult<(String, String)> {
    let k = apikey::generate(prefix).py(py)?;
    Ok((k.key().to_owned(), k.key_id().to_owned()))
}

/// ``(prefix, key_id, checksum)`` of a well-formed key; raises ``InvalidInputError`` otherwise.
#[pyfunction]
fn apikey_parse(py: Python<'_>, key: &str) -> PyResult<(String, String, String)> {
    let p = apikey::parse(key).py(py)?;
    Ok((p.prefix, p.key_id, p.checksum))
}

/// Hashes and verifies API keys under a server-side pepper (HMAC-SHA256).
#[pyclass(frozen, module = "bulwark.apikey", name = "KeyHasher")]
struct PyKeyHasher {
    inner: KeyHasher,
}

#[pymethods]
impl PyKeyHasher {
    #[new]
    fn new(py: Python<'_>, pepper: &[u8]) -> PyResult<Self> {
        Ok(Self {
            inner: KeyHasher::new(pepper).py(py)?,
        })
    }

    /// The value to store for ``key``: 64 hex digits.
    fn hash(&self, py: Python<'_>, key: &str) -> PyResult<String> {
        self.inner.hash(key).py(py)
    }

    /// Whether ``presented`` matches ``stored``, in constant time.
    fn verify(&self, py: Python<'_>, presented: &str, stored: &str) -> PyResult<bool> {
        self.inner.verify(presented, stored).py(py)
    }

    fn __repr__(&self) -> &'static str {
        "KeyHasher(<pepper hidden>)"
    }
}

/// Registers this module's functions and classes on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(apikey_generate, m)?)?;
    m.add_function(wrap_pyfunction!(apikey_parse, m)?)?;
    m.add_class::<PyKeyHasher>()?;
    Ok(())
}
