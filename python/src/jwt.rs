//! pyo3 glue for `bulwark.jwt`: PyJWT's `encode` / `decode` / `decode_complete` /
//! `get_unverified_header` done natively (payload JSON written and read here, so the whole call
//! stays in Rust), typed keys through core's key cache, and the exception mapping.

use crate::to_pyerr;
use bulwark::jwt::{
    self, Algorithm, EncodeOptions, KeyCache, KeyType, SigningKey, Validation, VerifyingKey,
};
use bulwark::{Error, ErrorKind};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType,
};
use serde_json::{Map, Value};

use std::fmt::Write as _;
use std::sync::Arc;

// ------------------------------------------------------------------ exceptions

/// Where a JWT call raises another class than `to_pyerr` would: PyJWT's names for the kinds
/// that the rest of the SDK raises as its own (`VerificationError`, `ExpiredError`, ...).
const JWT_CLASSES: [(ErrorKind, &str); 5] = [
    (ErrorKind::VerificationFailed, "InvalidSignatureError"),
    (ErrorKind::Expired, "ExpiredSignatureError"),
    (ErrorKind::NotYetValid, "ImmatureSignatureError"),
    (ErrorKind::RateLimited, "PyJWTError"),
    (ErrorKind::Replayed, "PyJWTError"),
];

/// Raises a core error from a JWT call as its PyJWT exception.
pub(crate) fn jwt_err(py: Python<'_>, err: &Error) -> PyErr {
    let Some(&(_, class)) = JWT_CLASSES.iter().find(|(k, _)| *k == err.kind()) else {
        return to_pyerr(py, err);
    };
    match py
        .import("bulwark.jwt.exceptions")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from))
    {
        Ok(cls) => PyErr::from_type(cls, err.message().to_owned()),
        Err(e) => e,
    }
}

trait JwtPy<T> {
    fn jwt(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> JwtPy<T> for bulwark::Result<T> {
    fn jwt(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| jwt_err(py, &e))
    }
}

fn decode_error(py: Python<'_>, message: &str) -> PyErr {
    jwt_err(py, &Error::new(ErrorKind::Malformed, message))
}

// ------------------------------------------------------------------ Python -> JSON

/// Writes `s` as a JSON string the way `json.dumps` does by default (`ensure_ascii=True`).
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
        }
    }
    out.push('"');
}

const MAX_WRITE_DEPTH: usize = 64;

/// `json.dumps(obj, separators=(",", ":"))` for the JSON types, written natively.
fn write_json(out: &mut String, obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<()> {
    if depth > MAX_WRITE_DEPTH {
        return Err(PyValueError::new_err(format!(
            "the value is nested deeper than {MAX_WRITE_DEPTH} levels"
        )));
    }
    if obj.is_none() {
        out.push_str("null");
    } else if let Ok(b) = obj.cast::<PyBool>() {
        out.push_str(if b.is_true() { "true" } else { "false" });
    } else if obj.cast::<PyInt>().is_ok() {
        match obj.extract::<i64>() {
            Ok(i) => {
                let _ = write!(out, "{i}");
            }
            Err(_) => out.push_str(obj.str()?.to_str()?),
        }
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        if !f.value().is_finite() {
            return Err(PyValueError::new_err(
                "Out of range float values are not JSON compliant",
            ));
        }
        out.push_str(f.repr()?.to_str()?);
    } else if let Ok(s) = obj.cast::<PyString>() {
        write_str(out, s.to_str()?);
    } else if let Ok(d) = obj.cast::<PyDict>() {
        out.push('{');
        for (i, (k, v)) in d.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_key(out, &k)?;
            out.push(':');
            write_json(out, &v, depth + 1)?;
        }
        out.push('}');
    } else if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
        out.push('[');
        for (i, item) in obj.try_iter()?.enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_json(out, &item?, depth + 1)?;
        }
        out.push(']');
    } else {
        return Err(PyTypeError::new_err(format!(
            "Object of type {} is not JSON serializable",
            obj.get_type().name()?
        )));
    }
    Ok(())
}

/// A dict key as `json.dumps` writes it: str as is; int, float, bool and None as text.
fn write_key(out: &mut String, k: &Bound<'_, PyAny>) -> PyResult<()> {
    if let Ok(s) = k.cast::<PyString>() {
        write_str(out, s.to_str()?);
    } else if k.is_none() {
        out.push_str("\"null\"");
    } else if let Ok(b) = k.cast::<PyBool>() {
        out.push_str(if b.is_true() { "\"true\"" } else { "\"false\"" });
    } else if k.cast::<PyInt>().is_ok() || k.cast::<PyFloat>().is_ok() {
        let mut text = String::new();
        write_json(&mut text, k, 0)?;
        write_str(out, &text);
    } else {
        return Err(PyTypeError::new_err(format!(
            "keys must be str, int, float, bool or None, not {}",
            k.get_type().name()?
        )));
    }
    Ok(())
}

/// JSON text of `obj`: natively, or through `json.dumps(..., cls=json_encoder)` when a custom
/// encoder is given (as PyJWT).
fn to_json(obj: &Bound<'_, PyAny>, json_encoder: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    match json_encoder {
        Some(cls) if !cls.is_none() => {
            let py = obj.py();
            let kwargs = PyDict::new(py);
            kwargs.set_item("separators", (",", ":"))?;
            kwargs.set_item("cls", cls)?;
            let text = py
                .import("json")?
                .getattr("dumps")?
                .call((obj,), Some(&kwargs))?;
            Ok(text.cast::<PyString>()?.to_str()?.to_owned())
        }
        _ => {
            let mut out = String::with_capacity(128);
            write_json(&mut out, obj, 0)?;
            Ok(out)
        }
    }
}

// ------------------------------------------------------------------ JSON -> Python

const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53

/// Deserializes any JSON value straight into a Python object (no intermediate tree).
struct PySeed<'a, 'py> {
    py: Python<'py>,
    failure: &'a std::cell::RefCell<Option<PyErr>>,
    lossy: &'a std::cell::Cell<bool>,
}

impl<'a, 'py> PySeed<'a, 'py> {
    fn again(&self) -> Self {
        Self {
            py: self.py,
            failure: self.failure,
            lossy: self.lossy,
        }
    }

    fn fail<E: serde::de::Error>(&self, e: PyErr) -> E {
        *self.failure.borrow_mut() = Some(e);
        E::custom("Python object creation failed")
    }
}

impl<'de, 'py> serde::de::DeserializeSeed<'de> for PySeed<'_, 'py> {
    type Value = Bound<'py, PyAny>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'py> serde::de::Visitor<'de> for PySeed<'_, 'py> {
    type Value = Bound<'py, PyAny>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into_pyobject(self.py)
            .map(Bound::into_any)
            .unwrap_or_else(|e| match e {}))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into_pyobject(self.py)
            .map(Bound::into_any)
            .unwrap_or_else(|e| match e {}))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && v.abs() >= EXACT_FLOAT_LIMIT {
            self.lossy.set(true); // maybe an integer beyond 64 bits: json.loads keeps it exact
        }
        Ok(PyFloat::new(self.py, v).into_any())
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.py, v).into_any())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.py);
        while let Some(item) = seq.next_element_seed(self.again())? {
            list.append(item).map_err(|e| self.fail(e))?;
        }
        Ok(list.into_any())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.py);
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let v = map.next_value_seed(self.again())?;
            dict.set_item(k.as_ref(), v).map_err(|e| self.fail(e))?;
        }
        Ok(dict.into_any())
    }
}

/// A JSON object core has already checked (token header or claims) as a dict, built in one pass;
/// through `json.loads` when serde would lose the digits of an integer beyond 64 bits.
fn json_dict<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyDict>> {
    let failure = std::cell::RefCell::new(None);
    let lossy = std::cell::Cell::new(false);
    let seed = PySeed {
        py,
        failure: &failure,
        lossy: &lossy,
    };
    let mut de = serde_json::Deserializer::from_str(json);
    let result =
        serde::de::DeserializeSeed::deserialize(seed, &mut de).and_then(|v| de.end().map(|()| v));
    if let Some(e) = failure.into_inner() {
        return Err(e);
    }
    let value = result.map_err(|e| decode_error(py, &format!("invalid JSON: {e}")))?;
    let value = if lossy.get() {
        py.import("json")?.getattr("loads")?.call1((json,))?
    } else {
        value
    };
    value
        .cast_into::<PyDict>()
        .map_err(|_| decode_error(py, "expected a JSON object"))
}

// ------------------------------------------------------------------ keys

/// A parsed JWT key (from a JWK or PEM), as held by `bulwark.jwt.PyJWK.key`.
#[pyclass(frozen, module = "bulwark.jwt", name = "JwtKey")]
pub(crate) struct PyJwtKey {
    verifying: VerifyingKey,
    signing: Option<SigningKey>,
}

#[pymethods]
impl PyJwtKey {
    /// A key from a JWK (dict or JSON text): public JWKs verify, private ones also sign.
    #[staticmethod]
    fn from_jwk(py: Python<'_>, jwk: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = match jwk.cast::<PyString>() {
            Ok(s) => s.to_str()?.to_owned(),
            Err(_) => to_json(jwk, None)?,
        };
        let verifying = VerifyingKey::from_jwk(&text).jwt(py)?;
        let signing = SigningKey::from_jwk(&text).ok();
        Ok(Self { verifying, signing })
    }

    /// A key from PEM (a private key PEM also signs).
    #[staticmethod]
    fn from_pem(py: Python<'_>, pem: &Bound<'_, PyAny>) -> PyResult<Self> {
        let bytes = key_bytes(pem)?.ok_or_else(|| PyTypeError::new_err("expected str or bytes"))?;
        let verifying = VerifyingKey::from_pem(&bytes).jwt(py)?;
        let signing = SigningKey::from_pem(&bytes).ok();
        Ok(Self { verifying, signing })
    }

    /// ``"HMAC"``, ``"RSA"``, ``"EC-P256"``, ``"EC-P384"``, ``"EC-P521"``, ``"EC-secp256k1"`` or
    /// ``"Ed25519"``.
    #[getter]
    fn key_type(&self) -> &'static str {
        match self.verifying.key_type() {
            KeyType::Hmac => "HMAC",
            KeyType::Rsa => "RSA",
            KeyType::EcP256 => "EC-P256",
            KeyType::EcP384 => "EC-P384",
            KeyType::EcP521 => "EC-P521",
            KeyType::EcSecp256k1 => "EC-secp256k1",
            KeyType::Ed25519 => "Ed25519",
        }
    }

    /// The JWK's ``kid``, if any.
    #[getter]
    fn key_id(&self) -> Option<String> {
        self.verifying.kid().map(str::to_owned)
    }

    /// The JWK's ``alg``, if any.
    #[getter]
    fn algorithm(&self) -> Option<&'static str> {
        self.verifying.algorithm().map(Algorithm::as_str)
    }

    /// The algorithm the key signs with when nothing names one (core's rule by key type).
    #[getter]
    fn default_algorithm(&self) -> &'static str {
        self.verifying.key_type().default_algorithm().as_str()
    }

    /// Whether this key can sign (it holds private material).
    #[getter]
    fn can_sign(&self) -> bool {
        self.signing.is_some()
    }

    fn __repr__(&self) -> String {
        format!(
            "JwtKey({}, kid={:?})",
            self.key_type(),
            self.verifying.kid()
        )
    }
}

/// Key material given as str (UTF-8) or bytes-like; None for other types.
fn key_bytes(key: &Bound<'_, PyAny>) -> PyResult<Option<zeroize::Zeroizing<Vec<u8>>>> {
    if let Ok(s) = key.cast::<PyString>() {
        return Ok(Some(zeroize::Zeroizing::new(
            s.to_str()?.as_bytes().to_vec(),
        )));
    }
    if let Ok(b) = key.cast::<PyBytes>() {
        return Ok(Some(zeroize::Zeroizing::new(b.as_bytes().to_vec())));
    }
    if let Ok(b) = key.cast::<PyByteArray>() {
        return Ok(Some(zeroize::Zeroizing::new(b.to_vec())));
    }
    Ok(None)
}

/// The door's one cache of prepared keys: core's [`KeyCache`] (found by a keyed PRF of the
/// material, never a copy of it; bounded; idle keys dropped after five minutes).
fn key_cache() -> &'static KeyCache {
    static CACHE: std::sync::OnceLock<KeyCache> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| KeyCache::new(64, std::time::Duration::from_secs(300)))
}

/// The bytes of a str or bytes key, borrowed (the HMAC fast path: no copy of the secret).
fn borrowed_key<'a>(key: &'a Bound<'_, PyAny>) -> Option<&'a [u8]> {
    if let Ok(s) = key.cast::<PyString>() {
        return s.to_str().ok().map(str::as_bytes);
    }
    key.cast::<PyBytes>().ok().map(|b| b.as_bytes())
}

/// A `cryptography` key object exported as PEM (private keys reduced to public for verifying).
fn cryptography_pem(key: &Bound<'_, PyAny>, private: bool) -> PyResult<Option<Vec<u8>>> {
    let py = key.py();
    let ser = match py.import("cryptography.hazmat.primitives.serialization") {
        Ok(m) => m,
        Err(_) => return Ok(None),
    };
    let pem = ser.getattr("Encoding")?.getattr("PEM")?;
    let out = if private && key.hasattr("private_bytes")? {
        let fmt = ser.getattr("PrivateFormat")?.getattr("PKCS8")?;
        let none = ser.getattr("NoEncryption")?.call0()?;
        key.call_method1("private_bytes", (pem, fmt, none))?
    } else if key.hasattr("public_bytes")? || key.hasattr("public_key")? {
        let public = if key.hasattr("public_bytes")? {
            key.clone()
        } else {
            key.call_method0("public_key")?
        };
        let fmt = ser
            .getattr("PublicFormat")?
            .getattr("SubjectPublicKeyInfo")?;
        public.call_method1("public_bytes", (pem, fmt))?
    } else {
        return Ok(None);
    };
    Ok(Some(out.cast::<PyBytes>()?.as_bytes().to_vec()))
}

/// The native key inside a `JwtKey` or a `PyJWK` (whose `.key` is a `JwtKey`).
fn native_key<'py>(key: &Bound<'py, PyAny>) -> Option<Bound<'py, PyJwtKey>> {
    if let Ok(k) = key.cast::<PyJwtKey>() {
        return Some(k.clone());
    }
    key.getattr("key")
        .ok()
        .and_then(|k| k.cast_into::<PyJwtKey>().ok())
}

/// The key material of a str/bytes/dict/cryptography key argument, typed by `alg`.
enum Material {
    Bytes(zeroize::Zeroizing<Vec<u8>>),
    Jwk(zeroize::Zeroizing<String>),
    Native(Py<PyJwtKey>),
}

fn material(key: &Bound<'_, PyAny>, alg: Algorithm, private: bool) -> PyResult<Material> {
    // str/bytes first: the common case, and getattr on them would raise (slowly).
    if let Some(b) = key_bytes(key)? {
        return Ok(Material::Bytes(b));
    }
    if let Some(k) = native_key(key) {
        return Ok(Material::Native(k.unbind()));
    }
    if key.cast::<PyDict>().is_ok() {
        return Ok(Material::Jwk(zeroize::Zeroizing::new(to_json(key, None)?)));
    }
    if alg.key_type() != KeyType::Hmac {
        if let Some(pem) = cryptography_pem(key, private)? {
            return Ok(Material::Bytes(zeroize::Zeroizing::new(pem)));
        }
    }
    Err(PyTypeError::new_err(format!(
        "Expecting a str, bytes, JWK dict or PyJWK key, not {}",
        key.get_type().name()?
    )))
}

fn signing_key(
    py: Python<'_>,
    key: &Bound<'_, PyAny>,
    alg: Algorithm,
) -> PyResult<Arc<SigningKey>> {
    if let Some(raw) = borrowed_key(key) {
        return key_cache().signing(alg, raw).jwt(py);
    }
    match material(key, alg, true)? {
        Material::Native(k) => k.get().signing.clone().map(Arc::new).ok_or_else(|| {
            jwt_err(
                py,
                &Error::new(
                    ErrorKind::InvalidKey,
                    "this key is public; signing needs the private key",
                ),
            )
        }),
        Material::Jwk(j) => key_cache().signing_jwk(&j).jwt(py),
        Material::Bytes(b) => key_cache().signing(alg, &b).jwt(py),
    }
}

/// Runs one core verification whose key is `key` typed by core for the token's algorithm. A
/// failure while typing the key on the Python side (a key of the wrong Python type) is raised
/// as itself; core's refusals as PyJWT's exceptions.
fn with_py_key<T>(
    py: Python<'_>,
    key: &Bound<'_, PyAny>,
    verify: impl FnOnce(
        &mut dyn FnMut(Algorithm) -> bulwark::Result<Arc<VerifyingKey>>,
    ) -> bulwark::Result<T>,
) -> PyResult<T> {
    let mut key_failure: Option<PyErr> = None;
    let result = verify(&mut |alg| {
        verifying_key(py, key, alg).map_err(|e| {
            key_failure = Some(e);
            Error::internal("key preparation failed")
        })
    });
    match (result, key_failure) {
        (_, Some(e)) => Err(e),
        (r, None) => r.jwt(py),
    }
}

fn verifying_key(
    py: Python<'_>,
    key: &Bound<'_, PyAny>,
    alg: Algorithm,
) -> PyResult<Arc<VerifyingKey>> {
    if let Some(raw) = borrowed_key(key) {
        return key_cache().verifying(alg, raw).jwt(py);
    }
    match material(key, alg, false)? {
        Material::Native(k) => Ok(Arc::new(k.get().verifying.clone())),
        Material::Jwk(j) => key_cache().verifying_jwk(&j).jwt(py),
        Material::Bytes(b) => key_cache().verifying(alg, &b).jwt(py),
    }
}

// ------------------------------------------------------------------ encode

fn datetime_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static DT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    DT.import(py, "datetime", "datetime")
}

/// `encode`'s `algorithm`, which PyJWT reads three ways: not given, `None`, or a name.
enum AlgorithmArg {
    Unset,
    None,
    Name(String),
}

impl<'a, 'py> FromPyObject<'a, 'py> for AlgorithmArg {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(Self::None);
        }
        Ok(Self::Name(obj.extract::<String>()?))
    }
}

/// PyJWT's `jwt.encode`: the payload JSON is written exactly as PyJWT writes it.
#[pyfunction]
#[pyo3(signature = (payload, key, algorithm=AlgorithmArg::Unset, headers=None, json_encoder=None, sort_headers=true, enforce_minimum_key_length=true), text_signature = "(payload, key, algorithm='HS256', headers=None, json_encoder=None, sort_headers=True, enforce_minimum_key_length=True)")]
#[allow(clippy::too_many_arguments)]
fn jwt_encode(
    py: Python<'_>,
    payload: &Bound<'_, PyAny>,
    key: &Bound<'_, PyAny>,
    algorithm: AlgorithmArg,
    headers: Option<&Bound<'_, PyDict>>,
    json_encoder: Option<&Bound<'_, PyAny>>,
    sort_headers: bool,
    enforce_minimum_key_length: bool,
) -> PyResult<String> {
    let _ = sort_headers; // headers are always sorted: deterministic, as PyJWT's default
    let Ok(dict) = payload.cast::<PyDict>() else {
        return Err(PyTypeError::new_err(
            "Expecting a dict object, as JWT only supports JSON objects as payloads.",
        ));
    };
    // datetime values of exp / iat / nbf become integer timestamps, as PyJWT does.
    let mut payload_obj = dict.clone();
    let names = [
        pyo3::intern!(py, "exp"),
        pyo3::intern!(py, "iat"),
        pyo3::intern!(py, "nbf"),
    ];
    for (claim, name) in ["exp", "iat", "nbf"].into_iter().zip(names) {
        if let Some(v) = dict.get_item(name)? {
            if v.cast::<PyInt>().is_err() && v.is_instance(datetime_type(py)?)? {
                if payload_obj.is(dict) {
                    payload_obj = dict.copy()?;
                }
                let tt = v.call_method0("utctimetuple")?;
                let ts = py.import("calendar")?.getattr("timegm")?.call1((tt,))?;
                payload_obj.set_item(claim, ts)?;
            }
        }
    }
    if let Some(iss) = dict.get_item(pyo3::intern!(py, "iss"))? {
        if iss.cast::<PyString>().is_err() {
            return Err(PyTypeError::new_err("Issuer (iss) must be a string."));
        }
    }
    let claims_json = to_json(payload_obj.as_any(), json_encoder)?;
    sign_token(
        py,
        key,
        algorithm,
        headers,
        json_encoder,
        enforce_minimum_key_length,
        Payload::Claims(&claims_json),
    )
}

/// What a token carries: JSON claims (`jwt.encode`) or any bytes (`PyJWS.encode`).
#[derive(Clone, Copy)]
enum Payload<'a> {
    Claims(&'a str),
    Bytes(&'a [u8]),
}

/// Signs ``payload`` with ``key`` as PyJWT picks the algorithm (argument, PyJWK's own, header's
/// ``alg``) and builds the header; core signs.
fn sign_token(
    py: Python<'_>,
    key: &Bound<'_, PyAny>,
    algorithm: AlgorithmArg,
    headers: Option<&Bound<'_, PyDict>>,
    json_encoder: Option<&Bound<'_, PyAny>>,
    enforce_minimum_key_length: bool,
    payload: Payload<'_>,
) -> PyResult<String> {
    // As PyJWT: no algorithm argument means the PyJWK's own `alg`, or HS256; `None` means the
    // PyJWK's, or "none" (which core refuses: Bulwark never makes unsigned tokens).
    let pyjwk_alg = || -> PyResult<Option<String>> {
        if key.cast::<PyString>().is_ok() || key.cast::<PyBytes>().is_ok() {
            return Ok(None);
        }
        match key.getattr_opt(pyo3::intern!(py, "algorithm_name"))? {
            Some(a) if key.getattr_opt(pyo3::intern!(py, "Algorithm"))?.is_some() => a.extract(),
            _ => Ok(None),
        }
    };
    let argument = match algorithm {
        AlgorithmArg::Unset => pyjwk_alg()?.unwrap_or_else(|| "HS256".to_owned()),
        AlgorithmArg::None => pyjwk_alg()?.unwrap_or_else(|| "none".to_owned()),
        AlgorithmArg::Name(name) => name,
    };
    // A header "alg" is preferred to the argument, as in PyJWT.
    let alg_name = match headers.map(|h| h.get_item("alg")).transpose()?.flatten() {
        Some(a) if !a.is_none() => a.extract::<String>()?,
        _ => argument,
    };
    let alg: Algorithm = alg_name.parse().jwt(py)?;
    let header_json = match headers {
        Some(h) => {
            let h = h.copy()?;
            h.set_item("alg", alg.as_str())?;
            Some(to_json(h.as_any(), json_encoder)?)
        }
        None => None,
    };
    let key = signing_key(py, key, alg)?;
    let options = EncodeOptions {
        allow_short_hmac_key: !enforce_minimum_key_length,
    };
    let sign = || match payload {
        Payload::Claims(claims) => {
            jwt::encode_json(alg, &key, claims, header_json.as_deref(), options)
        }
        Payload::Bytes(bytes) => {
            jwt::encode_bytes(alg, &key, bytes, header_json.as_deref(), options)
        }
    };
    if alg.key_type() == KeyType::Hmac {
        sign().jwt(py)
    } else {
        // RSA signing takes ~0.2 ms: let other Python threads run meanwhile.
        py.detach(sign).jwt(py)
    }
}

// ------------------------------------------------------------------ decode

fn opt_bool(options: Option<&Bound<'_, PyDict>>, name: &str, default: bool) -> PyResult<bool> {
    match options.map(|o| o.get_item(name)).transpose()?.flatten() {
        Some(v) => v.is_truthy(),
        None => Ok(default),
    }
}

fn str_list(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(vec![s.to_str()?.to_owned()]);
    }
    let iter = obj
        .try_iter()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a string, iterable or None")))?;
    iter.map(|item| item?.extract::<String>()).collect()
}

fn token_text<'a>(
    py: Python<'_>,
    jwt: &'a Bound<'_, PyAny>,
) -> PyResult<std::borrow::Cow<'a, str>> {
    if let Ok(s) = jwt.cast::<PyString>() {
        return s.to_cow();
    }
    if let Ok(b) = jwt.cast::<PyBytes>() {
        return std::str::from_utf8(b.as_bytes())
            .map(|s| std::borrow::Cow::Owned(s.to_owned()))
            .map_err(|_| decode_error(py, "Invalid token: not UTF-8"));
    }
    Err(decode_error(
        py,
        "Invalid token type. Token must be a <class 'bytes'>",
    ))
}

fn leeway_secs(leeway: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
    let secs = match leeway {
        None => return Ok(0.0),
        Some(l) if l.hasattr("total_seconds")? => l.call_method0("total_seconds")?.extract(),
        Some(l) => l.extract::<f64>(),
    };
    secs.map_err(|_| {
        PyTypeError::new_err(format!(
            "leeway must be a number of seconds or a timedelta, not {}",
            leeway
                .and_then(|l| l.get_type().name().ok())
                .map_or_else(|| "None".to_owned(), |n| n.to_string())
        ))
    })
}

/// PyJWT's claim options (`options`, `audience`, `issuer`, `subject`, `leeway`) as core's
/// [`Validation`], and whether the signature is to be verified.
fn validation_from(
    options: Option<&Bound<'_, PyDict>>,
    audience: Option<&Bound<'_, PyAny>>,
    issuer: Option<&Bound<'_, PyAny>>,
    subject: Option<String>,
    leeway: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Validation, bool)> {
    let verify_signature = opt_bool(options, "verify_signature", true)?;
    // As PyJWT: without signature verification the other checks default to off.
    let d = verify_signature;
    let mut v = Validation::new(&[]);
    v.verify_exp = opt_bool(options, "verify_exp", d)?;
    v.verify_nbf = opt_bool(options, "verify_nbf", d)?;
    v.verify_iat = opt_bool(options, "verify_iat", d)?;
    v.verify_aud = opt_bool(options, "verify_aud", d)?;
    v.verify_iss = opt_bool(options, "verify_iss", d)?;
    v.verify_sub = opt_bool(options, "verify_sub", d)?;
    v.verify_jti = opt_bool(options, "verify_jti", d)?;
    v.strict_audience = opt_bool(options, "strict_aud", false)?;
    v.allow_short_hmac_key = !opt_bool(options, "enforce_minimum_key_length", true)?;
    if let Some(req) = options
        .map(|o| o.get_item("require"))
        .transpose()?
        .flatten()
    {
        v.required = str_list(&req, "require")?;
    }
    v.leeway = leeway_secs(leeway)?;
    v.audiences = audience
        .filter(|a| !a.is_none())
        .map(|a| str_list(a, "audience"))
        .transpose()?;
    v.issuers = issuer
        .filter(|i| !i.is_none())
        .map(|i| str_list(i, "issuer"))
        .transpose()?;
    v.subject = subject;
    Ok((v, verify_signature))
}

/// Validates the claims of an already-decoded payload dict by core's rules, with PyJWT's
/// options (what ``PyJWT._validate_claims`` and its ``_validate_*`` helpers do).
#[pyfunction]
#[pyo3(signature = (payload, options=None, audience=None, issuer=None, subject=None, leeway=None))]
fn jwt_validate_claims(
    py: Python<'_>,
    payload: &Bound<'_, PyDict>,
    options: Option<&Bound<'_, PyDict>>,
    audience: Option<&Bound<'_, PyAny>>,
    issuer: Option<&Bound<'_, PyAny>>,
    subject: Option<String>,
    leeway: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let (v, _) = validation_from(options, audience, issuer, subject, leeway)?;
    let claims: Map<String, Value> = serde_json::from_str(&to_json(payload.as_any(), None)?)
        .map_err(|e| decode_error(py, &format!("invalid payload: {e}")))?;
    jwt::validate_claims(&claims, &v, crate::now_secs()).jwt(py)
}

/// PyJWT's options with every key present, as `decode` reads them (PyJWT(options=...) holds this):
/// the checks default to `verify_signature`, short HMAC secrets are refused unless
/// `enforce_minimum_key_length` is false.
#[pyfunction]
#[pyo3(signature = (options=None))]
fn jwt_options<'py>(
    py: Python<'py>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (v, verify_signature) = validation_from(options, None, None, None, None)?;
    let out = PyDict::new(py);
    out.set_item("verify_signature", verify_signature)?;
    for (name, on) in [
        ("verify_exp", v.verify_exp),
        ("verify_nbf", v.verify_nbf),
        ("verify_iat", v.verify_iat),
        ("verify_aud", v.verify_aud),
        ("verify_iss", v.verify_iss),
        ("verify_sub", v.verify_sub),
        ("verify_jti", v.verify_jti),
        ("strict_aud", v.strict_audience),
        ("enforce_minimum_key_length", !v.allow_short_hmac_key),
    ] {
        out.set_item(name, on)?;
    }
    out.set_item("require", v.required)?;
    Ok(out)
}

/// The shared body of `decode` and `decode_complete`.
#[allow(clippy::too_many_arguments)]
fn decode_impl<'py>(
    py: Python<'py>,
    jwt: &Bound<'py, PyAny>,
    key: Option<&Bound<'py, PyAny>>,
    algorithms: Option<&Bound<'py, PyAny>>,
    options: Option<&Bound<'py, PyDict>>,
    audience: Option<&Bound<'py, PyAny>>,
    issuer: Option<&Bound<'py, PyAny>>,
    subject: Option<String>,
    leeway: Option<&Bound<'py, PyAny>>,
) -> PyResult<(String, Bound<'py, PyDict>, Vec<u8>)> {
    let token = token_text(py, jwt)?;
    let (mut v, verify_signature) = validation_from(options, audience, issuer, subject, leeway)?;
    let now = crate::now_secs();
    if !verify_signature {
        let decoded = jwt::dangerous::decode_unverified(&token, v.max_token_len).jwt(py)?;
        // verify_signature=False: PyJWT still validates the claims it is asked to.
        jwt::validate_claims(decoded.claims_unverified(), &v, now).jwt(py)?;
        let claims = json_dict(py, decoded.payload_json_unverified())?;
        return Ok((
            decoded.header_json_unverified().to_owned(),
            claims,
            decoded.signature_unverified().to_vec(),
        ));
    }
    let Some(algorithms) = algorithms.filter(|a| !a.is_none()) else {
        return Err(decode_error(
            py,
            "It is required that you pass in a value for the \"algorithms\" argument when calling decode().",
        ));
    };
    // Names that are not algorithms (including "none") can never match a token: drop them.
    v.algorithms = if let Ok(list) = algorithms.cast::<PyList>() {
        let mut out = Vec::with_capacity(list.len());
        for item in list.iter() {
            if let Ok(a) = item.cast::<PyString>()?.to_str()?.parse::<Algorithm>() {
                out.push(a);
            }
        }
        out
    } else {
        str_list(algorithms, "algorithms")?
            .iter()
            .filter_map(|a| a.parse::<Algorithm>().ok())
            .collect()
    };
    let key = key.ok_or_else(|| PyTypeError::new_err("decode() needs a key"))?;
    // Core's whole verification: signature with the key typed for the header's algorithm,
    // then the claims; a Python-side failure (a key of the wrong Python type) is raised as is.
    let decoded = with_py_key(py, key, |key_for| {
        jwt::verify_json_with(&token, &v, now, |alg, _kid| key_for(alg))
    })?;
    let claims = json_dict(py, &decoded.payload_json)?;
    Ok((decoded.header_json, claims, decoded.signature))
}

/// PyJWT's `jwt.decode`: verifies and returns the claims dict.
#[pyfunction]
#[pyo3(signature = (jwt, key=None, algorithms=None, options=None, verify=None, detached_payload=None, audience=None, issuer=None, subject=None, leeway=None))]
#[allow(clippy::too_many_arguments)]
fn jwt_decode<'py>(
    py: Python<'py>,
    jwt: &Bound<'py, PyAny>,
    key: Option<&Bound<'py, PyAny>>,
    algorithms: Option<&Bound<'py, PyAny>>,
    options: Option<&Bound<'py, PyDict>>,
    verify: Option<bool>,
    detached_payload: Option<&Bound<'py, PyAny>>,
    audience: Option<&Bound<'py, PyAny>>,
    issuer: Option<&Bound<'py, PyAny>>,
    subject: Option<String>,
    leeway: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let _ = verify; // does nothing in PyJWT 2 either
    no_detached(py, detached_payload)?;
    let (_, claims, _) = decode_impl(
        py, jwt, key, algorithms, options, audience, issuer, subject, leeway,
    )?;
    Ok(claims)
}

fn no_detached(py: Python<'_>, detached: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    if detached.is_some_and(|d| !d.is_none()) {
        return Err(decode_error(
            py,
            "detached payloads (RFC 7797 b64=false) are not supported",
        ));
    }
    Ok(())
}

/// PyJWT's `jwt.decode_complete`: ``{"header", "payload", "signature"}``.
#[pyfunction]
#[pyo3(signature = (jwt, key=None, algorithms=None, options=None, verify=None, detached_payload=None, audience=None, issuer=None, subject=None, leeway=None))]
#[allow(clippy::too_many_arguments)]
fn jwt_decode_complete<'py>(
    py: Python<'py>,
    jwt: &Bound<'py, PyAny>,
    key: Option<&Bound<'py, PyAny>>,
    algorithms: Option<&Bound<'py, PyAny>>,
    options: Option<&Bound<'py, PyDict>>,
    verify: Option<bool>,
    detached_payload: Option<&Bound<'py, PyAny>>,
    audience: Option<&Bound<'py, PyAny>>,
    issuer: Option<&Bound<'py, PyAny>>,
    subject: Option<String>,
    leeway: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let _ = verify;
    no_detached(py, detached_payload)?;
    let (header_json, claims, signature) = decode_impl(
        py, jwt, key, algorithms, options, audience, issuer, subject, leeway,
    )?;
    let out = PyDict::new(py);
    out.set_item("header", json_dict(py, &header_json)?)?;
    out.set_item("payload", claims)?;
    out.set_item("signature", PyBytes::new(py, &signature))?;
    Ok(out)
}

/// PyJWT's `PyJWS.encode`: signs ``payload`` (bytes, not read as claims) as a compact JWS.
#[pyfunction]
#[pyo3(signature = (payload, key, algorithm=AlgorithmArg::Unset, headers=None, json_encoder=None, enforce_minimum_key_length=true))]
fn jws_encode(
    py: Python<'_>,
    payload: &[u8],
    key: &Bound<'_, PyAny>,
    algorithm: AlgorithmArg,
    headers: Option<&Bound<'_, PyDict>>,
    json_encoder: Option<&Bound<'_, PyAny>>,
    enforce_minimum_key_length: bool,
) -> PyResult<String> {
    sign_token(
        py,
        key,
        algorithm,
        headers,
        json_encoder,
        enforce_minimum_key_length,
        Payload::Bytes(payload),
    )
}

/// PyJWT's `PyJWS.decode_complete`: ``{"payload": bytes, "header": dict, "signature": bytes}``,
/// the signature checked by core with ``key`` typed for the header's algorithm (which must be in
/// ``algorithms``), or nothing checked when ``verify_signature`` is False.
#[pyfunction]
#[pyo3(signature = (jwt, key, algorithms, verify_signature=true, enforce_minimum_key_length=true))]
fn jws_decode_complete<'py>(
    py: Python<'py>,
    jwt: &Bound<'py, PyAny>,
    key: &Bound<'py, PyAny>,
    algorithms: Vec<String>,
    verify_signature: bool,
    enforce_minimum_key_length: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let token = token_text(py, jwt)?;
    let mut v = jwt::Validation::new(&[]);
    let jws = if verify_signature {
        // Names that are not algorithms (including "none") can never match a token.
        v.algorithms = algorithms.iter().filter_map(|a| a.parse().ok()).collect();
        v.allow_short_hmac_key = !enforce_minimum_key_length;
        with_py_key(py, key, |key_for| {
            jwt::dangerous::verify_jws(&token, &v, |alg, _kid| key_for(alg))
        })?
    } else {
        jwt::dangerous::decode_jws_unverified(&token, v.max_token_len).jwt(py)?
    };
    jws_dict(py, &jws.header_json, &jws.payload, &jws.signature)
}

/// PyJWS's ``{"payload": bytes, "header": dict, "signature": bytes}``.
fn jws_dict<'py>(
    py: Python<'py>,
    header_json: &str,
    payload: &[u8],
    signature: &[u8],
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("payload", PyBytes::new(py, payload))?;
    out.set_item("header", json_dict(py, header_json)?)?;
    out.set_item("signature", PyBytes::new(py, signature))?;
    Ok(out)
}

/// ``{"payload", "header", "signature"}`` of a JWS whose algorithm the caller registered itself
/// (``PyJWS.register_algorithm``): form, ``crit`` and ``kid`` checked; nothing verified.
#[pyfunction]
fn jws_parts_unverified<'py>(
    py: Python<'py>,
    jwt: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let token = token_text(py, jwt)?;
    let (header_json, payload, signature) =
        jwt::dangerous::jws_parts_unverified(&token, jwt::DEFAULT_MAX_TOKEN_LEN).jwt(py)?;
    jws_dict(py, &header_json, &payload, &signature)
}

/// PyJWT's `jwt.get_unverified_header`.
#[pyfunction]
fn jwt_get_unverified_header<'py>(
    py: Python<'py>,
    jwt: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let token = token_text(py, jwt)?;
    let header = jwt::unverified_header(&token).jwt(py)?;
    json_dict(py, &Value::Object(header).to_string())
}

/// ``(private_pem, public_pem)`` of a new key pair for ``algorithm``.
#[pyfunction]
fn jwt_generate_key_pair(py: Python<'_>, algorithm: &str) -> PyResult<(String, String)> {
    let alg: Algorithm = algorithm.parse().jwt(py)?;
    let (private, public) = jwt::generate_pem(alg).jwt(py)?;
    Ok((private.to_string(), public))
}

/// A signature over any message as JWS encodes it for `algorithm` (what PyJWT's
/// `Algorithm.sign` gives); the key as `encode` takes it.
#[pyfunction]
#[pyo3(signature = (algorithm, key, message, enforce_minimum_key_length=true))]
fn jwt_sign_message<'py>(
    py: Python<'py>,
    algorithm: &str,
    key: &Bound<'py, PyAny>,
    message: &[u8],
    enforce_minimum_key_length: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let alg: Algorithm = algorithm.parse().jwt(py)?;
    let key = signing_key(py, key, alg)?;
    let signature = key
        .sign_message(alg, message, !enforce_minimum_key_length)
        .jwt(py)?;
    Ok(PyBytes::new(py, &signature))
}

/// Whether `signature` is `algorithm`'s JWS signature over `message` (what PyJWT's
/// `Algorithm.verify` answers); the key as `decode` takes it.
#[pyfunction]
#[pyo3(signature = (algorithm, key, message, signature, enforce_minimum_key_length=true))]
fn jwt_verify_message(
    py: Python<'_>,
    algorithm: &str,
    key: &Bound<'_, PyAny>,
    message: &[u8],
    signature: &[u8],
    enforce_minimum_key_length: bool,
) -> PyResult<bool> {
    let alg: Algorithm = algorithm.parse().jwt(py)?;
    let key = verifying_key(py, key, alg)?;
    key.verify_message(alg, message, signature, !enforce_minimum_key_length)
        .jwt(py)
}

/// Types ``key`` for ``algorithm`` by core's rule (as ``encode``/``decode`` would), raising
/// ``InvalidKeyError`` when it does not fit: a PEM, SSH or JWK text is never an HMAC secret, an
/// HMAC secret never an RSA key. ``private`` asks for a key that can sign.
#[pyfunction]
#[pyo3(signature = (algorithm, key, private=false))]
fn jwt_check_key(
    py: Python<'_>,
    algorithm: &str,
    key: &Bound<'_, PyAny>,
    private: bool,
) -> PyResult<()> {
    let alg: Algorithm = algorithm.parse().jwt(py)?;
    if private {
        signing_key(py, key, alg).map(drop)
    } else {
        verifying_key(py, key, alg).map(drop)
    }
}

/// ``(p, q, dp, dq, qi)`` of the RSA private key ``(n, e, d)`` (big-endian bytes), recovered by
/// core for a JWK without CRT members; ``InvalidKeyError`` when ``d`` does not belong to ``n``.
#[pyfunction]
fn jwt_rsa_recover_crt<'py>(
    py: Python<'py>,
    n: &[u8],
    e: &[u8],
    d: &[u8],
) -> PyResult<[Bound<'py, PyBytes>; 5]> {
    let parts = jwt::keys::rsa_recover_crt(n, e, d).jwt(py)?;
    Ok(parts.map(|v| PyBytes::new(py, &v)))
}

/// The shortest HMAC secret ``algorithm`` accepts, in bytes (core's rule, RFC 7518 §3.2).
#[pyfunction]
fn jwt_hmac_min_key_len(py: Python<'_>, algorithm: &str) -> PyResult<usize> {
    Ok(algorithm.parse::<Algorithm>().jwt(py)?.hmac_min_key_len())
}

/// ``"pem"``, ``"ssh"`` or None: what kind of text key ``key`` is, by core's rule.
#[pyfunction]
fn jwt_key_text_format(key: &[u8]) -> Option<&'static str> {
    jwt::keys::text_key_format(key).map(|f| match f {
        jwt::keys::KeyTextFormat::Pem => "pem",
        jwt::keys::KeyTextFormat::Ssh => "ssh",
    })
}

/// Whether a JWK dict may verify signatures (core's rule: not `"use": "enc"`); a JWK set keeps
/// only these.
#[pyfunction]
fn jwk_is_signature_key(jwk: &Bound<'_, PyDict>) -> PyResult<bool> {
    let text = to_json(jwk.as_any(), None)?;
    let map: Map<String, Value> = serde_json::from_str(&text)
        .map_err(|e| PyValueError::new_err(format!("jwk is not a JSON object: {e}")))?;
    Ok(jwt::is_signature_key(&map))
}

/// The index of the key a token names (core's one selection rule, `select_key_index`): the first
/// with its ``kid``, or with no ``kid`` the only key; None when there is no such key.
#[pyfunction]
fn jwk_select(kids: Vec<Option<String>>, kid: Option<&str>) -> Option<usize> {
    jwt::select_key_index(kids.iter().map(|k| (k.as_deref(), true)), kid).ok()
}

/// An allow-list given to a verifier at start-up: names core knows, as a list (a lone str is
/// refused, not read as its letters). A bad name is a configuration error: `InvalidInputError`
/// (a `ValueError`) with core's message.
fn allow_list(py: Python<'_>, algorithms: &Bound<'_, PyAny>) -> PyResult<Vec<Algorithm>> {
    if algorithms.is_none() || algorithms.cast::<PyString>().is_ok() {
        return Err(to_pyerr(
            py,
            &Error::invalid_input(
                "algorithms must be a list of names, e.g. ['HS256'] (an allow-list)",
            ),
        ));
    }
    str_list(algorithms, "algorithms")?
        .iter()
        .map(|a| a.parse::<Algorithm>())
        .collect::<bulwark::Result<Vec<_>>>()
        .map_err(|e| to_pyerr(py, &Error::invalid_input(e.message())))
}

/// Checks the allow-list of a verifier whose keys come later (a JWKS client) by core's rules:
/// known names, not empty, not HMAC mixed with public-key algorithms.
#[pyfunction]
fn jwt_check_allow_list(py: Python<'_>, algorithms: &Bound<'_, PyAny>) -> PyResult<()> {
    jwt::check_allow_list(&allow_list(py, algorithms)?).jwt(py)
}

/// Core's [`jwt::Verifier`] held by the door: the key typed once by core's rule for the
/// allow-list (a public key or JWK text is never an HMAC secret; a mixed list is refused), PyJWT's
/// claim options turned into core's validation once, and each `verify` a single native call.
#[pyclass(frozen, module = "bulwark.jwt", name = "JwtVerifier")]
struct PyJwtVerifier {
    inner: jwt::Verifier,
    /// RSA and ECDSA checks take tens of microseconds: other Python threads run meanwhile.
    detach: bool,
}

#[pymethods]
impl PyJwtVerifier {
    #[new]
    #[pyo3(signature = (key, algorithms, *, options=None, audience=None, issuer=None, subject=None, leeway=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        algorithms: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyDict>>,
        audience: Option<&Bound<'_, PyAny>>,
        issuer: Option<&Bound<'_, PyAny>>,
        subject: Option<String>,
        leeway: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let algorithms = allow_list(py, algorithms)?;
        let (mut v, verify_signature) =
            validation_from(options, audience, issuer, subject, leeway)?;
        if !verify_signature {
            return Err(to_pyerr(
                py,
                &Error::invalid_input(
                    "a verifier always checks signatures (options verify_signature=False)",
                ),
            ));
        }
        if key.is_none() {
            return Err(to_pyerr(
                py,
                &Error::invalid_input("a verification key is required"),
            ));
        }
        // The allow-list (empty, mixed) is checked by `typed_by` itself, before the key.
        let detach = algorithms.iter().all(|a| a.key_type() != KeyType::Hmac);
        v.algorithms = algorithms;
        // Core types the key per allowed algorithm; a Python-side failure (a key of the wrong
        // Python type) is kept and raised as itself.
        let mut key_failure: Option<PyErr> = None;
        let result = jwt::Verifier::typed_by(v, |alg| {
            verifying_key(py, key, alg)
                .map(|k| (*k).clone())
                .map_err(|e| {
                    key_failure.get_or_insert(e);
                    Error::internal("key preparation failed")
                })
        });
        match (result, key_failure) {
            (Ok(inner), _) => Ok(Self { inner, detach }),
            // No allowed algorithm could type the key: the first failure, as Python raised it.
            (Err(e), Some(original)) if e.kind() == ErrorKind::Internal => Err(original),
            (Err(e), _) => Err(jwt_err(py, &e)),
        }
    }

    /// The verified claims of `token` (str or bytes); PyJWT's exception for each refusal.
    fn verify<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let token = token_text(py, token)?;
        let decoded = if self.detach {
            let now = crate::now_secs();
            py.detach(|| self.inner.verify_json_at(&token, now))
        } else {
            self.inner.verify_json_at(&token, crate::now_secs())
        }
        .jwt(py)?;
        json_dict(py, &decoded.payload_json)
    }

    fn __repr__(&self) -> String {
        let algs: Vec<&str> = self
            .inner
            .validation()
            .algorithms
            .iter()
            .map(|a| a.as_str())
            .collect();
        format!("JwtVerifier(algorithms={algs:?})")
    }
}

/// Core's [`jwt::Grants`]: the roles and permissions a verified token's claims grant.
#[pyclass(frozen, module = "bulwark.jwt", name = "Grants")]
struct PyGrants {
    inner: jwt::Grants,
}

/// A JSON value of what a grant claim may hold (a str, or a list of them); anything else grants
/// nothing, so it is left out.
fn grant_value(v: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Some(Value::String(s.to_str()?.to_owned())));
    }
    if v.cast::<PyList>().is_ok()
        || v.cast::<PyTuple>().is_ok()
        || v.cast::<pyo3::types::PySet>().is_ok()
        || v.cast::<pyo3::types::PyFrozenSet>().is_ok()
    {
        let mut items = Vec::new();
        for item in v.try_iter()? {
            if let Ok(s) = item?.cast::<PyString>() {
                items.push(Value::String(s.to_str()?.to_owned()));
            }
        }
        return Ok(Some(Value::Array(items)));
    }
    Ok(None)
}

impl PyGrants {
    /// The claims core's rule reads, taken from a claims mapping.
    fn read(&self, claims: &Bound<'_, PyAny>) -> PyResult<Vec<(String, Value)>> {
        let mut out = Vec::with_capacity(5);
        for name in self.inner.claims_read() {
            if let Ok(v) = claims.get_item(name) {
                if let Some(value) = grant_value(&v)? {
                    out.push((name.to_owned(), value));
                }
            }
        }
        Ok(out)
    }
}

fn wanted(value: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Vec<String>> {
    value
        .filter(|v| !v.is_none())
        .map_or(Ok(Vec::new()), |v| str_list(v, what))
}

#[pymethods]
impl PyGrants {
    #[new]
    #[pyo3(signature = (roles_claim="roles", permissions_claim="permissions"))]
    fn new(roles_claim: &str, permissions_claim: &str) -> Self {
        Self {
            inner: jwt::Grants::new(roles_claim, permissions_claim),
        }
    }

    /// The roles `claims` grant.
    fn roles(&self, claims: &Bound<'_, PyAny>) -> PyResult<std::collections::BTreeSet<String>> {
        let pairs = self.read(claims)?;
        Ok(self
            .inner
            .roles(pairs.as_slice())
            .into_iter()
            .map(str::to_owned)
            .collect())
    }

    /// The permissions `claims` grant.
    fn permissions(
        &self,
        claims: &Bound<'_, PyAny>,
    ) -> PyResult<std::collections::BTreeSet<String>> {
        let pairs = self.read(claims)?;
        Ok(self
            .inner
            .permissions(pairs.as_slice())
            .into_iter()
            .map(str::to_owned)
            .collect())
    }

    /// True when `claims` hold one of `role` (a name or several; None: any) and every
    /// `permission` (a name or several; None: none asked).
    #[pyo3(signature = (claims, role=None, permission=None))]
    fn allows(
        &self,
        claims: &Bound<'_, PyAny>,
        role: Option<&Bound<'_, PyAny>>,
        permission: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let roles = wanted(role, "role")?;
        let permissions = wanted(permission, "permission")?;
        let pairs = self.read(claims)?;
        Ok(self.inner.allows(pairs.as_slice(), &roles, &permissions))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("JWT_MIN_RSA_BITS", jwt::keys::MIN_RSA_BITS)?;
    m.add_function(wrap_pyfunction!(jwt_encode, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_decode, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_decode_complete, m)?)?;
    m.add_function(wrap_pyfunction!(jws_encode, m)?)?;
    m.add_function(wrap_pyfunction!(jws_decode_complete, m)?)?;
    m.add_function(wrap_pyfunction!(jws_parts_unverified, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_get_unverified_header, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_generate_key_pair, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_check_allow_list, m)?)?;
    m.add_class::<PyJwtVerifier>()?;
    m.add_class::<PyGrants>()?;
    m.add_function(wrap_pyfunction!(jwk_select, m)?)?;
    m.add_function(wrap_pyfunction!(jwk_is_signature_key, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_sign_message, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_key_text_format, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_hmac_min_key_len, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_check_key, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_rsa_recover_crt, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_options, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_validate_claims, m)?)?;
    m.add_function(wrap_pyfunction!(jwt_verify_message, m)?)?;
    m.add_class::<PyJwtKey>()?;
    Ok(())
}
