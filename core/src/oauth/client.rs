//! The OAuth 2.0 client: the authorization URL (code flow with PKCE, `state`, `nonce`), the
//! callback's checks (state, error responses, RFC 9207 `iss`), token requests and the parsing
//! of token responses, and a client-credentials token source that caches and refreshes.
//! HTTP is the caller's ([`Transport`]); every decision is here.

use super::form::{self, FormBuilder};
use super::pkce::ChallengeMethod;
use super::store::{AuthorizationStore, PendingAuthorization};
use crate::jwt::{self, Verifier};
use crate::{Error, ErrorKind, Result};
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Longest a fetched token is cached, whatever `expires_in` says (a year, in seconds).
const MAX_CACHED_LIFETIME: u64 = 365 * 86_400;

/// Largest token-endpoint answer read, in bytes.
pub const MAX_RESPONSE_LEN: usize = 256 * 1024;

/// One POST to an authorization server endpoint (form-encoded body), for the caller's HTTP
/// client to send.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The endpoint.
    pub url: String,
    /// `application/x-www-form-urlencoded` body (may hold a secret: the code, a client secret).
    pub body: Zeroizing<String>,
    /// Headers to send: `Content-Type`, `Accept`, and `Authorization: Basic …` for a client
    /// with a secret.
    pub headers: Vec<(String, Zeroizing<String>)>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// The body (JSON expected).
    pub body: String,
}

/// Sends an [`HttpRequest`] (a POST) and returns the answer; `Backend` errors for transport
/// failures are retried by the token source. Any `Fn(&HttpRequest) -> Result<HttpResponse>`
/// is one.
pub trait Transport: Send + Sync {
    /// Sends the request.
    ///
    /// # Errors
    /// `Backend` when the server cannot be reached or answers nothing.
    fn post(&self, request: &HttpRequest) -> Result<HttpResponse>;
}

impl<F> Transport for F
where
    F: Fn(&HttpRequest) -> Result<HttpResponse> + Send + Sync,
{
    fn post(&self, request: &HttpRequest) -> Result<HttpResponse> {
        self(request)
    }
}

/// A client's registration at one authorization server.
#[derive(Clone, Default)]
pub struct ClientConfig {
    /// The client identifier.
    pub client_id: String,
    /// The client secret of a confidential client (sent with HTTP Basic, RFC 6749 2.3.1).
    pub client_secret: Option<Zeroizing<String>>,
    /// The authorization endpoint (for the code flow).
    pub authorization_endpoint: Option<String>,
    /// The token endpoint.
    pub token_endpoint: String,
    /// The registered redirect URI (for the code flow).
    pub redirect_uri: Option<String>,
    /// The server's issuer identifier: a callback's `iss` (RFC 9207) must equal it.
    pub issuer: Option<String>,
    /// Refuse callbacks without `iss` (the server advertises
    /// `authorization_response_iss_parameter_supported`).
    pub require_iss: bool,
}

impl ClientConfig {
    /// A configuration from JSON, for the C and Python doors: `{"client_id": …,
    /// "client_secret": …, "authorization_endpoint": …, "token_endpoint": …, "redirect_uri": …,
    /// "issuer": …, "require_iss": false}` (only `client_id` and `token_endpoint` required).
    ///
    /// # Errors
    /// `InvalidInput` for malformed JSON, unknown keys or members of the wrong type.
    pub fn from_json(text: &str) -> Result<Self> {
        let bad = |what: &str| Error::invalid_input(format!("OAuth client JSON: {what}"));
        let value: Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
        let obj = value.as_object().ok_or_else(|| bad("not an object"))?;
        const KEYS: [&str; 7] = [
            "client_id",
            "client_secret",
            "authorization_endpoint",
            "token_endpoint",
            "redirect_uri",
            "issuer",
            "require_iss",
        ];
        if let Some(k) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(bad(&format!("unknown key {k:?}")));
        }
        let text = |k: &str| -> Result<Option<String>> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(&format!("{k} is not a string"))),
            }
        };
        Ok(Self {
            client_id: text("client_id")?.ok_or_else(|| bad("client_id is required"))?,
            client_secret: text("client_secret")?.map(Zeroizing::new),
            authorization_endpoint: text("authorization_endpoint")?,
            token_endpoint: text("token_endpoint")?
                .ok_or_else(|| bad("token_endpoint is required"))?,
            redirect_uri: text("redirect_uri")?,
            issuer: text("issuer")?,
            require_iss: match obj.get("require_iss") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(bad("require_iss is not a boolean")),
            },
        })
    }
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("client_id", &self.client_id)
            .field("token_endpoint", &self.token_endpoint)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// Whether `url` is an absolute `https://` URL, or `http://` to a loopback host, without a
/// fragment, whitespace or control characters.
fn check_server_url(url: &str, what: &str) -> Result<()> {
    let bad = || {
        Error::invalid_input(format!(
            "the {what} is an absolute https:// URL (http:// only to localhost) without a fragment"
        ))
    };
    if url.len() > 2048
        || url.contains('#')
        || url.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(bad());
    }
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        if !is_loopback(host_of(rest)) {
            return Err(bad());
        }
        rest
    } else {
        return Err(bad());
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if host_of(rest).is_empty() || authority.contains('@') {
        return Err(bad());
    }
    Ok(())
}

/// The host of `host[:port][/path…]` (brackets kept for IPv6).
fn host_of(rest: &str) -> &str {
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.starts_with('[') {
        return authority
            .find(']')
            .and_then(|i| authority.get(..=i))
            .unwrap_or(authority);
    }
    authority.split(':').next().unwrap_or(authority)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback())
}

/// A redirect URI: a server URL (https, or http to loopback, RFC 8252 7.3) or a private-use
/// scheme with a dot (`com.example.app:/callback`, RFC 8252 7.1); never a fragment.
///
/// # Errors
/// `InvalidInput` otherwise.
pub fn check_redirect_uri(uri: &str) -> Result<()> {
    if uri.starts_with("https://") || uri.starts_with("http://") {
        return check_server_url(uri, "redirect URI");
    }
    let scheme = uri.split(':').next().unwrap_or("");
    let ok_scheme = !scheme.is_empty()
        && scheme.len() < uri.len()
        && scheme.contains('.')
        && scheme.starts_with(|c: char| c.is_ascii_lowercase())
        && scheme.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'.' | b'-')
        });
    if !ok_scheme
        || uri.len() > 2048
        || uri.contains('#')
        || uri.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(Error::invalid_input(
            "a redirect URI is https://, http:// to localhost, or a private-use scheme such as \
             com.example.app:/callback, without a fragment",
        ));
    }
    Ok(())
}

/// Checks one scope token (RFC 6749 3.3: printable ASCII but space, `"` and `\`).
///
/// # Errors
/// `InvalidInput` for an empty or malformed scope.
pub fn check_scope_token(scope: &str) -> Result<()> {
    if scope.is_empty()
        || scope.len() > 256
        || !scope
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
    {
        return Err(Error::invalid_input(format!(
            "{:?} is not a scope (printable ASCII without spaces, quotes or backslashes)",
            scope.chars().take(64).collect::<String>()
        )));
    }
    Ok(())
}

/// Splits a space-separated `scope` value into its tokens, each checked.
///
/// # Errors
/// `InvalidInput` for a malformed token.
pub fn parse_scope(value: &str) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for token in value.split(' ').filter(|t| !t.is_empty()) {
        check_scope_token(token)?;
        if !out.iter().any(|t| t == token) {
            out.push(token.to_owned());
        }
    }
    Ok(out)
}

fn scope_value<S: AsRef<str>>(scopes: &[S]) -> Result<String> {
    for s in scopes {
        check_scope_token(s.as_ref())?;
    }
    Ok(scopes
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(" "))
}

/// A `error` / `error_description` pair from the server, as one error: the message is the code,
/// then the description with anything outside RFC 6749's character set replaced.
pub(crate) fn server_error(error: &str, description: Option<&str>) -> Error {
    let clean = |text: &str, limit: usize| -> String {
        let mut out: String = text
            .chars()
            .take(limit)
            .map(|c| {
                if (' '..='~').contains(&c) && c != '"' && c != '\\' {
                    c
                } else {
                    '?'
                }
            })
            .collect();
        if text.chars().count() > limit {
            out.push_str("...");
        }
        out
    };
    let code = if error.is_empty()
        || error.len() > 64
        || !error
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    {
        "invalid_response".to_owned()
    } else {
        error.to_owned()
    };
    match description {
        Some(d) if !d.is_empty() => {
            Error::new(ErrorKind::OAuth, format!("{code}: {}", clean(d, 300)))
        }
        _ => Error::new(ErrorKind::OAuth, code),
    }
}

/// What the callback carried: the code, and the state it answers.
#[derive(Clone, PartialEq, Eq)]
pub struct Callback {
    /// The authorization code (secret until exchanged).
    pub code: Zeroizing<String>,
    /// The `state` echoed back.
    pub state: String,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// A token endpoint's successful answer (RFC 6749 5.1).
#[derive(Clone, PartialEq)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: Zeroizing<String>,
    /// `Bearer` (the only type accepted; compared case-insensitively, given as `Bearer`).
    pub token_type: String,
    /// Seconds until the access token expires, when the server says.
    pub expires_in: Option<u64>,
    /// The refresh token, if any.
    pub refresh_token: Option<Zeroizing<String>>,
    /// The scopes granted (RFC 6749 5.1: absent means those requested).
    pub scope: Option<Vec<String>>,
    /// The OpenID Connect ID token, if any (check it with [`check_id_token`]).
    pub id_token: Option<String>,
    /// Every member of the answer, as sent.
    pub raw: Map<String, Value>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

fn malformed(what: &str) -> Error {
    Error::new(ErrorKind::Malformed, format!("token response: {what}"))
}

/// Reads the JSON object of an authorization-server answer (duplicate members, deep nesting,
/// oversize bodies refused).
pub(crate) fn json_object(body: &str) -> Result<Map<String, Value>> {
    if body.len() > MAX_RESPONSE_LEN {
        return Err(malformed("larger than 256 KiB"));
    }
    jwt::parse_object(body.as_bytes(), jwt::DEFAULT_MAX_DEPTH, "response")
        .map_err(|e| Error::new(ErrorKind::Malformed, e.message().to_owned()))
}

/// Turns a non-200 answer into its error: the server's OAuth error when the body says one
/// (`OAuth`), else `Backend` naming the status (retryable for 5xx and 429).
pub(crate) fn error_answer(response: &HttpResponse, endpoint: &str) -> Error {
    if (400..500).contains(&response.status) {
        if let Ok(obj) = json_object(&response.body) {
            if let Some(code) = obj.get("error").and_then(Value::as_str) {
                return server_error(code, obj.get("error_description").and_then(Value::as_str));
            }
        }
    }
    Error::backend(format!(
        "the {endpoint} answered HTTP {} without an OAuth error",
        response.status
    ))
}

/// Parses a token endpoint's answer: 200 with a JSON token (RFC 6749 5.1), or an error
/// (RFC 6749 5.2).
///
/// ```
/// use bulwark::oauth::{parse_token_response, HttpResponse};
/// let ok = parse_token_response(&HttpResponse { status: 200, body:
///     r#"{"access_token":"abc","token_type":"bearer","expires_in":3600,"scope":"a b"}"#.into() })?;
/// assert_eq!((ok.access_token.as_str(), ok.expires_in), ("abc", Some(3600)));
/// let err = parse_token_response(&HttpResponse { status: 400, body:
///     r#"{"error":"invalid_grant","error_description":"code used"}"#.into() }).unwrap_err();
/// assert_eq!((err.kind(), err.message()), (bulwark::ErrorKind::OAuth, "invalid_grant: code used"));
/// # Ok::<(), bulwark::Error>(())
/// ```
///
/// # Errors
/// `OAuth` for the server's error answer; `Malformed` for a 200 that is not a token (not
/// JSON, no `access_token`, a `token_type` other than Bearer, a negative or fractional
/// `expires_in`, a malformed scope); `Backend` for another status.
pub fn parse_token_response(response: &HttpResponse) -> Result<TokenResponse> {
    if response.status != 200 {
        return Err(error_answer(response, "token endpoint"));
    }
    let raw = json_object(&response.body)?;
    let text = |k: &str| -> Result<Option<String>> {
        match raw.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(malformed(&format!("{k} is not a non-empty string"))),
        }
    };
    let access_token =
        Zeroizing::new(text("access_token")?.ok_or_else(|| malformed("no access_token"))?);
    let token_type = text("token_type")?.ok_or_else(|| malformed("no token_type"))?;
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(malformed(&format!(
            "token_type {:?} is not Bearer",
            token_type.chars().take(32).collect::<String>()
        )));
    }
    let expires_in = match raw.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_u64()
                .ok_or_else(|| malformed("expires_in is not a whole number of seconds"))?,
        ),
        // Some servers send the number as a decimal string; that is read, anything else is not.
        Some(Value::String(s))
            if !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(
                s.parse()
                    .map_err(|_| malformed("expires_in is out of range"))?,
            )
        }
        Some(_) => return Err(malformed("expires_in is not a whole number of seconds")),
    };
    let scope = match text("scope")? {
        None => None,
        Some(s) => Some(parse_scope(&s).map_err(|e| malformed(e.message()))?),
    };
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in,
        refresh_token: text("refresh_token")?.map(Zeroizing::new),
        scope,
        id_token: text("id_token")?,
        raw,
    })
}

/// Verifies an OpenID Connect ID token with `verifier` (its keys, the issuer, the client id as
/// audience) and checks its `nonce` against the one of the request, in constant time. Returns
/// the claims.
///
/// # Errors
/// As [`Verifier::verify`]; `MissingClaim` without a nonce; `VerificationFailed` for another.
pub fn check_id_token(
    id_token: &str,
    verifier: &Verifier,
    nonce: &str,
) -> Result<Map<String, Value>> {
    let decoded = verifier.verify(id_token)?;
    let got = decoded
        .claims
        .get("nonce")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Error::new(ErrorKind::MissingClaim, "the ID token has no nonce").with_claim("nonce")
        })?;
    if !crate::ct::eq(got.as_bytes(), nonce.as_bytes()) {
        return Err(Error::verification_failed(
            "the ID token's nonce is not the request's",
        ));
    }
    Ok(decoded.claims)
}

/// Where a door's key material for tokens comes from: a JWK set (`{"keys": [...]}`), or one key
/// (PEM, JWK, HMAC secret). What the C door uses to tell them apart.
#[must_use]
pub fn is_jwk_set(material: &[u8]) -> bool {
    std::str::from_utf8(material)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .is_some_and(|v| v.get("keys").is_some_and(Value::is_array))
}

/// [`check_id_token`] with the verifier built here: the signature by `key` (a JWK set when
/// `jwks`, else one key) under `algorithms`, `iss` = `issuer`, `aud` naming `client_id`, and
/// `iss`, `sub`, `aud`, `exp`, `iat` present (OpenID Connect Core 3.1.3.7).
///
/// # Errors
/// As [`check_id_token`], and `InvalidInput` / `InvalidKey` for unusable keys or algorithms.
pub fn check_id_token_with(
    id_token: &str,
    key: &[u8],
    jwks: bool,
    algorithms: &[jwt::Algorithm],
    issuer: &str,
    client_id: &str,
    nonce: &str,
) -> Result<Map<String, Value>> {
    if issuer.is_empty() || client_id.is_empty() {
        return Err(Error::invalid_input(
            "checking an ID token needs the issuer and the client id",
        ));
    }
    let validation = jwt::Validation::new(algorithms)
        .with_issuer(issuer)
        .with_audience(client_id)
        .with_required(&["iss", "sub", "aud", "exp", "iat"]);
    let verifier = if jwks {
        let text = std::str::from_utf8(key)
            .map_err(|_| Error::invalid_input("the JWK set is not UTF-8"))?;
        Verifier::with_jwks(jwt::JwkSet::from_json(text)?, validation)?
    } else {
        Verifier::from_material(key, validation)?
    };
    check_id_token(id_token, &verifier, nonce)
}

/// A client of one authorization server. Immutable, shareable between threads.
///
/// ```
/// use bulwark::oauth::{AuthorizationStore, Client, ClientConfig};
/// use std::time::Duration;
/// let client = Client::new(ClientConfig {
///     client_id: "web-app".into(),
///     authorization_endpoint: Some("https://idp.example/authorize".into()),
///     token_endpoint: "https://idp.example/token".into(),
///     redirect_uri: Some("https://app.example/callback".into()),
///     issuer: Some("https://idp.example".into()),
///     ..Default::default()
/// })?;
/// let store = AuthorizationStore::new("memory://", &Default::default())?;
/// let pending = store.begin("session-1", "https://app.example/callback", Duration::from_secs(600))?;
/// let url = client.authorization_url(&pending, &["openid", "orders:read"], &[])?;
/// assert!(url.contains("code_challenge_method=S256"));
/// // …the user signs in; the server redirects to the callback with the code:
/// let query = format!("code=SplxlOBeZQQYbYS6WxSbIA&state={}&iss=https%3A%2F%2Fidp.example", pending.state);
/// let (callback, back) = client.finish(&store, &query, "session-1")?;
/// let request = client.code_request(&callback, &back)?;
/// assert!(request.body.contains("code_verifier="));
/// # Ok::<(), bulwark::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    config: ClientConfig,
}

impl Client {
    /// A client for `config`.
    ///
    /// # Errors
    /// `InvalidInput` for an empty or malformed client id, an endpoint that is not https (http
    /// only to localhost) or has a fragment, a malformed redirect URI, or `require_iss` without
    /// an issuer.
    pub fn new(config: ClientConfig) -> Result<Self> {
        if config.client_id.is_empty()
            || config.client_id.len() > 256
            || config.client_id.chars().any(char::is_control)
        {
            return Err(Error::invalid_input(
                "the client id is 1 to 256 printable characters",
            ));
        }
        check_server_url(&config.token_endpoint, "token endpoint")?;
        if let Some(a) = &config.authorization_endpoint {
            check_server_url(a, "authorization endpoint")?;
        }
        if let Some(r) = &config.redirect_uri {
            check_redirect_uri(r)?;
        }
        if config.require_iss && config.issuer.is_none() {
            return Err(Error::invalid_input("require_iss needs the issuer"));
        }
        if config.client_secret.as_ref().is_some_and(|s| s.is_empty()) {
            return Err(Error::invalid_input(
                "the client secret is empty (leave it out for a public client)",
            ));
        }
        Ok(Self { config })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The URL to send the user to: `response_type=code`, `client_id`, `redirect_uri`, `scope`,
    /// `state`, `nonce` (with the `openid` scope), `code_challenge` (S256) and any `extra`
    /// parameters (`prompt`, `login_hint`, …; not ones this sets).
    ///
    /// # Errors
    /// `InvalidInput` without an authorization endpoint, for a redirect URI that is not the
    /// registered one, a malformed scope, or an extra parameter that overrides one of these.
    pub fn authorization_url<S: AsRef<str>>(
        &self,
        pending: &PendingAuthorization,
        scopes: &[S],
        extra: &[(&str, &str)],
    ) -> Result<String> {
        let endpoint = self
            .config
            .authorization_endpoint
            .as_deref()
            .ok_or_else(|| Error::invalid_input("the client has no authorization endpoint"))?;
        check_redirect_uri(&pending.redirect_uri)?;
        if let Some(registered) = &self.config.redirect_uri {
            if *registered != pending.redirect_uri {
                return Err(Error::invalid_input(
                    "the pending authorization's redirect URI is not the registered one",
                ));
            }
        }
        const RESERVED: [&str; 9] = [
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method",
            "client_secret",
        ];
        let scope = scope_value(scopes)?;
        let mut q = FormBuilder::default();
        q.add("response_type", "code");
        q.add("client_id", &self.config.client_id);
        q.add("redirect_uri", &pending.redirect_uri);
        if !scope.is_empty() {
            q.add("scope", &scope);
        }
        q.add("state", &pending.state);
        if scopes.iter().any(|s| s.as_ref() == "openid") {
            q.add("nonce", &pending.nonce);
        }
        q.add(
            "code_challenge",
            &pending.code_verifier.challenge(ChallengeMethod::S256),
        );
        q.add("code_challenge_method", ChallengeMethod::S256.as_str());
        for (k, v) in extra {
            if RESERVED.contains(k)
                || k.is_empty()
                || !k
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(Error::invalid_input(format!(
                    "{:?} cannot be an extra authorization parameter",
                    k.chars().take(64).collect::<String>()
                )));
            }
            q.add(k, v);
        }
        let sep = if endpoint.contains('?') { '&' } else { '?' };
        Ok(format!("{endpoint}{sep}{}", q.finish().as_str()))
    }

    /// Reads the callback's query string (with or without the leading `?`): the code and state,
    /// or the server's error. Each parameter at most once (RFC 6749 3.1); `iss` (RFC 9207) must
    /// be the configured issuer, and is required with `require_iss`.
    ///
    /// # Errors
    /// `OAuth` for an error response (`access_denied: …`); `InvalidIssuer` for a wrong or
    /// missing `iss`; `InvalidInput` for a malformed query, a repeated parameter, or no code or
    /// state.
    pub fn callback(&self, query: &str) -> Result<Callback> {
        let params = form::parse(query.strip_prefix('?').unwrap_or(query))?;
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        // The issuer first: an error response from another server is not this server's error.
        match (get("iss"), &self.config.issuer) {
            (Some(iss), Some(expected)) if iss != expected => {
                return Err(Error::new(
                    ErrorKind::InvalidIssuer,
                    "the callback's iss is not the authorization server's (a mix-up attack?)",
                ))
            }
            (None, _) if self.config.require_iss => {
                return Err(Error::new(
                    ErrorKind::InvalidIssuer,
                    "the callback has no iss",
                ))
            }
            _ => {}
        }
        if let Some(error) = get("error") {
            return Err(server_error(error, get("error_description")));
        }
        let state =
            get("state").ok_or_else(|| Error::invalid_input("the callback has no state"))?;
        let code = get("code")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Error::invalid_input("the callback has no code"))?;
        if code.len() > 4096 {
            return Err(Error::invalid_input(
                "the authorization code is over 4096 bytes",
            ));
        }
        Ok(Callback {
            code: Zeroizing::new(code.to_owned()),
            state: state.to_owned(),
        })
    }

    /// [`Client::callback`], then the pending authorization of its state for `binding`, taken
    /// from `store` once.
    ///
    /// # Errors
    /// As [`Client::callback`] and [`AuthorizationStore::finish`] (`Replayed` for a state used
    /// before).
    pub fn finish(
        &self,
        store: &AuthorizationStore,
        query: &str,
        binding: &str,
    ) -> Result<(Callback, PendingAuthorization)> {
        let callback = self.callback(query)?;
        let pending = store.finish(&callback.state, binding)?;
        Ok((callback, pending))
    }

    /// Starts the code flow for `binding` (the user's session): a pending authorization kept in
    /// `store` for `ttl`, sent to `redirect_uri` or else the registered one, and the URL to send
    /// the user to.
    ///
    /// # Errors
    /// `InvalidInput` without any redirect URI, and as [`AuthorizationStore::begin`] and
    /// [`Client::authorization_url`].
    pub fn authorize<S: AsRef<str>>(
        &self,
        store: &AuthorizationStore,
        binding: &str,
        scopes: &[S],
        extra: &[(&str, &str)],
        ttl: Duration,
        redirect_uri: Option<&str>,
    ) -> Result<(String, PendingAuthorization)> {
        let redirect = redirect_uri
            .or(self.config.redirect_uri.as_deref())
            .ok_or_else(|| {
                Error::invalid_input("the client has no redirect_uri for the code flow")
            })?;
        let pending = store.begin(binding, redirect, ttl)?;
        let url = self.authorization_url(&pending, scopes, extra)?;
        Ok((url, pending))
    }

    /// Finishes the code flow: [`Client::finish`], then the code exchanged with the verifier
    /// through `transport`. Returns the tokens and the pending authorization (its nonce is what
    /// the ID token must carry).
    ///
    /// # Errors
    /// As [`Client::finish`] and [`parse_token_response`]; `Backend` when `transport` fails.
    pub fn exchange_code<T: Transport + ?Sized>(
        &self,
        store: &AuthorizationStore,
        query: &str,
        binding: &str,
        transport: &T,
    ) -> Result<(TokenResponse, PendingAuthorization)> {
        let (callback, pending) = self.finish(store, query, binding)?;
        let request = self.code_request(&callback, &pending)?;
        Ok((parse_token_response(&transport.post(&request)?)?, pending))
    }

    /// New tokens for `refresh_token` (optionally fewer `scopes`) through `transport`.
    ///
    /// # Errors
    /// As [`Client::refresh_request`] and [`parse_token_response`]; `Backend` when `transport`
    /// fails.
    pub fn refresh<T: Transport + ?Sized, S: AsRef<str>>(
        &self,
        refresh_token: &str,
        scopes: &[S],
        transport: &T,
    ) -> Result<TokenResponse> {
        let request = self.refresh_request(refresh_token, scopes)?;
        parse_token_response(&transport.post(&request)?)
    }

    fn request(&self, mut body: FormBuilder) -> HttpRequest {
        let mut headers = vec![
            (
                "Content-Type".to_owned(),
                Zeroizing::new("application/x-www-form-urlencoded".to_owned()),
            ),
            (
                "Accept".to_owned(),
                Zeroizing::new("application/json".to_owned()),
            ),
        ];
        match &self.config.client_secret {
            Some(secret) => {
                // RFC 6749 2.3.1: both form-encoded, then Basic.
                let pair = Zeroizing::new(format!(
                    "{}:{}",
                    form::encode(&self.config.client_id),
                    form::encode(secret)
                ));
                headers.push((
                    "Authorization".to_owned(),
                    Zeroizing::new(format!(
                        "Basic {}",
                        crate::encoding::b64_encode(pair.as_bytes())
                    )),
                ));
            }
            None => body.add("client_id", &self.config.client_id),
        }
        HttpRequest {
            url: self.config.token_endpoint.clone(),
            body: body.finish(),
            headers,
        }
    }

    /// The token request that exchanges the callback's code, with the PKCE verifier and the
    /// redirect URI of the pending authorization.
    ///
    /// # Errors
    /// `InvalidInput` when the callback answers another state than `pending`.
    pub fn code_request(
        &self,
        callback: &Callback,
        pending: &PendingAuthorization,
    ) -> Result<HttpRequest> {
        if callback.state != pending.state {
            return Err(Error::invalid_input(
                "the callback answers another authorization request",
            ));
        }
        let mut body = FormBuilder::default();
        body.add("grant_type", "authorization_code");
        body.add("code", &callback.code);
        body.add("redirect_uri", &pending.redirect_uri);
        body.add("code_verifier", pending.code_verifier.as_str());
        Ok(self.request(body))
    }

    /// The client-credentials token request (RFC 6749 4.4) for `scopes` (none: the default).
    ///
    /// # Errors
    /// `InvalidInput` for a public client (no secret) or a malformed scope.
    pub fn client_credentials_request<S: AsRef<str>>(&self, scopes: &[S]) -> Result<HttpRequest> {
        if self.config.client_secret.is_none() {
            return Err(Error::invalid_input(
                "client credentials need a client secret",
            ));
        }
        let scope = scope_value(scopes)?;
        let mut body = FormBuilder::default();
        body.add("grant_type", "client_credentials");
        if !scope.is_empty() {
            body.add("scope", &scope);
        }
        Ok(self.request(body))
    }

    /// The refresh request (RFC 6749 6) for `refresh_token`, optionally narrowing `scopes`.
    ///
    /// # Errors
    /// `InvalidInput` for an empty refresh token or a malformed scope.
    pub fn refresh_request<S: AsRef<str>>(
        &self,
        refresh_token: &str,
        scopes: &[S],
    ) -> Result<HttpRequest> {
        if refresh_token.is_empty() {
            return Err(Error::invalid_input("the refresh token is empty"));
        }
        let scope = scope_value(scopes)?;
        let mut body = FormBuilder::default();
        body.add("grant_type", "refresh_token");
        body.add("refresh_token", refresh_token);
        if !scope.is_empty() {
            body.add("scope", &scope);
        }
        Ok(self.request(body))
    }

    /// A POST to another endpoint of the server (introspection) with this client's
    /// authentication.
    pub(crate) fn authenticated_post(&self, url: &str, body: FormBuilder) -> HttpRequest {
        let mut request = self.request(body);
        request.url = url.to_owned();
        request
    }
}

/// Options of a [`TokenSource`].
#[derive(Debug, Clone)]
pub struct TokenSourceOptions {
    /// Fetch a new token this long before the current one expires (default 30 s; at most half
    /// the token's lifetime).
    pub refresh_before: Duration,
    /// Attempts per fetch when the server cannot be reached or answers 5xx / 429 (default 3;
    /// an OAuth error such as `invalid_client` is never retried).
    pub max_attempts: u32,
    /// Wait before the second attempt, doubled for each further one (default 200 ms).
    pub backoff: Duration,
}

impl Default for TokenSourceOptions {
    fn default() -> Self {
        Self {
            refresh_before: Duration::from_secs(30),
            max_attempts: 3,
            backoff: Duration::from_millis(200),
        }
    }
}

struct Cached {
    token: Arc<TokenResponse>,
    refresh_at: Instant,
}

/// Client-credentials tokens for machine-to-machine calls: fetched when first needed, cached,
/// fetched again shortly before expiry; one fetch at a time however many threads ask, with
/// bounded retries. A token without `expires_in` is not cached. Thread-safe.
pub struct TokenSource<T: Transport> {
    client: Client,
    scopes: Vec<String>,
    transport: T,
    options: TokenSourceOptions,
    cached: Mutex<Option<Cached>>,
    fetching: Mutex<()>,
}

impl<T: Transport> std::fmt::Debug for TokenSource<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("client", &self.client)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> TokenSource<T> {
    /// A source for `client` (with a secret) asking for `scopes`, over `transport`.
    ///
    /// # Errors
    /// `InvalidInput` for a public client, a malformed scope, or `max_attempts` 0 or over 10.
    pub fn new<S: AsRef<str>>(
        client: Client,
        scopes: &[S],
        transport: T,
        options: TokenSourceOptions,
    ) -> Result<Self> {
        client.client_credentials_request(scopes)?;
        if options.max_attempts == 0 || options.max_attempts > 10 {
            return Err(Error::invalid_input("max_attempts is 1 to 10"));
        }
        Ok(Self {
            client,
            scopes: scopes.iter().map(|s| s.as_ref().to_owned()).collect(),
            transport,
            options,
            cached: Mutex::new(None),
            fetching: Mutex::new(()),
        })
    }

    fn fresh(&self) -> Option<Arc<TokenResponse>> {
        let cached = self.cached.lock().unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| Arc::clone(&c.token))
    }

    /// A valid access token: the cached one, or a new one.
    ///
    /// # Errors
    /// `OAuth` for the server's refusal (`invalid_client`, `invalid_scope`); `Backend` when
    /// every attempt failed to reach the server or got a 5xx / 429; `Malformed` for an answer
    /// that is not a token.
    pub fn token(&self) -> Result<Arc<TokenResponse>> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _one_at_a_time = self.fetching.lock().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have fetched while this one waited.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let request = self.client.client_credentials_request(&self.scopes)?;
        let mut wait = self.options.backoff;
        let mut last = Error::backend("no attempt was made");
        for attempt in 0..self.options.max_attempts {
            if attempt > 0 {
                std::thread::sleep(wait);
                wait = wait.saturating_mul(2);
            }
            let answer = self.transport.post(&request).and_then(|r| {
                if r.status >= 500 || r.status == 429 {
                    Err(Error::backend(format!(
                        "the token endpoint answered HTTP {}",
                        r.status
                    )))
                } else {
                    parse_token_response(&r)
                }
            });
            match answer {
                Ok(token) => {
                    let token = Arc::new(token);
                    *self.cached.lock().unwrap_or_else(PoisonError::into_inner) =
                        token.expires_in.filter(|s| *s > 0).and_then(|lifetime| {
                            // A server's lifetime is believed up to a year.
                            let lifetime = Duration::from_secs(lifetime.min(MAX_CACHED_LIFETIME));
                            let early = self.options.refresh_before.min(lifetime / 2);
                            Some(Cached {
                                token: Arc::clone(&token),
                                refresh_at: Instant::now().checked_add(lifetime - early)?,
                            })
                        });
                    return Ok(token);
                }
                Err(e) if e.kind() == ErrorKind::Backend => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// Forgets the cached token (after the resource server refused it).
    pub fn invalidate(&self) {
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn client(secret: Option<&str>) -> Client {
        Client::new(ClientConfig {
            client_id: "app one".into(),
            client_secret: secret.map(|s| Zeroizing::new(s.to_owned())),
            authorization_endpoint: Some("https://idp.example/authorize?tenant=7".into()),
            token_endpoint: "https://idp.example/token".into(),
            redirect_uri: Some("https://app.example/cb".into()),
            issuer: Some("https://idp.example".into()),
            require_iss: false,
        })
        .unwrap()
    }

    #[test]
    fn configuration_is_checked() {
        let base = ClientConfig {
            client_id: "c".into(),
            token_endpoint: "https://idp.example/token".into(),
            ..Default::default()
        };
        assert!(Client::new(base.clone()).is_ok());
        for bad in [
            "http://idp.example/token",
            "https://idp.example/t#x",
            "ftp://x",
            "https://",
            "https://user@idp/t",
            "https://a b/",
        ] {
            let c = ClientConfig {
                token_endpoint: bad.into(),
                ..base.clone()
            };
            assert!(Client::new(c).is_err(), "{bad}");
        }
        for good in [
            "http://localhost:8080/t",
            "http://127.0.0.1/t",
            "http://[::1]:9/t",
        ] {
            let c = ClientConfig {
                token_endpoint: good.into(),
                ..base.clone()
            };
            assert!(Client::new(c).is_ok(), "{good}");
        }
        for (uri, ok) in [
            ("com.example.app:/cb", true),
            ("https://app.example/cb", true),
            ("javascript:alert(1)", false),
            ("myapp://cb", false),
            ("https://app.example/cb#f", false),
            ("http://evil.example/cb", false),
        ] {
            assert_eq!(check_redirect_uri(uri).is_ok(), ok, "{uri}");
        }
        assert!(Client::new(ClientConfig {
            client_id: String::new(),
            ..base.clone()
        })
        .is_err());
        assert!(Client::new(ClientConfig {
            require_iss: true,
            ..base
        })
        .is_err());
    }

    #[test]
    fn authorization_url_and_callback() {
        let c = client(None);
        let store = AuthorizationStore::new("memory://", &Default::default()).unwrap();
        let p = store
            .begin("s", "https://app.example/cb", Duration::from_secs(60))
            .unwrap();
        let url = c
            .authorization_url(&p, &["openid", "orders:read"], &[("prompt", "login")])
            .unwrap();
        assert!(url.starts_with("https://idp.example/authorize?tenant=7&response_type=code&client_id=app%20one&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=openid%20orders%3Aread&state="));
        assert!(url.contains(&format!("&nonce={}", p.nonce)));
        assert!(url.contains(&format!(
            "&code_challenge={}&code_challenge_method=S256&prompt=login",
            p.code_verifier.challenge(ChallengeMethod::S256)
        )));
        assert!(c.authorization_url(&p, &["a b"], &[]).is_err());
        assert!(c.authorization_url(&p, &["a"], &[("state", "x")]).is_err());
        let other = store
            .begin("s", "https://other.example/cb", Duration::from_secs(60))
            .unwrap();
        assert!(c.authorization_url(&other, &["a"], &[]).is_err());
        // Callbacks.
        let ok = c.callback(&format!("?code=abc&state={}", p.state)).unwrap();
        assert_eq!(
            (ok.code.as_str(), ok.state.as_str()),
            ("abc", p.state.as_str())
        );
        let e = c
            .callback("error=access_denied&error_description=the%20user%20said%20no&state=x")
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::OAuth, "access_denied: the user said no")
        );
        let e = c.callback("error=%3Cscript%3E&state=x").unwrap_err();
        assert_eq!(e.message(), "invalid_response");
        assert_eq!(
            c.callback("code=a&state=b&iss=https%3A%2F%2Fevil.example")
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidIssuer
        );
        assert!(c.callback("code=a&code=b&state=c").is_err());
        assert!(c.callback("code=a").is_err());
        assert!(c.callback("state=a").is_err());
        assert!(c.callback("code=%ZZ&state=a").is_err());
        let (cb, back) = c
            .finish(
                &store,
                &format!("code=abc&state={}&iss=https%3A%2F%2Fidp.example", p.state),
                "s",
            )
            .unwrap();
        let req = c.code_request(&cb, &back).unwrap();
        assert_eq!(req.body.as_str(), format!("grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_verifier={}&client_id=app%20one", back.code_verifier.as_str()));
        assert_eq!(
            c.finish(&store, &format!("code=abc&state={}", p.state), "s")
                .unwrap_err()
                .kind(),
            ErrorKind::Replayed
        );
    }

    #[test]
    fn client_authentication_and_token_responses() {
        let c = client(Some("s3cr:t"));
        let req = c.client_credentials_request(&["a", "b"]).unwrap();
        assert_eq!(
            req.body.as_str(),
            "grant_type=client_credentials&scope=a%20b"
        );
        let auth = req
            .headers
            .iter()
            .find(|(n, _)| n == "Authorization")
            .unwrap();
        // "app%20one:s3cr%3At" in base64.
        assert_eq!(
            auth.1.as_str(),
            format!(
                "Basic {}",
                crate::encoding::b64_encode(b"app%20one:s3cr%3At")
            )
        );
        assert!(client(None)
            .client_credentials_request::<&str>(&[])
            .is_err());
        let parse = |status, body: &str| {
            parse_token_response(&HttpResponse {
                status,
                body: body.into(),
            })
        };
        let t = parse(200, r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":"60","refresh_token":"r","scope":"a b a"}"#).unwrap();
        assert_eq!(
            (t.expires_in, t.scope.clone()),
            (Some(60), Some(vec!["a".to_owned(), "b".to_owned()]))
        );
        assert!(!format!("{t:?}").contains("SECRETTOKEN"));
        for bad in [
            r#"{"token_type":"Bearer"}"#,
            r#"{"access_token":"x","token_type":"mac"}"#,
            r#"{"access_token":"x","token_type":"Bearer","expires_in":-1}"#,
            r#"{"access_token":"x","token_type":"Bearer","expires_in":1.5}"#,
            r#"{"access_token":"x","access_token":"y","token_type":"Bearer"}"#,
            r#"{"access_token":"x","token_type":"Bearer","expires_in":NaN}"#,
            "[]",
            "",
        ] {
            assert_eq!(
                parse(200, bad).unwrap_err().kind(),
                ErrorKind::Malformed,
                "{bad}"
            );
        }
        assert_eq!(
            parse(401, r#"{"error":"invalid_client"}"#)
                .unwrap_err()
                .kind(),
            ErrorKind::OAuth
        );
        assert_eq!(parse(400, "<html>").unwrap_err().kind(), ErrorKind::Backend);
        assert_eq!(
            parse(503, r#"{"error":"temporarily_unavailable"}"#)
                .unwrap_err()
                .kind(),
            ErrorKind::Backend
        );
    }

    #[test]
    fn token_source_caches_retries_and_refuses() {
        let calls = Arc::new(AtomicU32::new(0));
        let seen = Arc::clone(&calls);
        let transport = move |_: &HttpRequest| -> Result<HttpResponse> {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            if n == 0 {
                return Err(Error::backend("connection refused"));
            }
            if n == 1 {
                return Ok(HttpResponse {
                    status: 503,
                    body: String::new(),
                });
            }
            Ok(HttpResponse {
                status: 200,
                body: format!(
                    r#"{{"access_token":"t{n}","token_type":"Bearer","expires_in":3600}}"#
                ),
            })
        };
        let options = TokenSourceOptions {
            backoff: Duration::from_millis(1),
            ..Default::default()
        };
        let source = Arc::new(
            TokenSource::new(client(Some("s")), &["a"], transport, options.clone()).unwrap(),
        );
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let s = Arc::clone(&source);
                std::thread::spawn(move || s.token().unwrap().access_token.to_string())
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), "t2");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        source.invalidate();
        assert_eq!(source.token().unwrap().access_token.as_str(), "t3");
        // An OAuth refusal is not retried.
        let refusals = Arc::new(AtomicU32::new(0));
        let r2 = Arc::clone(&refusals);
        let refuse = move |_: &HttpRequest| -> Result<HttpResponse> {
            r2.fetch_add(1, Ordering::SeqCst);
            Ok(HttpResponse {
                status: 401,
                body: r#"{"error":"invalid_client"}"#.into(),
            })
        };
        let s = TokenSource::new(client(Some("s")), &["a"], refuse, options.clone()).unwrap();
        assert_eq!(s.token().unwrap_err().kind(), ErrorKind::OAuth);
        assert_eq!(refusals.load(Ordering::SeqCst), 1);
        let down = |_: &HttpRequest| -> Result<HttpResponse> { Err(Error::backend("down")) };
        let s = TokenSource::new(client(Some("s")), &["a"], down, options.clone()).unwrap();
        assert_eq!(s.token().unwrap_err().kind(), ErrorKind::Backend);
        // A hostile lifetime is capped, not a panic.
        let forever = |_: &HttpRequest| -> Result<HttpResponse> {
            Ok(HttpResponse {
                status: 200,
                body: r#"{"access_token":"t","token_type":"Bearer","expires_in":18446744073709551615}"#.into(),
            })
        };
        let s = TokenSource::new(client(Some("s")), &["a"], forever, options).unwrap();
        assert_eq!(s.token().unwrap().access_token.as_str(), "t");
    }
}
