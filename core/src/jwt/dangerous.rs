//! Escape hatches that skip checks, under names that say which: a token's signature checked but
//! not its claims ([`verify_signature_only`]), or nothing checked at all ([`decode_unverified`],
//! which returns its own type, [`Unverified`], so it cannot be passed on as a verified token).
//!
//! ```
//! use bulwark::jwt::{self, dangerous, Algorithm, SigningKey};
//! let key = SigningKey::hmac(b"a secret of at least thirty-two bytes!")?;
//! let claims = serde_json::json!({"sub": "ann"}).as_object().cloned().unwrap_or_default();
//! let token = jwt::encode(Algorithm::HS256, &key, &claims, None)?;
//! let unverified = dangerous::decode_unverified(&token, 8192)?;
//! assert_eq!(unverified.claims_unverified()["sub"], "ann"); // for logging, never for decisions
//! # Ok::<(), bulwark::Error>(())
//! ```

use super::{
    check_crit, check_depth, header_alg, malformed, provider, split, verify_signature, Algorithm,
    Validation, VerifyingKey, DEFAULT_MAX_DEPTH,
};
use crate::{Error, ErrorKind, Result};
use serde_json::{Map, Value};

/// A token whose form, header, algorithm and signature checked out, but whose claims are NOT
/// validated: run [`validate_claims`](super::validate_claims) on them before trusting anything.
/// For a door that builds its own claims representation in one pass (the Python door builds a
/// dict straight from the JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureOnly {
    /// The algorithm from the header.
    pub algorithm: Algorithm,
    /// The protected header JSON.
    pub header_json: String,
    /// The payload JSON, UTF-8 and within the nesting limit (not yet known to be an object).
    pub payload_json: String,
    /// The raw signature bytes.
    pub signature: Vec<u8>,
}

/// A JWS (RFC 7515, compact form) whose payload is any bytes, not necessarily JSON claims:
/// from [`verify_jws`] with its signature checked, from [`decode_jws_unverified`] with nothing
/// checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jws {
    /// The algorithm from the header.
    pub algorithm: Algorithm,
    /// The protected header JSON.
    pub header_json: String,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// The raw signature bytes.
    pub signature: Vec<u8>,
}

/// Checks a JWS's form, header (`alg` on the allow-list, never `none`; no `crit`; a string
/// `kid`) and signature, with the key `key_for` gives for the header's algorithm and `kid`; the
/// payload is returned as bytes, unread (PyJWT's `PyJWS.decode`). For claims, use
/// [`decode_with`](super::decode_with).
///
/// # Errors
/// As [`decode_with`](super::decode_with), except the claim checks.
pub fn verify_jws<R, F>(token: &str, validation: &Validation, key_for: F) -> Result<Jws>
where
    R: std::ops::Deref<Target = VerifyingKey>,
    F: FnOnce(Algorithm, Option<&str>) -> Result<R>,
{
    let v = validation;
    provider()?;
    let parts = split(token, v.max_token_len, v.max_depth)?;
    let alg = header_alg(&parts.header)?;
    if !v.algorithms.contains(&alg) {
        return Err(Error::new(
            ErrorKind::AlgorithmNotAllowed,
            format!("The specified alg value is not allowed ({alg} is not in the allow-list)"),
        ));
    }
    check_crit(&parts.header)?;
    let key = key_for(alg, header_kid(&parts)?)?;
    key.check_use(alg, v.allow_short_hmac_key)?;
    verify_signature(&parts, &key, alg)?;
    Ok(Jws {
        algorithm: alg,
        header_json: String::from_utf8(parts.header_json)
            .map_err(|_| malformed("the header is not UTF-8"))?,
        payload: parts.payload,
        signature: parts.signature,
    })
}

fn header_kid<'a>(parts: &'a super::Parts<'_>) -> Result<Option<&'a str>> {
    match &parts.header.kid {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(malformed("Key ID header parameter must be a string")),
    }
}

/// Parses a JWS WITHOUT verifying its signature, for inspection only; `none` and unknown
/// algorithms, `crit` and a non-string `kid` are still refused, as are tokens over `max_len`.
///
/// # Errors
/// [`ErrorKind::Malformed`] or [`ErrorKind::AlgorithmNotAllowed`].
pub fn decode_jws_unverified(token: &str, max_len: usize) -> Result<Jws> {
    let parts = split(token, max_len, DEFAULT_MAX_DEPTH)?;
    let algorithm = header_alg(&parts.header)?;
    let (header_json, payload, signature) = checked_parts(parts)?;
    Ok(Jws {
        algorithm,
        header_json,
        payload,
        signature,
    })
}

/// `(header JSON, payload, signature)` of a JWS whose `alg` names an algorithm the CALLER
/// implements (PyJWT's `PyJWS.register_algorithm`): the form, the header (`crit`, `kid`) and the
/// size are checked, the algorithm is not read at all, nothing is verified. The caller must
/// check `alg` against its own allow-list and verify the signature itself.
///
/// # Errors
/// [`ErrorKind::Malformed`].
pub fn jws_parts_unverified(token: &str, max_len: usize) -> Result<(String, Vec<u8>, Vec<u8>)> {
    checked_parts(split(token, max_len, DEFAULT_MAX_DEPTH)?)
}

fn checked_parts(parts: super::Parts<'_>) -> Result<(String, Vec<u8>, Vec<u8>)> {
    check_crit(&parts.header)?;
    header_kid(&parts)?;
    let signature = parts.signature;
    let header_json =
        String::from_utf8(parts.header_json).map_err(|_| malformed("the header is not UTF-8"))?;
    Ok((header_json, parts.payload, signature))
}

/// The first half of [`decode_with`](super::decode_with): everything but the claim checks, which
/// the caller MUST run itself.
///
/// # Errors
/// As [`decode_with`](super::decode_with), except the claim checks.
pub fn verify_signature_only<R, F>(
    token: &str,
    validation: &Validation,
    key_for: F,
) -> Result<SignatureOnly>
where
    R: std::ops::Deref<Target = VerifyingKey>,
    F: FnOnce(Algorithm, Option<&str>) -> Result<R>,
{
    let jws = verify_jws(token, validation, key_for)?;
    check_depth(&jws.payload, validation.max_depth, "payload")?;
    Ok(SignatureOnly {
        algorithm: jws.algorithm,
        header_json: jws.header_json,
        payload_json: String::from_utf8(jws.payload)
            .map_err(|_| malformed("the payload is not UTF-8"))?,
        signature: jws.signature,
    })
}

/// A token parsed WITHOUT verifying its signature or claims: for inspection only (logging,
/// picking a key by `kid`). A type of its own, so it never passes for a verified [`super::Decoded`].
#[derive(Debug, Clone, PartialEq)]
pub struct Unverified {
    algorithm: Algorithm,
    header_json: String,
    claims: Map<String, Value>,
    payload_json: String,
    signature: Vec<u8>,
}

impl Unverified {
    /// The algorithm the header names (not checked against any allow-list).
    #[must_use]
    pub fn algorithm_unverified(&self) -> Algorithm {
        self.algorithm
    }

    /// The header JSON as in the token.
    #[must_use]
    pub fn header_json_unverified(&self) -> &str {
        &self.header_json
    }

    /// The claims, parsed, unchecked.
    #[must_use]
    pub fn claims_unverified(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The claims JSON as in the token.
    #[must_use]
    pub fn payload_json_unverified(&self) -> &str {
        &self.payload_json
    }

    /// The raw signature bytes, unchecked.
    #[must_use]
    pub fn signature_unverified(&self) -> &[u8] {
        &self.signature
    }
}

/// Parses a token WITHOUT verifying its signature or claims, for inspection only. Never trust
/// what it returns. `none` and unknown algorithms are still refused, as are tokens over `max_len`
/// bytes.
///
/// # Errors
/// [`ErrorKind::Malformed`] or [`ErrorKind::AlgorithmNotAllowed`].
pub fn decode_unverified(token: &str, max_len: usize) -> Result<Unverified> {
    let parts = split(token, max_len, DEFAULT_MAX_DEPTH)?;
    let algorithm = header_alg(&parts.header)?;
    let d = super::into_decoded(parts, algorithm, DEFAULT_MAX_DEPTH)?;
    Ok(Unverified {
        algorithm: d.algorithm,
        header_json: d.header_json,
        claims: d.claims,
        payload_json: d.payload_json,
        signature: d.signature,
    })
}
