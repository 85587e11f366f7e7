//! pyo3 glue for `bulwark.ratelimit`: the limiter handle and the rate grammar. The Python classes
//! (limits-compatible surface, Decision, RateLimitExceeded) live in `bulwark/ratelimit.py`.

use crate::IntoPy;
use bulwark::ratelimit::limiter::{Limiter, LimiterOptions, OnBackendFailure};
use bulwark::ratelimit::{parse, Rate, Strategy};
use pyo3::prelude::*;
use std::time::Duration;

/// ``[(limit, period_us), ...]`` of a rate string such as ``"10/second; 1000 per hour"``.
#[pyfunction]
fn ratelimit_parse(py: Python<'_>, rates: &str) -> PyResult<Vec<(u64, u64)>> {
    Ok(parse(rates)
        .py(py)?
        .iter()
        .map(|r| (r.limit(), r.period_us()))
        .collect())
}

/// The decision tuple: (allowed, limit, remaining, reset_after_us, retry_after_us, rate_index,
/// backend_error or None).
type DecisionTuple = (bool, u64, u64, u64, u64, usize, Option<String>);

/// A thread-safe limiter over ``memory://`` or ``redis://`` storage.
#[pyclass(frozen, module = "bulwark.ratelimit", name = "NativeLimiter")]
struct PyLimiter {
    inner: Limiter,
}

fn rates_of(py: Python<'_>, rates: Vec<(u64, u64)>) -> PyResult<Vec<Rate>> {
    rates
        .into_iter()
        .map(|(l, p)| Rate::new(l, p))
        .collect::<bulwark::Result<Vec<_>>>()
        .py(py)
}

#[pymethods]
impl PyLimiter {
    #[new]
    #[pyo3(signature = (storage, strategy, on_backend_failure="deny", prefix=None, timeout=0.5, max_keys=1 << 20))]
    fn new(
        py: Python<'_>,
        storage: &str,
        strategy: &str,
        on_backend_failure: &str,
        prefix: Option<String>,
        timeout: f64,
        max_keys: usize,
    ) -> PyResult<Self> {
        let strategy: Strategy = strategy.parse().py(py)?;
        let policy = match on_backend_failure {
            "deny" => OnBackendFailure::Deny,
            "allow" => OnBackendFailure::Allow,
            "local" => OnBackendFailure::Local,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "on_backend_failure must be 'deny', 'allow' or 'local', not {other:?}"
                )))
            }
        };
        if !(timeout.is_finite() && timeout > 0.0) {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "timeout must be a positive number of seconds",
            ));
        }
        let mut options = LimiterOptions {
            on_backend_failure: policy,
            timeout: Duration::from_secs_f64(timeout),
            max_keys: max_keys.max(1),
            ..LimiterOptions::default()
        };
        if let Some(p) = prefix {
            options.prefix = p;
        }
        Ok(Self {
            inner: Limiter::new(storage, strategy, &options).py(py)?,
        })
    }

    /// Counts a request of ``cost`` against every rate if all allow it.
    fn hit(
        &self,
        py: Python<'_>,
        key: &str,
        rates: Vec<(u64, u64)>,
        cost: u64,
    ) -> PyResult<DecisionTuple> {
        self.decide(py, key, rates, cost, false)
    }

    /// As ``hit``, without counting.
    fn test(
        &self,
        py: Python<'_>,
        key: &str,
        rates: Vec<(u64, u64)>,
        cost: u64,
    ) -> PyResult<DecisionTuple> {
        self.decide(py, key, rates, cost, true)
    }

    /// Forgets ``key`` under ``rates``.
    fn reset(&self, py: Python<'_>, key: &str, rates: Vec<(u64, u64)>) -> PyResult<()> {
        let rates = rates_of(py, rates)?;
        let key = key.to_owned();
        py.detach(|| self.inner.reset(&key, &rates)).py(py)
    }

    /// The `limits` fast path: one rate, the key built from ``namespace``, the identifiers and
    /// ``suffix`` (as ``RateLimitItem.key_for``), a bool back. ``peek`` only tests.
    #[allow(clippy::too_many_arguments)]
    fn hit_item(
        &self,
        py: Python<'_>,
        namespace: &str,
        identifiers: &Bound<'_, pyo3::types::PyTuple>,
        suffix: &str,
        limit: u64,
        period_us: u64,
        cost: u64,
        peek: bool,
    ) -> PyResult<bool> {
        let mut key = String::with_capacity(64);
        key.push_str(namespace);
        for id in identifiers.iter() {
            key.push('/');
            match id.cast::<pyo3::types::PyString>() {
                Ok(s) => key.push_str(s.to_str()?),
                Err(_) => key.push_str(id.str()?.to_str()?),
            }
        }
        key.push('/');
        key.push_str(suffix);
        let rate = [Rate::new(limit, period_us).py(py)?];
        let decide = || {
            if peek {
                self.inner.test(&key, &rate, cost)
            } else {
                self.inner.hit(&key, &rate, cost)
            }
        };
        let outcome = if self.inner.is_shared() {
            py.detach(decide)
        } else {
            decide()
        };
        Ok(outcome.py(py)?.decision.allowed)
    }

    /// The strategy's name.
    #[getter]
    fn strategy(&self) -> &'static str {
        self.inner.strategy().as_str()
    }
}

impl PyLimiter {
    fn decide(
        &self,
        py: Python<'_>,
        key: &str,
        rates: Vec<(u64, u64)>,
        cost: u64,
        peek: bool,
    ) -> PyResult<DecisionTuple> {
        let rates = rates_of(py, rates)?;
        let decide = || {
            if peek {
                self.inner.test(key, &rates, cost)
            } else {
                self.inner.hit(key, &rates, cost)
            }
        };
        // Redis is a network round trip: let other threads run meanwhile.
        let o = if self.inner.is_shared() {
            py.detach(decide)
        } else {
            decide()
        }
        .py(py)?;
        let d = o.decision;
        Ok((
            d.allowed,
            d.limit,
            d.remaining,
            d.reset_after_us,
            d.retry_after_us,
            o.binding,
            o.backend_error.map(|e| e.message().to_owned()),
        ))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ratelimit_parse, m)?)?;
    m.add_class::<PyLimiter>()?;
    Ok(())
}
