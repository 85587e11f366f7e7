//! pyo3 glue for `bulwark.aead` (AESGCM, ChaCha20Poly1305, Keyring) and `bulwark.fernet`
//! (Fernet, MultiFernet), shaped as Python cryptography's classes.

use crate::{to_pyerr, IntoPy};
use bulwark::aead::{AeadKey, Algorithm, Keyring, KEY_LEN, TAG_LEN};
use bulwark::fernet::{Fernet, MultiFernet};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyType};

/// Inputs at least this large are processed with the GIL released.
const DETACH_AT: usize = 64 * 1024;

/// Raises `bulwark.exceptions.<class>` for a verification failure, else the usual mapping.
fn verification_as(py: Python<'_>, err: &bulwark::Error, class: &str) -> PyErr {
    if err.kind() != bulwark::ErrorKind::VerificationFailed {
        return to_pyerr(py, err);
    }
    match py
        .import("bulwark.exceptions")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from))
    {
        Ok(cls) => PyErr::from_type(cls, ()),
        Err(e) => e,
    }
}

/// Runs `f` with the GIL released when `len` is large enough to be worth it.
fn maybe_detach<T: Send>(py: Python<'_>, len: usize, f: impl FnOnce() -> T + Send) -> T {
    if len >= DETACH_AT {
        py.detach(f)
    } else {
        f()
    }
}

fn data_bytes<'a>(obj: &'a Bound<'_, PyAny>, name: &str) -> PyResult<&'a [u8]> {
    obj.cast::<PyBytes>()
        .map(|b| b.as_bytes())
        .map_err(|_| PyTypeError::new_err(format!("{name} must be bytes")))
}

fn aead_key(algorithm: Algorithm, key: &Bound<'_, PyAny>, class: &str) -> PyResult<AeadKey> {
    let raw = data_bytes(key, "key")?;
    if raw.len() != KEY_LEN {
        return Err(PyValueError::new_err(format!(
            "{class} key must be 32 bytes (256 bits) in Bulwark"
        )));
    }
    AeadKey::new(algorithm, raw).map_err(|e| to_pyerr(key.py(), &e))
}

fn aead_encrypt<'py>(
    py: Python<'py>,
    key: &AeadKey,
    nonce: &[u8],
    data: &[u8],
    aad: Option<&[u8]>,
) -> PyResult<Bound<'py, PyBytes>> {
    let aad = aad.unwrap_or_default();
    if nonce.len() != bulwark::aead::NONCE_LEN {
        return Err(PyValueError::new_err("Nonce must be 12 bytes"));
    }
    PyBytes::new_with(py, data.len() + TAG_LEN, |out| {
        maybe_detach(py, data.len(), || {
            key.seal_with_nonce_into(nonce, data, aad, out)
        })
        .py(py)
    })
}

fn aead_decrypt<'py>(
    py: Python<'py>,
    key: &AeadKey,
    nonce: &[u8],
    data: &[u8],
    aad: Option<&[u8]>,
) -> PyResult<Bound<'py, PyBytes>> {
    let aad = aad.unwrap_or_default();
    if nonce.len() != bulwark::aead::NONCE_LEN {
        return Err(PyValueError::new_err("Nonce must be 12 bytes"));
    }
    let Some(len) = data.len().checked_sub(TAG_LEN) else {
        return Err(verification_as(
            py,
            &bulwark::Error::verification_failed("decryption failed"),
            "InvalidTag",
        ));
    };
    PyBytes::new_with(py, len, |out| {
        maybe_detach(py, data.len(), || {
            key.open_with_nonce_into(nonce, data, aad, out)
        })
        .map_err(|e| verification_as(py, &e, "InvalidTag"))
    })
}

fn generate_aead_key(py: Python<'_>) -> PyResult<Bound<'_, PyBytes>> {
    PyBytes::new_with(py, KEY_LEN, |buf| bulwark::random::fill(buf).py(py))
}

/// Defines a cryptography-shaped AEAD class: `new(key)`, `encrypt` / `decrypt(nonce, data,
/// associated_data)`, plus the class's own `generate_key`.
macro_rules! aead_class {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $alg:expr, { $($generate_key:tt)* }) => {
        $(#[$doc])*
        #[pyclass(frozen, module = "bulwark.aead", name = $name)]
        struct $ty {
            key: AeadKey,
        }

        #[pymethods]
        impl $ty {
            #[new]
            fn new(key: &Bound<'_, PyAny>) -> PyResult<Self> {
                Ok(Self { key: aead_key($alg, key, $name)? })
            }

            $($generate_key)*

            /// ``ciphertext || tag`` of ``data``; never reuse a nonce with the same key.
            fn encrypt<'py>(&self, py: Python<'py>, nonce: &[u8], data: &[u8], associated_data: Option<&[u8]>) -> PyResult<Bound<'py, PyBytes>> {
                aead_encrypt(py, &self.key, nonce, data, associated_data)
            }

            /// The plaintext of ``ciphertext || tag``; raises ``InvalidTag`` if it does not authenticate.
            fn decrypt<'py>(&self, py: Python<'py>, nonce: &[u8], data: &[u8], associated_data: Option<&[u8]>) -> PyResult<Bound<'py, PyBytes>> {
                aead_decrypt(py, &self.key, nonce, data, associated_data)
            }
        }
    };
}

aead_class!(
    /// AES-256-GCM with a caller-supplied 12-byte nonce (as ``cryptography``'s ``AESGCM``).
    AesGcm, "AESGCM", Algorithm::Aes256Gcm, {
        /// A fresh random 256-bit key (only 256 bits are supported).
        #[staticmethod]
        #[pyo3(signature = (bit_length=256))]
        fn generate_key(py: Python<'_>, bit_length: i64) -> PyResult<Bound<'_, PyBytes>> {
            if bit_length != 256 {
                return Err(PyValueError::new_err("bit_length must be 256 (Bulwark supports AES-256-GCM only)"));
            }
            generate_aead_key(py)
        }
    }
);

aead_class!(
    /// ChaCha20-Poly1305 with a caller-supplied 12-byte nonce (as ``cryptography``'s class).
    ChaCha, "ChaCha20Poly1305", Algorithm::ChaCha20Poly1305, {
        /// A fresh random 256-bit key.
        #[staticmethod]
        fn generate_key(py: Python<'_>) -> PyResult<Bound<'_, PyBytes>> {
            generate_aead_key(py)
        }
    }
);

/// Versioned AEAD keys with rotation; ciphertexts name their key (format documented in README).
#[pyclass(frozen, module = "bulwark.aead", name = "Keyring")]
struct PyKeyring {
    inner: Keyring,
}

#[pymethods]
impl PyKeyring {
    /// A keyring with one fresh random key (id 1) of ``algorithm``.
    #[staticmethod]
    #[pyo3(signature = (algorithm="AES-256-GCM"))]
    fn generate(py: Python<'_>, algorithm: &str) -> PyResult<Self> {
        let alg = Algorithm::from_name(algorithm).py(py)?;
        Ok(Self {
            inner: Keyring::generate(alg).py(py)?,
        })
    }

    /// Load from ``to_json()`` output.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(Self {
            inner: Keyring::from_json(text).py(py)?,
        })
    }

    /// Load from the JSON in an environment variable; a missing one raises, never invents a key.
    #[staticmethod]
    fn from_env(py: Python<'_>, name: &str) -> PyResult<Self> {
        Ok(Self {
            inner: Keyring::from_env(name).py(py)?,
        })
    }

    /// JSON with every key (secret: store it like one).
    fn to_json(&self) -> PyResult<String> {
        Ok(self.inner.to_json().to_string())
    }

    /// Add a fresh key and make it the primary; returns its id.
    fn rotate(&self, py: Python<'_>) -> PyResult<u32> {
        self.inner.rotate().py(py)
    }

    /// Remove key ``key_id`` (not the primary).
    fn retire(&self, py: Python<'_>, key_id: u32) -> PyResult<()> {
        self.inner.retire(key_id).py(py)
    }

    /// The primary (encrypting) key's id.
    #[getter]
    fn primary_id(&self) -> PyResult<u32> {
        Ok(self.inner.primary_id())
    }

    /// Ids of every key, oldest first.
    #[getter]
    fn key_ids(&self) -> PyResult<Vec<u32>> {
        Ok(self.inner.keys().iter().map(|k| k.id).collect())
    }

    /// Encrypt with the primary key: ``len(data) + 33`` bytes.
    #[pyo3(signature = (data, aad=None))]
    fn encrypt<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        aad: Option<&[u8]>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let ring = &self.inner;
        let aad = aad.unwrap_or_default();
        PyBytes::new_with(py, data.len() + bulwark::aead::KEYRING_OVERHEAD, |out| {
            maybe_detach(py, data.len(), || ring.encrypt_into(data, aad, out)).py(py)
        })
    }

    /// Decrypt a ciphertext of any key still in the keyring; ``InvalidTag`` if it does not
    /// authenticate, ``InvalidInputError`` for an unknown key id or format.
    #[pyo3(signature = (data, aad=None))]
    fn decrypt<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        aad: Option<&[u8]>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let ring = &self.inner;
        let aad = aad.unwrap_or_default();
        let len = Keyring::plaintext_len(data.len()).ok_or_else(|| {
            to_pyerr(
                py,
                &bulwark::Error::invalid_input("keyring: a ciphertext is at least 33 bytes"),
            )
        })?;
        PyBytes::new_with(py, len, |out| {
            maybe_detach(py, data.len(), || ring.decrypt_into(data, aad, out))
                .map_err(|e| verification_as(py, &e, "InvalidTag"))
        })
    }

    fn __repr__(&self) -> PyResult<String> {
        let ring = &self.inner;
        let keys: Vec<String> = ring
            .keys()
            .iter()
            .map(|k| format!("{}:{}", k.id, k.algorithm.name()))
            .collect();
        Ok(format!(
            "Keyring(primary_id={}, keys=[{}])",
            ring.primary_id(),
            keys.join(", ")
        ))
    }
}

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
    m.add_class::<AesGcm>()?;
    m.add_class::<ChaCha>()?;
    m.add_class::<PyKeyring>()?;
    m.add_class::<PyFernet>()?;
    m.add_class::<PyMultiFernet>()?;
    Ok(())
}
