//! pyo3 glue for `bulwark.redact`: core's `Redactor`.

use crate::IntoPy;
use bulwark::redact::Redactor;
use pyo3::prelude::*;

/// Redacts secrets by field name and by value.
#[pyclass(frozen, module = "bulwark.redact", name = "Redactor")]
struct PyRedactor {
    inner: Redactor,
}

#[pymethods]
impl PyRedactor {
    #[new]
    #[pyo3(signature = (fields=Vec::new()))]
    fn new(fields: Vec<String>) -> Self {
        Self {
            inner: Redactor::with_fields(fields),
        }
    }

    /// Whether a field of this name is redacted.
    fn is_sensitive(&self, name: &str) -> bool {
        self.inner.is_sensitive(name)
    }

    /// Redact JSON text; returns compact JSON with the input's key order.
    fn json(&self, py: Python<'_>, text: &str) -> PyResult<String> {
        self.inner.redact_json_str(text).py(py)
    }

    /// Redact a query string.
    fn query(&self, query: &str) -> String {
        self.inner.redact_query(query)
    }

    /// Redact one header value given its name.
    fn header(&self, name: &str, value: &str) -> String {
        self.inner.redact_header(name, value)
    }

    /// Redact secrets found by value in free text.
    fn text(&self, text: &str) -> String {
        self.inner.redact_text(text)
    }
}

/// Registers this module's classes on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRedactor>()?;
    Ok(())
}
