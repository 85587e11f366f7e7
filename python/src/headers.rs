//! pyo3 glue for `bulwark.headers`: security headers, CORS decisions and bearer tokens.

use crate::IntoPy;
use bulwark::headers::{CorsConfig, CorsDecision, CorsPolicy, SecurityHeaders};
use pyo3::prelude::*;

/// The security headers as ``[(name, value)]``; ``None`` (or False) switches one off.
#[pyfunction]
#[pyo3(signature = (hsts_max_age, hsts_include_subdomains, hsts_preload, nosniff, frame_options, content_security_policy, referrer_policy, cross_origin_resource_policy, no_store, xss_protection_off))]
#[allow(clippy::too_many_arguments)]
fn security_headers_list(
    py: Python<'_>,
    hsts_max_age: Option<i64>,
    hsts_include_subdomains: bool,
    hsts_preload: bool,
    nosniff: bool,
    frame_options: Option<String>,
    content_security_policy: Option<String>,
    referrer_policy: Option<String>,
    cross_origin_resource_policy: Option<String>,
    no_store: bool,
    xss_protection_off: bool,
) -> PyResult<Vec<(&'static str, String)>> {
    SecurityHeaders {
        hsts_max_age: hsts_max_age
            .map(|v| crate::non_negative("hsts_max_age", v))
            .transpose()?,
        hsts_include_subdomains,
        hsts_preload,
        nosniff,
        frame_options,
        content_security_policy,
        referrer_policy,
        cross_origin_resource_policy,
        no_store,
        xss_protection_off,
    }
    .headers()
    .py(py)
}

/// Core's default security-header options as ``{option: value}`` (None: the header is omitted):
/// the one source of ``security_headers()``'s defaults.
#[pyfunction]
fn security_headers_defaults(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let h = SecurityHeaders::default();
    let d = pyo3::types::PyDict::new(py);
    d.set_item("hsts_max_age", h.hsts_max_age)?;
    d.set_item("hsts_include_subdomains", h.hsts_include_subdomains)?;
    d.set_item("hsts_preload", h.hsts_preload)?;
    d.set_item("nosniff", h.nosniff)?;
    d.set_item("frame_options", h.frame_options)?;
    d.set_item("content_security_policy", h.content_security_policy)?;
    d.set_item("referrer_policy", h.referrer_policy)?;
    d.set_item(
        "cross_origin_resource_policy",
        h.cross_origin_resource_policy,
    )?;
    d.set_item("no_store", h.no_store)?;
    d.set_item("xss_protection_off", h.xss_protection_off)?;
    Ok(d)
}

/// A validated CORS policy deciding requests and preflights.
#[pyclass(frozen, module = "bulwark.headers", name = "CORSPolicy")]
struct PyCorsPolicy {
    inner: CorsPolicy,
}

fn decision(d: CorsDecision) -> (bool, Vec<(String, String)>) {
    (d.allowed, d.headers)
}

#[pymethods]
impl PyCorsPolicy {
    #[new]
    #[pyo3(signature = (origins, methods=None, headers=None, expose_headers=None, allow_credentials=false, max_age=Some(600)))]
    fn new(
        py: Python<'_>,
        origins: Vec<String>,
        methods: Option<Vec<String>>,
        headers: Option<Vec<String>>,
        expose_headers: Option<Vec<String>>,
        allow_credentials: bool,
        max_age: Option<u64>,
    ) -> PyResult<Self> {
        let d = CorsConfig::default();
        let config = CorsConfig {
            origins,
            methods: methods.unwrap_or(d.methods),
            headers: headers.unwrap_or(d.headers),
            expose_headers: expose_headers.unwrap_or_default(),
            credentials: allow_credentials,
            max_age,
        };
        Ok(Self {
            inner: CorsPolicy::new(config).py(py)?,
        })
    }

    /// ``(allowed, [(name, value)])`` for an actual request (``origin`` None: no Origin header).
    #[pyo3(signature = (origin))]
    fn check_request(&self, origin: Option<&str>) -> (bool, Vec<(String, String)>) {
        decision(self.inner.check_request(origin))
    }

    /// ``(allowed, [(name, value)])`` for a preflight.
    #[pyo3(signature = (origin, method, request_headers=""))]
    fn check_preflight(
        &self,
        origin: &str,
        method: &str,
        request_headers: &str,
    ) -> (bool, Vec<(String, String)>) {
        decision(self.inner.check_preflight(origin, method, request_headers))
    }
}

/// The token of an `Authorization: Bearer <token>` header by core's rule, or None.
#[pyfunction]
fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    authorization.and_then(bulwark::headers::bearer_token)
}

/// Registers this module's functions and classes on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(security_headers_list, m)?)?;
    m.add_function(wrap_pyfunction!(security_headers_defaults, m)?)?;
    m.add_function(wrap_pyfunction!(bearer_token, m)?)?;
    m.add_class::<PyCorsPolicy>()?;
    Ok(())
}
