//! pyo3 glue for `bulwark.versioning`: core's version policy and its decision per request.

use crate::IntoPy;
use bulwark::versioning::{VersionPolicy, VersionRequest};
use pyo3::prelude::*;

/// The versions a service serves and where requests name them (built from core's JSON form).
#[pyclass(frozen, module = "bulwark.versioning", name = "_VersionPolicy")]
pub(crate) struct PyVersionPolicy {
    inner: VersionPolicy,
}

/// `(status, version, path, headers, body)`: core's decision for one request.
type Decision = (
    u16,
    Option<String>,
    Option<String>,
    Vec<(String, String)>,
    Option<String>,
);

#[pymethods]
impl PyVersionPolicy {
    #[new]
    fn new(py: Python<'_>, policy_json: &str) -> PyResult<Self> {
        Ok(Self {
            inner: VersionPolicy::from_json(policy_json).py(py)?,
        })
    }

    /// The policy of a route that serves only `versions` (each listed here).
    fn restricted(&self, py: Python<'_>, versions: Vec<String>) -> PyResult<Self> {
        Ok(Self {
            inner: self.inner.restricted(&versions).py(py)?,
        })
    }

    /// The header the version is read from, if any.
    #[getter]
    fn header_name(&self) -> Option<String> {
        self.inner.header_name().map(str::to_owned)
    }

    /// The versions listed, in order.
    #[getter]
    fn versions(&self) -> Vec<String> {
        self.inner.versions().map(str::to_owned).collect()
    }

    /// Decides one request at Unix second `now`.
    #[pyo3(signature = (header, path, accept, now))]
    fn decide(&self, header: Option<&str>, path: &str, accept: Option<&str>, now: i64) -> Decision {
        let d = self.inner.decide(
            &VersionRequest {
                header,
                path,
                accept,
            },
            now,
        );
        (
            d.status(),
            d.version().map(str::to_owned),
            d.path().map(str::to_owned),
            d.headers().to_vec(),
            d.body_json(),
        )
    }
}

/// Registers this module's class on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyVersionPolicy>()?;
    Ok(())
}
