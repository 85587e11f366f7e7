//! pyo3 glue for `bulwark.compare_digest` (core's constant-time `ct::eq`), as `hmac.compare_digest`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

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

/// Registers this module's function on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(compare_digest, m)?)?;
    Ok(())
}
