//! pyo3 glue for the `bulwark` Python package: converts arguments, calls the core crate and maps
//! its errors to the exception classes defined in `bulwark/exceptions.py`. No logic lives here.

mod aead;
mod apikey;
mod ct;
mod fernet;
mod headers;
mod ipnet;
mod jwt;
mod oauth;
mod otp;
mod password;
mod random;
mod ratelimit;
mod redact;
mod redis_backend;
mod versioning;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyType};

/// The Python exception of each core error kind: `bulwark.exceptions` for the SDK's own kinds,
/// PyJWT's names in `bulwark.jwt.exceptions` for the token kinds. Looked up by kind, never by a
/// wildcard; `_error_classes()` lets the tests check every kind of `ErrorKind::ALL` is here.
const EXCEPTIONS: [(bulwark::ErrorKind, &str, &str); 19] = {
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
        (K::InsufficientScope, OWN, "InsufficientScopeError"),
        (K::OAuth, OWN, "OAuthError"),
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
/// A count or length argument that must not be negative, refused with its Python name
/// (pyo3's own conversion would raise an `OverflowError` that names nothing).
pub(crate) fn non_negative(name: &str, value: i64) -> PyResult<u64> {
    u64::try_from(value).map_err(|_| {
        PyValueError::new_err(format!(
            "{name} must be a non-negative integer, got {value}"
        ))
    })
}

pub(crate) trait IntoPy<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for bulwark::Result<T> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, &e))
    }
}

/// Inputs at least this large are processed with the GIL released.
const DETACH_AT: usize = 64 * 1024;

/// Raises `bulwark.exceptions.<class>` for a verification failure, else the usual mapping.
pub(crate) fn verification_as(py: Python<'_>, err: &bulwark::Error, class: &str) -> PyErr {
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

/// Whether the door reads the time from Python's `time.time()` (which freezegun, time-machine
/// and hiro move) instead of the system clock: `bulwark.testing.follow_python_time`. Off, the
/// check is one relaxed atomic load per decision.
static PYTHON_TIME: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turns reading the time from Python on or off (for tests).
#[pyfunction]
fn _set_python_time(on: bool) {
    PYTHON_TIME.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether the door reads the time from Python.
#[pyfunction]
fn _python_time() -> bool {
    PYTHON_TIME.load(std::sync::atomic::Ordering::Relaxed)
}

/// Python's `time.time()` in microseconds, when a test asked the door to follow it.
pub(crate) fn python_time_us() -> Option<u64> {
    if !PYTHON_TIME.load(std::sync::atomic::Ordering::Relaxed) {
        return None;
    }
    Python::attach(|py| {
        let t: f64 = py
            .import("time")
            .ok()?
            .call_method0("time")
            .ok()?
            .extract()
            .ok()?;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked finite, >= 0
        (t.is_finite() && t >= 0.0).then_some((t * 1e6) as u64)
    })
}

/// Core's clock for everything the door builds: the system clock, or Python's `time.time()`
/// while a test follows it (`bulwark.testing`).
pub(crate) struct DoorClock;

impl bulwark::ratelimit::Clock for DoorClock {
    fn now_us(&self) -> u64 {
        python_time_us().unwrap_or_else(|| bulwark::ratelimit::SystemClock.now_us())
    }
}

/// Now in Unix seconds (fractional) by the door's clock (JWT time claims).
pub(crate) fn now_secs() -> f64 {
    python_time_us().map_or_else(bulwark::jwt::unix_now, |us| {
        #[allow(clippy::cast_precision_loss)] // microseconds fit f64 exactly until 2255
        let secs = us as f64 / 1e6;
        secs
    })
}

/// Runs `f` with the GIL released when `len` is large enough to be worth it.
pub(crate) fn maybe_detach<T: Send>(py: Python<'_>, len: usize, f: impl FnOnce() -> T + Send) -> T {
    if len >= DETACH_AT {
        py.detach(f)
    } else {
        f()
    }
}

pub(crate) fn data_bytes<'a>(obj: &'a Bound<'_, PyAny>, name: &str) -> PyResult<&'a [u8]> {
    obj.cast::<PyBytes>()
        .map(|b| b.as_bytes())
        .map_err(|_| PyTypeError::new_err(format!("{name} must be bytes")))
}

/// The native half of the `bulwark` package; import `bulwark`, not this module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", bulwark::VERSION)?;
    m.add_function(wrap_pyfunction!(_error_classes, m)?)?;
    m.add_function(wrap_pyfunction!(_set_python_time, m)?)?;
    m.add_function(wrap_pyfunction!(_python_time, m)?)?;
    random::register(m)?;
    ct::register(m)?;
    password::register(m)?;
    aead::register(m)?;
    fernet::register(m)?;
    apikey::register(m)?;
    redact::register(m)?;
    headers::register(m)?;
    ipnet::register(m)?;
    jwt::register(m)?;
    oauth::register(m)?;
    ratelimit::register(m)?;
    otp::register(m)?;
    versioning::register(m)?;
    Ok(())
}
