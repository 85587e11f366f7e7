//! pyo3 glue for `bulwark.oauth`: PKCE, the pending-authorization store, the client's requests
//! and the parsing of the server's answers, the client-credentials token source, RFC 9068
//! access tokens and introspection. HTTP is done in Python (`bulwark/oauth.py`); each decision
//! is core's.

use crate::IntoPy;
use bulwark::jwt::Algorithm;
use bulwark::oauth::{
    self, pkce, AccessToken, AccessTokenVerifier, AuthorizationStore, Callback, Client,
    ClientConfig, HttpRequest, HttpResponse, Introspector, IntrospectorOptions,
    PendingAuthorization, TokenResponse, TokenSource, Transport,
};
use pyo3::prelude::*;
use std::time::Duration;
use zeroize::Zeroizing;

/// `(url, body, headers)` of one POST for the Python transport to send.
type Request = (String, String, Vec<(String, String)>);
/// `(subject, client_id, scopes, expires_at, claims JSON)` of a verified access token.
type Access = (
    Option<String>,
    Option<String>,
    Vec<String>,
    Option<i64>,
    String,
);

/// Seconds from Python as a duration (`InvalidInputError` for a negative, NaN or huge one).
fn seconds(py: Python<'_>, value: f64, name: &str) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| {
            bulwark::Error::invalid_input(format!("{name} is a non-negative number of seconds"))
        })
        .py(py)
}

fn request_tuple(r: &HttpRequest) -> Request {
    (
        r.url.clone(),
        r.body.to_string(),
        r.headers
            .iter()
            .map(|(n, v)| (n.clone(), v.to_string()))
            .collect(),
    )
}

fn access_tuple(a: AccessToken) -> Access {
    let claims = bulwark::serde_json::Value::Object(a.claims).to_string();
    (a.subject, a.client_id, a.scopes, a.expires_at, claims)
}

/// A fresh PKCE code verifier (43 to 128 characters from the OS CSPRNG).
#[pyfunction]
#[pyo3(signature = (length=43))]
fn pkce_verifier(py: Python<'_>, length: usize) -> PyResult<String> {
    Ok(pkce::CodeVerifier::generate_len(length)
        .py(py)?
        .as_str()
        .to_owned())
}

/// The challenge of a verifier (`S256`, or `plain` by name).
#[pyfunction]
#[pyo3(signature = (verifier, method="S256"))]
fn pkce_challenge(py: Python<'_>, verifier: &str, method: &str) -> PyResult<String> {
    let m: pkce::ChallengeMethod = method.parse().py(py)?;
    Ok(pkce::CodeVerifier::new(verifier).py(py)?.challenge(m))
}

/// The server's check of a verifier against a challenge, in constant time.
#[pyfunction]
#[pyo3(signature = (verifier, challenge, method="S256"))]
fn pkce_verify(py: Python<'_>, verifier: &str, challenge: &str, method: &str) -> PyResult<bool> {
    let m: pkce::ChallengeMethod = method.parse().py(py)?;
    Ok(pkce::verify_challenge(verifier, challenge, m))
}

/// An authorization request in flight: state, nonce, PKCE verifier, redirect URI.
#[pyclass(frozen, module = "bulwark.oauth", name = "PendingAuthorization")]
pub(crate) struct PyPending {
    inner: PendingAuthorization,
}

#[pymethods]
impl PyPending {
    /// The `state` parameter.
    #[getter]
    fn state(&self) -> String {
        self.inner.state.clone()
    }

    /// The OpenID Connect `nonce`.
    #[getter]
    fn nonce(&self) -> String {
        self.inner.nonce.clone()
    }

    /// The PKCE code verifier (secret).
    #[getter]
    fn code_verifier(&self) -> String {
        self.inner.code_verifier.as_str().to_owned()
    }

    /// The redirect URI the request was made with.
    #[getter]
    fn redirect_uri(&self) -> String {
        self.inner.redirect_uri.clone()
    }

    fn __repr__(&self) -> String {
        format!("PendingAuthorization(state={:?})", self.inner.state)
    }
}

/// Pending authorizations, single-use and bound to a session, in memory or Redis.
#[pyclass(frozen, module = "bulwark.oauth", name = "_AuthorizationStore")]
pub(crate) struct PyStore {
    inner: AuthorizationStore,
}

#[pymethods]
impl PyStore {
    #[new]
    #[pyo3(signature = (storage="memory://", prefix="bulwark:oauth:"))]
    fn new(py: Python<'_>, storage: &str, prefix: &str) -> PyResult<Self> {
        let options = oauth::StoreOptions {
            prefix: prefix.to_owned(),
            ..Default::default()
        };
        let inner = py
            .detach(|| AuthorizationStore::new(storage, &options))
            .py(py)?;
        Ok(Self { inner })
    }

    /// Starts a request for `binding` kept `ttl` seconds.
    fn begin(
        &self,
        py: Python<'_>,
        binding: &str,
        redirect_uri: &str,
        ttl: f64,
    ) -> PyResult<PyPending> {
        let ttl = seconds(py, ttl, "ttl")?;
        let inner = py
            .detach(|| self.inner.begin(binding, redirect_uri, ttl))
            .py(py)?;
        Ok(PyPending { inner })
    }

    /// Takes the request of `state` for `binding`, once.
    fn finish(&self, py: Python<'_>, state: &str, binding: &str) -> PyResult<PyPending> {
        let inner = py.detach(|| self.inner.finish(state, binding)).py(py)?;
        Ok(PyPending { inner })
    }
}

/// A client's registration at one authorization server.
#[pyclass(frozen, module = "bulwark.oauth", name = "_Client")]
pub(crate) struct PyClient {
    inner: Client,
}

#[pymethods]
impl PyClient {
    #[new]
    fn new(py: Python<'_>, config_json: &str) -> PyResult<Self> {
        Ok(Self {
            inner: Client::new(ClientConfig::from_json(config_json).py(py)?).py(py)?,
        })
    }

    /// Starts the code flow: the URL and the pending authorization kept in `store`.
    #[pyo3(signature = (store, binding, scopes, extra, ttl, redirect_uri=None))]
    #[allow(clippy::too_many_arguments)]
    fn authorize(
        &self,
        py: Python<'_>,
        store: PyRef<'_, PyStore>,
        binding: &str,
        scopes: Vec<String>,
        extra: Vec<(String, String)>,
        ttl: f64,
        redirect_uri: Option<&str>,
    ) -> PyResult<(String, PyPending)> {
        let ttl = seconds(py, ttl, "ttl")?;
        let extra: Vec<(&str, &str)> = extra
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let store = &store.inner;
        let (url, pending) = py
            .detach(|| {
                self.inner
                    .authorize(store, binding, &scopes, &extra, ttl, redirect_uri)
            })
            .py(py)?;
        Ok((url, PyPending { inner: pending }))
    }

    /// Finishes the code flow through `transport`: the tokens and the pending authorization.
    fn exchange_code(
        &self,
        py: Python<'_>,
        store: PyRef<'_, PyStore>,
        query: &str,
        binding: &str,
        transport: Py<PyAny>,
    ) -> PyResult<(Token, PyPending)> {
        let store = &store.inner;
        let transport = PyTransport(transport);
        let (token, pending) = py
            .detach(|| self.inner.exchange_code(store, query, binding, &transport))
            .py(py)?;
        Ok((token_tuple(&token), PyPending { inner: pending }))
    }

    /// New tokens for a refresh token through `transport`.
    fn refresh(
        &self,
        py: Python<'_>,
        refresh_token: &str,
        scopes: Vec<String>,
        transport: Py<PyAny>,
    ) -> PyResult<Token> {
        let transport = PyTransport(transport);
        let token = py
            .detach(|| self.inner.refresh(refresh_token, &scopes, &transport))
            .py(py)?;
        Ok(token_tuple(&token))
    }

    /// The token request exchanging `code` for the pending request.
    fn code_request(
        &self,
        py: Python<'_>,
        code: &str,
        pending: PyRef<'_, PyPending>,
    ) -> PyResult<Request> {
        let callback = Callback {
            code: Zeroizing::new(code.to_owned()),
            state: pending.inner.state.clone(),
        };
        Ok(request_tuple(
            &self.inner.code_request(&callback, &pending.inner).py(py)?,
        ))
    }
}

/// `(access_token, token_type, expires_in, refresh_token, scope, id_token, raw JSON)`.
type Token = (
    String,
    String,
    Option<u64>,
    Option<String>,
    Option<Vec<String>>,
    Option<String>,
    String,
);

fn token_tuple(t: &TokenResponse) -> Token {
    (
        t.access_token.to_string(),
        t.token_type.clone(),
        t.expires_in,
        t.refresh_token.as_deref().map(String::from),
        t.scope.clone(),
        t.id_token.clone(),
        bulwark::serde_json::Value::Object(t.raw.clone()).to_string(),
    )
}

/// Parses a token endpoint's answer.
#[pyfunction]
fn oauth_parse_token_response(py: Python<'_>, status: u16, body: String) -> PyResult<Token> {
    let t = oauth::parse_token_response(&HttpResponse { status, body }).py(py)?;
    Ok(token_tuple(&t))
}

/// Verifies an OpenID Connect ID token (keys, issuer, the client id as audience) and its nonce;
/// returns the claims as JSON.
#[pyfunction]
#[pyo3(signature = (id_token, key, algorithms, issuer, client_id, nonce, jwks=false))]
#[allow(clippy::too_many_arguments)]
fn oauth_check_id_token(
    py: Python<'_>,
    id_token: &str,
    key: &[u8],
    algorithms: Vec<String>,
    issuer: &str,
    client_id: &str,
    nonce: &str,
    jwks: bool,
) -> PyResult<String> {
    let algs = self::algorithms(py, &algorithms)?;
    let claims = oauth::check_id_token_with(id_token, key, jwks, &algs, issuer, client_id, nonce)
        .map_err(|e| crate::jwt::jwt_err(py, &e))?;
    Ok(bulwark::serde_json::Value::Object(claims).to_string())
}

/// Checks that `granted` holds every scope of `needed` (InsufficientScopeError otherwise).
#[pyfunction]
fn oauth_require_scopes(py: Python<'_>, granted: Vec<String>, needed: Vec<String>) -> PyResult<()> {
    let token = AccessToken {
        subject: None,
        client_id: None,
        scopes: granted,
        expires_at: None,
        claims: bulwark::serde_json::Map::new(),
    };
    token.require_scopes(&needed).py(py)
}

/// Splits and checks a space-separated scope value.
#[pyfunction]
fn oauth_parse_scope(py: Python<'_>, value: &str) -> PyResult<Vec<String>> {
    oauth::parse_scope(value).py(py)
}

/// A Python callable `(url, body, headers) -> (status, body)` as a core transport.
struct PyTransport(Py<PyAny>);

impl Transport for PyTransport {
    fn post(&self, request: &HttpRequest) -> bulwark::Result<HttpResponse> {
        Python::attach(|py| {
            let answer = self
                .0
                .bind(py)
                .call1(request_tuple(request))
                .and_then(|r| r.extract::<(u16, String)>());
            match answer {
                Ok((status, body)) => Ok(HttpResponse { status, body }),
                Err(e) => Err(bulwark::Error::backend(format!(
                    "the HTTP transport failed: {}",
                    e.value(py)
                ))),
            }
        })
    }
}

/// Client-credentials tokens, cached and refreshed, over a Python transport.
#[pyclass(frozen, module = "bulwark.oauth", name = "_TokenSource")]
pub(crate) struct PyTokenSource {
    inner: TokenSource<PyTransport>,
}

#[pymethods]
impl PyTokenSource {
    #[new]
    #[pyo3(signature = (client, scopes, transport, refresh_before=30.0, max_attempts=3, backoff=0.2))]
    fn new(
        py: Python<'_>,
        client: PyRef<'_, PyClient>,
        scopes: Vec<String>,
        transport: Py<PyAny>,
        refresh_before: f64,
        max_attempts: u32,
        backoff: f64,
    ) -> PyResult<Self> {
        let options = oauth::TokenSourceOptions {
            refresh_before: seconds(py, refresh_before, "refresh_before")?,
            max_attempts,
            backoff: seconds(py, backoff, "backoff")?,
        };
        let inner = TokenSource::new(
            client.inner.clone(),
            &scopes,
            PyTransport(transport),
            options,
        )
        .py(py)?;
        Ok(Self { inner })
    }

    /// A valid token (cached or new), with the GIL released while waiting.
    fn token(&self, py: Python<'_>) -> PyResult<Token> {
        let t = py.detach(|| self.inner.token()).py(py)?;
        Ok(token_tuple(&t))
    }

    /// Forgets the cached token.
    fn invalidate(&self) {
        self.inner.invalidate();
    }
}

fn algorithms(py: Python<'_>, names: &[String]) -> PyResult<Vec<Algorithm>> {
    names
        .iter()
        .map(|a| a.parse::<Algorithm>())
        .collect::<bulwark::Result<Vec<_>>>()
        .py(py)
}

/// RFC 9068 access-token verification.
#[pyclass(frozen, module = "bulwark.oauth", name = "_AccessTokenVerifier")]
pub(crate) struct PyAccessTokenVerifier {
    inner: AccessTokenVerifier,
}

#[pymethods]
impl PyAccessTokenVerifier {
    #[new]
    #[pyo3(signature = (key, algorithms, issuer, audience, jwks=false))]
    fn new(
        py: Python<'_>,
        key: &[u8],
        algorithms: Vec<String>,
        issuer: &str,
        audience: &str,
        jwks: bool,
    ) -> PyResult<Self> {
        let algs = self::algorithms(py, &algorithms)?;
        let inner = if jwks {
            let text = std::str::from_utf8(key)
                .map_err(|_| bulwark::Error::invalid_input("the JWK set is not UTF-8"))
                .py(py)?;
            AccessTokenVerifier::with_jwks(text, &algs, issuer, audience)
        } else {
            AccessTokenVerifier::from_material(key, &algs, issuer, audience)
        }
        .py(py)?;
        Ok(Self { inner })
    }

    /// Verifies a token now (or at `now`, Unix seconds).
    #[pyo3(signature = (token, now=None))]
    fn verify(&self, py: Python<'_>, token: &str, now: Option<f64>) -> PyResult<Access> {
        let a = match now {
            Some(t) => self.inner.verify_at(token, t),
            None => self.inner.verify(token),
        }
        .map_err(|e| crate::jwt::jwt_err(py, &e))?;
        Ok(access_tuple(a))
    }
}

/// RFC 7662 introspection with a bounded cache, over a Python transport.
#[pyclass(frozen, module = "bulwark.oauth", name = "_Introspector")]
pub(crate) struct PyIntrospector {
    inner: Introspector<PyTransport>,
}

#[pymethods]
impl PyIntrospector {
    #[new]
    #[pyo3(signature = (client, endpoint, transport, capacity=10_000, max_ttl=60.0, negative_ttl=10.0, issuer=None, audience=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client: PyRef<'_, PyClient>,
        endpoint: &str,
        transport: Py<PyAny>,
        capacity: usize,
        max_ttl: f64,
        negative_ttl: f64,
        issuer: Option<String>,
        audience: Option<String>,
    ) -> PyResult<Self> {
        let options = IntrospectorOptions {
            capacity,
            max_ttl: seconds(py, max_ttl, "max_ttl")?,
            negative_ttl: seconds(py, negative_ttl, "negative_ttl")?,
            issuer,
            audience,
        };
        let inner = Introspector::new(
            client.inner.clone(),
            endpoint,
            PyTransport(transport),
            options,
        )
        .py(py)?;
        Ok(Self { inner })
    }

    /// Introspects a token (the GIL released while the server answers).
    fn verify(&self, py: Python<'_>, token: &str) -> PyResult<Access> {
        let a = py.detach(|| self.inner.verify(token)).py(py)?;
        Ok(access_tuple(a))
    }

    /// Answers cached now.
    fn cached(&self) -> usize {
        self.inner.cached()
    }
}

/// Registers this module's classes and functions on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPending>()?;
    m.add_class::<PyStore>()?;
    m.add_class::<PyClient>()?;
    m.add_class::<PyTokenSource>()?;
    m.add_class::<PyAccessTokenVerifier>()?;
    m.add_class::<PyIntrospector>()?;
    m.add_function(wrap_pyfunction!(pkce_verifier, m)?)?;
    m.add_function(wrap_pyfunction!(pkce_challenge, m)?)?;
    m.add_function(wrap_pyfunction!(pkce_verify, m)?)?;
    m.add_function(wrap_pyfunction!(oauth_parse_token_response, m)?)?;
    m.add_function(wrap_pyfunction!(oauth_require_scopes, m)?)?;
    m.add_function(wrap_pyfunction!(oauth_parse_scope, m)?)?;
    m.add_function(wrap_pyfunction!(oauth_check_id_token, m)?)?;
    Ok(())
}
