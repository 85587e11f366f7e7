//! pyo3 glue for `bulwark.ratelimit`: Bulwark's own limiter and its decision, the `limits`
//! rate item and strategy base. Rates, headers and the binding rule are core's; this converts.

use crate::{non_negative, IntoPy};
use bulwark::ratelimit::limiter::{
    binding_index, headers_for, Limiter, LimiterOptions, OnBackendFailure, Outcome, Rates,
};
use bulwark::ratelimit::{parse, Rate, Strategy, MICROS};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use std::collections::HashMap;
use std::sync::Mutex;
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

/// Distinct rate strings a limiter keeps parsed (a route has a handful; the bound only stops a
/// caller that builds rate strings per request from growing the cache without end).
/// ``[(amount, multiples or None, unit as written, core's name for it or None), ...]``: rates with
/// their units left for the door to resolve (``limits``' custom granularities).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn ratelimit_parse_spec(
    py: Python<'_>,
    rates: &str,
) -> PyResult<Vec<(u64, Option<u64>, String, Option<&'static str>)>> {
    Ok(bulwark::ratelimit::parse_specs(rates)
        .py(py)?
        .into_iter()
        .map(|s| {
            let known = s.known_unit();
            (s.amount, s.multiples, s.unit, known)
        })
        .collect())
}

const PARSED_KEEP: usize = 256;

/// Bulwark's limiter: ``hit(key, *rates, cost=1) -> Decision`` over ``memory://`` or
/// ``redis://`` storage. Rate strings are parsed once per limiter. Thread-safe.
#[pyclass(frozen, subclass, module = "bulwark.ratelimit", name = "RateLimiter")]
struct PyRateLimiter {
    inner: Limiter,
    #[pyo3(get)]
    storage: String,
    parsed: Mutex<Parsed>,
}

/// The rate strings a limiter has parsed: the last few string objects by identity (a rate
/// literal in the caller's code is the same object on every call, and is kept alive here so
/// its address cannot be reused), then every distinct text.
#[derive(Default)]
struct Parsed {
    recent: Vec<(Py<PyString>, Rates)>,
    next: usize,
    by_text: HashMap<String, Rates>,
}

/// String objects remembered by identity.
const RECENT: usize = 4;

impl Parsed {
    fn rates(&mut self, py: Python<'_>, s: &Bound<'_, PyString>) -> PyResult<Rates> {
        if let Some((_, rates)) = self.recent.iter().find(|(o, _)| o.as_ptr() == s.as_ptr()) {
            return Ok(rates.clone());
        }
        let text = s.to_str()?;
        let rates = match self.by_text.get(text) {
            Some(r) => r.clone(),
            None => {
                let r: Rates = parse(text).py(py)?.into_iter().collect();
                if self.by_text.len() >= PARSED_KEEP {
                    self.by_text.clear();
                }
                self.by_text.insert(text.to_owned(), r.clone());
                r
            }
        };
        let slot = (s.clone().unbind(), rates.clone());
        if self.recent.len() < RECENT {
            self.recent.push(slot);
        } else if let Some(old) = self.recent.get_mut(self.next % RECENT) {
            *old = slot;
            self.next = self.next.wrapping_add(1);
        }
        Ok(rates)
    }
}

/// One argument of ``hit(key, *rates)``: a rate string (``"5/minute; 100/day"``), a
/// ``RateLimitItem``, or a list or tuple of them.
fn each_rate<'py>(
    arg: &Bound<'py, PyAny>,
    depth: u8,
    f: &mut impl FnMut(RateArg<'_, 'py>) -> PyResult<()>,
) -> PyResult<()> {
    if let Ok(s) = arg.cast::<PyString>() {
        return f(RateArg::Text(s));
    }
    if let Ok(item) = arg.cast::<RateLimitItem>() {
        return f(RateArg::Item(item));
    }
    if depth == 0 && (arg.is_instance_of::<PyList>() || arg.is_instance_of::<PyTuple>()) {
        for a in arg.try_iter()? {
            each_rate(&a?, 1, f)?;
        }
        return Ok(());
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "rates must be str, RateLimitItem or a list of them, not {}",
        arg.get_type().name()?
    )))
}

enum RateArg<'a, 'py> {
    Text(&'a Bound<'py, PyString>),
    Item(&'a Bound<'py, RateLimitItem>),
}

impl PyRateLimiter {
    /// The core rates of ``rates, *more``, strings parsed through the limiter's cache.
    fn rates(
        &self,
        py: Python<'_>,
        first: Option<&Bound<'_, PyAny>>,
        more: &Bound<'_, PyTuple>,
    ) -> PyResult<Rates> {
        let mut out = Rates::new();
        let mut add = |r: RateArg<'_, '_>| {
            match r {
                RateArg::Item(item) => out.push(item.get().rate),
                RateArg::Text(s) => {
                    let mut parsed = self.parsed.lock().unwrap_or_else(|p| p.into_inner());
                    out.extend_from_slice(&parsed.rates(py, s)?);
                }
            }
            Ok(())
        };
        if let Some(first) = first {
            each_rate(first, 0, &mut add)?;
        }
        for arg in more.iter() {
            each_rate(&arg, 0, &mut add)?;
        }
        Ok(out)
    }

    fn decide(
        &self,
        py: Python<'_>,
        key: &str,
        first: Option<&Bound<'_, PyAny>>,
        more: &Bound<'_, PyTuple>,
        cost: u64,
        peek: bool,
    ) -> PyResult<PyDecision> {
        let rates = self.rates(py, first, more)?;
        let o = decide_on(py, &self.inner, key, &rates, cost, peek)?;
        Ok(PyDecision {
            outcome: Reported {
                decision: o.decision,
                binding: o.binding,
                rates: o.rates, // core's own copy of what it decided on
                at_us: o.at_us,
                backend_error: o.backend_error,
            },
            given: (first.map(|f| f.clone().unbind()), more.clone().unbind()),
            items: PyOnceLock::new(),
        })
    }
}

#[pymethods]
impl PyRateLimiter {
    #[new]
    #[pyo3(signature = (storage="memory://", strategy="sliding-window", fail_open=false, *, on_backend_failure=None, prefix=None, timeout=0.5, max_keys=1 << 20, local_share=1.0, deny_cache=false, **redis))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        storage: &str,
        strategy: &str,
        fail_open: bool,
        on_backend_failure: Option<&str>,
        prefix: Option<String>,
        timeout: f64,
        max_keys: usize,
        local_share: f64,
        deny_cache: bool,
        redis: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let strategy: Strategy = strategy.parse().py(py)?;
        let policy = match on_backend_failure {
            None if fail_open => OnBackendFailure::Allow,
            None => OnBackendFailure::Deny,
            Some(name) => name.parse().py(py)?,
        };
        let timeout = Duration::try_from_secs_f64(timeout).map_err(|_| {
            pyo3::exceptions::PyValueError::new_err(
                "timeout must be a number of seconds, not negative, NaN or infinite",
            )
        })?;
        let mut options = LimiterOptions {
            on_backend_failure: policy,
            timeout,
            max_keys: max_keys.max(1),
            local_share,
            deny_cache,
            redis: crate::redis_backend::redis_options(redis)?,
            ..LimiterOptions::default()
        };
        if let Some(p) = prefix {
            options.prefix = p;
        }
        Ok(Self {
            inner: Limiter::new(storage, strategy, &options)
                .py(py)?
                .with_clock(Arc::new(crate::DoorClock)),
            storage: storage.to_owned(),
            parsed: Mutex::new(Parsed::default()),
        })
    }

    /// Counts a request of ``cost`` for ``key`` if every rate allows it.
    #[pyo3(signature = (key, rates=None, *more, cost=1), text_signature = "(self, key, *rates, cost=1)")]
    fn hit(
        &self,
        py: Python<'_>,
        key: &str,
        rates: Option<&Bound<'_, PyAny>>,
        more: &Bound<'_, PyTuple>,
        cost: i64,
    ) -> PyResult<PyDecision> {
        self.decide(py, key, rates, more, non_negative("cost", cost)?, false)
    }

    /// Whether a request would be allowed, without counting it.
    #[pyo3(signature = (key, rates=None, *more, cost=1), text_signature = "(self, key, *rates, cost=1)")]
    fn test(
        &self,
        py: Python<'_>,
        key: &str,
        rates: Option<&Bound<'_, PyAny>>,
        more: &Bound<'_, PyTuple>,
        cost: i64,
    ) -> PyResult<PyDecision> {
        self.decide(py, key, rates, more, non_negative("cost", cost)?, true)
    }

    /// Gives back ``cost`` units an earlier ``hit`` of ``key`` counted: reserve with ``hit``
    /// before the work, refund when it turns out not to count (a login that succeeded under a
    /// limit on failures), so concurrent requests never all pass one remaining unit.
    #[pyo3(signature = (key, rates=None, *more, cost=1), text_signature = "(self, key, *rates, cost=1)")]
    fn refund(
        &self,
        py: Python<'_>,
        key: &str,
        rates: Option<&Bound<'_, PyAny>>,
        more: &Bound<'_, PyTuple>,
        cost: i64,
    ) -> PyResult<()> {
        let rates = self.rates(py, rates, more)?;
        let cost = non_negative("cost", cost)?;
        py.detach(|| self.inner.refund(key, &rates, cost)).py(py)
    }

    /// Forgets ``key``'s counts under ``rates``.
    #[pyo3(signature = (key, rates=None, *more), text_signature = "(self, key, *rates)")]
    fn reset(
        &self,
        py: Python<'_>,
        key: &str,
        rates: Option<&Bound<'_, PyAny>>,
        more: &Bound<'_, PyTuple>,
    ) -> PyResult<()> {
        let rates = self.rates(py, rates, more)?;
        py.detach(|| self.inner.reset(key, &rates)).py(py)
    }

    /// The strategy's name.
    #[getter]
    fn strategy(&self) -> &'static str {
        self.inner.strategy().as_str()
    }
}

#[allow(clippy::cast_precision_loss)] // microseconds within centuries are exact in f64
fn seconds(us: u64) -> f64 {
    us as f64 / MICROS as f64
}

/// The outcome of a hit: ``allowed``, the binding rate's ``limit`` and ``remaining``, seconds
/// until it fully resets (``reset_after``) and until a denied request could pass
/// (``retry_after``, ``math.inf`` if never), and the backend error when Redis failed.
#[pyclass(frozen, module = "bulwark.ratelimit", name = "Decision")]
struct PyDecision {
    outcome: Reported,
    /// The rates the caller gave, to hand back their own ``RateLimitItem`` objects.
    given: (Option<Py<PyAny>>, Py<PyTuple>),
    items: PyOnceLock<Py<PyTuple>>,
}

/// What a decision reports: core's [`Outcome`] without the per-rate decisions Python never reads
/// (so the object stays small and cheap to make on every hit).
struct Reported {
    decision: bulwark::ratelimit::Decision,
    binding: usize,
    rates: Rates,
    at_us: u64,
    backend_error: Option<bulwark::Error>,
}

#[pymethods]
impl PyDecision {
    /// Whether the request may proceed.
    #[getter]
    fn allowed(&self) -> bool {
        self.outcome.decision.allowed
    }

    /// The binding rate's limit.
    #[getter]
    fn limit(&self) -> u64 {
        self.outcome.decision.limit
    }

    /// Units left under the binding rate.
    #[getter]
    fn remaining(&self) -> u64 {
        self.outcome.decision.remaining
    }

    /// Seconds until the binding rate is fully available again.
    #[getter]
    fn reset_after(&self) -> f64 {
        seconds(self.outcome.decision.reset_after_us)
    }

    /// Seconds until a denied request could pass (0 when allowed, ``math.inf`` if never).
    #[getter]
    fn retry_after(&self) -> f64 {
        match self.outcome.decision.retry_after_us {
            u64::MAX => f64::INFINITY,
            us => seconds(us),
        }
    }

    /// Whole seconds for ``Retry-After``: at least 1, the full reset when never.
    #[getter]
    fn retry_after_seconds(&self) -> u64 {
        self.outcome.decision.retry_after_secs()
    }

    /// The Unix time of the decision.
    #[getter]
    fn at(&self) -> f64 {
        seconds(self.outcome.at_us)
    }

    /// The backend error's message when Redis failed and the failure policy decided.
    #[getter]
    fn backend_error(&self) -> Option<&str> {
        self.outcome
            .backend_error
            .as_ref()
            .map(bulwark::Error::message)
    }

    /// Every rate decided on, in the order given (the caller's own ``RateLimitItem`` objects).
    #[getter]
    fn rates<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        if let Some(items) = self.items.get(py) {
            return Ok(items.bind(py).clone());
        }
        let mut items: Vec<Bound<'py, PyAny>> = Vec::with_capacity(self.outcome.rates.len());
        let mut next = self.outcome.rates.iter();
        let mut add = |r: RateArg<'_, 'py>| {
            match r {
                RateArg::Item(item) => {
                    next.next();
                    items.push(item.clone().into_any());
                }
                RateArg::Text(text) => {
                    for _ in 0..parse(text.to_str()?).py(py)?.len() {
                        let rate = next.next().copied().ok_or_else(|| {
                            pyo3::exceptions::PyRuntimeError::new_err("rates changed")
                        })?;
                        items.push(Bound::new(py, RateLimitItem::of(py, rate)?)?.into_any());
                    }
                }
            }
            Ok(())
        };
        if let Some(first) = &self.given.0 {
            each_rate(first.bind(py), 0, &mut add)?;
        }
        for arg in self.given.1.bind(py).iter() {
            each_rate(&arg, 0, &mut add)?;
        }
        let tuple = PyTuple::new(py, items)?;
        Ok(self
            .items
            .get_or_init(py, || tuple.clone().unbind())
            .bind(py)
            .clone())
    }

    /// The binding rate (a ``RateLimitItem``).
    #[getter]
    fn rate<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.rates(py)?.get_item(self.outcome.binding)
    }

    /// ``X-RateLimit-Limit/-Remaining/-Reset`` (Unix time), ``Retry-After`` when denied, and
    /// the IETF ``RateLimit`` / ``RateLimit-Policy`` fields.
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let o = &self.outcome;
        for (name, value) in headers_for(&o.decision, o.binding, &o.rates, o.at_us) {
            d.set_item(name, value)?;
        }
        Ok(d)
    }

    fn __bool__(&self) -> bool {
        self.outcome.decision.allowed
    }

    fn __repr__(&self) -> String {
        let d = &self.outcome.decision;
        format!(
            "Decision(allowed={}, limit={}, remaining={}, reset_after={}, retry_after={}, rate={})",
            if d.allowed { "True" } else { "False" },
            d.limit,
            d.remaining,
            self.reset_after(),
            if d.retry_after_us == u64::MAX {
                "inf".to_owned()
            } else {
                self.retry_after().to_string()
            },
            self.outcome
                .rates
                .get(self.outcome.binding)
                .map_or_else(String::new, ToString::to_string),
        )
    }
}

/// The decision to report for a request several limits decided on (core's binding rule): a
/// denial first, else the one with the least left; ``None`` for none.
#[pyfunction]
fn most_restrictive<'py>(decisions: Vec<Bound<'py, PyDecision>>) -> Option<Bound<'py, PyDecision>> {
    let plain: Vec<_> = decisions.iter().map(|d| d.get().outcome.decision).collect();
    binding_index(&plain).and_then(|i| decisions.into_iter().nth(i))
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
    m.add_function(wrap_pyfunction!(ratelimit_parse_spec, m)?)?;
    m.add_class::<LimitsStorage>()?;
    m.add_class::<CountersStrategy>()?;
    m.add_class::<PyRateLimiter>()?;
    m.add_class::<PyDecision>()?;
    m.add_function(wrap_pyfunction!(most_restrictive, m)?)?;
    m.add_class::<RateLimitItem>()?;
    m.add_class::<LimitsStrategy>()?;
    Ok(())
}

/// A rate as `limits.RateLimitItem`: ``amount`` per ``multiples`` ``granularity``. Native so that
/// the `limits`-style ``hit`` reads it without Python attribute look-ups.
#[pyclass(frozen, subclass, module = "bulwark.ratelimit", name = "RateLimitItem")]
pub(crate) struct RateLimitItem {
    #[pyo3(get)]
    amount: u64,
    #[pyo3(get)]
    multiples: u64,
    #[pyo3(get)]
    granularity: String,
    /// Seconds in one unit of the granularity.
    seconds: u64,
    #[pyo3(get)]
    namespace: String,
    rate: Rate,
    /// ``amount/multiples/granularity``: the tail of every storage key.
    suffix: String,
}

#[pymethods]
impl RateLimitItem {
    /// ``granularity`` is a unit core knows (``second`` … ``year``), or any name when
    /// ``seconds`` gives its length (``limits``' custom granularities).
    #[new]
    #[pyo3(signature = (amount, multiples=1, granularity="second", namespace="LIMITER", seconds=None))]
    fn new(
        py: Python<'_>,
        amount: u64,
        multiples: u64,
        granularity: &str,
        namespace: &str,
        seconds: Option<u64>,
    ) -> PyResult<Self> {
        let (unit, seconds) = match seconds {
            Some(s) => (granularity.to_owned(), s),
            None => match Rate::per(1, 1, granularity).py(py)?.granularity() {
                Some((1, unit)) => (
                    unit.to_owned(),
                    Rate::per(1, 1, unit).py(py)?.period_us() / MICROS,
                ),
                _ => return Err(bulwark::Error::invalid_input("periods are whole seconds")).py(py),
            },
        };
        let period_us = multiples
            .checked_mul(seconds)
            .and_then(|s| s.checked_mul(MICROS))
            .ok_or_else(|| bulwark::Error::invalid_input("the period is too long"))
            .py(py)?;
        if amount == 0 || multiples == 0 || seconds == 0 {
            return Err(bulwark::Error::invalid_input(
                "amount, multiples and the granularity's seconds must be at least 1",
            ))
            .py(py);
        }
        let rate = Rate::new(amount, period_us).py(py)?;
        Ok(Self {
            amount,
            multiples,
            suffix: format!("{amount}/{multiples}/{unit}"),
            granularity: unit,
            seconds,
            namespace: namespace.to_owned(),
            rate,
        })
    }

    /// The item of a native ``(limit, period_us)`` pair, in the largest whole unit.
    #[staticmethod]
    fn _from_native(py: Python<'_>, limit: u64, period_us: u64) -> PyResult<Self> {
        Self::of(py, Rate::new(limit, period_us).py(py)?)
    }

    /// The period in seconds.
    fn get_expiry(&self) -> u64 {
        self.rate.period_us() / MICROS
    }

    /// Seconds in one unit of the granularity.
    #[getter]
    fn _seconds(&self) -> u64 {
        self.seconds
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
        self.__str__()
    }

    /// Equal when amount, multiples and granularity are (the namespace is not compared, as in
    /// ``limits``).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<RateLimitItem>().is_ok_and(|o| {
            let o = o.get();
            (o.amount, o.multiples, o.seconds, &o.granularity)
                == (self.amount, self.multiples, self.seconds, &self.granularity)
        })
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (
            &self.namespace,
            self.amount,
            self.multiples,
            self.seconds,
            &self.granularity,
        )
            .hash(&mut h);
        h.finish()
    }
}

impl RateLimitItem {
    /// The item of a core rate, in the largest whole unit.
    fn of(py: Python<'_>, rate: Rate) -> PyResult<Self> {
        match rate.granularity() {
            Some((multiples, unit)) => {
                Self::new(py, rate.limit(), multiples, unit, "LIMITER", None)
            }
            None => Err(bulwark::Error::invalid_input("periods are whole seconds")).py(py),
        }
    }

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
            inner: Limiter::new(storage, strategy, &options)
                .py(py)?
                .with_clock(Arc::new(crate::DoorClock)),
        })
    }

    /// Counts one request (of ``cost``) for the identifiers; False when over the limit.
    #[pyo3(signature = (item, *identifiers, cost=1))]
    fn hit(
        &self,
        py: Python<'_>,
        item: &Bound<'_, RateLimitItem>,
        identifiers: &Bound<'_, PyTuple>,
        cost: i64,
    ) -> PyResult<bool> {
        Ok(self
            .decide(py, item, identifiers, non_negative("cost", cost)?, false)?
            .allowed)
    }

    /// Whether a request would be allowed, without counting it.
    #[pyo3(signature = (item, *identifiers, cost=1))]
    fn test(
        &self,
        py: Python<'_>,
        item: &Bound<'_, RateLimitItem>,
        identifiers: &Bound<'_, PyTuple>,
        cost: i64,
    ) -> PyResult<bool> {
        Ok(self
            .decide(py, item, identifiers, non_negative("cost", cost)?, true)?
            .allowed)
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

// ------------------------------------------------------------------ limits' storage model

use bulwark::ratelimit::counters::{
    self, Counters, CountersOptions, LimitsStrategy as CoreLimitsStrategy, MemoryCounters,
    SlidingWindow, Slot,
};
use std::sync::Arc;

/// Seconds (int or float) as microseconds; negative, NaN and infinite are refused.
fn micros(name: &str, seconds: f64) -> PyResult<u64> {
    if !seconds.is_finite() || !(0.0..=1e12).contains(&seconds) {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{name} must be a finite number of seconds, at least 0 (got {seconds})"
        )));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
    Ok((seconds * 1e6).round() as u64)
}

/// ``(limit, expiry_us, amount)`` of an acquire call, each checked and named.
fn entry_args(limit: i64, expiry: f64, amount: i64) -> PyResult<(u64, u64, u64)> {
    Ok((
        non_negative("limit", limit)?,
        micros("expiry", expiry)?,
        non_negative("amount", amount)?,
    ))
}

#[allow(clippy::cast_precision_loss)] // microsecond times are exact in f64 until 2255
fn secs_f(us: u64) -> f64 {
    us as f64 / 1e6
}

/// A `limits` storage on core's counters (``memory://`` or ``redis://``): the methods of
/// ``limits.storage.Storage``, ``MovingWindowSupport`` and ``SlidingWindowCounterSupport``.
#[pyclass(frozen, subclass, module = "bulwark.ratelimit", name = "LimitsStorage")]
pub(crate) struct LimitsStorage {
    inner: Arc<dyn Counters>,
    memory: Option<Arc<MemoryCounters>>,
    /// Whether calls wait on a network (and so release the GIL).
    shared: bool,
}

/// ``(key, counter, log, sliding)`` of one saved memory key.
type SavedSlot = (
    String,
    Option<(u64, u64)>,
    Vec<(u64, u64, u64)>,
    Option<(u64, u64, u64, u64)>,
);

impl LimitsStorage {
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&dyn Counters) -> bulwark::Result<T> + Send,
    ) -> PyResult<T> {
        if self.shared {
            let inner = &self.inner;
            py.detach(|| f(&**inner)).py(py)
        } else {
            f(&*self.inner).py(py)
        }
    }
}

#[pymethods]
impl LimitsStorage {
    #[new]
    #[pyo3(signature = (uri, *, key_prefix="LIMITS", timeout=0.5, max_keys=1 << 20, **redis))]
    fn new(
        py: Python<'_>,
        uri: &str,
        key_prefix: &str,
        timeout: f64,
        max_keys: usize,
        redis: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let options = CountersOptions {
            prefix: key_prefix.to_owned(),
            timeout: Duration::from_micros(micros("timeout", timeout)?),
            max_keys,
            redis: crate::redis_backend::redis_options(redis)?,
        };
        if uri.starts_with("memory://") {
            if uri != "memory://" {
                return Err(bulwark::Error::invalid_input(
                    "memory:// takes no host, path or options",
                ))
                .py(py);
            }
            options.redis.refuse_tls_for(uri).py(py)?;
            let memory = Arc::new(MemoryCounters::with_clock(
                max_keys,
                Arc::new(crate::DoorClock),
            ));
            return Ok(Self {
                inner: memory.clone(),
                memory: Some(memory),
                shared: false,
            });
        }
        Ok(Self {
            inner: counters::open(uri, &options).py(py)?,
            memory: None,
            shared: true,
        })
    }

    /// Adds ``amount`` to the counter ``key`` (created to expire in ``expiry`` seconds).
    #[pyo3(signature = (key, expiry, amount=1))]
    fn incr(&self, py: Python<'_>, key: &str, expiry: f64, amount: i64) -> PyResult<u64> {
        let (expiry, amount) = (micros("expiry", expiry)?, non_negative("amount", amount)?);
        self.run(py, |c| c.incr(key, expiry, amount))
    }

    /// The counter ``key`` (0 when absent).
    fn get(&self, py: Python<'_>, key: &str) -> PyResult<u64> {
        self.run(py, |c| c.get(key))
    }

    /// When ``key`` expires (Unix seconds; now when absent).
    fn get_expiry(&self, py: Python<'_>, key: &str) -> PyResult<f64> {
        self.run(py, |c| c.get_expiry(key)).map(secs_f)
    }

    /// Forgets ``key``.
    fn clear(&self, py: Python<'_>, key: &str) -> PyResult<()> {
        self.run(py, |c| c.clear(key))
    }

    /// Forgets every key; returns how many there were.
    fn reset(&self, py: Python<'_>) -> PyResult<u64> {
        self.run(py, |c| c.reset())
    }

    /// Whether the storage answers.
    fn check(&self, py: Python<'_>) -> bool {
        if self.shared {
            py.detach(|| self.inner.check())
        } else {
            self.inner.check()
        }
    }

    /// Moving window: takes ``amount`` entries if they fit under ``limit`` in ``expiry`` seconds.
    #[pyo3(signature = (key, limit, expiry, amount=1))]
    fn acquire_entry(
        &self,
        py: Python<'_>,
        key: &str,
        limit: i64,
        expiry: f64,
        amount: i64,
    ) -> PyResult<bool> {
        let (limit, expiry, amount) = entry_args(limit, expiry, amount)?;
        self.run(py, |c| c.acquire_entry(key, limit, expiry, amount))
    }

    /// Moving window: ``(start of the window, entries in it)``.
    fn get_moving_window(
        &self,
        py: Python<'_>,
        key: &str,
        limit: i64,
        expiry: f64,
    ) -> PyResult<(f64, u64)> {
        let (limit, expiry) = (non_negative("limit", limit)?, micros("expiry", expiry)?);
        let (start, count) = self.run(py, |c| c.moving_window(key, limit, expiry))?;
        Ok((secs_f(start), count))
    }

    /// Sliding window: counts ``amount`` if the weighted count allows it.
    #[pyo3(signature = (key, limit, expiry, amount=1))]
    fn acquire_sliding_window_entry(
        &self,
        py: Python<'_>,
        key: &str,
        limit: i64,
        expiry: f64,
        amount: i64,
    ) -> PyResult<bool> {
        let (limit, expiry, amount) = entry_args(limit, expiry, amount)?;
        self.run(py, |c| c.acquire_sliding(key, limit, expiry, amount))
    }

    /// Sliding window: ``(previous count, previous TTL, current count, current TTL)``.
    fn get_sliding_window(
        &self,
        py: Python<'_>,
        key: &str,
        expiry: f64,
    ) -> PyResult<(u64, f64, u64, f64)> {
        let expiry = micros("expiry", expiry)?;
        let w = self.run(py, |c| c.sliding_window(key, expiry))?;
        Ok((
            w.previous,
            secs_f(w.previous_ttl_us),
            w.current,
            secs_f(w.current_ttl_us),
        ))
    }

    /// Sliding window: forgets both windows of ``key``.
    fn clear_sliding_window(&self, py: Python<'_>, key: &str, expiry: f64) -> PyResult<()> {
        let expiry = micros("expiry", expiry)?;
        self.run(py, |c| c.clear_sliding(key, expiry))
    }

    /// Every live key of a memory storage (for pickling).
    fn _entries(&self, py: Python<'_>) -> PyResult<Vec<SavedSlot>> {
        let Some(memory) = &self.memory else {
            return Err(bulwark::Error::invalid_input(
                "only memory:// storage can be saved",
            ))
            .py(py);
        };
        Ok(memory
            .entries()
            .into_iter()
            .map(|(k, s)| (k, s.counter, s.log.into_iter().collect(), s.sliding))
            .collect())
    }

    /// Puts back what ``_entries`` returned.
    fn _restore(&self, py: Python<'_>, entries: Vec<SavedSlot>) -> PyResult<()> {
        let Some(memory) = &self.memory else {
            return Err(bulwark::Error::invalid_input(
                "only memory:// storage can be restored",
            ))
            .py(py);
        };
        for (key, counter, log, sliding) in entries {
            memory.restore(&key, Slot::new(counter, log.into_iter().collect(), sliding));
        }
        Ok(())
    }
}

thread_local! {
    /// The exception a Python storage raised inside a core call, re-raised when the call returns.
    static RAISED: std::cell::RefCell<Option<PyErr>> = const { std::cell::RefCell::new(None) };
}

/// A storage written in Python (a ``limits.storage.Storage`` subclass), as core's [`Counters`].
/// Core calls it with the GIL held.
struct PyCounters(Py<PyAny>);

impl std::fmt::Debug for PyCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PyCounters")
    }
}

impl PyCounters {
    fn call<T: for<'a, 'py> FromPyObject<'a, 'py>>(
        &self,
        method: &str,
        args: impl for<'py> pyo3::call::PyCallArgs<'py>,
    ) -> bulwark::Result<T> {
        Python::attach(|py| {
            self.0
                .bind(py)
                .call_method1(method, args)
                .and_then(|v| v.extract::<T>().map_err(Into::into))
                .map_err(|e| {
                    RAISED.with(|r| *r.borrow_mut() = Some(e));
                    bulwark::Error::backend(format!("the storage's {method} raised"))
                })
        })
    }
}

impl Counters for PyCounters {
    fn now_us(&self) -> u64 {
        crate::DoorClock.now_us()
    }
    fn incr(&self, key: &str, expiry_us: u64, amount: u64) -> bulwark::Result<u64> {
        Python::attach(|py| {
            let kwargs = PyDict::new(py);
            let r = kwargs
                .set_item("amount", amount)
                .and_then(|()| {
                    self.0
                        .bind(py)
                        .call_method("incr", (key, expiry_us / MICROS), Some(&kwargs))
                })
                .and_then(|v| v.extract::<u64>());
            r.map_err(|e| {
                RAISED.with(|r| *r.borrow_mut() = Some(e));
                bulwark::Error::backend("the storage's incr raised")
            })
        })
    }
    fn get(&self, key: &str) -> bulwark::Result<u64> {
        self.call("get", (key,))
    }
    fn get_expiry(&self, key: &str) -> bulwark::Result<u64> {
        let at: f64 = self.call("get_expiry", (key,))?;
        micros("get_expiry()", at).map_err(|e| {
            RAISED.with(|r| *r.borrow_mut() = Some(e));
            bulwark::Error::backend("the storage's get_expiry returned a bad time")
        })
    }
    fn clear(&self, key: &str) -> bulwark::Result<()> {
        self.call::<Py<PyAny>>("clear", (key,)).map(drop)
    }
    fn reset(&self) -> bulwark::Result<u64> {
        self.call::<Option<u64>>("reset", ())
            .map(Option::unwrap_or_default)
    }
    fn check(&self) -> bool {
        self.call::<bool>("check", ()).unwrap_or(false)
    }
    fn acquire_entry(
        &self,
        key: &str,
        limit: u64,
        expiry_us: u64,
        amount: u64,
    ) -> bulwark::Result<bool> {
        self.call("acquire_entry", (key, limit, expiry_us / MICROS, amount))
    }
    fn moving_window(&self, key: &str, limit: u64, expiry_us: u64) -> bulwark::Result<(u64, u64)> {
        let (start, count): (f64, u64) =
            self.call("get_moving_window", (key, limit, expiry_us / MICROS))?;
        Ok((micros("window start", start).unwrap_or(0), count))
    }
    fn acquire_sliding(
        &self,
        key: &str,
        limit: u64,
        expiry_us: u64,
        amount: u64,
    ) -> bulwark::Result<bool> {
        self.call(
            "acquire_sliding_window_entry",
            (key, limit, expiry_us / MICROS, amount),
        )
    }
    fn sliding_window(&self, key: &str, expiry_us: u64) -> bulwark::Result<SlidingWindow> {
        let (previous, pttl, current, cttl): (u64, f64, u64, f64) =
            self.call("get_sliding_window", (key, expiry_us / MICROS))?;
        Ok(SlidingWindow {
            previous,
            previous_ttl_us: micros("ttl", pttl).unwrap_or(0),
            current,
            current_ttl_us: micros("ttl", cttl).unwrap_or(0),
        })
    }
    fn clear_sliding(&self, key: &str, expiry_us: u64) -> bulwark::Result<()> {
        self.call::<Py<PyAny>>("clear_sliding_window", (key, expiry_us / MICROS))
            .map(drop)
    }
}

use bulwark::ratelimit::Clock as _;

/// The base of ``limits``' three strategy classes: each call is one core decision over the
/// storage (core's counters directly for Bulwark's storages; a Python storage's methods
/// otherwise).
#[pyclass(
    frozen,
    subclass,
    module = "bulwark.ratelimit",
    name = "CountersStrategy"
)]
struct CountersStrategy {
    strategy: CoreLimitsStrategy,
    counters: Arc<dyn Counters>,
    shared: bool,
    /// The storage object (``limiter.storage``).
    storage: Py<PyAny>,
}

impl CountersStrategy {
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        item: &Bound<'_, RateLimitItem>,
        identifiers: &Bound<'_, PyTuple>,
        f: impl FnOnce(&dyn Counters, &str, u64, u64) -> bulwark::Result<T> + Send,
    ) -> PyResult<T> {
        let it = item.get();
        let (limit, period) = (it.rate.limit(), it.rate.period_us());
        let result = it.with_key(identifiers, |key| {
            Ok(if self.shared {
                let counters = &self.counters;
                py.detach(|| f(&**counters, key, limit, period))
            } else {
                f(&*self.counters, key, limit, period)
            })
        })?;
        result.or_else(|e| {
            if let Some(raised) = RAISED.with(|r| r.borrow_mut().take()) {
                return Err(raised);
            }
            let err = crate::to_pyerr(py, &e);
            let storage = self.storage.bind(py);
            if storage
                .getattr_opt("wrap_exceptions")?
                .is_some_and(|w| w.is_truthy().unwrap_or(false))
            {
                let wrapped = py
                    .import("bulwark.ratelimit.errors")?
                    .getattr("StorageError")?
                    .call1((err.value(py),))?;
                return Err(PyErr::from_value(wrapped));
            }
            Err(err)
        })
    }
}

#[pymethods]
impl CountersStrategy {
    #[new]
    fn new(py: Python<'_>, storage: &Bound<'_, PyAny>, strategy: &str) -> PyResult<Self> {
        let strategy = CoreLimitsStrategy::from_name(strategy).py(py)?;
        let (counters, shared): (Arc<dyn Counters>, bool) = match storage.cast::<LimitsStorage>() {
            Ok(native) => (native.get().inner.clone(), native.get().shared),
            Err(_) => (Arc::new(PyCounters(storage.clone().unbind())), false),
        };
        Ok(Self {
            strategy,
            counters,
            shared,
            storage: storage.clone().unbind(),
        })
    }

    /// The storage this limiter counts in.
    #[getter]
    fn storage(&self, py: Python<'_>) -> Py<PyAny> {
        self.storage.clone_ref(py)
    }

    /// Consumes ``cost`` of the limit for the identifiers; False when that would exceed it.
    #[pyo3(signature = (item, *identifiers, cost=1))]
    fn hit(
        &self,
        py: Python<'_>,
        item: &Bound<'_, RateLimitItem>,
        identifiers: &Bound<'_, PyTuple>,
        cost: i64,
    ) -> PyResult<bool> {
        let cost = non_negative("cost", cost)?;
        let s = self.strategy;
        self.run(py, item, identifiers, |c, key, limit, period| {
            s.hit(c, key, limit, period, cost)
        })
    }

    /// Whether ``cost`` would fit, without consuming it.
    #[pyo3(signature = (item, *identifiers, cost=1))]
    fn test(
        &self,
        py: Python<'_>,
        item: &Bound<'_, RateLimitItem>,
        identifiers: &Bound<'_, PyTuple>,
        cost: i64,
    ) -> PyResult<bool> {
        let cost = non_negative("cost", cost)?;
        let s = self.strategy;
        self.run(py, item, identifiers, |c, key, limit, period| {
            s.test(c, key, limit, period, cost)
        })
    }

    /// ``(reset time in Unix seconds, remaining)``, as ``limits``' ``get_window_stats``.
    #[pyo3(signature = (item, *identifiers))]
    fn _window_stats(
        &self,
        py: Python<'_>,
        item: &Bound<'_, RateLimitItem>,
        identifiers: &Bound<'_, PyTuple>,
    ) -> PyResult<(f64, u64)> {
        let s = self.strategy;
        let w = self.run(py, item, identifiers, |c, key, limit, period| {
            s.window_stats(c, key, limit, period)
        })?;
        Ok((w.reset_time, w.remaining))
    }

    /// Forgets what is counted for the identifiers.
    #[pyo3(signature = (item, *identifiers))]
    fn clear(
        &self,
        py: Python<'_>,
        item: &Bound<'_, RateLimitItem>,
        identifiers: &Bound<'_, PyTuple>,
    ) -> PyResult<()> {
        let s = self.strategy;
        self.run(py, item, identifiers, |c, key, _, period| {
            s.clear(c, key, period)
        })
    }
}
