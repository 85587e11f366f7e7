//! The properties the fuzz targets check, one function per target.
//!
//! Shared by the libFuzzer targets (`fuzz/fuzz_targets/*.rs`, through `bulwark_fuzz::props`)
//! and by the normal test suite (`core/tests/fuzz_corpus.rs` replays `fuzz/corpus/` and
//! `fuzz/regressions/` through these same functions), so every input the fuzzer ever kept, and
//! every crash it found, is checked again by `make test` on the stable toolchain.
//!
//! A property failure is a panic (what libFuzzer reports as a crash); an `Err` from the library
//! on hostile input is the expected outcome, never a failure.

use bulwark::aead::{self, Keyring};
use bulwark::apikey;
use bulwark::fernet::Fernet;
use bulwark::headers::{CorsConfig, CorsPolicy};
use bulwark::jwt::{self, Algorithm, EncodeOptions, JwkSet, SigningKey, Validation, Verifier};
use bulwark::otp::{self, Secret, Totp};
use bulwark::password::{self, argon2id, bcrypt, Argon2Params, HashInfo};
use bulwark::ratelimit;
use bulwark::redact::{Redactor, REDACTED};
use bulwark::ErrorKind;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// A property check over one fuzz input.
pub type Check = fn(&[u8]);

/// Every target: its name (the `fuzz/fuzz_targets/<name>.rs` and `fuzz/corpus/<name>/`) and check.
pub const TARGETS: &[(&str, Check)] = &[
    ("jwt_decode", jwt_decode),
    ("jwks_parse", jwks_parse),
    ("fernet_decrypt", fernet_decrypt),
    ("keyring_decrypt", keyring_decrypt),
    ("password_verify", password_verify),
    ("otp_uri", otp_uri),
    ("otp_secret", otp_secret),
    ("rate_parse", rate_parse),
    ("apikey_parse", apikey_parse),
    ("redact", redact),
    ("cors_origin", cors_origin),
];

/// A fixed clock for JWT checks, so a run does not depend on the day.
const NOW: f64 = 1_800_000_000.0;

/// Splits `data` at its first byte: (selector, rest).
fn split_first(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&b, rest)) => (b, rest),
        None => (0, data),
    }
}

/// `data` as text, lossily (fuzzers mostly produce bytes; the APIs take `&str`).
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Replaces the byte at `pos % len` with a different printable ASCII byte; `None` when empty.
fn flip(s: &str, pos: usize, with: u8) -> Option<String> {
    let mut bytes = s.as_bytes().to_vec();
    let len = bytes.len();
    let b = bytes.get_mut(pos.checked_rem(len)?)?;
    let mut new = b' ' + (with % 95);
    if new == *b {
        new = if new == b'~' { b' ' } else { new + 1 };
    }
    *b = new;
    // Writing ASCII over one byte of a multi-byte character leaves invalid UTF-8: read lossily.
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

struct JwtKeys {
    verifiers: Vec<(Algorithm, SigningKey, Verifier)>,
}

/// One signing key and one verifier per algorithm, made once per process. HMAC secrets are
/// fixed so that tokens in the seed corpus verify and the fuzzer mutates from valid tokens.
fn jwt_keys() -> &'static JwtKeys {
    static KEYS: OnceLock<JwtKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut verifiers = Vec::new();
        let rsa = jwt::generate_pem(Algorithm::RS256).expect("RSA key pair");
        let p256 = jwt::generate_pem(Algorithm::ES256).expect("P-256 key pair");
        let p384 = jwt::generate_pem(Algorithm::ES384).expect("P-384 key pair");
        let ed = jwt::generate_pem(Algorithm::EdDSA).expect("Ed25519 key pair");
        let p521 = jwt::generate_pem(Algorithm::ES512).expect("P-521 key pair");
        let k1 = jwt::generate_pem(Algorithm::ES256K).expect("secp256k1 key pair");
        for alg in Algorithm::ALL {
            let (signing, verifying) = match alg {
                Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
                    let secret = [b'k'; 64];
                    (
                        SigningKey::hmac(&secret).expect("HMAC key"),
                        jwt::VerifyingKey::hmac(&secret).expect("HMAC key"),
                    )
                }
                _ => {
                    let (private, public) = match alg {
                        Algorithm::ES256 => &p256,
                        Algorithm::ES384 => &p384,
                        Algorithm::ES512 => &p521,
                        Algorithm::ES256K => &k1,
                        Algorithm::EdDSA => &ed,
                        _ => &rsa,
                    };
                    (
                        SigningKey::from_pem(private.as_bytes()).expect("private PEM"),
                        jwt::VerifyingKey::from_pem(public.as_bytes()).expect("public PEM"),
                    )
                }
            };
            let verifier = Verifier::new(verifying, Validation::new(&[alg])).expect("verifier");
            verifiers.push((alg, signing, verifier));
        }
        JwtKeys { verifiers }
    })
}

/// JWT decode. Arbitrary bytes as a token against a verifier of every algorithm: whatever
/// verifies must be exactly what `decode_unverified` reads, and must stop verifying when any
/// byte changes. Then the input's tail as claims JSON: signed, it verifies and round-trips
/// byte for byte; with one byte flipped, it never verifies.
pub fn jwt_decode(data: &[u8]) {
    let keys = jwt_keys();
    let token = text(data);
    let header = jwt::unverified_header(&token);
    for (alg, _, verifier) in &keys.verifiers {
        if let Ok(decoded) = verifier.verify_at(&token, NOW) {
            assert_eq!(decoded.algorithm, *alg, "verified under another algorithm");
            assert!(
                header.is_ok(),
                "verified a token whose header does not parse"
            );
            let plain =
                jwt::dangerous::decode_unverified(&token, usize::MAX).expect("verified, so parses");
            assert_eq!(plain.claims_unverified(), &decoded.claims);
            for pos in 0..token.len() {
                if let Some(changed) = flip(&token, pos, data.len() as u8) {
                    if changed != token {
                        assert!(
                            verifier.verify_at(&changed, NOW).is_err(),
                            "{alg}: token with byte {pos} changed still verifies"
                        );
                    }
                }
            }
        }
    }

    let (selector, rest) = split_first(data);
    let Some((alg, signing, verifier)) = keys
        .verifiers
        .get(usize::from(selector) % keys.verifiers.len())
    else {
        return;
    };
    let claims_text = text(rest);
    let Ok(signed) = jwt::encode_json(*alg, signing, &claims_text, None, EncodeOptions::default())
    else {
        return;
    };
    let claims: Map<String, Value> =
        serde_json::from_str(&claims_text).expect("encode_json accepted it, so it is an object");
    match verifier.verify_at(&signed, NOW) {
        Ok(decoded) => {
            assert_eq!(
                decoded.payload_json, claims_text,
                "payload not signed verbatim"
            );
            assert_eq!(decoded.claims, claims);
        }
        // Signing has no size limit (a verifier may be configured to take big tokens); the
        // default verifier refuses tokens over `max_token_len` before reading them.
        Err(e) if signed.len() > verifier.validation().max_token_len => {
            assert_eq!(
                e.kind(),
                ErrorKind::Malformed,
                "{alg}: oversized token: {e}"
            );
        }
        // A claim may legitimately fail validation (expired, wrong audience, ...), but the
        // signature over what we just signed must never be the reason.
        Err(e) => assert!(
            !matches!(
                e.kind(),
                ErrorKind::VerificationFailed | ErrorKind::Malformed | ErrorKind::InvalidKey
            ),
            "{alg}: our own token failed: {e}"
        ),
    }
    let pos = usize::from(selector) * 7 + rest.len();
    if let Some(changed) = flip(&signed, pos, selector) {
        assert!(
            verifier.verify_at(&changed, NOW).is_err(),
            "{alg}: a token with one byte changed verified"
        );
    }
}

/// JWKS JSON: whatever parses yields keys that are findable by their `kid` and usable as a
/// verifier (or refused with a typed error), and no key verifies a token it did not sign.
pub fn jwks_parse(data: &[u8]) {
    let json = text(data);
    let _ = jwt::VerifyingKey::from_jwk(&json);
    let _ = SigningKey::from_jwk(&json);
    let Ok(set) = JwkSet::from_json(&json) else {
        return;
    };
    for key in set.keys() {
        if let Some(kid) = key.kid() {
            assert!(set.find(kid).is_some(), "a listed kid is not found");
        }
    }
    if let Ok(verifier) = Verifier::with_jwks(set, Validation::new(&[Algorithm::HS256])) {
        // A token signed with a key the set cannot hold must not verify.
        let keys = jwt_keys();
        if let Some((_, signing, _)) = keys.verifiers.first() {
            let token = jwt::encode_json(
                Algorithm::HS256,
                signing,
                "{\"sub\":\"x\"}",
                None,
                EncodeOptions::default(),
            )
            .expect("sign");
            let fixed_secret_listed = verifier.verify_at(&token, NOW).is_ok();
            // Only a set holding the fuzz secret itself ('k' x 64, base64url "a2tr...") may verify.
            assert!(
                !fixed_secret_listed || json.contains("a2tra2tr"),
                "a JWKS without our secret verified our token"
            );
        }
    }
}

fn fernet() -> &'static Fernet {
    static F: OnceLock<Fernet> = OnceLock::new();
    // A fixed key (32 bytes of 0x01..0x20) so that seed tokens decrypt.
    F.get_or_init(|| {
        Fernet::new("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=").expect("fernet key")
    })
}

/// Fernet decrypt: arbitrary tokens decrypt only if they are ours, and then re-encrypt to the
/// same plaintext; our tokens round-trip and never decrypt with one byte changed.
pub fn fernet_decrypt(data: &[u8]) {
    let f = fernet();
    let token = text(data);
    if let Ok(plain) = f.decrypt(&token, None) {
        let ts = f
            .extract_timestamp(&token)
            .expect("decrypted, so has a timestamp");
        let again = f.encrypt_at_time(&plain, ts).expect("encrypt");
        assert_eq!(f.decrypt(&again, None).expect("round trip"), plain);
        assert_eq!(
            token.len(),
            again.len(),
            "decrypted a token of a non-canonical length"
        );
    }
    let _ = f.extract_timestamp(&token);
    let _ = Fernet::new(&token);

    let (selector, rest) = split_first(data);
    let sealed = f.encrypt_at_time(rest, 1_700_000_000).expect("encrypt");
    assert_eq!(Fernet::token_len(rest.len()), sealed.len());
    assert_eq!(f.decrypt(&sealed, None).expect("own token"), rest);
    assert!(
        f.decrypt_at_time(&sealed, Some(60), 1_700_000_061).is_err(),
        "expired token decrypted"
    );
    if let Some(changed) = flip(&sealed, usize::from(selector) * 13 + rest.len(), selector) {
        assert!(
            f.decrypt(&changed, None).is_err(),
            "a changed Fernet token decrypted"
        );
    }
}

fn keyrings() -> &'static [Keyring; 2] {
    static K: OnceLock<[Keyring; 2]> = OnceLock::new();
    K.get_or_init(|| {
        let gcm = Keyring::generate(aead::Algorithm::Aes256Gcm).expect("keyring");
        gcm.rotate_to(aead::Algorithm::ChaCha20Poly1305)
            .expect("rotate");
        let chacha = Keyring::generate(aead::Algorithm::ChaCha20Poly1305).expect("keyring");
        [gcm, chacha]
    })
}

/// Keyring: arbitrary sealed bytes never open; arbitrary JSON either loads or is refused; our
/// own ciphertexts open only with the same AAD and never with a byte changed.
pub fn keyring_decrypt(data: &[u8]) {
    let (selector, rest) = split_first(data);
    let rings = keyrings();
    for ring in rings {
        assert!(
            ring.decrypt(rest, b"").is_err() && ring.decrypt(rest, rest).is_err(),
            "arbitrary bytes opened"
        );
        if let Some(n) = Keyring::plaintext_len(rest.len()) {
            let mut out = vec![0u8; n];
            assert!(ring.decrypt_into(rest, b"", &mut out).is_err());
        }
    }
    if let Ok(loaded) = Keyring::from_json(&text(rest)) {
        // What loads serialises and loads back to the same keys.
        let again = Keyring::from_json(&loaded.to_json()).expect("own JSON loads");
        assert_eq!(again.keys(), loaded.keys());
        assert_eq!(again.primary_id(), loaded.primary_id());
    }

    let Some(ring) = rings.get(usize::from(selector & 1)) else {
        return;
    };
    let (plain, aad) = rest.split_at(rest.len() / 2);
    let sealed = ring.encrypt(plain, aad).expect("encrypt");
    assert_eq!(ring.decrypt(&sealed, aad).expect("own ciphertext"), plain);
    let mut other_aad = aad.to_vec();
    other_aad.push(selector);
    assert!(
        ring.decrypt(&sealed, &other_aad).is_err(),
        "opened with another AAD"
    );
    let mut changed = sealed.clone();
    let len = changed.len();
    if let Some(b) = changed.get_mut(usize::from(selector) % len) {
        *b ^= 1 << (selector % 8);
    }
    assert!(
        ring.decrypt(&changed, aad).is_err(),
        "a changed ciphertext opened"
    );
    let other = rings.get(usize::from(!selector & 1)).expect("two rings");
    assert!(
        other.decrypt(&sealed, aad).is_err(),
        "another keyring opened it"
    );
}

/// Hashes of "correct horse" made once with the cheapest parameters, for the flip checks.
fn known_hashes() -> &'static [String; 2] {
    static H: OnceLock<[String; 2]> = OnceLock::new();
    H.get_or_init(|| {
        let params = Argon2Params::new(1, 8, 1, 16, 8).expect("params");
        [
            argon2id::hash(b"correct horse", &params).expect("argon2"),
            bcrypt::hash(b"correct horse", 4).expect("bcrypt"),
        ]
    })
}

/// Whether verifying `hash` is cheap enough for a fuzz iteration (its costs are read first:
/// a stored hash may legitimately ask for gigabytes, which is not a bug, only slow).
fn cheap(info: &HashInfo) -> bool {
    match info {
        HashInfo::Argon2(a) => {
            a.params.m_cost() <= 64 && a.params.t_cost() <= 2 && a.params.parallelism() <= 2
        }
        HashInfo::Bcrypt(b) => b.cost <= 5,
    }
}

/// Password-hash verify: arbitrary hash strings of every scheme are parsed or refused with
/// `InvalidInput`, consistently between `identify` and `verify`; a known hash with one byte
/// changed never verifies the right password (bcrypt's interchangeable `$2a$/$2b$/$2y$`
/// prefixes aside); a fresh hash of the input verifies it and nothing else.
pub fn password_verify(data: &[u8]) {
    let (selector, rest) = split_first(data);
    let hash_text = text(rest);
    match password::identify(&hash_text) {
        Ok(info) => {
            if cheap(&info) {
                let r = password::verify(b"correct horse", &hash_text);
                if let Err(e) = &r {
                    assert_ne!(
                        e.kind(),
                        ErrorKind::InvalidInput,
                        "identify accepted, verify refused: {e}"
                    );
                }
                let _ = password::needs_rehash(&hash_text);
            } else if password::CostLimits::DEFAULT.check(&info).is_err() {
                // Above the verifier's cost limits: refused before any hashing (so this is cheap).
                let e = password::verify(b"correct horse", &hash_text)
                    .expect_err("a hash above the cost limits was verified");
                assert_eq!(e.kind(), ErrorKind::InvalidInput);
            }
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert!(
                password::verify(b"x", &hash_text).is_err(),
                "verify accepted what identify refused"
            );
        }
    }

    for known in known_hashes() {
        if let Some(changed) = flip(known, usize::from(selector) * 3 + rest.len(), selector) {
            let same_bcrypt = known.starts_with("$2")
                && changed.len() == known.len()
                && changed.get(4..) == known.get(4..)
                && matches!(changed.get(..4), Some("$2a$" | "$2b$" | "$2y$"));
            // A changed cost digit can ask for 2^14 bcrypt rounds: slow by design, so such a
            // hash is only identified (it still cannot verify: the stored hash is the old one's).
            let affordable = password::identify(&changed).map_or(true, |i| cheap(&i));
            if !same_bcrypt && affordable {
                assert!(
                    !matches!(password::verify(b"correct horse", &changed), Ok(true)),
                    "a changed hash verified: {changed}"
                );
            }
        }
    }

    if selector % 8 == 0 && rest.contains(&0) {
        // C implementations stop at a NUL, so bcrypt refuses to hash such passwords; checking
        // one is a plain mismatch (no such hash exists), never an error and never a match.
        let e = bcrypt::hash(rest, 4).expect_err("NUL accepted by bcrypt");
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let known = known_hashes().get(1).expect("bcrypt hash");
        assert!(
            matches!(password::verify(rest, known), Ok(false)),
            "bcrypt verify of a NUL password was not a plain mismatch"
        );
    } else if selector % 8 == 0 && rest.len() <= bcrypt::MAX_PASSWORD_BYTES {
        let h = bcrypt::hash(rest, 4).expect("bcrypt hash");
        assert!(password::verify(rest, &h).expect("verify"));
        let mut other = rest.to_vec();
        other.push(b'!');
        assert!(!bcrypt::verify(&other, &h).unwrap_or(true) || other.len() > 72);
    } else if selector % 8 == 1 {
        let params = Argon2Params::new(1, 8, 1, 16, 8).expect("params");
        let h = argon2id::hash(rest, &params).expect("argon2 hash");
        assert!(password::verify(rest, &h).expect("verify"));
        let mut other = rest.to_vec();
        other.push(b'!');
        assert!(!password::verify(&other, &h).expect("verify"));
    }
}

/// otpauth URI parse: what parses builds back into a URI that parses to the same content, and
/// what the builder writes parses to what it was given.
pub fn otp_uri(data: &[u8]) {
    let uri = text(data);
    let Ok(parsed) = otp::parse_uri(&uri) else {
        return;
    };
    let steam = parsed.encoding == otp::Encoding::Steam;
    assert!(
        ((6..=10).contains(&parsed.digits) || (steam && parsed.digits == 5)) && parsed.period > 0
    );
    // The secret is usable (a parsed URI never hands out a secret the generator refuses).
    let secret = Secret::from_base32_allow_short(&parsed.secret).expect("parsed secret decodes");
    if parsed.kind == otp::OtpKind::Totp {
        let totp = Totp::new(&secret, parsed.params()).expect("parsed params make a TOTP");
        let code = totp.code_at(1_700_000_000).expect("code");
        assert_eq!(
            totp.verify(&code, 1_700_000_000, 0).expect("own code"),
            Some(totp.step(1_700_000_000).expect("step"))
        );
    }
    let rebuilt = match otp::build_uri(
        parsed.kind,
        &parsed.secret,
        &parsed.account,
        parsed.issuer.as_deref(),
        parsed.params(),
        parsed.counter,
        parsed.image.as_deref(),
    ) {
        Ok(u) => u,
        // Escaping may lengthen a URI that was just under the limit as written.
        Err(e) if e.message().contains("longer than") => return,
        Err(e) => panic!("parsed {parsed:?} but cannot rebuild it: {e}"),
    };
    let again = otp::parse_uri(&rebuilt).unwrap_or_else(|e| panic!("own URI {rebuilt:?}: {e}"));
    assert_eq!(again, parsed, "round trip through {rebuilt:?}");
}

/// Base32 secrets: whatever parses re-encodes to the same bytes, and parsing is lenient only in
/// case, spaces and padding; a secret under 128 bits is refused unless asked for.
pub fn otp_secret(data: &[u8]) {
    let (selector, rest) = split_first(data);
    let s = text(rest);
    if let Ok(secret) = Secret::from_base32_allow_short(&s) {
        let encoded = secret.to_base32();
        let back = Secret::from_base32_allow_short(&encoded).expect("own base32");
        assert_eq!(back.as_bytes(), secret.as_bytes());
        let lower = Secret::from_base32_allow_short(&encoded.to_ascii_lowercase()).expect("lower");
        assert_eq!(lower.as_bytes(), secret.as_bytes());
        match Secret::from_base32(&s) {
            Ok(strict) => {
                assert!(strict.as_bytes().len() >= 16);
                assert_eq!(strict.as_bytes(), secret.as_bytes());
            }
            Err(e) => {
                assert!(
                    secret.as_bytes().len() < 16,
                    "a long secret was refused: {e}"
                );
            }
        }
    } else {
        assert!(Secret::from_base32(&s).is_err());
    }

    // Arbitrary codes against a fixed TOTP never verify unless they are the code of a step in
    // the window, and never panic whatever their length or content.
    let secret = Secret::from_bytes(&[7u8; 20]).expect("secret");
    let totp = Totp::new(&secret, otp::Params::default()).expect("totp");
    let time = 1_700_000_000 + u64::from(selector) * 30;
    let window = u64::from(selector % 4);
    match totp.verify(&s, time, window) {
        Ok(Some(step)) => {
            assert_eq!(
                totp.code_at_step(step),
                s,
                "verified a code that is not the step's"
            );
        }
        // A wrong code is None, never an error.
        Ok(None) => {}
        Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}"),
    }
}

/// Rate strings: what parses prints (`Display`) in a form that parses to the same rates; each
/// rate is positive; malformed strings are `InvalidInput`.
pub fn rate_parse(data: &[u8]) {
    let s = text(data);
    match ratelimit::parse(&s) {
        Ok(rates) => {
            assert!(!rates.is_empty());
            for r in &rates {
                assert!(r.limit() > 0 && r.period_us() > 0);
            }
            let printed: Vec<String> = rates.iter().map(ToString::to_string).collect();
            let again = ratelimit::parse(&printed.join("; ")).expect("printed rates parse");
            assert_eq!(again, rates);
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidInput),
    }
}

fn key_hasher() -> &'static apikey::KeyHasher {
    static H: OnceLock<apikey::KeyHasher> = OnceLock::new();
    H.get_or_init(|| apikey::KeyHasher::new(&[9u8; 32]).expect("pepper"))
}

/// API keys: what parses is exactly `<prefix>_<40 base62>_<checksum>` with the parts returned;
/// a changed byte breaks the checksum or the shape; the redactor removes every valid key; a
/// stored hash verifies its own key only.
pub fn apikey_parse(data: &[u8]) {
    let (selector, rest) = split_first(data);
    let s = text(rest);
    if let Ok(parsed) = apikey::parse(&s) {
        assert!(s.starts_with(&format!("{}_", parsed.prefix)));
        assert!(s.ends_with(&format!("_{}", parsed.checksum)));
        assert_eq!(
            s.len(),
            parsed.prefix.len() + 1 + apikey::RANDOM_LEN + 1 + apikey::CHECKSUM_LEN
        );
        assert!(parsed.key_id.starts_with(&parsed.prefix));
        let redacted = Redactor::default().redact_text(&format!("key={s} done"));
        assert!(!redacted.contains(&s), "a valid API key survived redaction");
        let stored = key_hasher().hash(&s).expect("hash");
        assert!(key_hasher().verify(&s, &stored).expect("verify"));
        if let Some(changed) = flip(&s, usize::from(selector), selector) {
            assert!(
                !key_hasher().verify(&changed, &stored).unwrap_or(false),
                "changed key verified"
            );
        }
    }
    let _ = key_hasher().verify(&s, &s);
    let _ = apikey::check_prefix(&s);
    if let Ok(key) = apikey::generate("fz") {
        let k = key.key().to_owned();
        if let Some(changed) = flip(&k, usize::from(selector) + rest.len(), selector) {
            assert!(
                apikey::parse(&changed).is_err(),
                "a key with one byte changed parsed: {changed}"
            );
        }
    }
}

/// Checks that every value under a sensitive key in `out` is exactly `[REDACTED]`.
fn check_json(r: &Redactor, out: &Value) {
    match out {
        Value::Object(map) => {
            for (k, v) in map {
                if r.is_sensitive(k) {
                    assert_eq!(v, &Value::String(REDACTED.to_owned()), "{k} not redacted");
                } else {
                    check_json(r, v);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| check_json(r, v)),
        _ => {}
    }
}

/// The schemes `redact_header` may keep in front of `[REDACTED]` for Authorization headers.
fn known_scheme(s: &str) -> bool {
    bulwark::redact::AUTH_SCHEMES
        .iter()
        .any(|k| k.eq_ignore_ascii_case(s))
}

/// Redaction of JSON, query strings and headers: the structure is kept, and nothing under a
/// sensitive key survives (structurally: its value is `[REDACTED]`); redacting twice changes
/// nothing more.
pub fn redact(data: &[u8]) {
    let r = Redactor::with_fields(["pin"]);
    let s = text(data);
    if let Ok(out) = r.redact_json_str(&s) {
        let v: Value = serde_json::from_str(&out).expect("redacted JSON is JSON");
        let original: Value = serde_json::from_str(&s).expect("it parsed before");
        check_json(&r, &v);
        assert_eq!(r.redact_json(&v), v, "redaction is not idempotent");
        if let (Value::Object(a), Value::Object(b)) = (&original, &v) {
            assert!(a.keys().eq(b.keys()), "keys or their order changed");
        }
    }

    let q = r.redact_query(&s);
    let body = s.strip_prefix('?').unwrap_or(&s);
    let out_body = q.strip_prefix('?').unwrap_or(&q);
    let pairs_in: Vec<&str> = body.split('&').collect();
    let pairs_out: Vec<&str> = out_body.split('&').collect();
    assert_eq!(pairs_in.len(), pairs_out.len(), "query pairs added or lost");
    for (pin, pout) in pairs_in.iter().zip(&pairs_out) {
        if let Some((k, v)) = pin.split_once('=') {
            let (ko, vo) = pout.split_once('=').expect("pair kept its '='");
            assert_eq!(k, ko, "query key changed");
            if r.is_sensitive(&percent_decode_lossy(k)) {
                assert_eq!(vo, REDACTED, "query value under {k} not redacted");
            } else {
                assert!(vo == v || vo == REDACTED);
            }
        } else {
            assert_eq!(pin, pout);
        }
    }
    assert_eq!(r.redact_query(&q), q, "query redaction is not idempotent");

    // Headers: the input's first line is the name, the rest the value.
    let (name, value) = s.split_once('\n').unwrap_or(("Authorization", &s));
    let out = r.redact_header(name, value);
    let n = bulwark::redact::normalize(name);
    if n == "authorization" || n == "proxyauthorization" {
        match out.split_once(' ') {
            Some((scheme, rest)) => {
                assert!(known_scheme(scheme), "kept an unknown scheme {scheme:?}");
                assert_eq!(rest, REDACTED);
            }
            None => assert_eq!(out, REDACTED),
        }
    } else if r.is_sensitive(name) {
        assert_eq!(out, REDACTED);
    } else {
        assert_eq!(r.redact_text(&out), out, "text redaction is not idempotent");
    }
}

/// Percent-decoding for the redaction check (invalid escapes kept, bytes read lossily).
fn percent_decode_lossy(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn cors_policies() -> &'static [CorsPolicy; 2] {
    static P: OnceLock<[CorsPolicy; 2]> = OnceLock::new();
    P.get_or_init(|| {
        let listed = CorsConfig {
            origins: vec![
                "https://app.example.com".into(),
                "http://localhost:3000".into(),
                "https://*.example.org".into(),
            ],
            credentials: true,
            ..CorsConfig::default()
        };
        let any = CorsConfig {
            origins: vec!["*".into()],
            ..CorsConfig::default()
        };
        [
            CorsPolicy::new(listed).expect("policy"),
            CorsPolicy::new(any).expect("policy"),
        ]
    })
}

/// An independent model of the listed policy: the origin exactly as a browser serialises it.
fn model_allows(origin: &str) -> bool {
    if origin == "https://app.example.com" || origin == "http://localhost:3000" {
        return true;
    }
    let Some(host) = origin.strip_prefix("https://") else {
        return false;
    };
    let Some(sub) = host.strip_suffix(".example.org") else {
        return false;
    };
    !sub.is_empty()
        && sub.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// CORS origin matching: the listed policy allows exactly the origins the model allows (in a
/// browser's serialisation: lower case, no default or padded port); an allowed origin is echoed
/// unchanged and never carries a character that could split a header; `*` never comes with
/// credentials.
pub fn cors_origin(data: &[u8]) {
    let s = text(data);
    let mut parts = s.splitn(3, '\n');
    let origin = parts.next().unwrap_or_default();
    let method = parts.next().unwrap_or("GET");
    let req_headers = parts.next().unwrap_or("");
    let [listed, any] = cors_policies();

    let d = listed.check_request(Some(origin));
    assert_eq!(d.allowed, model_allows(origin), "origin {origin:?}");
    let acao = d
        .headers
        .iter()
        .find(|(n, _)| n == "Access-Control-Allow-Origin")
        .map(|(_, v)| v.as_str());
    if d.allowed {
        assert_eq!(acao, Some(origin));
        assert!(!origin.bytes().any(|b| b.is_ascii_control() || b == b' '));
    } else {
        assert_eq!(acao, None);
    }
    let p = listed.check_preflight(origin, method, req_headers);
    if p.allowed {
        assert!(
            d.allowed,
            "preflight allowed an origin the request check refuses"
        );
    }
    for (_, v) in p.headers.iter().chain(&d.headers) {
        assert!(
            !v.bytes().any(|b| b == b'\r' || b == b'\n'),
            "header value with CR/LF"
        );
    }

    let a = any.check_request(Some(origin));
    if a.allowed {
        assert!(!a
            .headers
            .iter()
            .any(|(n, _)| n == "Access-Control-Allow-Credentials"));
    }
    for (_, v) in &a.headers {
        assert!(
            !v.bytes().any(|b| b == b'\r' || b == b'\n'),
            "header value with CR/LF"
        );
    }
}
