//! pyo3 glue for `bulwark.otp`: a prepared OTP key (codes, windows, replay checks), otpauth URIs,
//! QR codes and the replay guard. The pyotp-shaped classes live in `bulwark/otp.py`.

use crate::IntoPy;
use bulwark::otp::{
    build_uri, parse_uri, qr_png, qr_svg, Algorithm, Encoding, OtpKind, Params, ReplayGuard,
    ReplayGuardOptions, Secret, Totp,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::time::Duration;

/// An encoding by its `otpauth://` `encoder` name: None (decimal digits) or ``"steam"``.
fn encoding(py: Python<'_>, name: Option<&str>) -> PyResult<Encoding> {
    match name {
        None => Ok(Encoding::Decimal),
        Some(n) if Encoding::Steam.uri_name() == Some(n) => Ok(Encoding::Steam),
        Some(other) => Err(bulwark::Error::invalid_input(format!(
            "encoder must be None or 'steam', not {other:?}"
        )))
        .py(py),
    }
}

fn params(
    py: Python<'_>,
    digits: u32,
    algorithm: &str,
    period: u64,
    t0: u64,
    encoder: Option<&str>,
) -> PyResult<Params> {
    Ok(Params {
        algorithm: algorithm.parse::<Algorithm>().py(py)?,
        digits,
        period,
        t0,
        encoding: encoding(py, encoder)?,
    })
}

/// The `datetime` module, and its `datetime` class as it was when this module loaded.
static DATETIME: pyo3::sync::PyOnceLock<(Py<PyModule>, Py<PyAny>)> = pyo3::sync::PyOnceLock::new();

/// Now, in Unix seconds: core's clock, unless a test has replaced `datetime.datetime` (pyotp's
/// Timecop, freezegun), in which case the time that class reports, as pyotp would read it.
fn unix_now(py: Python<'_>) -> PyResult<u64> {
    if let Some(us) = crate::python_time_us() {
        return Ok(us / 1_000_000);
    }
    let Some((module, real)) = DATETIME.get(py) else {
        return Ok(bulwark::otp::unix_now());
    };
    let current = module.bind(py).getattr(pyo3::intern!(py, "datetime"))?;
    if current.is(real.bind(py)) {
        return Ok(bulwark::otp::unix_now());
    }
    let ts: f64 = current
        .call_method0("now")?
        .call_method0("timestamp")?
        .extract()?;
    if ts.is_finite() && ts >= 0.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
        return Ok(ts as u64);
    }
    Err(pyo3::exceptions::PyValueError::new_err(
        "the clock is before 1970",
    ))
}

/// Now in Unix seconds, as every OTP call of the door reads it (see `unix_now`).
#[pyfunction]
fn otp_now(py: Python<'_>) -> PyResult<u64> {
    unix_now(py)
}

/// An OTP key prepared once: TOTP steps and HOTP counters share it (step N = counter N).
#[pyclass(frozen, subclass, module = "bulwark.otp", name = "NativeOtp")]
struct NativeOtp {
    totp: Totp,
}

#[pymethods]
impl NativeOtp {
    #[new]
    #[pyo3(signature = (secret, digits=6, algorithm="SHA1", period=30, t0=0, allow_short_secret=false, encoder=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        secret: &str,
        digits: i64,
        algorithm: &str,
        period: u64,
        t0: u64,
        allow_short_secret: bool,
        encoder: Option<&str>,
    ) -> PyResult<Self> {
        // Core refuses digits outside 6..=10; a negative count only needs its name.
        let digits = u32::try_from(crate::non_negative("digits", digits)?).unwrap_or(u32::MAX);
        let key = if allow_short_secret {
            Secret::from_base32_allow_short(secret)
        } else {
            Secret::from_base32(secret)
        }
        .py(py)?;
        Ok(Self {
            totp: Totp::new(&key, params(py, digits, algorithm, period, t0, encoder)?).py(py)?,
        })
    }

    /// The code of TOTP step (or HOTP counter) ``counter``.
    #[pyo3(name = "_code")]
    fn code(&self, counter: u64) -> String {
        self.totp.code_at_step(counter)
    }

    /// The TOTP step of Unix time ``time``.
    #[pyo3(name = "_step")]
    fn step(&self, py: Python<'_>, time: u64) -> PyResult<u64> {
        self.totp.step(time).py(py)
    }

    /// pyotp's ``TOTP.verify(otp, for_time=None, valid_window=0)``: one native call for an
    /// ASCII string checked now; anything else (datetimes, ints, Unicode digits) goes through the
    /// Python ``_verify_slow`` of the subclass.
    #[pyo3(signature = (otp, for_time=None, valid_window=0))]
    fn verify(
        slf: &Bound<'_, Self>,
        otp: &Bound<'_, PyAny>,
        for_time: Option<&Bound<'_, PyAny>>,
        valid_window: i64,
    ) -> PyResult<bool> {
        let py = slf.py();
        if let (None, Ok(window), Ok(s)) = (
            for_time,
            u64::try_from(valid_window),
            otp.cast::<pyo3::types::PyString>(),
        ) {
            let code = s.to_str()?;
            if code.is_ascii() {
                let now = unix_now(py)?;
                let me = slf.get();
                return Ok(me.totp.verify(code, now, window).py(py)?.is_some());
            }
        }
        slf.call_method1("_verify_slow", (otp, for_time, valid_window))?
            .extract()
    }

    /// The matched step within ``window`` steps of ``time``'s, or None (constant time).
    #[pyo3(name = "_verify_at")]
    fn verify_at(
        &self,
        py: Python<'_>,
        code: &str,
        time: u64,
        window: u64,
    ) -> PyResult<Option<u64>> {
        self.totp.verify(code, time, window).py(py)
    }

    /// The step to store if ``code`` is valid for a step after ``last_used_step``, None for a
    /// wrong code; raises ``ReplayedCodeError`` for a used one.
    #[pyo3(signature = (code, time, window, last_used_step=None))]
    #[pyo3(name = "_verify_once")]
    fn verify_once(
        &self,
        py: Python<'_>,
        code: &str,
        time: u64,
        window: u64,
        last_used_step: Option<u64>,
    ) -> PyResult<Option<u64>> {
        self.totp
            .verify_once(code, time, window, last_used_step)
            .py(py)
    }

    /// The matched HOTP counter in ``counter ..= counter + look_ahead``, or None.
    #[pyo3(name = "_verify_counter")]
    fn verify_counter(
        &self,
        py: Python<'_>,
        code: &str,
        counter: u64,
        look_ahead: u64,
    ) -> PyResult<Option<u64>> {
        self.totp
            .hotp()
            .verify_window(code, counter, look_ahead)
            .py(py)
    }
}

/// A provisioning URI written as pyotp writes it.
#[pyfunction]
#[pyo3(signature = (kind, secret, account, issuer=None, algorithm="SHA1", digits=6, period=30, counter=0, image=None, encoder=None))]
#[allow(clippy::too_many_arguments)]
fn otp_build_uri(
    py: Python<'_>,
    kind: &str,
    secret: &str,
    account: &str,
    issuer: Option<&str>,
    algorithm: &str,
    digits: u32,
    period: u64,
    counter: u64,
    image: Option<&str>,
    encoder: Option<&str>,
) -> PyResult<String> {
    let kind = match kind {
        "totp" => OtpKind::Totp,
        "hotp" => OtpKind::Hotp,
        other => {
            return Err(bulwark::Error::invalid_input(format!(
                "unknown OTP kind {other:?} (totp or hotp)"
            )))
            .py(py)
        }
    };
    let p = params(py, digits, algorithm, period, 0, encoder)?;
    build_uri(kind, secret, account, issuer, p, counter, image).py(py)
}

/// The fields of an otpauth URI as a dict (pyotp's rules).
#[pyfunction]
fn otp_parse_uri<'py>(py: Python<'py>, uri: &str) -> PyResult<Bound<'py, PyDict>> {
    let u = parse_uri(uri).py(py)?;
    let d = PyDict::new(py);
    d.set_item(
        "kind",
        match u.kind {
            OtpKind::Totp => "totp",
            OtpKind::Hotp => "hotp",
        },
    )?;
    d.set_item("secret", &u.secret)?;
    d.set_item("name", &u.account)?;
    d.set_item("issuer", &u.issuer)?;
    d.set_item("algorithm", u.algorithm.as_str())?;
    d.set_item("digits", u.digits)?;
    d.set_item("period", u.period)?;
    d.set_item("counter", u.counter)?;
    d.set_item("image", &u.image)?;
    d.set_item("encoder", u.encoding.uri_name())?;
    Ok(d)
}

/// The QR code of ``text`` as an SVG document.
#[pyfunction]
fn otp_qr_svg(py: Python<'_>, text: &str) -> PyResult<String> {
    qr_svg(text).py(py)
}

/// The QR code of ``text`` as a PNG, ``scale`` pixels per module.
#[pyfunction]
fn otp_qr_png<'py>(py: Python<'py>, text: &str, scale: u32) -> PyResult<Bound<'py, PyBytes>> {
    Ok(PyBytes::new(py, &qr_png(text, scale).py(py)?))
}

/// Remembers the last accepted step per account in memory or Redis.
#[pyclass(frozen, module = "bulwark.otp", name = "NativeReplayGuard")]
struct NativeReplayGuard {
    inner: ReplayGuard,
}

#[pymethods]
impl NativeReplayGuard {
    #[new]
    #[pyo3(signature = (storage="memory://", prefix=None, timeout=0.5, max_accounts=1 << 20, **redis))]
    fn new(
        py: Python<'_>,
        storage: &str,
        prefix: Option<String>,
        timeout: f64,
        max_accounts: usize,
        redis: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<Self> {
        if !(timeout.is_finite() && timeout > 0.0) {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "timeout must be a positive number of seconds",
            ));
        }
        let mut options = ReplayGuardOptions {
            timeout: Duration::from_secs_f64(timeout),
            max_accounts: max_accounts.max(1),
            redis: crate::redis_backend::redis_options(redis)?,
            ..ReplayGuardOptions::default()
        };
        if let Some(p) = prefix {
            options.prefix = p;
        }
        Ok(Self {
            inner: ReplayGuard::new(storage, &options).py(py)?,
        })
    }

    /// Verifies and records: the matched step, None for a wrong code, ``ReplayedCodeError`` for a
    /// used one.
    fn verify(
        &self,
        py: Python<'_>,
        otp: &NativeOtp,
        account: &str,
        code: &str,
        time: u64,
        window: u64,
    ) -> PyResult<Option<u64>> {
        // Redis is a round trip: let other threads run meanwhile.
        py.detach(|| self.inner.verify(&otp.totp, account, code, time, window))
            .py(py)
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let module = py.import("datetime")?;
    let real = module.getattr("datetime")?.unbind();
    let _ = DATETIME.set(py, (module.unbind(), real));
    m.add_function(wrap_pyfunction!(otp_now, m)?)?;
    m.add_class::<NativeOtp>()?;
    m.add_class::<NativeReplayGuard>()?;
    m.add_function(wrap_pyfunction!(otp_build_uri, m)?)?;
    m.add_function(wrap_pyfunction!(otp_parse_uri, m)?)?;
    m.add_function(wrap_pyfunction!(otp_qr_svg, m)?)?;
    m.add_function(wrap_pyfunction!(otp_qr_png, m)?)?;
    Ok(())
}
