//! JWT keys: HMAC secrets, PEM and JWK for the asymmetric algorithms, and JWK sets.
//!
//! Every key knows its [`KeyType`], so a token whose `alg` does not fit the key is refused before
//! any cryptography runs (the HS256-signed-with-the-RSA-public-key confusion cannot happen).
//! Private keys are converted once, at load time, into the PKCS#8 form `jsonwebtoken` signs with.

use super::Algorithm;
use crate::{Error, ErrorKind, Result};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{self as sig, KeyPair};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde_json::{Map, Value};
use std::fmt;
use zeroize::Zeroizing;

/// What kind of key this is; decides which algorithms may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// A shared secret for HS256/384/512.
    Hmac,
    /// RSA (2048 to 8192 bits) for RS* and PS*.
    Rsa,
    /// ECDSA on P-256 for ES256.
    EcP256,
    /// ECDSA on P-384 for ES384.
    EcP384,
    /// ECDSA on P-521 for ES512.
    EcP521,
    /// ECDSA on secp256k1 for ES256K.
    EcSecp256k1,
    /// Ed25519 for EdDSA.
    Ed25519,
}

impl KeyType {
    /// Whether `alg` may be used with a key of this type.
    #[must_use]
    pub fn fits(self, alg: Algorithm) -> bool {
        alg.key_type() == self
    }

    /// The algorithm a key of this type signs with when nothing names one (a JWK without
    /// `alg`): HS256, RS256, the ES* of the curve, or EdDSA, as PyJWT infers it.
    #[must_use]
    pub const fn default_algorithm(self) -> Algorithm {
        match self {
            Self::Hmac => Algorithm::HS256,
            Self::Rsa => Algorithm::RS256,
            Self::EcP256 => Algorithm::ES256,
            Self::EcP384 => Algorithm::ES384,
            Self::EcP521 => Algorithm::ES512,
            Self::EcSecp256k1 => Algorithm::ES256K,
            Self::Ed25519 => Algorithm::EdDSA,
        }
    }

    /// A short name for messages.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Hmac => "an HMAC secret",
            Self::Rsa => "an RSA key",
            Self::EcP256 => "a P-256 (secp256r1) EC key",
            Self::EcP384 => "a P-384 (secp384r1) EC key",
            Self::EcP521 => "a P-521 (secp521r1) EC key",
            Self::EcSecp256k1 => "a secp256k1 EC key",
            Self::Ed25519 => "an Ed25519 key",
        }
    }
}

fn bad_key(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidKey, message)
}

/// What kind of text key material is, by its opening (after white space or a BOM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyTextFormat {
    /// PEM (`-----BEGIN ...`): a key or certificate.
    Pem,
    /// An OpenSSH public key line (`ssh-rsa`, `ssh-ed25519`, `ecdsa-sha2-...`, ...).
    Ssh,
}

/// Whether `material` is PEM or OpenSSH key text (the one rule that keeps either from being used
/// as an HMAC secret, and what PyJWT's `is_pem_format` / `is_ssh_key` answer); `None` otherwise.
///
/// ```
/// use bulwark::jwt::keys::{text_key_format, KeyTextFormat};
/// assert_eq!(text_key_format(b"ssh-ed25519 AAAAC3Nz..."), Some(KeyTextFormat::Ssh));
/// assert_eq!(text_key_format(b"\n-----BEGIN PUBLIC KEY-----\n..."), Some(KeyTextFormat::Pem));
/// assert_eq!(text_key_format(b"a-32-byte-secret-for-hs256-tests"), None);
/// ```
#[must_use]
pub fn text_key_format(material: &[u8]) -> Option<KeyTextFormat> {
    const SSH: [&[u8]; 5] = [
        b"ssh-rsa",
        b"ssh-ed25519",
        b"ecdsa-sha2-",
        b"ssh-dss",
        b"sk-ecdsa-",
    ];
    let trimmed = trim_text_start(material);
    if trimmed.starts_with(b"-----BEGIN ") || material.windows(11).any(|w| w == b"-----BEGIN ") {
        return Some(KeyTextFormat::Pem);
    }
    SSH.iter()
        .any(|m| trimmed.starts_with(m))
        .then_some(KeyTextFormat::Ssh)
}

/// Reads the length-prefixed fields of an OpenSSH key blob (RFC 4251 section 5).
struct SshFields<'a>(&'a [u8]);

impl<'a> SshFields<'a> {
    fn field(&mut self) -> Result<&'a [u8]> {
        let bad = || bad_key("the OpenSSH public key is truncated");
        let (len, rest) = self.0.split_first_chunk::<4>().ok_or_else(bad)?;
        let len = usize::try_from(u32::from_be_bytes(*len)).map_err(|_| bad())?;
        if rest.len() < len {
            return Err(bad());
        }
        let (value, rest) = rest.split_at(len);
        self.0 = rest;
        Ok(value)
    }

    /// An unsigned `mpint` without its sign byte, as JWK members hold integers.
    fn unsigned(&mut self) -> Result<&'a [u8]> {
        let v = self.field()?;
        if v.first().is_some_and(|b| b & 0x80 != 0) {
            return Err(bad_key("the OpenSSH public key holds a negative integer"));
        }
        Ok(v.strip_prefix(&[0]).unwrap_or(v))
    }
}

/// The JWK of an OpenSSH public key line (`ssh-rsa`, `ssh-ed25519`, `ecdsa-sha2-nistp256` or
/// `ecdsa-sha2-nistp384`, then base64, then an optional comment): the key is then read and
/// checked by the JWK path, so an OpenSSH key obeys exactly the rules of every other key.
fn ssh_public_key_jwk(material: &[u8]) -> Result<Map<String, Value>> {
    let b64u = |b: &[u8]| Value::String(data_encoding::BASE64URL_NOPAD.encode(b));
    let text = std::str::from_utf8(trim_text_start(material))
        .map_err(|_| bad_key("the OpenSSH public key is not text"))?;
    let mut words = text.split_ascii_whitespace();
    let (Some(kind), Some(blob)) = (words.next(), words.next()) else {
        return Err(bad_key("the OpenSSH public key has no key data"));
    };
    let blob = data_encoding::BASE64
        .decode(blob.as_bytes())
        .map_err(|_| bad_key("the OpenSSH public key data is not base64"))?;
    let mut f = SshFields(&blob);
    if f.field()? != kind.as_bytes() {
        return Err(bad_key(
            "the OpenSSH public key's type does not match its data",
        ));
    }
    let mut jwk = Map::new();
    match kind {
        "ssh-rsa" => {
            let e = f.unsigned()?;
            let n = f.unsigned()?;
            jwk.insert("kty".into(), "RSA".into());
            jwk.insert("n".into(), b64u(n));
            jwk.insert("e".into(), b64u(e));
        }
        "ssh-ed25519" => {
            jwk.insert("kty".into(), "OKP".into());
            jwk.insert("crv".into(), "Ed25519".into());
            jwk.insert("x".into(), b64u(f.field()?));
        }
        "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" | "ecdsa-sha2-nistp521" => {
            let (crv, size) = match kind {
                "ecdsa-sha2-nistp256" => ("P-256", 32),
                "ecdsa-sha2-nistp384" => ("P-384", 48),
                _ => ("P-521", 66),
            };
            if f.field()? != kind.as_bytes().get(11..).unwrap_or_default() {
                return Err(bad_key(
                    "the OpenSSH public key's curve does not match its type",
                ));
            }
            let point = f.field()?;
            let Some((&4, xy)) = point.split_first().filter(|(_, xy)| xy.len() == 2 * size) else {
                return Err(bad_key(
                    "the OpenSSH EC public key is not an uncompressed point",
                ));
            };
            let (x, y) = xy.split_at(size);
            jwk.insert("kty".into(), "EC".into());
            jwk.insert("crv".into(), crv.into());
            jwk.insert("x".into(), b64u(x));
            jwk.insert("y".into(), b64u(y));
        }
        other => {
            let shown: String = other.chars().take(32).collect();
            return Err(bad_key(format!(
                "OpenSSH public keys of type {shown:?} are not supported (ssh-rsa, ssh-ed25519, \
                 ecdsa-sha2-nistp256/384/521)"
            )));
        }
    }
    if !f.0.is_empty() {
        return Err(bad_key("the OpenSSH public key has trailing data"));
    }
    Ok(jwk)
}

/// Refuses an "HMAC secret" that is really a public key, certificate or JWK (as PyJWT does):
/// using public key material as a shared secret is the classic key-confusion attack, since the
/// attacker knows it and can sign an HS* token with it.
fn check_not_asymmetric(secret: &[u8]) -> Result<()> {
    if text_key_format(secret).is_some() {
        return Err(bad_key(
            "the key is a PEM or SSH key (an asymmetric key or certificate) and must not be \
             used as an HMAC secret",
        ));
    }
    if looks_like_jwk(secret) {
        return Err(bad_key(
            "the key looks like a JWK and must not be used directly as an HMAC secret; pass an \
             \"oct\" JWK as a parsed key (a dict or PyJWK), or the raw secret bytes",
        ));
    }
    Ok(())
}

/// `material` without leading ASCII white space and a UTF-8 byte order mark.
fn trim_text_start(material: &[u8]) -> &[u8] {
    let t = material.trim_ascii_start();
    t.strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .map_or(t, <[u8]>::trim_ascii_start)
}

/// Whether `material` is JWK or JWK-set text: a JSON object (after white space or a BOM) that
/// names `kty` or `keys`, spelled out or with JSON escapes. Random binary secrets that merely
/// start with `{` are not caught: they hold neither name and are not a JSON object.
fn looks_like_jwk(material: &[u8]) -> bool {
    let t = trim_text_start(material);
    if t.first() != Some(&b'{') {
        return false;
    }
    if t.windows(3).any(|w| w.eq_ignore_ascii_case(b"kty")) {
        return true;
    }
    match serde_json::from_slice::<Value>(t) {
        Ok(Value::Object(map)) => map
            .keys()
            .any(|k| k.eq_ignore_ascii_case("kty") || k.eq_ignore_ascii_case("keys")),
        _ => false,
    }
}

/// Whether key material for a public-key algorithm is JWK text (else it is read as PEM).
fn is_jwk_text(material: &[u8]) -> bool {
    trim_text_start(material).first() == Some(&b'{')
}

fn jwk_text(material: &[u8]) -> Result<&str> {
    std::str::from_utf8(trim_text_start(material)).map_err(|_| bad_key("the JWK is not UTF-8"))
}

fn check_hmac_secret(secret: &[u8]) -> Result<()> {
    if secret.is_empty() {
        return Err(bad_key("the HMAC secret is empty"));
    }
    check_not_asymmetric(secret)
}

/// Decodes one base64url member of a JWK (no padding, strict alphabet).
fn jwk_b64(obj: &Map<String, Value>, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    let text = obj
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| bad_key(format!("JWK member {name:?} is missing or not a string")))?;
    data_encoding::BASE64URL_NOPAD
        .decode(text.as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| bad_key(format!("JWK member {name:?} is not valid base64url")))
}

/// The CRT members of a private RSA JWK (`p q dp dq qi`): as given when all are there, recovered
/// from `n`, `e` and `d` when none is (RFC 7518 section 6.3.2 makes them optional), refused when
/// only some are.
fn rsa_crt_members(
    obj: &Map<String, Value>,
    n: &[u8],
    e: &[u8],
    d: &[u8],
) -> Result<[Zeroizing<Vec<u8>>; 5]> {
    const CRT: [&str; 5] = ["p", "q", "dp", "dq", "qi"];
    let present = CRT.iter().filter(|m| obj.contains_key(**m)).count();
    if present == CRT.len() {
        let get = |m: &str| jwk_b64(obj, m);
        return Ok([get("p")?, get("q")?, get("dp")?, get("dq")?, get("qi")?]);
    }
    if present != 0 {
        return Err(bad_key(
            "RSA key must include all parameters if any are present besides d",
        ));
    }
    rsa_recover_crt(n, e, d)
}

/// An RSA private key's `[p, q, dp, dq, qi]` (big-endian, `p > q`) recovered from its modulus and
/// exponents alone, as a JWK without CRT members needs (aws-lc's arithmetic; NIST SP 800-56B
/// appendix C.2).
///
/// # Errors
/// [`ErrorKind::InvalidKey`] when `d` does not belong to `(n, e)`, or `n` is not a product of two
/// primes of at most 8192 bits in all.
pub fn rsa_recover_crt(n: &[u8], e: &[u8], d: &[u8]) -> Result<[Zeroizing<Vec<u8>>; 5]> {
    let f = bulwark_aws_lc::rsa::recover_factors(n, e, d)
        .map_err(|err| bad_key(format!("inconsistent RSA JWK: {err}")))?;
    let own = |v: &[u8]| Zeroizing::new(v.to_vec());
    Ok([
        own(f.p()),
        own(f.q()),
        own(f.dp()),
        own(f.dq()),
        own(f.qi()),
    ])
}

fn jwk_str<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad_key(format!("JWK member {name:?} is not a string"))),
    }
}

fn parse_jwk_json(json: &str) -> Result<Map<String, Value>> {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(bad_key("a JWK must be a JSON object")),
        Err(e) => Err(bad_key(format!("the JWK is not valid JSON: {e}"))),
    }
}

/// The `kty`/`crv` pair of a JWK as a key type.
fn jwk_type(obj: &Map<String, Value>) -> Result<KeyType> {
    let kty = jwk_str(obj, "kty")?.ok_or_else(|| bad_key("JWK has no \"kty\""))?;
    let crv = jwk_str(obj, "crv")?;
    match (kty, crv) {
        ("oct", _) => Ok(KeyType::Hmac),
        ("RSA", _) => Ok(KeyType::Rsa),
        ("EC", Some("P-256")) => Ok(KeyType::EcP256),
        ("EC", Some("P-384")) => Ok(KeyType::EcP384),
        ("EC", Some("P-521")) => Ok(KeyType::EcP521),
        ("EC", Some("secp256k1")) => Ok(KeyType::EcSecp256k1),
        ("OKP", Some("Ed25519")) => Ok(KeyType::Ed25519),
        ("EC" | "OKP", Some(c)) => Err(bad_key(format!("unsupported JWK curve {c:?}"))),
        ("EC" | "OKP", None) => Err(bad_key("JWK has no \"crv\"")),
        (k, _) => Err(bad_key(format!("unsupported JWK key type {k:?}"))),
    }
}

/// The optional `alg` member of a JWK: a key published for one algorithm is only used with it.
fn jwk_alg(obj: &Map<String, Value>, key_type: KeyType) -> Result<Option<Algorithm>> {
    let Some(name) = jwk_str(obj, "alg")? else {
        return Ok(None);
    };
    let alg: Algorithm = name
        .parse()
        .map_err(|e: Error| bad_key(format!("JWK \"alg\": {}", e.message())))?;
    if !key_type.fits(alg) {
        return Err(bad_key(format!(
            "JWK \"alg\" {name} does not fit {}",
            key_type.as_str()
        )));
    }
    Ok(Some(alg))
}

/// The EC key types, in the order private keys are tried.
const EC_TYPES: [KeyType; 4] = [
    KeyType::EcP256,
    KeyType::EcP384,
    KeyType::EcP521,
    KeyType::EcSecp256k1,
];

impl KeyType {
    /// Whether this is one of the EC key types.
    const fn is_ec(self) -> bool {
        matches!(
            self,
            Self::EcP256 | Self::EcP384 | Self::EcP521 | Self::EcSecp256k1
        )
    }
}

/// The length of one coordinate of a point on the curve, in bytes.
fn ec_coord(t: KeyType) -> usize {
    match t {
        KeyType::EcP384 => 48,
        KeyType::EcP521 => 66,
        _ => 32,
    }
}

fn ec_signing(t: KeyType) -> &'static sig::EcdsaSigningAlgorithm {
    match t {
        KeyType::EcP384 => &sig::ECDSA_P384_SHA384_FIXED_SIGNING,
        KeyType::EcP521 => &sig::ECDSA_P521_SHA512_FIXED_SIGNING,
        KeyType::EcSecp256k1 => &sig::ECDSA_P256K1_SHA256_FIXED_SIGNING,
        _ => &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
    }
}

fn ec_verifying(t: KeyType) -> &'static sig::EcdsaVerificationAlgorithm {
    match t {
        KeyType::EcP384 => &sig::ECDSA_P384_SHA384_FIXED,
        KeyType::EcP521 => &sig::ECDSA_P521_SHA512_FIXED,
        KeyType::EcSecp256k1 => &sig::ECDSA_P256K1_SHA256_FIXED,
        _ => &sig::ECDSA_P256_SHA256_FIXED,
    }
}

/// The uncompressed EC point `04 || x || y` of a JWK, with the coordinate lengths checked.
fn ec_point(obj: &Map<String, Value>, t: KeyType) -> Result<Vec<u8>> {
    let (x, y) = (jwk_b64(obj, "x")?, jwk_b64(obj, "y")?);
    let n = ec_coord(t);
    if x.len() != n || y.len() != n {
        return Err(bad_key(format!(
            "JWK EC coordinates must be {n} bytes each for {}",
            t.as_str()
        )));
    }
    let mut point = Vec::with_capacity(1 + 2 * n);
    point.push(4);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Ok(point)
}

/// The smallest RSA key accepted, in bits (RFC 7518 §3.3).
pub const MIN_RSA_BITS: usize = 2048;

/// RSA public keys below [`MIN_RSA_BITS`] are refused (RFC 7518 §3.3).
fn check_rsa_modulus(modulus_len: usize) -> Result<()> {
    if modulus_len * 8 < MIN_RSA_BITS {
        return Err(bad_key(format!(
            "RSA keys must be at least {MIN_RSA_BITS} bits (this one is {} bits)",
            modulus_len * 8
        )));
    }
    Ok(())
}

/// The accessors and the use check shared by [`SigningKey`] and [`VerifyingKey`].
macro_rules! key_common {
    () => {
        /// Key material as a caller hands it over (bytes or text), typed for `alg`: the one rule
        /// every door uses. For HS* it is an HMAC secret (PEM, SSH and JWK text refused); for
        /// the public-key algorithms it is a JWK object when it starts with `{`, else PEM
        /// (a verifying key reduces a private key to its public half). The key must fit `alg`.
        ///
        /// ```
        /// use bulwark::jwt::{Algorithm, VerifyingKey};
        /// let jwk = br#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
        /// assert!(VerifyingKey::for_algorithm(Algorithm::ES256, jwk).is_ok());
        /// // The same public JWK is never an HMAC secret (the key-confusion attack).
        /// assert!(VerifyingKey::for_algorithm(Algorithm::HS256, jwk).is_err());
        /// ```
        ///
        /// # Errors
        /// [`ErrorKind::InvalidKey`] when the material is unusable or does not fit `alg`.
        pub fn for_algorithm(alg: Algorithm, material: &[u8]) -> Result<Self> {
            let key = match alg.key_type() {
                KeyType::Hmac => Self::hmac(material)?,
                _ if is_jwk_text(material) => Self::from_jwk(jwk_text(material)?)?,
                _ if text_key_format(material) == Some(KeyTextFormat::Ssh) => {
                    Self::from_jwk_map(&ssh_public_key_jwk(material)?)?
                }
                _ => Self::from_pem(material)?,
            };
            check_fit(key.key_type, key.alg, alg)?;
            Ok(key)
        }

        /// The same key with a key id (written into headers when signing, matched against a
        /// token's `kid` in a [`JwkSet`]).
        #[must_use]
        pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
            self.kid = Some(kid.into());
            self
        }

        /// What kind of key this is.
        #[must_use]
        pub fn key_type(&self) -> KeyType {
            self.key_type
        }

        /// The key id (from the JWK or `with_kid`), if any.
        #[must_use]
        pub fn kid(&self) -> Option<&str> {
            self.kid.as_deref()
        }

        /// The algorithm the JWK was published for, if it named one.
        #[must_use]
        pub fn algorithm(&self) -> Option<Algorithm> {
            self.alg
        }

        /// Refuses `alg` when it does not fit the key, or the HMAC secret is too short for it.
        pub(super) fn check_use(&self, alg: Algorithm, allow_short_hmac: bool) -> Result<()> {
            check_fit(self.key_type, self.alg, alg)?;
            if self.key_type == KeyType::Hmac && !allow_short_hmac {
                check_hmac_len(self.secret_len, alg)?;
            }
            Ok(())
        }
    };
}

/// A key to sign tokens with: an HMAC secret or a private key. Its material is wiped on drop and
/// never printed.
#[derive(Clone)]
pub struct SigningKey {
    key_type: KeyType,
    key: EncodingKey,
    kid: Option<String>,
    alg: Option<Algorithm>,
    secret_len: usize,
    prepared: Prepared,
}

/// An HMAC secret with its per-hash key schedules computed on first use and kept: the secret is
/// typically a process-wide constant, and the schedule is a third of an HS256 token's hashing.
pub(super) struct HmacKeys {
    secret: Zeroizing<Vec<u8>>,
    keys: [std::sync::OnceLock<aws_lc_rs::hmac::Key>; 3],
}

impl HmacKeys {
    fn new(secret: &[u8]) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Self {
            secret: Zeroizing::new(secret.to_vec()),
            keys: Default::default(),
        })
    }

    /// The key schedule for `alg` (an HS* algorithm; others fall back to SHA-256's slot but
    /// are refused by `check_use` before any call).
    pub(super) fn key(&self, alg: Algorithm) -> &aws_lc_rs::hmac::Key {
        let (slot, hash) = match alg {
            Algorithm::HS384 => (1, aws_lc_rs::hmac::HMAC_SHA384),
            Algorithm::HS512 => (2, aws_lc_rs::hmac::HMAC_SHA512),
            _ => (0, aws_lc_rs::hmac::HMAC_SHA256),
        };
        let cell = self.keys.get(slot).unwrap_or(&self.keys[0]);
        cell.get_or_init(|| aws_lc_rs::hmac::Key::new(hash, &self.secret))
    }
}

/// An asymmetric private key parsed once. `jsonwebtoken`'s AWS-LC signers re-parse the key on
/// every signature (for RSA 2048 that made signing 2.3x slower than PyJWT, see BENCHMARKS.md),
/// so asymmetric signatures are made here with the same AWS-LC primitives on the parsed key.
#[derive(Clone)]
enum Prepared {
    Hmac(std::sync::Arc<HmacKeys>),
    Rsa(std::sync::Arc<sig::RsaKeyPair>),
    Ec(std::sync::Arc<sig::EcdsaKeyPair>),
    Ed(std::sync::Arc<sig::Ed25519KeyPair>),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_type", &self.key_type)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// An HMAC secret. Empty secrets and PEM/SSH keys are refused ([`ErrorKind::InvalidKey`]);
    /// the minimum length for the chosen algorithm is checked when signing.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] as above.
    pub fn hmac(secret: &[u8]) -> Result<Self> {
        check_hmac_secret(secret)?;
        Ok(Self {
            key_type: KeyType::Hmac,
            key: EncodingKey::from_secret(secret),
            kid: None,
            alg: None,
            secret_len: secret.len(),
            prepared: Prepared::Hmac(HmacKeys::new(secret)),
        })
    }

    fn from_pkcs8(der: &[u8]) -> Result<Self> {
        let ec = || {
            EC_TYPES
                .into_iter()
                .find(|&t| sig::EcdsaKeyPair::from_pkcs8(ec_signing(t), der).is_ok())
        };
        let key_type = if sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).is_ok() {
            KeyType::Ed25519
        } else if let Some(t) = ec() {
            t
        } else if let Ok(pair) = sig::RsaKeyPair::from_pkcs8(der) {
            check_rsa_modulus(pair.public_modulus_len())?;
            KeyType::Rsa
        } else {
            return Err(bad_key(
                "the private key is not a supported RSA (2048-8192 bit), P-256, P-384, P-521, \
                 secp256k1 or Ed25519 key",
            ));
        };
        Self::from_typed_pkcs8(key_type, der)
    }

    fn from_typed_pkcs8(key_type: KeyType, der: &[u8]) -> Result<Self> {
        let unusable = |what: &str| bad_key(format!("unusable {what} private key"));
        let prepared = match key_type {
            KeyType::Rsa => Prepared::Rsa(std::sync::Arc::new(
                sig::RsaKeyPair::from_pkcs8(der).map_err(|_| unusable("RSA"))?,
            )),
            t if t.is_ec() => Prepared::Ec(std::sync::Arc::new(
                sig::EcdsaKeyPair::from_pkcs8(ec_signing(key_type), der)
                    .map_err(|_| unusable("EC"))?,
            )),
            KeyType::Ed25519 => Prepared::Ed(std::sync::Arc::new(
                sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                    .map_err(|_| unusable("Ed25519"))?,
            )),
            _ => return Err(bad_key("an HMAC secret has no PKCS#8 form")),
        };
        let key = match key_type {
            KeyType::Rsa => {
                // jsonwebtoken signs RSA from the PKCS#1 form inside the PKCS#8 wrapper.
                let pem = Zeroizing::new(pem::encode(&pem::Pem::new("PRIVATE KEY", der.to_vec())));
                EncodingKey::from_rsa_pem(pem.as_bytes())
                    .map_err(|e| bad_key(format!("unusable RSA private key: {e}")))?
            }
            KeyType::Ed25519 => EncodingKey::from_ed_der(der),
            t if t.is_ec() => EncodingKey::from_ec_der(der),
            _ => return Err(bad_key("an HMAC secret has no PKCS#8 form")),
        };
        Ok(Self {
            key_type,
            key,
            kid: None,
            alg: None,
            secret_len: 0,
            prepared,
        })
    }

    /// Signs with the parsed asymmetric key; `None` for HMAC secrets (signed by `jsonwebtoken`).
    pub(super) fn sign_prepared(&self, alg: Algorithm, input: &[u8]) -> Result<Option<Vec<u8>>> {
        let failed = || Error::backend(format!("{alg} signing failed"));
        let rng = aws_lc_rs::rand::SystemRandom::new();
        match &self.prepared {
            Prepared::Hmac(keys) => Ok(Some(
                aws_lc_rs::hmac::sign(keys.key(alg), input)
                    .as_ref()
                    .to_vec(),
            )),
            Prepared::Rsa(pair) => {
                let padding: &'static dyn sig::RsaEncoding = match alg {
                    Algorithm::RS256 => &sig::RSA_PKCS1_SHA256,
                    Algorithm::RS384 => &sig::RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &sig::RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &sig::RSA_PSS_SHA256,
                    Algorithm::PS384 => &sig::RSA_PSS_SHA384,
                    Algorithm::PS512 => &sig::RSA_PSS_SHA512,
                    _ => return Err(bad_key(format!("{alg} cannot be used with an RSA key"))),
                };
                let mut out = vec![0u8; pair.public_modulus_len()];
                pair.sign(padding, &rng, input, &mut out)
                    .map_err(|_| failed())?;
                Ok(Some(out))
            }
            Prepared::Ec(pair) => Ok(Some(
                pair.sign(&rng, input)
                    .map_err(|_| failed())?
                    .as_ref()
                    .to_vec(),
            )),
            Prepared::Ed(pair) => Ok(Some(pair.sign(input).as_ref().to_vec())),
        }
    }

    /// A private key from PEM: PKCS#8 (`PRIVATE KEY`: RSA, P-256, P-384, Ed25519), PKCS#1
    /// (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`). Encrypted keys are not supported.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] for anything else, naming what was found.
    pub fn from_pem(pem_text: &[u8]) -> Result<Self> {
        let block = pem::parse(pem_text).map_err(|e| {
            bad_key(format!(
                "Could not parse the provided private key. It is not valid PEM: {e}"
            ))
        })?;
        let der = Zeroizing::new(block.contents().to_vec());
        match block.tag() {
            "PRIVATE KEY" => Self::from_pkcs8(&der),
            "RSA PRIVATE KEY" => {
                let pair = sig::RsaKeyPair::from_der(&der).map_err(|e| {
                    // aws-lc refuses keys under 2048 bits itself: say so in core's words.
                    if e.to_string().contains("TooSmall") {
                        bad_key(format!(
                            "RSA keys must be at least {MIN_RSA_BITS} bits (this one is smaller)"
                        ))
                    } else {
                        bad_key(format!("unusable PKCS#1 RSA private key: {e}"))
                    }
                })?;
                check_rsa_modulus(pair.public_modulus_len())?;
                let pkcs8 = pair
                    .as_der()
                    .map_err(|_| bad_key("the RSA key could not be re-encoded as PKCS#8"))?;
                Self::from_typed_pkcs8(KeyType::Rsa, pkcs8.as_ref())
            }
            "EC PRIVATE KEY" => {
                for t in EC_TYPES {
                    if let Ok(pair) = sig::EcdsaKeyPair::from_private_key_der(ec_signing(t), &der) {
                        let pkcs8 = pair
                            .to_pkcs8v1()
                            .map_err(|_| bad_key("the EC key could not be re-encoded"))?;
                        return Self::from_typed_pkcs8(t, pkcs8.as_ref());
                    }
                }
                Err(bad_key(
                    "the SEC1 EC private key is not on P-256, P-384, P-521 or secp256k1 (or is \
                     malformed)",
                ))
            }
            "ENCRYPTED PRIVATE KEY" => Err(bad_key(
                "encrypted private keys are not supported; decrypt the key first",
            )),
            other => Err(bad_key(format!(
                "a private key is needed to sign, but the PEM block is {other:?}"
            ))),
        }
    }

    /// A key from a JWK (JSON object): `oct` (member `k`), or a private `RSA` (`n e d`, with all
    /// of `p q dp dq qi` or none, which are then recovered), `EC` (`x y d`) or `OKP` Ed25519
    /// (`x d`) key. `kid` and `alg` are kept.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] for malformed or public-only JWKs.
    pub fn from_jwk(jwk_json: &str) -> Result<Self> {
        Self::from_jwk_map(&parse_jwk_json(jwk_json)?)
    }

    /// As [`SigningKey::from_jwk`], from an already parsed JSON object.
    ///
    /// # Errors
    /// As [`SigningKey::from_jwk`].
    pub fn from_jwk_map(obj: &Map<String, Value>) -> Result<Self> {
        let key_type = jwk_type(obj)?;
        if key_type != KeyType::Hmac && !obj.contains_key("d") {
            return Err(bad_key(
                "the JWK is a public key; signing needs the private key (member \"d\")",
            ));
        }
        let mut key = match key_type {
            KeyType::Hmac => Self::hmac(&jwk_b64(obj, "k")?)?,
            KeyType::Rsa => {
                // RFC 7518 section 6.3.2.7: a key of more than two primes is refused, never used
                // with its other primes ignored.
                if obj.contains_key("oth") {
                    return Err(bad_key(
                        "multi-prime RSA JWKs (member \"oth\") are not supported",
                    ));
                }
                let get = |n: &str| jwk_b64(obj, n);
                let (n, e, d) = (get("n")?, get("e")?, get("d")?);
                let [p, q, dp, dq, qi] = rsa_crt_members(obj, &n, &e, &d)?;
                let pair = sig::RsaKeyPair::from_components(&aws_lc_rs::rsa::KeyPairComponents {
                    public_key: aws_lc_rs::rsa::PublicKeyComponents {
                        n: n.as_slice(),
                        e: e.as_slice(),
                    },
                    d: d.as_slice(),
                    p: p.as_slice(),
                    q: q.as_slice(),
                    dP: dp.as_slice(),
                    dQ: dq.as_slice(),
                    qInv: qi.as_slice(),
                })
                .map_err(|e| bad_key(format!("inconsistent RSA JWK: {e}")))?;
                check_rsa_modulus(pair.public_modulus_len())?;
                let pkcs8 = pair
                    .as_der()
                    .map_err(|_| bad_key("the RSA key could not be encoded"))?;
                Self::from_typed_pkcs8(KeyType::Rsa, pkcs8.as_ref())?
            }
            KeyType::EcP256 | KeyType::EcP384 | KeyType::EcP521 | KeyType::EcSecp256k1 => {
                let point = ec_point(obj, key_type)?;
                let d = jwk_b64(obj, "d")?;
                let pair = sig::EcdsaKeyPair::from_private_key_and_public_key(
                    ec_signing(key_type),
                    &d,
                    &point,
                )
                .map_err(|e| bad_key(format!("inconsistent EC JWK: {e}")))?;
                let pkcs8 = pair
                    .to_pkcs8v1()
                    .map_err(|_| bad_key("the EC key could not be encoded"))?;
                Self::from_typed_pkcs8(key_type, pkcs8.as_ref())?
            }
            KeyType::Ed25519 => {
                let (d, x) = (jwk_b64(obj, "d")?, jwk_b64(obj, "x")?);
                let pair = sig::Ed25519KeyPair::from_seed_and_public_key(&d, &x)
                    .map_err(|e| bad_key(format!("inconsistent Ed25519 JWK: {e}")))?;
                let pkcs8 = pair
                    .to_pkcs8()
                    .map_err(|_| bad_key("the Ed25519 key could not be encoded"))?;
                Self::from_typed_pkcs8(KeyType::Ed25519, pkcs8.as_ref())?
            }
        };
        key.alg = jwk_alg(obj, key_type)?;
        key.kid = jwk_str(obj, "kid")?.map(str::to_owned);
        Ok(key)
    }

    key_common!();

    pub(super) fn inner(&self) -> &EncodingKey {
        &self.key
    }
}

fn check_fit(key_type: KeyType, key_alg: Option<Algorithm>, alg: Algorithm) -> Result<()> {
    if !key_type.fits(alg) {
        return Err(bad_key(format!(
            "algorithm {alg} needs {}, not {}",
            alg.key_type().as_str(),
            key_type.as_str()
        )));
    }
    if let Some(k) = key_alg {
        if k != alg {
            return Err(bad_key(format!(
                "the key is for {k} (its JWK \"alg\"), not {alg}"
            )));
        }
    }
    Ok(())
}

/// RFC 7518 §3.2: an HMAC key must be at least as long as the hash output.
fn check_hmac_len(len: usize, alg: Algorithm) -> Result<()> {
    let min = alg.hmac_min_key_len();
    if len < min {
        return Err(bad_key(format!(
            "the HMAC secret is {len} bytes, below the minimum of {min} that {alg} needs (RFC \
             7518 section 3.2). Use a longer random secret, or opt out explicitly"
        )));
    }
    Ok(())
}

/// A key to verify tokens with: an HMAC secret or a public key (private keys given here are
/// reduced to their public half).
#[derive(Clone)]
pub struct VerifyingKey {
    key_type: KeyType,
    key: DecodingKey,
    kid: Option<String>,
    alg: Option<Algorithm>,
    secret_len: usize,
    hmac: Option<std::sync::Arc<HmacKeys>>,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("key_type", &self.key_type)
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// An HMAC secret (same checks as [`SigningKey::hmac`]).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] for empty secrets and PEM/SSH keys.
    pub fn hmac(secret: &[u8]) -> Result<Self> {
        check_hmac_secret(secret)?;
        let mut key = Self::typed(
            KeyType::Hmac,
            DecodingKey::from_secret(secret),
            secret.len(),
        );
        key.hmac = Some(HmacKeys::new(secret));
        Ok(key)
    }

    fn typed(key_type: KeyType, key: DecodingKey, secret_len: usize) -> Self {
        Self {
            key_type,
            key,
            kid: None,
            alg: None,
            secret_len,
            hmac: None,
        }
    }

    /// The uncompressed point of an ES512 / ES256K key, which AWS-LC verifies directly
    /// (`jsonwebtoken` lacks those algorithms); `None` for every other key.
    pub(super) fn ec_point_for_aws_lc(&self) -> Option<&[u8]> {
        if matches!(self.key_type, KeyType::EcP521 | KeyType::EcSecp256k1) {
            self.key.try_get_as_bytes().ok()
        } else {
            None
        }
    }

    /// The HMAC key schedules, for HMAC secrets.
    pub(super) fn hmac_keys(&self) -> Option<&HmacKeys> {
        self.hmac.as_deref()
    }

    fn rsa(n: &[u8], e: &[u8]) -> Result<Self> {
        let n = strip_zeros(n);
        check_rsa_modulus(n.len())?;
        Ok(Self::typed(
            KeyType::Rsa,
            DecodingKey::from_rsa_raw_components(n, strip_zeros(e)),
            0,
        ))
    }

    fn ec(key_type: KeyType, point: &[u8]) -> Result<Self> {
        // Checks the point is on the curve now rather than failing every verification later.
        if point.first() != Some(&4) || point.len() != 1 + 2 * ec_coord(key_type) {
            return Err(bad_key(format!(
                "the point is not an uncompressed point of {}",
                key_type.as_str()
            )));
        }
        sig::ParsedPublicKey::new(ec_verifying(key_type), point)
            .map_err(|_| bad_key(format!("the point is not a valid {}", key_type.as_str())))?;
        Ok(Self::typed(key_type, DecodingKey::from_ec_der(point), 0))
    }

    fn ed25519(public: &[u8]) -> Result<Self> {
        if public.len() != 32 {
            return Err(bad_key("an Ed25519 public key is 32 bytes"));
        }
        Ok(Self::typed(
            KeyType::Ed25519,
            DecodingKey::from_ed_der(public),
            0,
        ))
    }

    fn from_signing(key: &SigningKey) -> Result<Self> {
        let der = key.key.as_bytes();
        let mut v = match key.key_type {
            KeyType::Hmac => Self::hmac(der)?,
            KeyType::Rsa => {
                let pair = sig::RsaKeyPair::from_der(der)
                    .map_err(|e| bad_key(format!("unusable RSA key: {e}")))?;
                let c = sig::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key());
                Self::rsa(&c.n, &c.e)?
            }
            t @ (KeyType::EcP256 | KeyType::EcP384 | KeyType::EcP521 | KeyType::EcSecp256k1) => {
                let pair = sig::EcdsaKeyPair::from_pkcs8(ec_signing(t), der)
                    .map_err(|e| bad_key(format!("unusable EC key: {e}")))?;
                Self::ec(t, pair.public_key().as_ref())?
            }
            KeyType::Ed25519 => {
                let pair = sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                    .map_err(|e| bad_key(format!("unusable Ed25519 key: {e}")))?;
                Self::ed25519(pair.public_key().as_ref())?
            }
        };
        v.kid.clone_from(&key.kid);
        v.alg = key.alg;
        Ok(v)
    }

    /// A public key from PEM: SPKI (`PUBLIC KEY`: RSA, P-256, P-384, Ed25519) or PKCS#1
    /// (`RSA PUBLIC KEY`). A private key PEM is accepted too and reduced to its public half
    /// (as PyJWT does).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] for anything else.
    pub fn from_pem(pem_text: &[u8]) -> Result<Self> {
        let block = pem::parse(pem_text).map_err(|e| {
            bad_key(format!(
                "Could not parse the provided public key. It is not valid PEM: {e}"
            ))
        })?;
        match block.tag() {
            "PUBLIC KEY" => Self::from_spki(block.contents()),
            "RSA PUBLIC KEY" => {
                let key = aws_lc_rs::rsa::PublicKey::from_der(block.contents())
                    .map_err(|e| bad_key(format!("unusable PKCS#1 RSA public key: {e}")))?;
                Self::rsa(
                    key.modulus().big_endian_without_leading_zero(),
                    key.exponent().big_endian_without_leading_zero(),
                )
            }
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                Self::from_signing(&SigningKey::from_pem(pem_text)?)
            }
            "CERTIFICATE" => Err(bad_key(
                "X.509 certificates are not accepted; pass the certificate's public key",
            )),
            other => Err(bad_key(format!(
                "unsupported PEM block {other:?}; expected a public key"
            ))),
        }
    }

    fn from_spki(der: &[u8]) -> Result<Self> {
        let pem = pem::encode(&pem::Pem::new("PUBLIC KEY", der.to_vec()));
        if let Ok(k) = DecodingKey::from_ed_pem(pem.as_bytes()) {
            let raw = k.try_get_as_bytes().map_err(|e| bad_key(e.to_string()))?;
            return Self::ed25519(raw);
        }
        // An EC key: AWS-LC reads the SPKI and checks its curve; the point is the SPKI's tail.
        for t in EC_TYPES {
            if sig::ParsedPublicKey::new(ec_verifying(t), der).is_ok() {
                let len = 1 + 2 * ec_coord(t);
                return Self::ec(
                    t,
                    der.get(der.len().saturating_sub(len)..).unwrap_or_default(),
                );
            }
        }
        if let Ok(k) = DecodingKey::from_rsa_pem(pem.as_bytes()) {
            let raw = k.try_get_as_bytes().map_err(|e| bad_key(e.to_string()))?;
            let key = aws_lc_rs::rsa::PublicKey::from_der(raw)
                .map_err(|e| bad_key(format!("unusable RSA public key: {e}")))?;
            return Self::rsa(
                key.modulus().big_endian_without_leading_zero(),
                key.exponent().big_endian_without_leading_zero(),
            );
        }
        Err(bad_key(
            "the public key is not a supported RSA, P-256, P-384, P-521, secp256k1 or Ed25519 key",
        ))
    }

    /// A key from a JWK (JSON object): `oct`, `RSA`, `EC` (P-256, P-384) or `OKP` (Ed25519).
    /// Private members are ignored; `kid` and `alg` are kept (a key with `alg` verifies only that
    /// algorithm).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] for malformed or unsupported JWKs.
    pub fn from_jwk(jwk_json: &str) -> Result<Self> {
        Self::from_jwk_map(&parse_jwk_json(jwk_json)?)
    }

    /// As [`VerifyingKey::from_jwk`], from an already parsed JSON object.
    ///
    /// # Errors
    /// As [`VerifyingKey::from_jwk`].
    pub fn from_jwk_map(obj: &Map<String, Value>) -> Result<Self> {
        let key_type = jwk_type(obj)?;
        let mut key = match key_type {
            KeyType::Hmac => Self::hmac(&jwk_b64(obj, "k")?)?,
            KeyType::Rsa => Self::rsa(&jwk_b64(obj, "n")?, &jwk_b64(obj, "e")?)?,
            KeyType::EcP256 | KeyType::EcP384 | KeyType::EcP521 | KeyType::EcSecp256k1 => {
                Self::ec(key_type, &ec_point(obj, key_type)?)?
            }
            KeyType::Ed25519 => Self::ed25519(&jwk_b64(obj, "x")?)?,
        };
        key.alg = jwk_alg(obj, key_type)?;
        key.kid = jwk_str(obj, "kid")?.map(str::to_owned);
        Ok(key)
    }

    key_common!();

    pub(super) fn inner(&self) -> &DecodingKey {
        &self.key
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(start..).unwrap_or_default()
}

/// A JWK set (`{"keys": [...]}`), from which the key for a token is picked by its `kid`.
///
/// ```
/// use bulwark::jwt::{self, Algorithm, JwkSet, SigningKey, Validation, Verifier};
/// let jwks = r#"{"keys": [
///     {"kty": "oct", "kid": "2026-11", "alg": "HS256",
///      "k": "YSBzZWNyZXQgb2YgYXQgbGVhc3QgdGhpcnR5LXR3byBieXRlcyE"}
/// ]}"#;
/// let verifier = Verifier::with_jwks(JwkSet::from_json(jwks)?, Validation::new(&[Algorithm::HS256]))?;
/// let header = bulwark::serde_json::json!({"kid": "2026-11"});
/// let key = SigningKey::hmac(b"a secret of at least thirty-two bytes!")?;
/// let claims = bulwark::serde_json::json!({"sub": "ann"});
/// let token = jwt::encode(Algorithm::HS256, &key, &claims, header.as_object())?;
/// assert_eq!(verifier.verify(&token)?.claims["sub"], "ann");
/// // A kid the set does not hold is refused, never tried against another key.
/// let other = bulwark::serde_json::json!({"kid": "2020-01"});
/// let stale = jwt::encode(Algorithm::HS256, &key, &claims, other.as_object())?;
/// assert_eq!(verifier.verify(&stale).unwrap_err().kind(), bulwark::ErrorKind::InvalidKey);
/// # Ok::<(), bulwark::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct JwkSet {
    keys: Vec<VerifyingKey>,
    skipped: usize,
}

/// Whether a JWK of a set may verify signatures: every key but those marked `"use": "enc"`
/// (encryption keys, RFC 7517 section 4.2). The one rule for [`JwkSet`] and the doors' key sets.
///
/// ```
/// use bulwark::jwt::is_signature_key;
/// let enc = bulwark::serde_json::json!({"kty": "RSA", "use": "enc"});
/// assert!(!is_signature_key(enc.as_object().unwrap()));
/// let sig = bulwark::serde_json::json!({"kty": "RSA", "use": "sig"});
/// assert!(is_signature_key(sig.as_object().unwrap()));
/// ```
#[must_use]
pub fn is_signature_key(jwk: &Map<String, Value>) -> bool {
    jwk.get("use").and_then(Value::as_str) != Some("enc")
}

impl JwkSet {
    /// Parses JWKS JSON. Keys marked `"use": "enc"` and keys of unsupported types are skipped
    /// (as PyJWT does); a set with no usable key at all is an error.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] for malformed JSON or a set without usable signing keys.
    pub fn from_json(jwks_json: &str) -> Result<Self> {
        let obj = parse_jwk_json(jwks_json)?;
        let list = obj
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| bad_key("a JWK set must have a \"keys\" array"))?;
        let mut keys = Vec::new();
        let mut skipped = 0;
        let mut last_error = None;
        for item in list {
            let Value::Object(map) = item else {
                skipped += 1;
                continue;
            };
            if !is_signature_key(map) {
                skipped += 1;
                continue;
            }
            match VerifyingKey::from_jwk_map(map) {
                Ok(k) => keys.push(k),
                Err(e) => {
                    skipped += 1;
                    last_error = Some(e);
                }
            }
        }
        if keys.is_empty() {
            return Err(bad_key(match last_error {
                Some(e) => format!("the JWK set has no usable signing key ({})", e.message()),
                None => "the JWK set has no usable signing key".to_owned(),
            }));
        }
        Ok(Self { keys, skipped })
    }

    /// Makes a set from keys (for callers that load keys themselves).
    #[must_use]
    pub fn from_keys(keys: Vec<VerifyingKey>) -> Self {
        Self { keys, skipped: 0 }
    }

    /// The key with this `kid`, if any.
    #[must_use]
    pub fn find(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|k| k.kid() == Some(kid))
    }

    /// The usable keys.
    #[must_use]
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// How many entries were skipped as unusable (encryption keys, unsupported types).
    #[must_use]
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Picks the key for a token: by `kid` when the token has one, else the only key that fits
    /// `alg`.
    pub(super) fn select(&self, kid: Option<&str>, alg: Algorithm) -> Result<&VerifyingKey> {
        let i = select_key_index(
            self.keys.iter().map(|k| (k.kid(), k.key_type.fits(alg))),
            kid,
        )?;
        self.keys
            .get(i)
            .ok_or_else(|| Error::internal("selected key index out of range"))
    }
}

/// The one rule that picks a token's key from a set, for `JwkSet` and for a door that keeps its
/// own list of keys (Python's `PyJWKClient`): the first key whose `kid` the token names; or, when
/// the token names none, the only key that fits (`(kid, fits)` per key, in order), if exactly
/// one does. A door that does not know the algorithm yet passes `fits = true` for every key.
///
/// ```
/// use bulwark::jwt::select_key_index;
/// let keys = [(Some("2026-10"), true), (Some("2026-11"), true)];
/// assert_eq!(select_key_index(keys, Some("2026-11"))?, 1);
/// assert!(select_key_index(keys, Some("2019-01")).is_err());   // never another key instead
/// assert!(select_key_index(keys, None).is_err());              // no kid, two candidates
/// assert_eq!(select_key_index([(None, true)], None)?, 0);
/// # Ok::<(), bulwark::Error>(())
/// ```
///
/// # Errors
/// [`ErrorKind::InvalidKey`] naming what is missing.
pub fn select_key_index<'a>(
    keys: impl IntoIterator<Item = (Option<&'a str>, bool)>,
    kid: Option<&str>,
) -> Result<usize> {
    let mut keys = keys.into_iter().enumerate();
    match kid {
        Some(kid) => keys
            .find(|(_, (k, _))| *k == Some(kid))
            .map(|(i, _)| i)
            .ok_or_else(|| bad_key(format!("no key in the JWK set has kid {kid:?}"))),
        None => {
            let mut fitting = keys.filter(|(_, (_, fits))| *fits);
            match (fitting.next(), fitting.next()) {
                (Some((i, _)), None) => Ok(i),
                (None, _) => Err(bad_key("no key in the JWK set fits the token's algorithm")),
                (Some(_), Some(_)) => Err(bad_key(
                    "the token has no kid and several keys in the JWK set could match",
                )),
            }
        }
    }
}

/// Generates a new key pair for `alg` and returns it as PEM: (PKCS#8 private key, SPKI public
/// key). RSA keys are 2048 bits (use `openssl` or your KMS for other sizes); HMAC algorithms have
/// no key pair (use [`crate::random::token_bytes`] for a secret of at least
/// [`Algorithm::hmac_min_key_len`] bytes).
///
/// # Errors
/// [`ErrorKind::InvalidInput`] for HMAC algorithms; [`ErrorKind::Backend`] if the OS random
/// source fails.
pub fn generate_pem(alg: Algorithm) -> Result<(Zeroizing<String>, String)> {
    let failed = |what: &str| Error::backend(format!("{what} key generation failed"));
    let pem_of = |label: &str, der: &[u8]| pem::encode(&pem::Pem::new(label, der.to_vec()));
    let (private, public) = match alg.key_type() {
        KeyType::Hmac => {
            return Err(Error::invalid_input(format!(
                "{alg} uses a shared secret, not a key pair: use {} random bytes",
                alg.hmac_min_key_len()
            )))
        }
        KeyType::Rsa => {
            let pair = sig::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|_| failed("RSA"))?;
            let private = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair)
                .map_err(|_| failed("RSA"))?;
            let public = pair.public_key().as_der().map_err(|_| failed("RSA"))?;
            (
                pem_of("PRIVATE KEY", private.as_ref()),
                pem_of("PUBLIC KEY", public.as_ref()),
            )
        }
        t @ (KeyType::EcP256 | KeyType::EcP384 | KeyType::EcP521 | KeyType::EcSecp256k1) => {
            let pair = sig::EcdsaKeyPair::generate(ec_signing(t)).map_err(|_| failed("EC"))?;
            let private = pair.to_pkcs8v1().map_err(|_| failed("EC"))?;
            let public = pair.public_key().as_der().map_err(|_| failed("EC"))?;
            (
                pem_of("PRIVATE KEY", private.as_ref()),
                pem_of("PUBLIC KEY", public.as_ref()),
            )
        }
        KeyType::Ed25519 => {
            let pair = sig::Ed25519KeyPair::generate().map_err(|_| failed("Ed25519"))?;
            let private = pair.to_pkcs8v1().map_err(|_| failed("Ed25519"))?;
            let public = pair.public_key().as_der().map_err(|_| failed("Ed25519"))?;
            (
                pem_of("PRIVATE KEY", private.as_ref()),
                pem_of("PUBLIC KEY", public.as_ref()),
            )
        }
    };
    Ok((Zeroizing::new(private), public))
}
