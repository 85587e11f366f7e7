//! pyo3 glue for `bulwark.ratelimit`: the limiter handle and the rate grammar. The Python classes
//! (limits-compatible surface, Decision, RateLimitExceeded) live in `bulwark/ratelimit.py`.

use crate::IntoPy;
use bulwark::ratelimit::limiter::{Limiter, LimiterOptions, OnBackendFailure, Outcome};
use bulwark::ratelimit::{parse, Rate, Strategy};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
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

    /// Gives back ``cost`` units an earlier ``hit`` of ``key`` counted.
    fn refund(&self, py: Python<'_>, key: &str, rates: Vec<(u64, u64)>, cost: u64) -> PyResult<()> {
        let rates = rates_of(py, rates)?;
        let key = key.to_owned();
        py.detach(|| self.inner.refund(&key, &rates, cost)).py(py)
    }

    /// Forgets ``key`` under ``rates``.
    fn reset(&self, py: Python<'_>, key: &str, rates: Vec<(u64, u64)>) -> PyResult<()> {
        let rates = rates_of(py, rates)?;
        let key = key.to_owned();
        py.detach(|| self.inner.reset(&key, &rates)).py(py)
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
        let o = decide_on(py, &self.inner, key, &rates, cost, peek)?;
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

/// A hit (or, with `peek`, a test) on `limiter`. A shared store's decision is a network round
/// trip, so it runs without the GIL and other threads go on meanwhile.
#[inline]
fn decide_on(
    py: Python<'_>,
    limiter: &Limiter,
    key: &str,
    rates: &[Rate],
    cost: u64,
    peek: bool,
) -> PyResult<Outcome> {
    let decide = || {
        if peek {
            limiter.test(key, rates, cost)
        } else {
            limiter.hit(key, rates, cost)
        }
    };
    if limiter.is_shared() {
        py.detach(decide)
    } else {
        decide()
    }
    .py(py)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ratelimit_parse, m)?)?;
    m.add_class::<PyLimiter>()?;
    m.add_class::<RateLimitItem>()?;
    m.add_class::<LimitsStrategy>()?;
    Ok(())
}

/// Seconds per granularity, longest first (the names `limits` uses).
const UNITS: [(u64, &str); 4] = [
    (86_400, "day"),
    (3_600, "hour"),
    (60, "minute"),
    (1, "second"),
];

/// A rate as `limits.RateLimitItem`: ``amount`` per ``multiples`` ``granularity``. Native so that
/// the `limits`-style ``hit`` reads it without Python attribute look-ups.
#[pyclass(frozen, subclass, module = "bulwark.ratelimit", name = "RateLimitItem")]
pub(crate) struct RateLimitItem {
    #[pyo3(get)]
    amount: u64,
    #[pyo3(get)]
    multiples: u64,
    #[pyo3(get)]
    granularity: &'static str,
    #[pyo3(get)]
    namespace: String,
    rate: Rate,
    /// ``amount/multiples/granularity``: the tail of every storage key.
    suffix: String,
}

#[pymethods]
impl RateLimitItem {
    #[new]
    #[pyo3(signature = (amount, multiples=1, granularity="second", namespace="LIMITER"))]
    fn new(
        py: Python<'_>,
        amount: u64,
        multiples: u64,
        granularity: &str,
        namespace: &str,
    ) -> PyResult<Self> {
        let Some(&(seconds, unit)) = UNITS
            .iter()
            .find(|(_, name)| *name == granularity || granularity.strip_suffix('s') == Some(name))
        else {
            return Err(bulwark::Error::invalid_input(format!(
                "unknown granularity {granularity:?}: use second, minute, hour or day"
            )))
            .py(py);
        };
        if amount < 1 || multiples < 1 {
            return Err(bulwark::Error::invalid_input(
                "amount and multiples must be at least 1",
            ))
            .py(py);
        }
        let period_us = multiples
            .checked_mul(seconds)
            .and_then(|s| s.checked_mul(1_000_000))
            .ok_or_else(|| bulwark::Error::invalid_input("the period is too long"))
            .py(py)?;
        Ok(Self {
            amount,
            multiples,
            granularity: unit,
            namespace: namespace.to_owned(),
            rate: Rate::new(amount, period_us).py(py)?,
            suffix: format!("{amount}/{multiples}/{unit}"),
        })
    }

    /// The item of a native ``(limit, period_us)`` pair, in the largest whole unit.
    #[staticmethod]
    fn _from_native(py: Python<'_>, limit: u64, period_us: u64) -> PyResult<Self> {
        let seconds = period_us / 1_000_000;
        let found = UNITS
            .iter()
            .find(|(unit_s, _)| seconds > 0 && period_us % 1_000_000 == 0 && seconds % unit_s == 0);
        match found {
            Some(&(unit_s, name)) => Self::new(py, limit, seconds / unit_s, name, "LIMITER"),
            None => Err(bulwark::Error::invalid_input("periods are whole seconds")).py(py),
        }
    }

    /// The period in seconds.
    fn get_expiry(&self) -> u64 {
        self.rate.period_us() / 1_000_000
    }

    /// The storage key for these identifiers, as ``limits`` builds it.
    #[pyo3(signature = (*identifiers))]
    fn key_for(&self, identifiers: &Bound<'_, PyTuple>) -> PyResult<String> {
        self.key(identifiers)
    }

    /// ``(limit, period_us)`` for the native limiter.
    fn _native(&self) -> (u64, u64) {
        (self.rate.limit(), self.rate.period_us())
    }

    fn __str__(&self) -> String {
        format!(
            "{} per {} {}",
            self.amount, self.multiples, self.granularity
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "RateLimitItem({}, {}, {:?})",
            self.amount, self.multiples, self.granularity
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<RateLimitItem>().is_ok_and(|o| {
            let o = o.get();
            o.rate.limit() == self.rate.limit()
                && o.rate.period_us() == self.rate.period_us()
                && o.namespace == self.namespace
        })
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.rate.limit(), self.rate.period_us(), &self.namespace).hash(&mut h);
        h.finish()
    }
}

impl RateLimitItem {
    /// ``namespace/identifiers.../amount/multiples/granularity``; bytes are read as UTF-8 and
    /// anything else through ``str()``, as `limits`' ``safe_string``.
    fn key(&self, identifiers: &Bound<'_, PyTuple>) -> PyResult<String> {
        let mut key = String::new();
        self.write_key(identifiers, &mut key)?;
        Ok(key)
    }

    /// Calls `f` with the storage key for `identifiers`, built in a buffer this thread reuses
    /// (a hit then allocates nothing for its key). A nested call (an identifier's ``__str__``
    /// that hits a limiter itself) finds the buffer in use and builds its own.
    fn with_key<T>(
        &self,
        identifiers: &Bound<'_, PyTuple>,
        f: impl FnOnce(&str) -> PyResult<T>,
    ) -> PyResult<T> {
        thread_local! {
            static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        /// Larger buffers are given back after use, so one huge identifier is not kept.
        const KEEP: usize = 1024;
        KEY.with(|cell| {
            let Ok(mut buf) = cell.try_borrow_mut() else {
                return f(&self.key(identifiers)?);
            };
            buf.clear();
            let result = self.write_key(identifiers, &mut buf).and_then(|()| f(&buf));
            if buf.capacity() > KEEP {
                *buf = String::new();
            }
            result
        })
    }

    fn write_key(&self, identifiers: &Bound<'_, PyTuple>, key: &mut String) -> PyResult<()> {
        key.reserve(self.namespace.len() + self.suffix.len() + 2 + 32 * identifiers.len());
        key.push_str(&self.namespace);
        for id in identifiers.iter() {
            key.push('/');
            if let Ok(s) = id.cast::<PyString>() {
                key.push_str(s.to_str()?);
            } else if let Ok(b) = id.cast::<pyo3::types::PyBytes>() {
                // Not UTF-8: UnicodeDecodeError, as limits' bytes.decode() raises.
                let text = std::str::from_utf8(b.as_bytes()).map_err(|e| {
                    match pyo3::exceptions::PyUnicodeDecodeError::new_utf8(id.py(), b.as_bytes(), e)
                    {
                        Ok(err) => PyErr::from_value(err.into_any()),
                        Err(err) => err,
                    }
                })?;
                key.push_str(text);
            } else {
                key.push_str(id.str()?.to_str()?);
            }
        }
        key.push('/');
        key.push_str(&self.suffix);
        Ok(())
    }
}

/// The base of the `limits`-style strategy classes: ``hit``/``test`` in one native call.
#[pyclass(
    frozen,
    subclass,
    module = "bulwark.ratelimit",
    name = "LimitsStrategy"
)]
struct LimitsStrategy {
    inner: Limiter,
}

#[pymethods]
impl LimitsStrategy {
    #[new]
    #[pyo3(signature = (storage, strategy, fail_open=false))]
    fn new(py: Python<'_>, storage: &str, strategy: &str, fail_open: bool) -> PyResult<Self> {
        let options = LimiterOptions {
            on_backend_failure: if fail_open {
                OnBackendFailure::Allow
            } else {
                OnBackendFailure::Deny
            },
            ..LimiterOptions::default()
        };
        let strategy: Strategy = strategy.parse().py(py)?;
        Ok(Self {
            inner: Limiter::new(storage, strategy, &options).py(py)?,
        })
    }

    /// Counts one request (of ``cost``) for the identifiers; False when over the limit.
    #[pyo3(signature = (item, *identifiers, cost=1))]
    fn hit(
        &self,
        py: Python<'_>,
        item: &Bound<'_, RateLimitItem>,
        identifiers: &Bound<'_, PyTuple>,
        cost: u64,
    ) -> PyResult<bool> {
        Ok(self.decide(py, item, identifiers, cost, false)?.allowed)
    }

    /// Whether a request would be allowed, without counting it.
    #[pyo3(signature = (item, *identifiers, cost=1))]
    fn test(
        &self,
        py: Python<'_>,
        item: &Bound<'_, RateLimitItem>,
        identifiers: &Bound<'_, PyTuple>,
        cost: u64,
    ) -> PyResult<bool> {
        Ok(self.decide(py, item, identifiers, cost, true)?.allowed)
    }

    /// ``(seconds until the window resets, remaining)`` without counting.
    #[pyo3(signature = (item, *identifiers))]
    fn _window(
        &self,
        py: Python<'_>,
        item: &Bound<'_, RateLimitItem>,
        identifiers: &Bound<'_, PyTuple>,
    ) -> PyResult<(f64, u64)> {
        let d = self.decide(py, item, identifiers, 0, true)?;
        #[allow(clippy::cast_precision_loss)] // microseconds within a day's range are exact in f64
        Ok((d.reset_after_us as f64 / 1e6, d.remaining))
    }

    /// Forgets the counts for the identifiers.
    #[pyo3(signature = (item, *identifiers))]
    fn clear(
        &self,
        py: Python<'_>,
        item: &Bound<'_, RateLimitItem>,
        identifiers: &Bound<'_, PyTuple>,
    ) -> PyResult<()> {
        let item = item.get();
        let key = item.key(identifiers)?;
        let rate = [item.rate];
        py.detach(|| self.inner.reset(&key, &rate)).py(py)
    }
}

impl LimitsStrategy {
    fn decide(
        &self,
        py: Python<'_>,
        item: &Bound<'_, RateLimitItem>,
        identifiers: &Bound<'_, PyTuple>,
        cost: u64,
        peek: bool,
    ) -> PyResult<bulwark::ratelimit::Decision> {
        let item = item.get();
        let rate = [item.rate];
        item.with_key(identifiers, |key| {
            Ok(decide_on(py, &self.inner, key, &rate, cost, peek)?.decision)
        })
    }
}
