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
    let kid = match &parts.header.kid {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(malformed("the header's \"kid\" is not a string")),
    };
    let key = key_for(alg, kid)?;
    key.check_use(alg, v.allow_short_hmac_key)?;
    let signature = verify_signature(&parts, &key, alg)?;
    check_depth(&parts.payload, v.max_depth, "payload")?;
    Ok(SignatureOnly {
        algorithm: alg,
        header_json: String::from_utf8(parts.header_json)
            .map_err(|_| malformed("the header is not UTF-8"))?,
        payload_json: String::from_utf8(parts.payload)
            .map_err(|_| malformed("the payload is not UTF-8"))?,
        signature,
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
