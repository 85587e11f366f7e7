//! pyo3 glue for the `bulwark` Python package: converts arguments, calls the core crate and maps
//! its errors to the exception classes defined in `bulwark/exceptions.py`. No logic lives here.

mod crypto;
mod jwt;
mod otp;
mod password;
mod ratelimit;
mod web;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString, PyType};

/// The Python exception of each core error kind: `bulwark.exceptions` for the SDK's own kinds,
/// PyJWT's names in `bulwark.jwt.exceptions` for the token kinds. Looked up by kind, never by a
/// wildcard; `_error_classes()` lets the tests check every kind of `ErrorKind::ALL` is here.
const EXCEPTIONS: [(bulwark::ErrorKind, &str, &str); 17] = {
    use bulwark::ErrorKind as K;
    const OWN: &str = "bulwark.exceptions";
    const JWT: &str = "bulwark.jwt.exceptions";
    [
        (K::InvalidInput, OWN, "InvalidInputError"),
        (K::VerificationFailed, OWN, "VerificationError"),
        (K::Expired, OWN, "ExpiredError"),
        (K::NotYetValid, OWN, "NotYetValidError"),
        (K::RateLimited, OWN, "RateLimitExceeded"),
        (K::Backend, OWN, "BackendError"),
        (K::Internal, OWN, "BulwarkError"),
        (K::Replayed, OWN, "ReplayedCodeError"),
        (K::Malformed, JWT, "DecodeError"),
        (K::IssuedInFuture, JWT, "ImmatureIssuedAtError"),
        (K::InvalidAudience, JWT, "InvalidAudienceError"),
        (K::InvalidIssuer, JWT, "InvalidIssuerError"),
        (K::InvalidSubject, JWT, "InvalidSubjectError"),
        (K::MissingClaim, JWT, "MissingRequiredClaimError"),
        (K::InvalidClaim, JWT, "DecodeError"),
        (K::AlgorithmNotAllowed, JWT, "InvalidAlgorithmError"),
        (K::InvalidKey, JWT, "InvalidKeyError"),
    ]
};

/// `(module, class)` of a kind; `None` only for a kind core added and this door has not mapped
/// (the door's tests fail on that).
pub(crate) fn exception_of(kind: bulwark::ErrorKind) -> Option<(&'static str, &'static str)> {
    EXCEPTIONS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|&(_, m, c)| (m, c))
}

/// `[(kind code, kind name, module, class or None)]` for every core error kind: what the tests
/// check the mapping against.
#[pyfunction]
fn _error_classes() -> Vec<(
    u32,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
)> {
    bulwark::ErrorKind::ALL
        .iter()
        .map(|&k| {
            let found = exception_of(k);
            (k.code(), k.as_str(), found.map(|f| f.0), found.map(|f| f.1))
        })
        .collect()
}

/// Converts a core error into the Python exception for its kind (one conversion point).
pub(crate) fn to_pyerr(py: Python<'_>, err: &bulwark::Error) -> PyErr {
    let (module, class) =
        exception_of(err.kind()).unwrap_or(("bulwark.exceptions", "BulwarkError"));
    // PyJWT's finer classes for claims, and MissingRequiredClaimError's argument (the claim).
    let (class, arg) = match (err.kind(), err.claim()) {
        (bulwark::ErrorKind::InvalidClaim, Some("iat")) => ("InvalidIssuedAtError", None),
        (bulwark::ErrorKind::InvalidClaim, Some("jti")) => ("InvalidJTIError", None),
        (bulwark::ErrorKind::MissingClaim, claim) => (class, Some(claim.unwrap_or("?"))),
        (_, _) => (class, None),
    };
    let lookup = py
        .import(module)
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
    match (lookup, arg) {
        (Ok(cls), Some(claim)) => PyErr::from_type(cls, (claim.to_owned(),)),
        (Ok(cls), None) => PyErr::from_type(cls, err.message().to_owned()),
        // The package is broken if its exceptions module is missing; say so, keep the message.
        (Err(e), _) => PyValueError::new_err(format!("{err} (and {module} failed: {e})")),
    }
}

/// Extension trait: `core_result.py(py)?` turns a core error into the right exception.
pub(crate) trait IntoPy<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for bulwark::Result<T> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, &e))
    }
}

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

/// A ``compare_digest`` argument: text, immutable bytes (borrowed), or a copy of a mutable buffer.
enum Digest<'py> {
    Text(Bound<'py, PyString>),
    Bytes(Bound<'py, PyBytes>),
    Copied(zeroize::Zeroizing<Vec<u8>>),
}

impl Digest<'_> {
    fn from_arg<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Digest<'py>> {
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Digest::Text(s.clone()));
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Digest::Bytes(b.clone()));
        }
        // bytearray and memoryview can change under us: compare a private copy, wiped after.
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(Digest::Copied(zeroize::Zeroizing::new(b.to_vec())));
        }
        if obj.cast::<PyMemoryView>().is_ok() {
            let bytes = obj.call_method0("tobytes")?;
            let copy = bytes.cast::<PyBytes>()?.as_bytes().to_vec();
            return Ok(Digest::Copied(zeroize::Zeroizing::new(copy)));
        }
        Err(PyTypeError::new_err(format!(
            "unsupported operand type(s) or combination of types: '{}'",
            obj.get_type().name()?
        )))
    }

    /// The bytes to compare, or None for text (which compares only with text).
    fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Digest::Text(_) => None,
            Digest::Bytes(b) => Some(b.as_bytes()),
            Digest::Copied(v) => Some(v.as_slice()),
        }
    }
}

/// Constant-time equality of two ``str`` (ASCII only) or two bytes-like objects (as
/// ``hmac.compare_digest``). Mixed types raise ``TypeError``.
#[pyfunction]
fn compare_digest(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<bool> {
    let (da, db) = (Digest::from_arg(a)?, Digest::from_arg(b)?);
    if let (Digest::Text(ta), Digest::Text(tb)) = (&da, &db) {
        let (ta, tb) = (ta.to_cow()?, tb.to_cow()?);
        if !ta.is_ascii() || !tb.is_ascii() {
            return Err(PyTypeError::new_err(
                "comparing strings with non-ASCII characters is not supported",
            ));
        }
        return Ok(bulwark::ct::eq(ta.as_bytes(), tb.as_bytes()));
    }
    match (da.as_bytes(), db.as_bytes()) {
        (Some(x), Some(y)) => Ok(bulwark::ct::eq(x, y)),
        _ => Err(PyTypeError::new_err(format!(
            "unsupported operand types(s) or combination of types: '{}' and '{}'",
            a.get_type().name()?,
            b.get_type().name()?
        ))),
    }
}

/// The native half of the `bulwark` package; import `bulwark`, not this module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", bulwark::VERSION)?;
    m.add_function(wrap_pyfunction!(_error_classes, m)?)?;
    m.add_function(wrap_pyfunction!(token_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(token_urlsafe, m)?)?;
    m.add_function(wrap_pyfunction!(token_hex, m)?)?;
    m.add_function(wrap_pyfunction!(random_base32, m)?)?;
    m.add_function(wrap_pyfunction!(compare_digest, m)?)?;
    password::register(m)?;
    crypto::register(m)?;
    web::register(m)?;
    jwt::register(m)?;
    ratelimit::register(m)?;
    otp::register(m)?;
    Ok(())
}
