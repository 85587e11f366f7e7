//! Claim validation: what a verified token must also satisfy. Semantics follow PyJWT 2.x
//! (the order of checks, `aud` as string or list on both sides, leeway on every time check),
//! except that time claims must be JSON numbers (RFC 7519 NumericDate), never strings.

use super::{Algorithm, DEFAULT_MAX_DEPTH, DEFAULT_MAX_TOKEN_LEN};
use crate::{Error, ErrorKind, Result};
use serde_json::{Map, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// What a token must satisfy beyond its signature. Every check is on by default; `exp`, `nbf`
/// and `iat` are checked when present (list them in `required` to demand them).
///
/// ```
/// use bulwark::jwt::{Algorithm, Validation};
/// let mut v = Validation::new(&[Algorithm::ES256, Algorithm::EdDSA]);
/// v.issuers = Some(vec!["https://idp.example".into()]);
/// v.audiences = Some(vec!["orders-api".into()]);
/// v.required = vec!["exp".into(), "sub".into()];
/// v.leeway = 30.0; // seconds of clock skew tolerated on exp, nbf and iat
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// The accepted algorithms (must be non-empty; never mix HMAC with public-key ones).
    pub algorithms: Vec<Algorithm>,
    /// Seconds of clock skew tolerated by the `exp`, `nbf` and `iat` checks.
    pub leeway: f64,
    /// Refuse tokens whose `exp` has passed.
    pub verify_exp: bool,
    /// Refuse tokens whose `nbf` lies ahead.
    pub verify_nbf: bool,
    /// Refuse tokens whose `iat` lies ahead (and non-numeric `iat`).
    pub verify_iat: bool,
    /// Check `aud` against `audiences` (a token with `aud` and no expected audience is refused).
    pub verify_aud: bool,
    /// Check `iss` against `issuers`.
    pub verify_iss: bool,
    /// Check that `sub` is a string, and equals `subject` when set.
    pub verify_sub: bool,
    /// Check that `jti` is a string.
    pub verify_jti: bool,
    /// Accepted issuers (`None`: `iss` is not checked).
    pub issuers: Option<Vec<String>>,
    /// Accepted audiences; one match with the token's `aud` (string or list) suffices.
    pub audiences: Option<Vec<String>>,
    /// PyJWT's `strict_aud`: the token's `aud` must be a single string equal to the one audience.
    pub strict_audience: bool,
    /// The subject the token must carry.
    pub subject: Option<String>,
    /// Claims that must be present and not null.
    pub required: Vec<String>,
    /// Largest token accepted, in bytes.
    pub max_token_len: usize,
    /// Deepest JSON nesting accepted in header and claims.
    pub max_depth: usize,
    /// Accept HMAC secrets shorter than the hash output (RFC 7518 §3.2); off by default.
    pub allow_short_hmac_key: bool,
}

impl Validation {
    /// Every check on, no leeway, the given allow-list.
    #[must_use]
    pub fn new(algorithms: &[Algorithm]) -> Self {
        Self {
            algorithms: algorithms.to_vec(),
            leeway: 0.0,
            verify_exp: true,
            verify_nbf: true,
            verify_iat: true,
            verify_aud: true,
            verify_iss: true,
            verify_sub: true,
            verify_jti: true,
            issuers: None,
            audiences: None,
            strict_audience: false,
            subject: None,
            required: Vec::new(),
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            max_depth: DEFAULT_MAX_DEPTH,
            allow_short_hmac_key: false,
        }
    }

    /// Sets the leeway in seconds.
    #[must_use]
    pub fn with_leeway(mut self, seconds: f64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Accepts tokens from this issuer (call again to accept several).
    #[must_use]
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers
            .get_or_insert_with(Vec::new)
            .push(issuer.into());
        self
    }

    /// Accepts tokens for this audience (call again to accept several).
    #[must_use]
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences
            .get_or_insert_with(Vec::new)
            .push(audience.into());
        self
    }

    /// Demands this subject.
    #[must_use]
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Demands these claims be present.
    #[must_use]
    pub fn with_required(mut self, claims: &[&str]) -> Self {
        self.required.extend(claims.iter().map(|c| (*c).to_owned()));
        self
    }
}

/// Read access to a token's claims, so validation runs on a parsed map or on just the claims a
/// caller extracted while building its own representation (the Python door).
pub trait ClaimSource {
    /// The claim's value, if present.
    fn claim(&self, name: &str) -> Option<&Value>;
}

impl ClaimSource for Map<String, Value> {
    fn claim(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

impl ClaimSource for [(String, Value)] {
    fn claim(&self, name: &str) -> Option<&Value> {
        self.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// The claims validation looks at: the registered ones plus the caller's required ones.
#[must_use]
pub fn claims_of_interest(v: &Validation) -> Vec<&str> {
    let mut names = vec!["exp", "nbf", "iat", "iss", "aud", "sub", "jti"];
    names.extend(v.required.iter().map(String::as_str));
    names
}

/// The system clock as Unix seconds (what [`super::Verifier::verify`] checks against).
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn kind(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error::new(kind, message)
}

/// A NumericDate claim, truncated to whole seconds as PyJWT's `int()` does.
fn numeric<C: ClaimSource + ?Sized>(claims: &C, name: &str, bad: ErrorKind) -> Result<f64> {
    match claims.claim(name).and_then(Value::as_f64) {
        Some(t) if t.is_finite() => Ok(t.trunc()),
        _ => Err(kind(
            bad,
            format!("the {name:?} claim must be a number (seconds since the epoch)"),
        )
        .with_claim(name)),
    }
}

fn string_list(value: &Value) -> Option<Vec<&str>> {
    match value {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

fn is_empty_claim(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

fn check_aud<C: ClaimSource + ?Sized>(claims: &C, v: &Validation) -> Result<()> {
    let token_aud = claims.claim("aud");
    let Some(expected) = &v.audiences else {
        if is_empty_claim(token_aud) {
            return Ok(());
        }
        return Err(kind(
            ErrorKind::InvalidAudience,
            "Invalid audience: the token names an audience and none is expected",
        ));
    };
    if is_empty_claim(token_aud) {
        return Err(kind(
            ErrorKind::MissingClaim,
            "Token is missing the \"aud\" claim",
        )
        .with_claim("aud"));
    }
    let token_aud = token_aud.unwrap_or(&Value::Null);
    if v.strict_audience {
        return match (expected.as_slice(), token_aud) {
            ([one], Value::String(t)) if one == t => Ok(()),
            ([_], Value::String(_)) => Err(kind(
                ErrorKind::InvalidAudience,
                "Audience doesn't match (strict)",
            )),
            ([_], _) => Err(kind(
                ErrorKind::InvalidAudience,
                "Invalid claim format in token (strict)",
            )),
            _ => Err(kind(
                ErrorKind::InvalidAudience,
                "Invalid audience (strict)",
            )),
        };
    }
    let Some(token_list) = string_list(token_aud) else {
        return Err(kind(
            ErrorKind::InvalidAudience,
            "Invalid claim format in token: \"aud\" must be a string or a list of strings",
        ));
    };
    if expected.iter().any(|e| token_list.contains(&e.as_str())) {
        Ok(())
    } else {
        Err(kind(ErrorKind::InvalidAudience, "Audience doesn't match"))
    }
}

fn check_iss<C: ClaimSource + ?Sized>(claims: &C, v: &Validation) -> Result<()> {
    let Some(expected) = &v.issuers else {
        return Ok(());
    };
    match claims.claim("iss") {
        None => Err(kind(
            ErrorKind::MissingClaim,
            "Token is missing the \"iss\" claim",
        )
        .with_claim("iss")),
        Some(Value::String(iss)) if expected.iter().any(|e| e == iss) => Ok(()),
        Some(Value::String(_)) => Err(kind(ErrorKind::InvalidIssuer, "Invalid issuer")),
        Some(_) => Err(kind(
            ErrorKind::InvalidIssuer,
            "Payload Issuer (iss) must be a string",
        )),
    }
}

/// Checks `claims` against `v` as of `now` (Unix seconds), in PyJWT's order: required, `iat`,
/// `nbf`, `exp`, `iss`, `aud`, `sub`, `jti`. Exposed for callers that verified the signature
/// another way.
///
/// # Errors
/// The [`ErrorKind`] of the first failing check.
pub fn validate_claims<C: ClaimSource + ?Sized>(
    claims: &C,
    v: &Validation,
    now: f64,
) -> Result<()> {
    for name in &v.required {
        if matches!(claims.claim(name), None | Some(Value::Null)) {
            return Err(kind(
                ErrorKind::MissingClaim,
                format!("Token is missing the {name:?} claim"),
            )
            .with_claim(name.clone()));
        }
    }
    let leeway = if v.leeway.is_finite() { v.leeway } else { 0.0 };
    if v.verify_iat && claims.claim("iat").is_some() {
        let iat = numeric(claims, "iat", ErrorKind::InvalidClaim)?;
        if iat > now + leeway {
            return Err(kind(
                ErrorKind::IssuedInFuture,
                "The token is not yet valid (iat)",
            ));
        }
    }
    if v.verify_nbf && claims.claim("nbf").is_some() {
        let nbf = numeric(claims, "nbf", ErrorKind::InvalidClaim)?;
        if nbf > now + leeway {
            return Err(kind(
                ErrorKind::NotYetValid,
                "The token is not yet valid (nbf)",
            ));
        }
    }
    if v.verify_exp && claims.claim("exp").is_some() {
        let exp = numeric(claims, "exp", ErrorKind::InvalidClaim)?;
        if exp <= now - leeway {
            return Err(kind(ErrorKind::Expired, "Signature has expired"));
        }
    }
    if v.verify_iss {
        check_iss(claims, v)?;
    }
    if v.verify_aud {
        check_aud(claims, v)?;
    }
    if v.verify_sub {
        match (claims.claim("sub"), &v.subject) {
            (Some(Value::String(s)), Some(want)) if s != want => {
                return Err(kind(ErrorKind::InvalidSubject, "Invalid subject"));
            }
            (Some(Value::String(_)), _) => {}
            (None, Some(_)) => {
                return Err(kind(
                    ErrorKind::MissingClaim,
                    "Token is missing the \"sub\" claim",
                )
                .with_claim("sub"));
            }
            (None, None) => {}
            (Some(_), _) => {
                return Err(kind(ErrorKind::InvalidSubject, "Subject must be a string"));
            }
        }
    }
    if v.verify_jti && claims.claim("jti").is_some_and(|j| !j.is_string()) {
        return Err(kind(ErrorKind::InvalidClaim, "JWT ID must be a string").with_claim("jti"));
    }
    Ok(())
}
