//! pyo3 glue for `bulwark.aead`: AESGCM and ChaCha20Poly1305 (as pyca/cryptography's) and
//! Bulwark's own `Keyring`.

use crate::{data_bytes, maybe_detach, to_pyerr, verification_as, IntoPy};
use bulwark::aead::{AeadKey, Algorithm, Keyring, KEY_LEN, TAG_LEN};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

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

/// Registers this module's classes on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<AesGcm>()?;
    m.add_class::<ChaCha>()?;
    m.add_class::<PyKeyring>()?;
    Ok(())
}
