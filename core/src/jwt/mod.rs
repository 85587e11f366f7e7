//! JSON Web Tokens (RFC 7519) in compact JWS form: issue and verify, with strict validation.
//!
//! Signatures come from the `jsonwebtoken` crate on its `aws_lc_rs` provider (installed
//! explicitly, never inferred); parsing, limits and claim validation are done here, so every
//! refusal has its own [`ErrorKind`]:
//!
//! | refusal | kind |
//! |---|---|
//! | bad segments, base64url, JSON, duplicate members, size or nesting limit, unknown `crit` | [`ErrorKind::Malformed`] |
//! | `alg` is `none` (any spelling), unknown, or not in the allow-list | [`ErrorKind::AlgorithmNotAllowed`] |
//! | key type does not fit `alg`, HMAC secret too short, no key for `kid` | [`ErrorKind::InvalidKey`] |
//! | signature does not verify | [`ErrorKind::VerificationFailed`] |
//! | `exp` passed / `nbf` ahead / `iat` ahead | [`ErrorKind::Expired`] / [`ErrorKind::NotYetValid`] / [`ErrorKind::IssuedInFuture`] |
//! | `aud` / `iss` / `sub` mismatch | [`ErrorKind::InvalidAudience`] / [`ErrorKind::InvalidIssuer`] / [`ErrorKind::InvalidSubject`] |
//! | required claim absent / registered claim of the wrong type | [`ErrorKind::MissingClaim`] / [`ErrorKind::InvalidClaim`] |
//!
//! ```
//! use bulwark::jwt::{self, Algorithm, SigningKey, Validation, Verifier, VerifyingKey};
//! let secret = b"an example secret of at least 32 bytes!";
//! let claims = serde_json::json!({"sub": "alice", "exp": 4_102_444_800u64});
//! let token = jwt::encode(Algorithm::HS256, &SigningKey::hmac(secret)?, claims.as_object().unwrap(), None)?;
//! let verifier = Verifier::new(VerifyingKey::hmac(secret)?, Validation::new(&[Algorithm::HS256]))?;
//! assert_eq!(verifier.verify(&token)?.claims["sub"], "alice");
//! # Ok::<(), bulwark::Error>(())
//! ```

mod cache;
pub mod dangerous;
mod grants;
pub mod keys;
mod validation;

#[cfg(test)]
mod tests;

pub use cache::KeyCache;
pub use grants::Grants;
pub use keys::{
    generate_pem, is_signature_key, select_key_index, JwkSet, KeyType, SigningKey, VerifyingKey,
};
pub use validation::{claims_of_interest, unix_now, validate_claims, ClaimSource, Validation};

use crate::{Error, ErrorKind, Result};
use data_encoding::BASE64URL_NOPAD;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// Default largest token accepted, in bytes (8 KiB).
pub const DEFAULT_MAX_TOKEN_LEN: usize = 8192;
/// Default deepest JSON nesting accepted in a token's header or claims.
pub const DEFAULT_MAX_DEPTH: usize = 32;

/// A JWS signature algorithm (RFC 7518, RFC 8037). `none` does not exist here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum Algorithm {
    /// HMAC with SHA-256.
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// ECDSA on P-521 with SHA-512.
    ES512,
    /// ECDSA on secp256k1 with SHA-256 (RFC 8812).
    ES256K,
    /// Ed25519 (RFC 8037).
    EdDSA,
}

impl Algorithm {
    /// Every supported algorithm.
    pub const ALL: [Self; 14] = [
        Self::HS256,
        Self::HS384,
        Self::HS512,
        Self::RS256,
        Self::RS384,
        Self::RS512,
        Self::PS256,
        Self::PS384,
        Self::PS512,
        Self::ES256,
        Self::ES384,
        Self::ES512,
        Self::ES256K,
        Self::EdDSA,
    ];

    /// The JOSE name (`"HS256"`, …).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::HS256 => "HS256",
            Self::HS384 => "HS384",
            Self::HS512 => "HS512",
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::PS384 => "PS384",
            Self::PS512 => "PS512",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::ES512 => "ES512",
            Self::ES256K => "ES256K",
            Self::EdDSA => "EdDSA",
        }
    }

    /// The type of key this algorithm needs.
    #[must_use]
    pub const fn key_type(self) -> KeyType {
        match self {
            Self::HS256 | Self::HS384 | Self::HS512 => KeyType::Hmac,
            Self::RS256 | Self::RS384 | Self::RS512 | Self::PS256 | Self::PS384 | Self::PS512 => {
                KeyType::Rsa
            }
            Self::ES256 => KeyType::EcP256,
            Self::ES384 => KeyType::EcP384,
            Self::ES512 => KeyType::EcP521,
            Self::ES256K => KeyType::EcSecp256k1,
            Self::EdDSA => KeyType::Ed25519,
        }
    }

    /// The shortest HMAC secret RFC 7518 §3.2 allows (the hash output size); 0 for others.
    #[must_use]
    pub const fn hmac_min_key_len(self) -> usize {
        match self {
            Self::HS256 => 32,
            Self::HS384 => 48,
            Self::HS512 => 64,
            _ => 0,
        }
    }

    /// `jsonwebtoken`'s name for the algorithm; `None` for ES512 and ES256K, which it lacks
    /// (core signs and verifies them on AWS-LC directly).
    fn jwt(self) -> Option<jsonwebtoken::Algorithm> {
        use jsonwebtoken::Algorithm as J;
        Some(match self {
            Self::HS256 => J::HS256,
            Self::HS384 => J::HS384,
            Self::HS512 => J::HS512,
            Self::RS256 => J::RS256,
            Self::RS384 => J::RS384,
            Self::RS512 => J::RS512,
            Self::PS256 => J::PS256,
            Self::PS384 => J::PS384,
            Self::PS512 => J::PS512,
            Self::ES256 => J::ES256,
            Self::ES384 => J::ES384,
            Self::EdDSA => J::EdDSA,
            Self::ES512 | Self::ES256K => return None,
        })
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = Error;

    /// Parses a JOSE name exactly (case-sensitive, as RFC 7515 says). `none` in any spelling is
    /// refused with its own message.
    fn from_str(s: &str) -> Result<Self> {
        if let Some(alg) = Self::ALL.into_iter().find(|a| a.as_str() == s) {
            return Ok(alg);
        }
        let shown: String = s.chars().take(32).collect();
        if s.trim().eq_ignore_ascii_case("none") {
            return Err(Error::new(
                ErrorKind::AlgorithmNotAllowed,
                format!("alg {shown:?}: unsigned tokens are never accepted"),
            ));
        }
        Err(Error::new(
            ErrorKind::AlgorithmNotAllowed,
            format!("algorithm {shown:?} is not supported"),
        ))
    }
}

/// Installs `jsonwebtoken`'s AWS-LC provider once per process, so it is never inferred, and
/// returns it: signatures go straight to its signer and verifier factories.
fn provider() -> Result<&'static jsonwebtoken::crypto::CryptoProvider> {
    static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    let state = INSTALLED.get_or_init(|| {
        let ours = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
        match ours.install_default() {
            Ok(()) => Ok(()),
            // Someone installed one before us: fine if it is the same AWS-LC provider.
            Err(existing) if std::ptr::eq(existing, ours) => Ok(()),
            Err(existing)
                if existing.signer_factory as usize == ours.signer_factory as usize
                    && existing.verifier_factory as usize == ours.verifier_factory as usize =>
            {
                Ok(())
            }
            Err(_) => Err(
                "another jsonwebtoken crypto provider was installed in this process; \
                 Bulwark signs only with AWS-LC"
                    .to_owned(),
            ),
        }
    });
    state
        .clone()
        .map(|()| &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER)
        .map_err(Error::internal)
}

fn malformed(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Malformed, message)
}

/// Refuses JSON nested deeper than `max` (counted over objects and arrays, outside strings).
fn check_depth(json: &[u8], max: usize, what: &str) -> Result<()> {
    // Fewer opening brackets than the limit cannot nest deeper than it (a cheap, vectorised count).
    if json.iter().filter(|&&b| b == b'{' || b == b'[').count() <= max {
        return Ok(());
    }
    let mut depth = 0usize;
    for (_, opens) in crate::json_scan::brackets(json) {
        if !opens {
            depth = depth.saturating_sub(1);
            continue;
        }
        depth += 1;
        if depth > max {
            return Err(malformed(format!(
                "the {what} JSON is nested deeper than {max} levels"
            )));
        }
    }
    Ok(())
}

/// The error for a member name seen twice in one object (RFC 7515 §4 / RFC 7519 §4).
fn duplicate_member<E: serde::de::Error>(name: &str) -> E {
    E::custom(format!(
        "duplicate member {:?}",
        name.chars().take(64).collect::<String>()
    ))
}

/// A JSON object whose top-level member names are unique (RFC 7515 §4 / RFC 7519 §4).
struct UniqueObject(Map<String, Value>);

impl<'de> serde::Deserialize<'de> for UniqueObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = UniqueObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> std::result::Result<UniqueObject, A::Error> {
                let mut map = Map::new();
                while let Some((k, v)) = access.next_entry::<String, Value>()? {
                    if map.contains_key(&k) {
                        return Err(duplicate_member(&k));
                    }
                    map.insert(k, v);
                }
                Ok(UniqueObject(map))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// Any JSON value, read without being built, so that what [`parse_object`] would refuse (a
/// number beyond `f64`, such as `1e400`) is refused here too: a token is never signed that no
/// verifier could read.
struct Readable;

impl<'de> serde::Deserialize<'de> for Readable {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Readable;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Readable, E> {
                Ok(Readable)
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<Readable, E> {
                Ok(Readable)
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<Readable, E> {
                Ok(Readable)
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<Readable, E> {
                Ok(Readable)
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<Readable, E> {
                Ok(Readable)
            }
            fn visit_unit<E>(self) -> std::result::Result<Readable, E> {
                Ok(Readable)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Readable, A::Error> {
                while seq.next_element::<Readable>()?.is_some() {}
                Ok(Readable)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Readable, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, Readable>()?
                    .is_some()
                {}
                Ok(Readable)
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Checks that `json` is one object with unique top-level member names within the nesting
/// limit, every number readable, without building it (the signing path only needs to know it
/// is well-formed and that a verifier will read it).
fn check_object(json: &[u8], max_depth: usize, what: &str) -> Result<()> {
    read_members(json, max_depth, what, &[]).map(drop)
}

/// Parses `json` as an object with unique member names, after the nesting check.
pub(crate) fn parse_object(
    json: &[u8],
    max_depth: usize,
    what: &str,
) -> Result<Map<String, Value>> {
    check_depth(json, max_depth, what)?;
    serde_json::from_slice::<UniqueObject>(json)
        .map(|o| o.0)
        .map_err(|e| malformed(format!("invalid {what} JSON: {e}")))
}

/// A segment's bytes. The messages are PyJWT's (`Invalid header padding`, `Invalid payload
/// padding`, `Invalid crypto padding`), which callers match, with what is wrong after them.
fn b64_segment(segment: &str, what: &str) -> Result<Vec<u8>> {
    let name = if what == "signature" { "crypto" } else { what };
    BASE64URL_NOPAD.decode(segment.as_bytes()).map_err(|_| {
        malformed(format!(
            "Invalid {name} padding: the {what} is not base64url without padding"
        ))
    })
}

/// The header members verification needs, read in one pass that also refuses duplicates.
#[derive(Default)]
struct HeaderInfo {
    alg: Option<Value>,
    kid: Option<Value>,
    crit: Option<Value>,
}

impl<'de> serde::Deserialize<'de> for HeaderInfo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = HeaderInfo;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> std::result::Result<HeaderInfo, A::Error> {
                let mut info = HeaderInfo::default();
                let mut seen: Vec<std::borrow::Cow<'de, str>> = Vec::new();
                while let Some(k) = access.next_key::<std::borrow::Cow<'de, str>>()? {
                    if seen.contains(&k) {
                        return Err(duplicate_member(&k));
                    }
                    match k.as_ref() {
                        "alg" => info.alg = Some(access.next_value()?),
                        "kid" => info.kid = Some(access.next_value()?),
                        "crit" => info.crit = Some(access.next_value()?),
                        _ => {
                            access.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                    seen.push(k);
                }
                Ok(info)
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A token taken apart and checked for form, its signature segment decoded (not verified), so
/// every form error comes before any key or signature check, in every path.
struct Parts<'a> {
    signing_input: &'a str,
    signature: Vec<u8>,
    header_json: Vec<u8>,
    header: HeaderInfo,
    payload: Vec<u8>,
}

fn split(token: &str, max_len: usize, max_depth: usize) -> Result<Parts<'_>> {
    if token.len() > max_len {
        return Err(malformed(format!(
            "the token is {} bytes, over the limit of {max_len}",
            token.len()
        )));
    }
    let mut it = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(malformed(if token.split('.').count() < 3 {
            "Not enough segments"
        } else {
            "a JWT has exactly three dot-separated segments (JWE tokens are not supported)"
        }));
    };
    let header_json = b64_segment(h, "header")?;
    check_depth(&header_json, max_depth, "header")?;
    if header_json.trim_ascii_start().first() != Some(&b'{') {
        return Err(malformed("Invalid header string: must be a json object"));
    }
    let header = serde_json::from_slice::<HeaderInfo>(&header_json)
        .map_err(|e| malformed(format!("Invalid header string: {e}")))?;
    let payload = b64_segment(p, "payload")?;
    let signature = b64_segment(s, "signature")?;
    let signing_input = token.get(..h.len() + 1 + p.len()).unwrap_or(token);
    Ok(Parts {
        signing_input,
        signature,
        header_json,
        header,
        payload,
    })
}

/// The algorithm named in a header, refusing `none` and anything unknown.
fn header_alg(header: &HeaderInfo) -> Result<Algorithm> {
    // PyJWT's words for a token's algorithm (`Algorithm not supported`, `Algorithm not
    // specified`), which callers match; what an attacker wrote there is not echoed.
    match &header.alg {
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("none") => s.parse(),
        Some(Value::String(s)) => s
            .parse()
            .map_err(|_| Error::new(ErrorKind::AlgorithmNotAllowed, "Algorithm not supported")),
        Some(_) => Err(Error::new(
            ErrorKind::AlgorithmNotAllowed,
            "Algorithm not supported: the header's \"alg\" is not a string",
        )),
        None => Err(Error::new(
            ErrorKind::AlgorithmNotAllowed,
            "Algorithm not specified",
        )),
    }
}

/// RFC 7515 §4.1.11: a `crit` extension the recipient does not understand invalidates the
/// token. Bulwark implements no header extensions, so any `crit` is refused.
fn check_crit(header: &HeaderInfo) -> Result<()> {
    match &header.crit {
        None => Ok(()),
        Some(Value::Array(names)) if !names.is_empty() => {
            let names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
            Err(malformed(format!(
                "unsupported critical header extension(s) {names:?} (\"crit\")"
            )))
        }
        Some(_) => Err(malformed("\"crit\" must be a non-empty array of names")),
    }
}

/// A verified token: signature and claims checked (see [`dangerous::Unverified`] for the
/// parse-only counterpart, a different type on purpose).
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The algorithm from the header.
    pub algorithm: Algorithm,
    /// The protected header JSON, as in the token (see [`Decoded::header`]).
    pub header_json: String,
    /// The claims, parsed.
    pub claims: Map<String, Value>,
    /// The claims JSON exactly as it was in the token (big numbers and member order intact).
    pub payload_json: String,
    /// The raw signature bytes.
    pub signature: Vec<u8>,
}

fn into_decoded(parts: Parts<'_>, alg: Algorithm, max_depth: usize) -> Result<Decoded> {
    let claims = parse_object(&parts.payload, max_depth, "payload")?;
    let signature = parts.signature;
    let payload_json =
        String::from_utf8(parts.payload).map_err(|_| malformed("the payload is not UTF-8"))?;
    Ok(Decoded {
        algorithm: alg,
        header_json: String::from_utf8(parts.header_json)
            .map_err(|_| malformed("the header is not UTF-8"))?,
        claims,
        payload_json,
        signature,
    })
}

impl Decoded {
    /// The protected header, parsed (it was checked when the token was taken apart).
    #[must_use]
    pub fn header(&self) -> Map<String, Value> {
        serde_json::from_str(&self.header_json).unwrap_or_default()
    }

    /// The verified claims as your own type (read from the claims JSON as signed, so numbers
    /// keep their full precision). See [`encode`] for an example.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidClaim`] when the claims do not fit `T` (serde's message says where).
    pub fn claims_as<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.payload_json).map_err(|e| {
            Error::new(
                ErrorKind::InvalidClaim,
                format!("the claims do not fit the requested type: {e}"),
            )
        })
    }
}

/// Where a [`Verifier`] takes its key from.
#[derive(Debug, Clone)]
enum KeySource {
    One(VerifyingKey),
    Set(JwkSet),
}

/// A reusable, thread-safe token verifier: keys plus [`Validation`], checked once at creation.
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: KeySource,
    validation: Validation,
}

/// Refuses allow-lists that are empty or mix HMAC with public-key algorithms (one key material
/// must never be read both ways): what every verifier checks at construction, for doors that
/// check their configuration before building one.
///
/// ```
/// use bulwark::jwt::{check_allow_list, Algorithm};
/// assert!(check_allow_list(&[Algorithm::RS256, Algorithm::ES256]).is_ok());
/// assert!(check_allow_list(&[Algorithm::RS256, Algorithm::HS256]).is_err());
/// ```
///
/// # Errors
/// [`ErrorKind::InvalidInput`] as above.
pub fn check_allow_list(algorithms: &[Algorithm]) -> Result<()> {
    if algorithms.is_empty() {
        return Err(Error::invalid_input(
            "the algorithm allow-list is empty; name the algorithms you accept",
        ));
    }
    let hmac = algorithms
        .iter()
        .filter(|a| a.key_type() == KeyType::Hmac)
        .count();
    if hmac != 0 && hmac != algorithms.len() {
        return Err(Error::invalid_input(
            "the allow-list mixes HMAC and public-key algorithms; use separate verifiers",
        ));
    }
    Ok(())
}

impl Verifier {
    /// A verifier for one key. Refuses an empty or mixed allow-list, and a key that fits none of
    /// the allowed algorithms.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] or [`ErrorKind::InvalidKey`] as above.
    pub fn new(key: VerifyingKey, validation: Validation) -> Result<Self> {
        provider()?;
        check_allow_list(&validation.algorithms)?;
        if !validation
            .algorithms
            .iter()
            .any(|a| key.key_type().fits(*a))
        {
            return Err(Error::new(
                ErrorKind::InvalidKey,
                format!(
                    "the key is {}, which none of the allowed algorithms use",
                    key.key_type().as_str()
                ),
            ));
        }
        Ok(Self {
            keys: KeySource::One(key),
            validation,
        })
    }

    /// A verifier for key material as a caller hands it over (HMAC secret, PEM or JWK text):
    /// the allow-list is checked first (so a mixed list is [`ErrorKind::InvalidInput`] whatever
    /// the key), then the material is typed by the allowed algorithms' family with
    /// [`VerifyingKey::for_algorithm`].
    ///
    /// ```
    /// use bulwark::jwt::{Algorithm, Validation, Verifier};
    /// let v = Validation::new(&[Algorithm::HS256]);
    /// assert!(Verifier::from_material(b"a-32-byte-secret-for-hs256-tests", v).is_ok());
    /// let mixed = Validation::new(&[Algorithm::RS256, Algorithm::HS256]);
    /// let err = Verifier::from_material(b"a-32-byte-secret-for-hs256-tests", mixed).unwrap_err();
    /// assert_eq!(err.kind(), bulwark::ErrorKind::InvalidInput);
    /// ```
    ///
    /// # Errors
    /// As [`Verifier::new`] and [`VerifyingKey::for_algorithm`].
    pub fn from_material(material: &[u8], validation: Validation) -> Result<Self> {
        Self::typed_by(validation, |alg| VerifyingKey::for_algorithm(alg, material))
    }

    /// A verifier for one key that `key_for` types for an algorithm (for doors whose keys come
    /// in other shapes, such as Python's JWK dicts and key objects): the allow-list is checked
    /// first, then the key is typed by each allowed algorithm in turn until one fits; the first
    /// failure is returned when none does.
    ///
    /// # Errors
    /// As [`Verifier::from_material`], plus whatever `key_for` returns.
    pub fn typed_by<F>(validation: Validation, mut key_for: F) -> Result<Self>
    where
        F: FnMut(Algorithm) -> Result<VerifyingKey>,
    {
        check_allow_list(&validation.algorithms)?;
        let mut first_error = None;
        for alg in &validation.algorithms {
            match key_for(*alg) {
                Ok(key) => return Self::new(key, validation),
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        Err(first_error.unwrap_or_else(|| Error::invalid_input("no algorithm to type the key by")))
    }

    /// A verifier that picks the key from a JWK set by the token's `kid`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for an empty or mixed allow-list.
    pub fn with_jwks(set: JwkSet, validation: Validation) -> Result<Self> {
        provider()?;
        check_allow_list(&validation.algorithms)?;
        Ok(Self {
            keys: KeySource::Set(set),
            validation,
        })
    }

    /// The validation rules in force.
    #[must_use]
    pub fn validation(&self) -> &Validation {
        &self.validation
    }

    /// Verifies `token` now (system clock).
    ///
    /// # Errors
    /// One kind per refusal; see the module table.
    pub fn verify(&self, token: &str) -> Result<Decoded> {
        self.verify_at(token, validation::unix_now())
    }

    /// Verifies `token` now, giving the claims as the JSON that was signed (see
    /// [`VerifiedJson`]).
    ///
    /// ```
    /// use bulwark::jwt::{self, Algorithm, SigningKey, Validation, Verifier};
    /// let secret = b"a-32-byte-secret-for-hs256-tests";
    /// let claims = bulwark::serde_json::json!({"sub": "ann", "exp": 4_000_000_000u64});
    /// let token = jwt::encode(Algorithm::HS256, &SigningKey::hmac(secret)?, &claims, None)?;
    /// let verifier = Verifier::from_material(secret, Validation::new(&[Algorithm::HS256]))?;
    /// assert_eq!(verifier.verify_json(&token)?.payload_json, claims.to_string());
    /// # Ok::<(), bulwark::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Verifier::verify`].
    pub fn verify_json(&self, token: &str) -> Result<VerifiedJson> {
        self.verify_json_at(token, validation::unix_now())
    }

    /// Checks a JWS whose payload is any bytes (not claims): its form, header, algorithm and
    /// signature, with this verifier's keys and allow-list; no claim is read (there are none).
    ///
    /// ```
    /// use bulwark::jwt::{self, Algorithm, EncodeOptions, SigningKey, Validation, Verifier};
    /// let secret = b"a-32-byte-secret-for-hs256-tests";
    /// let key = SigningKey::hmac(secret)?;
    /// let token = jwt::encode_bytes(Algorithm::HS256, &key, b"\x00raw", None, EncodeOptions::default())?;
    /// let verifier = Verifier::from_material(secret, Validation::new(&[Algorithm::HS256]))?;
    /// assert_eq!(verifier.verify_jws(&token)?.payload, b"\x00raw");
    /// # Ok::<(), bulwark::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Verifier::verify`], but for the claim checks.
    pub fn verify_jws(&self, token: &str) -> Result<dangerous::Jws> {
        dangerous::verify_jws(token, &self.validation, |alg, kid| self.key(alg, kid))
    }

    /// As [`Verifier::verify_json`] at time `now` (Unix seconds): for tests, and for a door
    /// whose caller moves the clock.
    ///
    /// # Errors
    /// As [`Verifier::verify`].
    pub fn verify_json_at(&self, token: &str, now: f64) -> Result<VerifiedJson> {
        verify_json_with(token, &self.validation, now, |alg, kid| self.key(alg, kid))
    }

    fn key(&self, alg: Algorithm, kid: Option<&str>) -> Result<&VerifyingKey> {
        match &self.keys {
            KeySource::One(k) => Ok(k),
            KeySource::Set(set) => set.select(kid, alg),
        }
    }

    /// Verifies `token` as of `now` (Unix seconds), for tests and replays.
    ///
    /// # Errors
    /// As [`Verifier::verify`].
    pub fn verify_at(&self, token: &str, now: f64) -> Result<Decoded> {
        decode_with(token, &self.validation, now, |alg, kid| self.key(alg, kid))
    }
}

/// A verified token as text: signature and claims checked exactly as for [`Decoded`], the claims
/// left as the JSON that was signed, for callers that read it into their own representation in
/// one pass (the Python door's dicts). Get one from [`verify_json_with`] or
/// [`Verifier::verify_json`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedJson {
    /// The algorithm from the header.
    pub algorithm: Algorithm,
    /// The protected header JSON, as in the token.
    pub header_json: String,
    /// The claims JSON exactly as signed: one object, unique member names, within the nesting
    /// limit, every number readable.
    pub payload_json: String,
    /// The raw signature bytes.
    pub signature: Vec<u8>,
}

/// The members named in `wanted` of the JSON object `json`, read in one pass that refuses what
/// [`parse_object`] refuses (not an object, duplicate members, unreadable numbers, too deep)
/// without building the rest.
fn read_members(
    json: &[u8],
    max_depth: usize,
    what: &str,
    wanted: &[&str],
) -> Result<Vec<(String, Value)>> {
    struct Visit<'w> {
        wanted: &'w [&'w str],
    }
    impl<'de> serde::de::Visitor<'de> for Visit<'_> {
        type Value = Vec<(String, Value)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut access: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut found = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            while let Some(k) = access.next_key::<std::borrow::Cow<'de, str>>()? {
                if seen.contains(&k) {
                    return Err(duplicate_member(&k));
                }
                if self.wanted.contains(&k.as_ref()) {
                    found.push((k.to_string(), access.next_value::<Value>()?));
                } else {
                    access.next_value::<Readable>()?;
                }
                seen.insert(k);
            }
            Ok(found)
        }
    }
    check_depth(json, max_depth, what)?;
    let mut de = serde_json::Deserializer::from_slice(json);
    serde::Deserializer::deserialize_map(&mut de, Visit { wanted })
        .and_then(|found| de.end().map(|()| found))
        .map_err(|e| malformed(format!("invalid {what} JSON: {e}")))
}

/// As [`decode_with`], giving the claims as the JSON that was signed instead of parsed (see
/// [`VerifiedJson`]): the same checks, without building a [`Map`] the caller would only convert.
///
/// # Errors
/// As [`decode_with`].
pub fn verify_json_with<R, F>(
    token: &str,
    validation: &Validation,
    now: f64,
    key_for: F,
) -> Result<VerifiedJson>
where
    R: std::ops::Deref<Target = VerifyingKey>,
    F: FnOnce(Algorithm, Option<&str>) -> Result<R>,
{
    let verified = dangerous::verify_signature_only(token, validation, key_for)?;
    let claims = read_members(
        verified.payload_json.as_bytes(),
        validation.max_depth,
        "payload",
        &claims_of_interest(validation),
    )?;
    validate_claims(claims.as_slice(), validation, now)?;
    Ok(VerifiedJson {
        algorithm: verified.algorithm,
        header_json: verified.header_json,
        payload_json: verified.payload_json,
        signature: verified.signature,
    })
}

/// Verifies `token` as of `now` with the key `key_for` picks once the header's algorithm is
/// known to be allowed (for callers whose key depends on the algorithm or `kid`, such as the
/// Python door). Unlike [`Verifier::new`] it does not refuse an empty allow-list (every token is
/// then refused) or one that mixes HMAC and public-key algorithms: `key_for` must type the key
/// material by `alg` itself, as the typed keys of this module do.
///
/// # Errors
/// As [`Verifier::verify`], plus whatever `key_for` returns.
pub fn decode_with<R, F>(
    token: &str,
    validation: &Validation,
    now: f64,
    key_for: F,
) -> Result<Decoded>
where
    R: std::ops::Deref<Target = VerifyingKey>,
    F: FnOnce(Algorithm, Option<&str>) -> Result<R>,
{
    let verified = dangerous::verify_signature_only(token, validation, key_for)?;
    let claims = parse_object(
        verified.payload_json.as_bytes(),
        validation.max_depth,
        "payload",
    )?;
    validate_claims(&claims, validation, now)?;
    Ok(Decoded {
        algorithm: verified.algorithm,
        header_json: verified.header_json,
        claims,
        payload_json: verified.payload_json,
        signature: verified.signature,
    })
}

fn verify_signature(parts: &Parts<'_>, key: &VerifyingKey, alg: Algorithm) -> Result<()> {
    if parts.signature.is_empty() {
        return Err(Error::verification_failed(
            "the token has no signature (signature stripped?)",
        ));
    }
    verify_raw(parts.signing_input.as_bytes(), &parts.signature, key, alg)
}

/// The signature check itself, on raw bytes: every token's signature goes through here (and the
/// Wycheproof known-answer tests, whose messages are not JWS signing inputs).
fn verify_raw(input: &[u8], signature: &[u8], key: &VerifyingKey, alg: Algorithm) -> Result<()> {
    if let Some(keys) = key.hmac_keys() {
        // Constant-time comparison inside AWS-LC, on the cached key schedule.
        return aws_lc_rs::hmac::verify(keys.key(alg), input, signature)
            .map_err(|_| Error::verification_failed("Signature verification failed"));
    }
    if let Some(point) = key.ec_point_for_aws_lc() {
        // ES512 and ES256K: AWS-LC directly (the curve was checked when the key was read).
        return sig_verify(alg, point, input, signature);
    }
    let Some(jwt_alg) = alg.jwt() else {
        return Err(Error::new(
            ErrorKind::InvalidKey,
            format!("the key cannot verify {alg}"),
        ));
    };
    let verifier = (provider()?.verifier_factory)(&jwt_alg, key.inner()).map_err(|e| {
        Error::new(
            ErrorKind::InvalidKey,
            format!("the key cannot verify {alg}: {e}"),
        )
    })?;
    verifier
        .verify(input, &signature.to_vec())
        .map_err(|_| Error::verification_failed("Signature verification failed"))
}

/// An ECDSA (`r || s`) signature checked by AWS-LC for the EC algorithms `jsonwebtoken` lacks.
fn sig_verify(alg: Algorithm, point: &[u8], input: &[u8], signature: &[u8]) -> Result<()> {
    let verification: &'static aws_lc_rs::signature::EcdsaVerificationAlgorithm = match alg {
        Algorithm::ES512 => &aws_lc_rs::signature::ECDSA_P521_SHA512_FIXED,
        Algorithm::ES256K => &aws_lc_rs::signature::ECDSA_P256K1_SHA256_FIXED,
        other => {
            return Err(Error::new(
                ErrorKind::InvalidKey,
                format!("the key cannot verify {other}"),
            ))
        }
    };
    aws_lc_rs::signature::UnparsedPublicKey::new(verification, point)
        .verify(input, signature)
        .map_err(|_| Error::verification_failed("Signature verification failed"))
}

impl VerifyingKey {
    /// Checks a signature over any message as JWS encodes it for `alg` (the HMAC tag whole, RSA
    /// PKCS#1 v1.5 or PSS, ECDSA as fixed-size `r || s`, Ed25519): what PyJWT's
    /// `Algorithm.verify` does, and how a webhook's HMAC is checked. A token is verified with
    /// [`Verifier`] instead, which also checks its header and claims.
    ///
    /// ```
    /// use bulwark::jwt::{Algorithm, SigningKey, VerifyingKey};
    /// let secret = b"a-32-byte-secret-for-hs256-tests";
    /// let tag = SigningKey::hmac(secret)?.sign_message(Algorithm::HS256, b"payload", false)?;
    /// let key = VerifyingKey::hmac(secret)?;
    /// assert!(key.verify_message(Algorithm::HS256, b"payload", &tag, false)?);
    /// assert!(!key.verify_message(Algorithm::HS256, b"tampered", &tag, false)?);
    /// # Ok::<(), bulwark::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] when the key does not fit `alg` (an HMAC secret for RS256, a
    /// P-256 key for ES384), or is an HMAC secret shorter than `alg` needs and
    /// `allow_short_hmac_key` is false. A signature that does not verify is `Ok(false)`.
    pub fn verify_message(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
        allow_short_hmac_key: bool,
    ) -> Result<bool> {
        provider()?;
        self.check_use(alg, allow_short_hmac_key)?;
        match verify_raw(message, signature, self, alg) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::VerificationFailed => Ok(false),
            Err(e) => Err(e),
        }
    }
}

impl SigningKey {
    /// Signs any message as JWS encodes signatures for `alg` (see
    /// [`VerifyingKey::verify_message`]); tokens are made with [`encode`] instead.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] when the key does not fit `alg`, or is an HMAC secret shorter
    /// than `alg` needs and `allow_short_hmac_key` is false.
    pub fn sign_message(
        &self,
        alg: Algorithm,
        message: &[u8],
        allow_short_hmac_key: bool,
    ) -> Result<Vec<u8>> {
        provider()?;
        self.check_use(alg, allow_short_hmac_key)?;
        sign_input(message, self, alg)
    }
}

fn sign_input(input: &[u8], key: &SigningKey, alg: Algorithm) -> Result<Vec<u8>> {
    if let Some(signature) = key.sign_prepared(alg, input)? {
        return Ok(signature);
    }
    let failed = |e: &dyn fmt::Display| {
        Error::new(
            ErrorKind::InvalidKey,
            format!("signing with {alg} failed: {e}"),
        )
    };
    let jwt_alg = alg
        .jwt()
        .ok_or_else(|| failed(&"no prepared key for this algorithm"))?;
    let signer = (provider()?.signer_factory)(&jwt_alg, key.inner()).map_err(|e| failed(&e))?;
    signer.try_sign(input).map_err(|e| failed(&e))
}

/// One-shot verification with a single key (builds a [`Verifier`] each call; keep one instead
/// when verifying many tokens).
///
/// # Errors
/// As [`Verifier::new`] and [`Verifier::verify`].
pub fn decode(token: &str, key: &VerifyingKey, validation: &Validation) -> Result<Decoded> {
    Verifier::new(key.clone(), validation.clone())?.verify(token)
}

/// The header of a token, unverified (as PyJWT's `get_unverified_header`): its form, `crit` and
/// `kid` are checked, its algorithm is not read.
///
/// # Errors
/// [`ErrorKind::Malformed`] for tokens that are not three segments with a JSON-object header, a
/// `crit` header or a non-string `kid`.
pub fn unverified_header(token: &str) -> Result<Map<String, Value>> {
    let (header_json, _, _) = dangerous::jws_parts_unverified(token, DEFAULT_MAX_TOKEN_LEN)?;
    parse_object(header_json.as_bytes(), DEFAULT_MAX_DEPTH, "header")
}

/// Options for signing.
#[derive(Debug, Clone, Copy, Default)]
pub struct EncodeOptions {
    /// Sign with HMAC secrets shorter than RFC 7518 §3.2 allows (off: they are refused).
    pub allow_short_hmac_key: bool,
}

/// Signs `claims` (any `Serialize` value that is a JSON object: your own struct, a
/// `serde_json::Map`, a `json!({...})`) with `key` into a compact token. The header is
/// `{"alg", "typ": "JWT"}` plus `extra_header` (`kid`, `typ`, custom members; `typ` set to null
/// or "" is left out) and the key's `kid`; members are sorted, as PyJWT does.
///
/// ```
/// use bulwark::jwt::{self, Algorithm, SigningKey, Validation, Verifier, VerifyingKey};
/// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
/// struct Claims { sub: String, exp: u64, scope: Vec<String> }
///
/// let secret = b"a secret of at least thirty-two bytes!";
/// let claims = Claims { sub: "ann".into(), exp: 4_000_000_000, scope: vec!["read".into()] };
/// let token = jwt::encode(Algorithm::HS256, &SigningKey::hmac(secret)?, &claims, None)?;
/// let verifier = Verifier::new(VerifyingKey::hmac(secret)?, Validation::new(&[Algorithm::HS256]))?;
/// let back: Claims = verifier.verify(&token)?.claims_as()?;
/// assert_eq!(back, claims);
/// # Ok::<(), bulwark::Error>(())
/// ```
///
/// # Errors
/// [`ErrorKind::InvalidKey`] when the key does not fit `alg` or the HMAC secret is too short;
/// [`ErrorKind::InvalidInput`] for claims that do not serialize to a JSON object, or a header
/// whose `alg` contradicts `alg`.
pub fn encode<T: serde::Serialize + ?Sized>(
    alg: Algorithm,
    key: &SigningKey,
    claims: &T,
    extra_header: Option<&Map<String, Value>>,
) -> Result<String> {
    let payload = serde_json::to_string(claims)
        .map_err(|e| Error::invalid_input(format!("the claims do not serialize to JSON: {e}")))?;
    check_object(payload.as_bytes(), DEFAULT_MAX_DEPTH, "claims")
        .map_err(|e| Error::invalid_input(e.message().replace("invalid ", "")))?;
    sign_payload(
        alg,
        key,
        payload.as_bytes(),
        extra_header,
        EncodeOptions::default(),
    )
}

/// As [`encode`], with claims and header given as JSON text (the claims text is signed
/// verbatim after it is checked to be one JSON object with unique members).
///
/// # Errors
/// As [`encode`], plus [`ErrorKind::InvalidInput`] for claims or header JSON that is not an
/// object.
pub fn encode_json(
    alg: Algorithm,
    key: &SigningKey,
    claims_json: &str,
    header_json: Option<&str>,
    options: EncodeOptions,
) -> Result<String> {
    let as_input = |e: Error| Error::invalid_input(e.message().replace("invalid ", ""));
    check_object(claims_json.as_bytes(), DEFAULT_MAX_DEPTH, "claims").map_err(as_input)?;
    let header = header_json
        .map(|h| parse_object(h.as_bytes(), DEFAULT_MAX_DEPTH, "header").map_err(as_input))
        .transpose()?;
    sign_payload(alg, key, claims_json.as_bytes(), header.as_ref(), options)
}

/// Signs any bytes as a JWS (RFC 7515 compact form: the header, then the payload as it is, not
/// read as claims), as PyJWT's `PyJWS.encode`. The header is as [`encode_json`] builds it.
///
/// # Errors
/// As [`encode_json`], except the claims checks.
pub fn encode_bytes(
    alg: Algorithm,
    key: &SigningKey,
    payload: &[u8],
    header_json: Option<&str>,
    options: EncodeOptions,
) -> Result<String> {
    let as_input = |e: Error| Error::invalid_input(e.message().replace("invalid ", ""));
    let header = header_json
        .map(|h| parse_object(h.as_bytes(), DEFAULT_MAX_DEPTH, "header").map_err(as_input))
        .transpose()?;
    sign_payload(alg, key, payload, header.as_ref(), options)
}

fn sign_payload(
    alg: Algorithm,
    key: &SigningKey,
    payload: &[u8],
    extra_header: Option<&Map<String, Value>>,
    options: EncodeOptions,
) -> Result<String> {
    key.check_use(alg, options.allow_short_hmac_key)?;
    let mut token = String::with_capacity(64 + payload.len() * 4 / 3 + 8 + 2 * 86);
    match (extra_header, key.kid()) {
        (None, None) => {
            let header = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
            BASE64URL_NOPAD.encode_append(header.as_bytes(), &mut token);
        }
        _ => {
            let header = header_json(alg, key, extra_header)?;
            BASE64URL_NOPAD.encode_append(header.as_bytes(), &mut token);
        }
    }
    token.push('.');
    BASE64URL_NOPAD.encode_append(payload, &mut token);
    let signature = sign_input(token.as_bytes(), key, alg)?;
    token.push('.');
    BASE64URL_NOPAD.encode_append(&signature, &mut token);
    Ok(token)
}

/// The sorted header JSON: `alg`, `typ: "JWT"` (dropped when set to null or ""), the key's `kid`
/// and the caller's members.
fn header_json(
    alg: Algorithm,
    key: &SigningKey,
    extra_header: Option<&Map<String, Value>>,
) -> Result<String> {
    let mut header: BTreeMap<&str, &Value> = BTreeMap::new();
    let alg_value = Value::String(alg.as_str().to_owned());
    let typ = Value::String("JWT".to_owned());
    let kid = key.kid().map(|k| Value::String(k.to_owned()));
    header.insert("alg", &alg_value);
    header.insert("typ", &typ);
    if let Some(kid) = &kid {
        header.insert("kid", kid);
    }
    for (name, value) in extra_header.into_iter().flatten() {
        if name == "alg" && value != &alg_value {
            return Err(Error::invalid_input(format!(
                "the extra header's \"alg\" ({value}) contradicts the algorithm {alg}"
            )));
        }
        header.insert(name, value);
    }
    if matches!(header.get("typ"), Some(Value::Null))
        || header.get("typ") == Some(&&Value::String(String::new()))
    {
        header.remove("typ");
    }
    serde_json::to_string(&header)
        .map_err(|e| Error::internal(format!("header did not serialize: {e}")))
}

/// Verifies a JWS signature over an arbitrary signing input (`header.payload`), for tokens whose
/// payload is not JSON claims (such as the RFC 8037 example). Checks only the signature: for the
/// known-answer tests, never part of the API.
///
/// # Errors
/// [`ErrorKind::VerificationFailed`] or [`ErrorKind::InvalidKey`].
#[cfg(test)]
pub(crate) fn verify_jws_signature(
    signing_input: &str,
    signature_b64: &str,
    key: &VerifyingKey,
    alg: Algorithm,
) -> Result<()> {
    provider()?;
    key.check_use(alg, true)?;
    let parts = Parts {
        signing_input,
        signature: b64_segment(signature_b64, "signature")?,
        header_json: Vec::new(),
        header: HeaderInfo::default(),
        payload: Vec::new(),
    };
    verify_signature(&parts, key, alg)
}

/// Signs an arbitrary JWS signing input (`header.payload`) and returns the base64url signature,
/// the counterpart of `verify_jws_signature` (known-answer tests only). The HMAC minimum length
/// still applies.
///
/// # Errors
/// [`ErrorKind::InvalidKey`] when the key does not fit `alg` or is too short.
#[cfg(test)]
pub(crate) fn sign_jws(signing_input: &str, key: &SigningKey, alg: Algorithm) -> Result<String> {
    key.check_use(alg, false)?;
    Ok(BASE64URL_NOPAD.encode(&sign_input(signing_input.as_bytes(), key, alg)?))
}
