//! The resource server: JWT access tokens per RFC 9068, RFC 7662 introspection with a bounded
//! cache, and the scope check every route makes.

use super::client::{error_answer, json_object, parse_scope, Client, HttpResponse, Transport};
use super::form::FormBuilder;
use crate::jwt::{Algorithm, JwkSet, Validation, Verifier, VerifyingKey};
use crate::{Error, ErrorKind, Result};
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What a resource server knows about the caller once the token checked out.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessToken {
    /// The subject (`sub`): the user, or the client for client credentials.
    pub subject: Option<String>,
    /// The client the token was issued to (`client_id`).
    pub client_id: Option<String>,
    /// The scopes granted (`scope`, space-separated on the wire).
    pub scopes: Vec<String>,
    /// When the token expires (Unix seconds), if known.
    pub expires_at: Option<i64>,
    /// Every claim (JWT) or member (introspection).
    pub claims: Map<String, Value>,
}

impl AccessToken {
    /// Whether the token carries `scope`.
    #[must_use]
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Checks that the token carries every scope of `needed`.
    ///
    /// ```
    /// # use bulwark::oauth::AccessToken;
    /// let t = AccessToken { subject: None, client_id: None, scopes: vec!["orders:read".into()],
    ///     expires_at: None, claims: Default::default() };
    /// assert!(t.require_scopes(&["orders:read"]).is_ok());
    /// let e = t.require_scopes(&["orders:read", "orders:write"]).unwrap_err();
    /// assert_eq!(e.kind(), bulwark::ErrorKind::InsufficientScope);
    /// ```
    ///
    /// # Errors
    /// `InsufficientScope` naming the scopes missing.
    pub fn require_scopes<S: AsRef<str>>(&self, needed: &[S]) -> Result<()> {
        let missing: Vec<&str> = needed
            .iter()
            .map(AsRef::as_ref)
            .filter(|s| !self.has_scope(s))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::InsufficientScope,
            format!("the token lacks the scope {}", missing.join(" ")),
        ))
    }
}

fn scopes_of(claims: &Map<String, Value>) -> Result<Vec<String>> {
    match claims.get("scope") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => parse_scope(s).map_err(|e| {
            Error::new(ErrorKind::InvalidClaim, e.message().to_owned()).with_claim("scope")
        }),
        Some(_) => Err(Error::new(
            ErrorKind::InvalidClaim,
            "scope is not a space-separated string",
        )
        .with_claim("scope")),
    }
}

fn text_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<String>> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(
            Error::new(ErrorKind::InvalidClaim, format!("{name} is not a string")).with_claim(name),
        ),
    }
}

/// Verifies JWT access tokens per RFC 9068: the signature by the server's keys and an
/// allow-list, `typ` `at+jwt`, `iss` and `aud` as configured, and `exp`, `iat`, `sub`,
/// `client_id`, `jti` present. Thread-safe.
#[derive(Debug, Clone)]
pub struct AccessTokenVerifier {
    verifier: Verifier,
}

impl AccessTokenVerifier {
    /// The RFC 9068 validation for `issuer` and `audience`, handed to `make` for the keys.
    fn build(
        algorithms: &[Algorithm],
        issuer: &str,
        audience: &str,
        make: impl FnOnce(Validation) -> Result<Verifier>,
    ) -> Result<Self> {
        if issuer.is_empty() || audience.is_empty() {
            return Err(Error::invalid_input(
                "an RFC 9068 verifier needs the issuer and this resource server's audience",
            ));
        }
        let validation = Validation::new(algorithms)
            .with_issuer(issuer)
            .with_audience(audience)
            .with_required(&["iss", "exp", "aud", "sub", "client_id", "iat", "jti"]);
        Ok(Self {
            verifier: make(validation)?,
        })
    }

    /// A verifier for tokens signed with one key (PEM, JWK or an HMAC secret).
    ///
    /// # Errors
    /// `InvalidInput` for an empty issuer or audience or a bad allow-list; `InvalidKey` as for
    /// [`Verifier::from_material`].
    pub fn from_material(
        material: &[u8],
        algorithms: &[Algorithm],
        issuer: &str,
        audience: &str,
    ) -> Result<Self> {
        Self::build(algorithms, issuer, audience, |v| {
            Verifier::from_material(material, v)
        })
    }

    /// A verifier for tokens signed by the keys of a JWK set (`{"keys": [...]}`), chosen by
    /// `kid`.
    ///
    /// # Errors
    /// As [`AccessTokenVerifier::from_material`], and for a malformed set.
    pub fn with_jwks(
        jwks_json: &str,
        algorithms: &[Algorithm],
        issuer: &str,
        audience: &str,
    ) -> Result<Self> {
        let set = JwkSet::from_json(jwks_json)?;
        Self::build(algorithms, issuer, audience, |v| {
            Verifier::with_jwks(set, v)
        })
    }

    /// A verifier for one key the caller typed.
    ///
    /// # Errors
    /// As [`AccessTokenVerifier::from_material`].
    pub fn with_key(
        key: VerifyingKey,
        algorithms: &[Algorithm],
        issuer: &str,
        audience: &str,
    ) -> Result<Self> {
        Self::build(algorithms, issuer, audience, |v| Verifier::new(key, v))
    }

    /// Verifies `token` now.
    ///
    /// # Errors
    /// As [`AccessTokenVerifier::verify_at`].
    pub fn verify(&self, token: &str) -> Result<AccessToken> {
        self.verify_at(token, crate::jwt::unix_now())
    }

    /// Verifies `token` as of `now` (Unix seconds).
    ///
    /// # Errors
    /// The JWT kinds (`VerificationFailed`, `Expired`, `InvalidIssuer`, `InvalidAudience`,
    /// `MissingClaim`, `AlgorithmNotAllowed`, …); `InvalidClaim` for a `typ` other than
    /// `at+jwt` (an ID token is not an access token) or a malformed `scope` or `client_id`.
    pub fn verify_at(&self, token: &str, now: f64) -> Result<AccessToken> {
        let decoded = self.verifier.verify_at(token, now)?;
        let typ = decoded
            .header()
            .get("typ")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase);
        if !matches!(typ.as_deref(), Some("at+jwt" | "application/at+jwt")) {
            return Err(Error::new(
                ErrorKind::InvalidClaim,
                "the token's typ is not at+jwt: it is not an RFC 9068 access token",
            )
            .with_claim("typ"));
        }
        let claims = decoded.claims;
        Ok(AccessToken {
            subject: text_claim(&claims, "sub")?,
            client_id: text_claim(&claims, "client_id")?,
            scopes: scopes_of(&claims)?,
            expires_at: claims.get("exp").and_then(Value::as_f64).map(|e| e as i64),
            claims,
        })
    }
}

/// Options of an [`Introspector`].
#[derive(Debug, Clone)]
pub struct IntrospectorOptions {
    /// Answers cached at most (default 10,000); the oldest goes first when full.
    pub capacity: usize,
    /// Longest an active answer is trusted without asking again (default 60 s; never past the
    /// token's `exp`): how late a revocation may be noticed.
    pub max_ttl: Duration,
    /// How long an inactive answer is remembered (default 10 s).
    pub negative_ttl: Duration,
    /// When set, an active token's `iss` must be this.
    pub issuer: Option<String>,
    /// When set, an active token's `aud` must name this.
    pub audience: Option<String>,
}

impl Default for IntrospectorOptions {
    fn default() -> Self {
        Self {
            capacity: 10_000,
            max_ttl: Duration::from_secs(60),
            negative_ttl: Duration::from_secs(10),
            issuer: None,
            audience: None,
        }
    }
}

struct Cache {
    map: HashMap<[u8; 32], (Instant, Option<AccessToken>)>,
    order: VecDeque<[u8; 32]>,
}

/// Parses an RFC 7662 introspection answer: `Some(token)` when active, `None` when not.
///
/// # Errors
/// `Malformed` when `active` is missing or not a boolean or a member has the wrong type;
/// `OAuth` / `Backend` for a non-200 answer.
pub fn parse_introspection(response: &HttpResponse) -> Result<Option<AccessToken>> {
    if response.status != 200 {
        return Err(error_answer(response, "introspection endpoint"));
    }
    let claims = json_object(&response.body)?;
    match claims.get("active") {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => return Ok(None),
        _ => {
            return Err(Error::new(
                ErrorKind::Malformed,
                "introspection answer: active is not a boolean",
            ))
        }
    }
    let bad = |e: Error| {
        Error::new(
            ErrorKind::Malformed,
            format!("introspection answer: {}", e.message()),
        )
    };
    let expires_at = match claims.get("exp") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_i64().ok_or_else(|| {
            Error::new(
                ErrorKind::Malformed,
                "introspection answer: exp is not whole seconds",
            )
        })?),
        Some(_) => {
            return Err(Error::new(
                ErrorKind::Malformed,
                "introspection answer: exp is not a number",
            ))
        }
    };
    Ok(Some(AccessToken {
        subject: text_claim(&claims, "sub").map_err(bad)?,
        client_id: text_claim(&claims, "client_id").map_err(bad)?,
        scopes: scopes_of(&claims).map_err(bad)?,
        expires_at,
        claims,
    }))
}

/// Asks the authorization server about opaque tokens (RFC 7662), authenticating as `client`,
/// and remembers the answers for a bounded time in a bounded cache keyed by the token's
/// SHA-256 (tokens themselves are never kept). Thread-safe.
pub struct Introspector<T: Transport> {
    client: Client,
    endpoint: String,
    transport: T,
    options: IntrospectorOptions,
    cache: Mutex<Cache>,
}

impl<T: Transport> std::fmt::Debug for Introspector<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Introspector")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Introspector<T> {
    /// An introspector of `endpoint`.
    ///
    /// # Errors
    /// `InvalidInput` for an endpoint that is not https (http only to localhost), a client
    /// without a secret, or a capacity of 0.
    pub fn new(
        client: Client,
        endpoint: &str,
        transport: T,
        options: IntrospectorOptions,
    ) -> Result<Self> {
        Client::new(super::client::ClientConfig {
            token_endpoint: endpoint.to_owned(),
            ..client.config().clone()
        })?;
        if client.config().client_secret.is_none() {
            return Err(Error::invalid_input(
                "introspection needs the resource server's client secret",
            ));
        }
        if options.capacity == 0 {
            return Err(Error::invalid_input(
                "the introspection cache holds at least one answer",
            ));
        }
        Ok(Self {
            client,
            endpoint: endpoint.to_owned(),
            transport,
            options,
            cache: Mutex::new(Cache {
                map: HashMap::new(),
                order: VecDeque::new(),
            }),
        })
    }

    /// Introspects `token` now: the token when active, else `VerificationFailed`.
    ///
    /// # Errors
    /// `VerificationFailed` for an inactive (revoked, expired, unknown) token; `Expired` when
    /// the server calls it active past its `exp`; `InvalidIssuer` / `InvalidAudience` against
    /// the options; `Backend` / `OAuth` / `Malformed` when the server cannot answer properly.
    pub fn verify(&self, token: &str) -> Result<AccessToken> {
        self.verify_at(token, crate::jwt::unix_now())
    }

    /// As [`Introspector::verify`], judging `exp` as of `now` (Unix seconds).
    ///
    /// # Errors
    /// As [`Introspector::verify`].
    pub fn verify_at(&self, token: &str, now: f64) -> Result<AccessToken> {
        if token.is_empty() || token.len() > 16 * 1024 {
            return Err(Error::verification_failed(
                "the token is empty or over 16 KiB",
            ));
        }
        let key: [u8; 32] = {
            let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
            let mut k = [0u8; 32];
            k.copy_from_slice(d.as_ref());
            k
        };
        let cached = {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            cache
                .map
                .get(&key)
                .filter(|(until, _)| Instant::now() < *until)
                .map(|(_, answer)| answer.clone())
        };
        let answer = match cached {
            Some(answer) => answer,
            None => {
                let mut body = FormBuilder::default();
                body.add("token", token);
                body.add("token_type_hint", "access_token");
                let request = self.client.authenticated_post(&self.endpoint, body);
                let answer = parse_introspection(&self.transport.post(&request)?)?;
                let ttl = match &answer {
                    None => self.options.negative_ttl,
                    Some(t) => {
                        let left = t
                            .expires_at
                            .and_then(|e| {
                                Duration::try_from_secs_f64((e as f64 - now).max(0.0)).ok()
                            })
                            .unwrap_or(self.options.max_ttl);
                        left.min(self.options.max_ttl)
                    }
                };
                self.remember(key, ttl, answer.clone());
                answer
            }
        };
        let token = answer.ok_or_else(|| Error::verification_failed("the token is not active"))?;
        if token.expires_at.is_some_and(|e| (e as f64) <= now) {
            return Err(Error::new(ErrorKind::Expired, "the token has expired").with_claim("exp"));
        }
        if let Some(iss) = &self.options.issuer {
            if token.claims.get("iss").and_then(Value::as_str) != Some(iss.as_str()) {
                return Err(Error::new(
                    ErrorKind::InvalidIssuer,
                    "the token's issuer is not accepted",
                ));
            }
        }
        if let Some(aud) = &self.options.audience {
            let ok = match token.claims.get("aud") {
                Some(Value::String(s)) => s == aud,
                Some(Value::Array(list)) => list.iter().any(|v| v.as_str() == Some(aud.as_str())),
                _ => false,
            };
            if !ok {
                return Err(Error::new(
                    ErrorKind::InvalidAudience,
                    "the token is not for this resource server",
                ));
            }
        }
        Ok(token)
    }

    fn remember(&self, key: [u8; 32], ttl: Duration, answer: Option<AccessToken>) {
        if ttl.is_zero() {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if !cache.map.contains_key(&key) {
            while cache.map.len() >= self.options.capacity {
                match cache.order.pop_front() {
                    Some(old) => {
                        cache.map.remove(&old);
                    }
                    None => break,
                }
            }
            cache.order.push_back(key);
        }
        if let Some(until) = Instant::now().checked_add(ttl) {
            cache.map.insert(key, (until, answer));
        }
    }

    /// Answers cached now.
    #[must_use]
    pub fn cached(&self) -> usize {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::super::client::{ClientConfig, HttpRequest};
    use super::*;
    use crate::jwt::{self, SigningKey};
    use serde_json::json;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    const SECRET: &[u8] = b"a-32-byte-secret-for-hs256-tests";

    fn token(typ: &str, claims: Value) -> String {
        let mut header = Map::new();
        header.insert("typ".into(), json!(typ));
        jwt::encode(
            Algorithm::HS256,
            &SigningKey::hmac(SECRET).unwrap(),
            &claims,
            Some(&header),
        )
        .unwrap()
    }

    fn claims() -> Value {
        json!({"iss": "https://as.example", "aud": "orders", "sub": "u1", "client_id": "c1",
               "iat": 1000, "exp": 2000, "jti": "j1", "scope": "orders:read profile"})
    }

    #[test]
    fn rfc9068_access_tokens() {
        let v = AccessTokenVerifier::from_material(
            SECRET,
            &[Algorithm::HS256],
            "https://as.example",
            "orders",
        )
        .unwrap();
        let t = v.verify_at(&token("at+jwt", claims()), 1500.0).unwrap();
        assert_eq!(
            (t.subject.as_deref(), t.client_id.as_deref()),
            (Some("u1"), Some("c1"))
        );
        assert!(t.require_scopes(&["orders:read"]).is_ok());
        assert_eq!(
            t.require_scopes(&["orders:write"]).unwrap_err().kind(),
            ErrorKind::InsufficientScope
        );
        assert!(v
            .verify_at(&token("application/AT+JWT", claims()), 1500.0)
            .is_ok());
        assert_eq!(
            v.verify_at(&token("JWT", claims()), 1500.0)
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidClaim
        );
        assert_eq!(
            v.verify_at(&token("at+jwt", claims()), 2500.0)
                .unwrap_err()
                .kind(),
            ErrorKind::Expired
        );
        let mut c = claims();
        c.as_object_mut().unwrap().remove("client_id");
        assert_eq!(
            v.verify_at(&token("at+jwt", c), 1500.0).unwrap_err().kind(),
            ErrorKind::MissingClaim
        );
        let mut c = claims();
        c["aud"] = json!("billing");
        assert_eq!(
            v.verify_at(&token("at+jwt", c), 1500.0).unwrap_err().kind(),
            ErrorKind::InvalidAudience
        );
        let mut c = claims();
        c["scope"] = json!(["orders:read"]);
        assert_eq!(
            v.verify_at(&token("at+jwt", c), 1500.0).unwrap_err().kind(),
            ErrorKind::InvalidClaim
        );
        assert!(
            AccessTokenVerifier::from_material(SECRET, &[Algorithm::HS256], "", "orders").is_err()
        );
    }

    #[test]
    fn introspection_caches_and_bounds() {
        let calls = Arc::new(AtomicU32::new(0));
        let seen = Arc::clone(&calls);
        let transport = move |r: &HttpRequest| -> Result<HttpResponse> {
            seen.fetch_add(1, Ordering::SeqCst);
            assert!(r.headers.iter().any(|(n, _)| n == "Authorization"));
            let body = if r.body.contains("token=good") {
                r#"{"active":true,"sub":"u1","client_id":"c1","scope":"a b","exp":4000000000,"iss":"https://as.example","aud":["orders"]}"#
            } else if r.body.contains("token=weird") {
                r#"{"active":"true"}"#
            } else {
                r#"{"active":false}"#
            };
            Ok(HttpResponse {
                status: 200,
                body: body.into(),
            })
        };
        let client = Client::new(ClientConfig {
            client_id: "rs".into(),
            client_secret: Some(zeroize::Zeroizing::new("s".into())),
            token_endpoint: "https://as.example/token".into(),
            ..Default::default()
        })
        .unwrap();
        let options = IntrospectorOptions {
            capacity: 2,
            issuer: Some("https://as.example".into()),
            audience: Some("orders".into()),
            ..Default::default()
        };
        let i = Introspector::new(
            client.clone(),
            "https://as.example/introspect",
            transport,
            options,
        )
        .unwrap();
        for _ in 0..3 {
            assert_eq!(i.verify("good").unwrap().scopes, ["a", "b"]);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(
            i.verify("revoked").unwrap_err().kind(),
            ErrorKind::VerificationFailed
        );
        assert_eq!(i.verify("weird").unwrap_err().kind(), ErrorKind::Malformed);
        assert_eq!(
            i.verify("other").unwrap_err().kind(),
            ErrorKind::VerificationFailed
        );
        assert!(i.cached() <= 2);
        assert_eq!(
            i.verify_at("good", 4_000_000_001.0).unwrap_err().kind(),
            ErrorKind::Expired
        );
        let strict = IntrospectorOptions {
            audience: Some("billing".into()),
            ..Default::default()
        };
        let j = Introspector::new(
            client,
            "https://as.example/introspect",
            |_: &HttpRequest| {
                Ok(HttpResponse {
                    status: 200,
                    body: r#"{"active":true,"aud":"orders"}"#.into(),
                })
            },
            strict,
        )
        .unwrap();
        assert_eq!(
            j.verify("x").unwrap_err().kind(),
            ErrorKind::InvalidAudience
        );
    }
}
