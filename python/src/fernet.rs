//! pyo3 glue for `bulwark.fernet`: `Fernet` and `MultiFernet` as pyca/cryptography's.

use crate::{data_bytes, maybe_detach, verification_as, IntoPy};
use bulwark::fernet::{Fernet, MultiFernet};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyType};

fn text_arg(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<String> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return std::str::from_utf8(b.as_bytes())
            .map(str::to_owned)
            .map_err(|_| PyValueError::new_err(format!("{name} is not ASCII")));
    }
    Err(PyTypeError::new_err(format!("{name} must be bytes or str")))
}

fn token_arg(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<String> {
    text_arg(obj, "token").map_err(|e| {
        if e.is_instance_of::<PyTypeError>(py) {
            e
        } else {
            verification_as(
                py,
                &bulwark::Error::verification_failed("invalid token"),
                "InvalidToken",
            )
        }
    })
}

fn ttl_arg(ttl: Option<i64>) -> Result<Option<u64>, ()> {
    match ttl {
        None => Ok(None),
        Some(t) if t < 0 => Err(()),
        Some(t) => Ok(Some(t.unsigned_abs())),
    }
}

fn fernet_err(py: Python<'_>, e: &bulwark::Error) -> PyErr {
    verification_as(py, e, "InvalidToken")
}

/// One Fernet decryption as cryptography does it: the token as bytes or str, a negative TTL as
/// already expired, every failure as ``InvalidToken``; the Rust copy of the plaintext is wiped.
fn fernet_decrypt<'py>(
    py: Python<'py>,
    token: &Bound<'py, PyAny>,
    ttl: Option<i64>,
    decrypt: impl FnOnce(&str, Option<u64>) -> bulwark::Result<Vec<u8>> + Send,
) -> PyResult<Bound<'py, PyBytes>> {
    let token = token_arg(py, token)?;
    let ttl = ttl_arg(ttl)
        .map_err(|()| fernet_err(py, &bulwark::Error::verification_failed("invalid token")))?;
    let plain =
        maybe_detach(py, token.len(), || decrypt(&token, ttl)).map_err(|e| fernet_err(py, &e))?;
    Ok(PyBytes::new(py, &zeroize::Zeroizing::new(plain)))
}

/// Fernet tokens (as ``cryptography.fernet.Fernet``), interoperable both ways.
#[pyclass(frozen, module = "bulwark.fernet", name = "Fernet")]
struct PyFernet {
    inner: Fernet,
}

#[pymethods]
impl PyFernet {
    #[new]
    #[pyo3(signature = (key, backend=None))]
    fn new(
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        backend: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let _ = backend; // accepted and ignored, as cryptography does
        let key = zeroize::Zeroizing::new(text_arg(key, "key")?);
        Ok(Self {
            inner: Fernet::new(&key).py(py)?,
        })
    }

    /// A fresh key: 32 random bytes as url-safe base64 (bytes, as cryptography).
    #[classmethod]
    fn generate_key<'py>(
        _cls: &Bound<'py, PyType>,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let key = zeroize::Zeroizing::new(Fernet::generate_key().py(py)?);
        Ok(PyBytes::new(py, key.as_bytes()))
    }

    /// A token for ``data`` stamped with the current time.
    fn encrypt<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let data = data_bytes(data, "data")?;
        let token = maybe_detach(py, data.len(), || self.inner.encrypt(data)).py(py)?;
        Ok(PyBytes::new(py, token.as_bytes()))
    }

    /// A token for ``data`` stamped with ``current_time``.
    fn encrypt_at_time<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        current_time: u64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let data = data_bytes(data, "data")?;
        let token = maybe_detach(py, data.len(), || {
            self.inner.encrypt_at_time(data, current_time)
        })
        .py(py)?;
        Ok(PyBytes::new(py, token.as_bytes()))
    }

    /// The plaintext of ``token``; ``InvalidToken`` for any bad, tampered or expired token.
    #[pyo3(signature = (token, ttl=None))]
    fn decrypt<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
        ttl: Option<i64>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        fernet_decrypt(py, token, ttl, |t, ttl| self.inner.decrypt(t, ttl))
    }

    /// ``decrypt`` as if the time were ``current_time``.
    fn decrypt_at_time<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
        ttl: i64,
        current_time: u64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        fernet_decrypt(py, token, Some(ttl), |t, ttl| {
            self.inner.decrypt_at_time(t, ttl, current_time)
        })
    }

    /// The timestamp of ``token`` (after checking its signature).
    fn extract_timestamp(&self, py: Python<'_>, token: &Bound<'_, PyAny>) -> PyResult<u64> {
        let token = token_arg(py, token)?;
        self.inner
            .extract_timestamp(&token)
            .map_err(|e| fernet_err(py, &e))
    }
}

/// Several Fernet keys: encrypt with the first, decrypt with any, rotate tokens to the first.
#[pyclass(frozen, module = "bulwark.fernet", name = "MultiFernet")]
struct PyMultiFernet {
    inner: MultiFernet,
}

#[pymethods]
impl PyMultiFernet {
    #[new]
    fn new(py: Python<'_>, fernets: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut list = Vec::new();
        for item in fernets.try_iter()? {
            let item = item?;
            let f = item.cast::<PyFernet>().map_err(|_| {
                PyTypeError::new_err("MultiFernet takes bulwark.fernet.Fernet instances")
            })?;
            list.push(f.get().inner.clone());
        }
        Ok(Self {
            inner: MultiFernet::new(list).py(py)?,
        })
    }

    /// A token made with the first key.
    fn encrypt<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let token = self.inner.encrypt(data_bytes(data, "data")?).py(py)?;
        Ok(PyBytes::new(py, token.as_bytes()))
    }

    /// A token made with the first key, stamped with ``current_time``.
    fn encrypt_at_time<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        current_time: u64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let token = self
            .inner
            .encrypt_at_time(data_bytes(data, "data")?, current_time)
            .py(py)?;
        Ok(PyBytes::new(py, token.as_bytes()))
    }

    /// The plaintext of a token made by any of the keys.
    #[pyo3(signature = (msg, ttl=None))]
    fn decrypt<'py>(
        &self,
        py: Python<'py>,
        msg: &Bound<'py, PyAny>,
        ttl: Option<i64>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        fernet_decrypt(py, msg, ttl, |t, ttl| self.inner.decrypt(t, ttl))
    }

    /// ``decrypt`` as if the time were ``current_time``.
    fn decrypt_at_time<'py>(
        &self,
        py: Python<'py>,
        msg: &Bound<'py, PyAny>,
        ttl: i64,
        current_time: u64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        fernet_decrypt(py, msg, Some(ttl), |t, ttl| {
            self.inner.decrypt_at_time(t, ttl, current_time)
        })
    }

    /// Re-encrypt a token with the first key, keeping its timestamp.
    fn rotate<'py>(
        &self,
        py: Python<'py>,
        msg: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let token = token_arg(py, msg)?;
        let rotated = self.inner.rotate(&token).map_err(|e| fernet_err(py, &e))?;
        Ok(PyBytes::new(py, rotated.as_bytes()))
    }

    /// The timestamp of a token made by any of the keys.
    fn extract_timestamp(&self, py: Python<'_>, msg: &Bound<'_, PyAny>) -> PyResult<u64> {
        let token = token_arg(py, msg)?;
        self.inner
            .extract_timestamp(&token)
            .map_err(|e| fernet_err(py, &e))
    }
}

/// Registers this module's classes on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFernet>()?;
    m.add_class::<PyMultiFernet>()?;
    Ok(())
}
