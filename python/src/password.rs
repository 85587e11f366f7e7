//! pyo3 glue for `bulwark.bcrypt`, `bulwark.argon2` and `bulwark.password`: argument conversion,
//! the GIL released around every hash and verification, errors through `to_pyerr`.

use crate::IntoPy;
use bulwark::password::{
    self, argon2id, bcrypt, Argon2Params, Argon2Variant, BcryptPrefix, CostLimits, HashInfo,
    Hasher, Policy, Scheme,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use std::time::Duration;

/// Password argument that must be bytes (pyca/bcrypt's rule), with its error message for str.
fn bytes_arg<'a>(obj: &'a Bound<'_, PyAny>, what: &str) -> PyResult<&'a [u8]> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "Strings must be encoded before {what}"
        )));
    }
    obj.cast::<PyBytes>()
        .map(|b| b.as_bytes())
        .map_err(|_| PyTypeError::new_err(format!("expected bytes, got {}", type_name(obj))))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

/// Salt or hash argument of pyca/bcrypt's functions: bytes holding ASCII text.
fn bcrypt_text<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    let raw = bytes_arg(obj, "hashing")?;
    std::str::from_utf8(raw).map_err(|_| PyValueError::new_err("Invalid salt"))
}

/// ``bcrypt.gensalt(rounds=12, prefix=b"2b")``.
#[pyfunction]
#[pyo3(signature = (rounds=12, prefix=None))]
fn bcrypt_gensalt<'py>(
    py: Python<'py>,
    rounds: i64,
    prefix: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let prefix = match prefix {
        None => BcryptPrefix::TwoB,
        Some(p) => match bytes_arg(p, "use")? {
            b"2a" => BcryptPrefix::TwoA,
            b"2b" => BcryptPrefix::TwoB,
            _ => {
                return Err(PyValueError::new_err(
                    "Supported prefixes are b'2a' or b'2b'",
                ))
            }
        },
    };
    let cost = u32::try_from(rounds).map_err(|_| PyValueError::new_err("Invalid rounds"))?;
    let salt = bcrypt::gensalt(cost, prefix).py(py)?;
    Ok(PyBytes::new(py, salt.as_bytes()))
}

/// ``bcrypt.hashpw(password, salt)``; the GIL is released while hashing.
#[pyfunction]
fn bcrypt_hashpw<'py>(
    py: Python<'py>,
    password: &Bound<'py, PyAny>,
    salt: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let password = bytes_arg(password, "hashing")?;
    let salt = bcrypt_text(salt)?;
    let hashed = py.detach(|| bcrypt::hashpw(password, salt)).py(py)?;
    Ok(PyBytes::new(py, hashed.as_bytes()))
}

/// ``bcrypt.checkpw(password, hashed_password)``; the GIL is released while hashing. A cost
/// above ``max_cost`` (default: core's limit) is refused before any work.
#[pyfunction]
#[pyo3(signature = (password, hashed_password, max_cost=None))]
fn bcrypt_checkpw(
    py: Python<'_>,
    password: &Bound<'_, PyAny>,
    hashed_password: &Bound<'_, PyAny>,
    max_cost: Option<u32>,
) -> PyResult<bool> {
    let password = bytes_arg(password, "checking")?;
    let hashed = bcrypt_text(hashed_password)?;
    let max_cost = max_cost.unwrap_or(CostLimits::DEFAULT.bcrypt_cost);
    py.detach(|| bcrypt::checkpw_within(password, hashed, max_cost))
        .py(py)
}

/// ``bcrypt.kdf(password, salt, desired_key_bytes, rounds, ignore_few_rounds=False)``: core's
/// bcrypt_pbkdf, the GIL released; fewer rounds than core's floor warn (``UserWarning``).
#[pyfunction]
#[pyo3(signature = (password, salt, desired_key_bytes, rounds, ignore_few_rounds=false))]
fn bcrypt_kdf<'py>(
    py: Python<'py>,
    password: &Bound<'py, PyAny>,
    salt: &Bound<'py, PyAny>,
    desired_key_bytes: usize,
    rounds: u32,
    ignore_few_rounds: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let password = bytes_arg(password, "hashing")?;
    let salt = bytes_arg(salt, "hashing")?;
    if rounds > 0 && rounds < bcrypt::PBKDF_MIN_ROUNDS && !ignore_few_rounds && !password.is_empty()
    {
        let message = std::ffi::CString::new(format!(
            "bcrypt.kdf() called with only {rounds} round(s): this few is not secure, the count is \
             linear like PBKDF2's (use {} or more)",
            bcrypt::PBKDF_MIN_ROUNDS
        ))
        .unwrap_or_default();
        PyErr::warn(
            py,
            &py.get_type::<pyo3::exceptions::PyUserWarning>(),
            &message,
            1,
        )?;
    }
    let key = py
        .detach(|| bcrypt::pbkdf(password, salt, rounds, desired_key_bytes))
        .py(py)?;
    Ok(PyBytes::new(py, &key))
}

/// ``CostLimits`` as the Python side passes them: ``(argon2_m_cost, argon2_t_cost, argon2_work,
/// argon2_parallelism, bcrypt_cost)``.
type LimitsTuple = (u32, u32, u64, u32, u32);

fn limits_from(t: LimitsTuple) -> CostLimits {
    CostLimits {
        argon2_m_cost: t.0,
        argon2_t_cost: t.1,
        argon2_work: t.2,
        argon2_parallelism: t.3,
        bcrypt_cost: t.4,
    }
}

/// The default cost limits, as the tuple ``bulwark.password.CostLimits`` is built from.
#[pyfunction]
fn password_default_cost_limits() -> LimitsTuple {
    let d = CostLimits::DEFAULT;
    (
        d.argon2_m_cost,
        d.argon2_t_cost,
        d.argon2_work,
        d.argon2_parallelism,
        d.bcrypt_cost,
    )
}

/// The default hasher, verifying within `limits` when given.
fn hasher(py: Python<'_>, limits: Option<LimitsTuple>) -> PyResult<Hasher> {
    match limits {
        None => Ok(Hasher::default()),
        Some(t) => Hasher::default().with_cost_limits(limits_from(t)).py(py),
    }
}

fn variant_from(name: &str) -> PyResult<Argon2Variant> {
    match name {
        "argon2id" => Ok(Argon2Variant::Argon2id),
        "argon2i" => Ok(Argon2Variant::Argon2i),
        "argon2d" => Ok(Argon2Variant::Argon2d),
        other => Err(PyValueError::new_err(format!(
            "unknown Argon2 variant {other:?}"
        ))),
    }
}

/// Validates Argon2 parameters (raises ``InvalidInputError`` naming the bad one).
#[pyfunction]
fn argon2_check_params(
    py: Python<'_>,
    time_cost: u32,
    memory_cost: u32,
    parallelism: u32,
    hash_len: u32,
    salt_len: u32,
) -> PyResult<()> {
    Argon2Params::new(time_cost, memory_cost, parallelism, hash_len, salt_len)
        .py(py)
        .map(|_| ())
}

/// Argon2 hash of ``password`` as a PHC string; a fresh salt unless ``salt`` is given.
#[pyfunction]
#[pyo3(signature = (password, time_cost, memory_cost, parallelism, hash_len, salt_len, salt=None, variant="argon2id"))]
#[allow(clippy::too_many_arguments)]
fn argon2_hash(
    py: Python<'_>,
    password: &[u8],
    time_cost: u32,
    memory_cost: u32,
    parallelism: u32,
    hash_len: u32,
    salt_len: u32,
    salt: Option<&[u8]>,
    variant: &str,
) -> PyResult<String> {
    let params =
        Argon2Params::new(time_cost, memory_cost, parallelism, hash_len, salt_len).py(py)?;
    let variant = variant_from(variant)?;
    let result = py.detach(|| match salt {
        Some(s) => argon2id::hash_with_salt(password, s, &params, variant),
        None if variant == Argon2Variant::Argon2id => argon2id::hash(password, &params),
        None => {
            let mut fresh = zeroize::Zeroizing::new(vec![0u8; salt_len as usize]);
            bulwark::random::fill(&mut fresh)?;
            argon2id::hash_with_salt(password, &fresh, &params, variant)
        }
    });
    result.py(py)
}

/// The raw Argon2 tag (``hash_len`` bytes) of ``secret`` with ``salt``; with ``encoded`` the
/// ``$argon2..$v=..$m=..,t=..,p=..$salt$hash`` string of it instead (argon2-cffi's
/// ``low_level.hash_secret`` / ``hash_secret_raw``).
#[pyfunction]
#[pyo3(signature = (secret, salt, time_cost, memory_cost, parallelism, hash_len, variant, version, encoded))]
#[allow(clippy::too_many_arguments)]
fn argon2_hash_secret<'py>(
    py: Python<'py>,
    secret: &[u8],
    salt: &[u8],
    time_cost: u32,
    memory_cost: u32,
    parallelism: u32,
    hash_len: u32,
    variant: &str,
    version: u32,
    encoded: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let salt_len = u32::try_from(salt.len()).unwrap_or(u32::MAX);
    let params =
        Argon2Params::new(time_cost, memory_cost, parallelism, hash_len, salt_len).py(py)?;
    let variant = variant_from(variant)?;
    let raw = py
        .detach(|| argon2id::hash_raw(secret, salt, &params, variant, version))
        .py(py)?;
    Ok(if encoded {
        PyBytes::new(
            py,
            argon2id::encode(variant, version, &params, salt, &raw).as_bytes(),
        )
    } else {
        PyBytes::new(py, &raw)
    })
}

/// Whether ``password`` matches an Argon2 PHC string (any variant); malformed hashes raise, and
/// so do hashes costlier than the limits that cover ``params`` (the verifying hasher's own
/// ``(time_cost, memory_cost, parallelism, hash_len, salt_len)``; default: core's limits).
#[pyfunction]
#[pyo3(signature = (hash, password, params=None))]
fn argon2_verify(
    py: Python<'_>,
    hash: &str,
    password: &[u8],
    params: Option<(u32, u32, u32, u32, u32)>,
) -> PyResult<bool> {
    let limits = match params {
        None => CostLimits::DEFAULT,
        Some((t, m, p, h, s)) => {
            CostLimits::covering(Scheme::Argon2id(Argon2Params::new(t, m, p, h, s).py(py)?))
        }
    };
    py.detach(|| argon2id::verify_within(password, hash, &limits))
        .py(py)
}

/// ``(variant, version, time_cost, memory_cost, parallelism, hash_len, salt_len)`` of a PHC string.
#[pyfunction]
fn argon2_parse(
    py: Python<'_>,
    hash: &str,
) -> PyResult<(&'static str, u32, u32, u32, u32, u32, u32)> {
    let info = argon2id::parse(hash).py(py)?;
    let (t, m, p, hash_len, salt_len) = params_tuple(&info.params);
    Ok((
        info.variant.ident(),
        info.version,
        t,
        m,
        p,
        hash_len,
        salt_len,
    ))
}

/// ``(time_cost, memory_cost, parallelism, hash_len, salt_len)``: the order the Python side uses.
fn params_tuple(p: &Argon2Params) -> (u32, u32, u32, u32, u32) {
    (
        p.t_cost(),
        p.m_cost(),
        p.parallelism(),
        p.hash_len(),
        p.salt_len(),
    )
}

/// Hash with the preferred scheme (Argon2id, RFC 9106 low-memory parameters).
#[pyfunction]
fn password_hash(py: Python<'_>, password: &[u8]) -> PyResult<String> {
    py.detach(|| password::hash(password)).py(py)
}

/// Verify against a hash of any supported scheme, within `limits` (default: core's).
#[pyfunction]
#[pyo3(signature = (password, hash, limits=None))]
fn password_verify(
    py: Python<'_>,
    password: &[u8],
    hash: &str,
    limits: Option<LimitsTuple>,
) -> PyResult<bool> {
    let h = hasher(py, limits)?;
    py.detach(|| h.verify(password, hash)).py(py)
}

/// Whether a hash falls short of the preferred scheme and parameters.
#[pyfunction]
fn password_needs_rehash(py: Python<'_>, hash: &str) -> PyResult<bool> {
    password::needs_rehash(hash).py(py)
}

/// ``(valid, new_hash_or_None)``: verify, and rehash when the stored hash is stale.
#[pyfunction]
#[pyo3(signature = (password, hash, limits=None))]
fn password_verify_and_update(
    py: Python<'_>,
    password: &[u8],
    hash: &str,
    limits: Option<LimitsTuple>,
) -> PyResult<(bool, Option<String>)> {
    let h = hasher(py, limits)?;
    py.detach(|| h.verify_and_update(password, hash)).py(py)
}

/// The scheme of a stored hash: ``"argon2id"``, ``"argon2i"``, ``"argon2d"`` or ``"bcrypt"``.
#[pyfunction]
fn password_identify(py: Python<'_>, hash: &str) -> PyResult<&'static str> {
    Ok(match password::identify(hash).py(py)? {
        HashInfo::Argon2(a) => a.variant.ident(),
        HashInfo::Bcrypt(_) => "bcrypt",
    })
}

/// Argon2id parameters taking about ``target`` seconds here: ``(t, m, p, hash_len, salt_len)``.
#[pyfunction]
fn password_calibrate(
    py: Python<'_>,
    target: f64,
    max_memory_cost: u32,
) -> PyResult<(u32, u32, u32, u32, u32)> {
    let target = Duration::try_from_secs_f64(target).map_err(|_| {
        PyValueError::new_err(format!(
            "target must be a positive number of seconds, got {target}"
        ))
    })?;
    let p = py
        .detach(|| password::calibrate(target, max_memory_cost))
        .py(py)?;
    Ok(params_tuple(&p))
}

/// Every policy violation of ``password`` as ``(code, message)`` pairs.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn password_policy_check(
    py: Python<'_>,
    password: &str,
    min_len: usize,
    max_len: usize,
    require_lowercase: bool,
    require_uppercase: bool,
    require_digit: bool,
    require_symbol: bool,
    reject_common: bool,
) -> PyResult<Vec<(&'static str, String)>> {
    let policy = Policy {
        min_len,
        max_len,
        require_lowercase,
        require_uppercase,
        require_digit,
        require_symbol,
        reject_common,
    };
    policy.validate().py(py)?;
    Ok(policy
        .check(password)
        .iter()
        .map(|v| (v.code(), v.message()))
        .collect())
}

/// Core's default policy as ``{field: value}``: the one source of ``Policy``'s defaults.
#[pyfunction]
fn password_policy_defaults(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let p = Policy::default();
    let d = pyo3::types::PyDict::new(py);
    d.set_item("min_len", p.min_len)?;
    d.set_item("max_len", p.max_len)?;
    d.set_item("require_lowercase", p.require_lowercase)?;
    d.set_item("require_uppercase", p.require_uppercase)?;
    d.set_item("require_digit", p.require_digit)?;
    d.set_item("require_symbol", p.require_symbol)?;
    d.set_item("reject_common", p.reject_common)?;
    Ok(d)
}

/// Whether ``password`` is on the bundled common-password list (case-insensitive).
#[pyfunction]
fn password_is_common(password: &str) -> bool {
    password::is_common(password)
}

/// Registers this module's functions on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bcrypt_gensalt, m)?)?;
    m.add_function(wrap_pyfunction!(bcrypt_hashpw, m)?)?;
    m.add_function(wrap_pyfunction!(bcrypt_checkpw, m)?)?;
    m.add_function(wrap_pyfunction!(bcrypt_kdf, m)?)?;
    m.add_function(wrap_pyfunction!(password_default_cost_limits, m)?)?;
    m.add_function(wrap_pyfunction!(argon2_check_params, m)?)?;
    m.add_function(wrap_pyfunction!(argon2_hash, m)?)?;
    m.add_function(wrap_pyfunction!(argon2_hash_secret, m)?)?;
    m.add_function(wrap_pyfunction!(argon2_verify, m)?)?;
    m.add_function(wrap_pyfunction!(argon2_parse, m)?)?;
    m.add_function(wrap_pyfunction!(password_hash, m)?)?;
    m.add_function(wrap_pyfunction!(password_verify, m)?)?;
    m.add_function(wrap_pyfunction!(password_needs_rehash, m)?)?;
    m.add_function(wrap_pyfunction!(password_verify_and_update, m)?)?;
    m.add_function(wrap_pyfunction!(password_identify, m)?)?;
    m.add_function(wrap_pyfunction!(password_calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(password_policy_check, m)?)?;
    m.add_function(wrap_pyfunction!(password_policy_defaults, m)?)?;
    m.add_function(wrap_pyfunction!(password_is_common, m)?)?;
    Ok(())
}
