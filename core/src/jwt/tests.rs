//! JWT tests: RFC 7515 / RFC 8037 known answers, round trips for every algorithm and key
//! format, claim validation, and the attacks the issue lists (each with its error kind).

use super::*;
use crate::testutil::vectors;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{self as sig, KeyPair};
use serde_json::json;
use std::sync::OnceLock;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const NOW: f64 = 1_700_000_000.0;

fn pem_of(label: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(label, der.to_vec()))
}

/// Generated test keys: (private PKCS#8 PEM, public SPKI PEM) per asymmetric key type.
struct Keys {
    rsa: (String, String),
    p256: (String, String),
    p384: (String, String),
    p521: (String, String),
    k1: (String, String),
    ed: (String, String),
}

fn spki_of_rsa(pair: &sig::RsaKeyPair) -> String {
    let spki = pair.public_key().as_der().unwrap();
    pem_of("PUBLIC KEY", spki.as_ref())
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let rsa = sig::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let rsa_pk8 = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&rsa).unwrap();
        let ec = |alg| {
            let pair = sig::EcdsaKeyPair::generate(alg).unwrap();
            let pk8 = pair.to_pkcs8v1().unwrap();
            let spki = pair.public_key().as_der().unwrap();
            (
                pem_of("PRIVATE KEY", pk8.as_ref()),
                pem_of("PUBLIC KEY", spki.as_ref()),
            )
        };
        let ed = sig::Ed25519KeyPair::generate().unwrap();
        let ed_spki = ed.public_key().as_der().unwrap();
        Keys {
            rsa: (pem_of("PRIVATE KEY", rsa_pk8.as_ref()), spki_of_rsa(&rsa)),
            p256: ec(&sig::ECDSA_P256_SHA256_FIXED_SIGNING),
            p384: ec(&sig::ECDSA_P384_SHA384_FIXED_SIGNING),
            p521: ec(&sig::ECDSA_P521_SHA512_FIXED_SIGNING),
            k1: ec(&sig::ECDSA_P256K1_SHA256_FIXED_SIGNING),
            ed: (
                pem_of("PRIVATE KEY", ed.to_pkcs8().unwrap().as_ref()),
                pem_of("PUBLIC KEY", ed_spki.as_ref()),
            ),
        }
    })
}

/// A signing and a verifying key for `alg`.
fn pair_for(alg: Algorithm) -> (SigningKey, VerifyingKey) {
    let k = keys();
    let (private, public) = match alg.key_type() {
        KeyType::Hmac => {
            return (
                SigningKey::hmac(SECRET).unwrap(),
                VerifyingKey::hmac(SECRET).unwrap(),
            )
        }
        KeyType::Rsa => &k.rsa,
        KeyType::EcP256 => &k.p256,
        KeyType::EcP384 => &k.p384,
        KeyType::EcP521 => &k.p521,
        KeyType::EcSecp256k1 => &k.k1,
        KeyType::Ed25519 => &k.ed,
    };
    (
        SigningKey::from_pem(private.as_bytes()).unwrap(),
        VerifyingKey::from_pem(public.as_bytes()).unwrap(),
    )
}

fn claims(v: serde_json::Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn hs_token(c: serde_json::Value) -> String {
    encode(
        Algorithm::HS256,
        &SigningKey::hmac(SECRET).unwrap(),
        &claims(c),
        None,
    )
    .unwrap()
}

fn hs_verifier(v: Validation) -> Verifier {
    Verifier::new(VerifyingKey::hmac(SECRET).unwrap(), v).unwrap()
}

fn hs256() -> Validation {
    Validation::new(&[Algorithm::HS256])
}

fn kind_of(r: Result<Decoded>) -> ErrorKind {
    r.expect_err("expected a refusal").kind()
}

/// Builds a token from raw header and payload JSON, signed with HS256 over SECRET.
fn forge(header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        BASE64URL_NOPAD.encode(header.as_bytes()),
        BASE64URL_NOPAD.encode(payload.as_bytes())
    );
    let sig = sign_jws(&input, &SigningKey::hmac(SECRET).unwrap(), Algorithm::HS256).unwrap();
    format!("{input}.{sig}")
}

#[test]
fn rfc7515_appendix_a_known_answers() {
    let v = vectors("rfc/rfc7515_jws.json");
    for ex in v["examples"].as_array().unwrap() {
        let alg: Algorithm = ex["alg"].as_str().unwrap().parse().unwrap();
        let compact = ex["compact"].as_str().unwrap();
        let jwk = ex["jwk"].to_string();
        let input = format!(
            "{}.{}",
            ex["protected_header_b64u"].as_str().unwrap(),
            ex["payload_b64u"].as_str().unwrap()
        );
        let sig_b64 = ex["signature_b64u"].as_str().unwrap();
        // The private JWK signs the deterministic examples byte for byte.
        let signer = SigningKey::from_jwk(&jwk).unwrap();
        if ex["deterministic"].as_bool().unwrap() {
            assert_eq!(sign_jws(&input, &signer, alg).unwrap(), sig_b64, "{alg}");
        }
        if ex["jwk"]["kty"] == "RSA" {
            rsa_jwk_without_crt_members_signs_the_same(&ex["jwk"], &input, sig_b64, alg);
        }
        // The public half verifies the RFC's token; the claims are the RFC's (exp is in 2011).
        let public = match ex.get("public_jwk") {
            Some(p) => VerifyingKey::from_jwk(&p.to_string()).unwrap(),
            None => VerifyingKey::from_jwk(&jwk).unwrap(),
        };
        let verifier = Verifier::new(public, Validation::new(&[alg])).unwrap();
        let got = verifier.verify_at(compact, 1_300_819_000.0).unwrap();
        assert_eq!(got.claims["iss"], "joe");
        assert_eq!(got.claims["http://example.com/is_root"], true);
        assert_eq!(got.payload_json, ex["payload_json"].as_str().unwrap());
        assert_eq!(
            kind_of(verifier.verify_at(compact, 1_300_819_380.0)),
            ErrorKind::Expired
        );
        // A token we sign with the same key verifies under the RFC's public key.
        let ours = encode(alg, &signer, &claims(json!({"iss": "joe"})), None).unwrap();
        assert_eq!(verifier.verify_at(&ours, NOW).unwrap().claims["iss"], "joe");
    }
}

/// RFC 7518 section 6.3.2: a private RSA JWK may leave out `p q dp dq qi`; they are recovered
/// from `n e d` and the key signs exactly as the full one does. Some of them without the others
/// is refused, as is a `d` that does not belong to `n`.
fn rsa_jwk_without_crt_members_signs_the_same(
    jwk: &serde_json::Value,
    input: &str,
    sig_b64: &str,
    alg: Algorithm,
) {
    let mut bare = jwk.as_object().unwrap().clone();
    for m in ["p", "q", "dp", "dq", "qi"] {
        bare.remove(m);
    }
    let signer = SigningKey::from_jwk_map(&bare).unwrap();
    assert_eq!(sign_jws(input, &signer, alg).unwrap(), sig_b64);
    let mut partial = bare.clone();
    partial.insert("p".into(), jwk["p"].clone());
    let err = SigningKey::from_jwk_map(&partial).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidKey);
    assert!(err.to_string().contains("all parameters"), "{err}");
    let mut wrong = bare.clone();
    wrong.insert("d".into(), jwk["dp"].clone());
    let err = SigningKey::from_jwk_map(&wrong).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidKey);
    assert!(err.to_string().contains("inconsistent RSA JWK"), "{err}");
}

#[test]
fn rfc8037_eddsa_known_answer() {
    let v = vectors("rfc/rfc8037_eddsa.json");
    let jws = &v["jws"];
    let input = jws["signing_input"].as_str().unwrap();
    let signer = SigningKey::from_jwk(&v["private_jwk"].to_string()).unwrap();
    assert_eq!(signer.key_type(), KeyType::Ed25519);
    assert_eq!(
        sign_jws(input, &signer, Algorithm::EdDSA).unwrap(),
        jws["signature_b64u"].as_str().unwrap()
    );
    let public = VerifyingKey::from_jwk(&v["public_jwk"].to_string()).unwrap();
    let sig_b64 = jws["signature_b64u"].as_str().unwrap();
    verify_jws_signature(input, sig_b64, &public, Algorithm::EdDSA).unwrap();
    let tampered = input.replace("RXhh", "RXhi");
    assert_eq!(
        verify_jws_signature(&tampered, sig_b64, &public, Algorithm::EdDSA)
            .unwrap_err()
            .kind(),
        ErrorKind::VerificationFailed
    );
    // The payload is not JSON: as a JWT it is a malformed token, after the signature checks out.
    let verifier = Verifier::new(public, Validation::new(&[Algorithm::EdDSA])).unwrap();
    assert_eq!(
        kind_of(verifier.verify(jws["compact"].as_str().unwrap())),
        ErrorKind::Malformed
    );
}

#[test]
fn every_algorithm_round_trips_and_rejects_other_keys() {
    let c = claims(json!({"sub": "alice", "n": 1, "exp": NOW + 60.0}));
    for alg in Algorithm::ALL {
        let (signer, verifying) = pair_for(alg);
        let token = encode(alg, &signer, &c, None).unwrap();
        let verifier = Verifier::new(verifying, Validation::new(&[alg])).unwrap();
        let got = verifier.verify_at(&token, NOW).unwrap();
        assert_eq!(got.claims, c, "{alg}");
        assert_eq!(got.algorithm, alg);
        assert_eq!(got.header()["typ"], "JWT");
        // Flip one signature bit: refused.
        let mut bytes = token.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bytes).unwrap();
        let k = kind_of(verifier.verify_at(&bad, NOW));
        assert!(
            matches!(k, ErrorKind::VerificationFailed | ErrorKind::Malformed),
            "{alg}: {k:?}"
        );
    }
}

#[test]
fn keys_load_from_every_pem_form_and_jwk() {
    let k = keys();
    // PKCS#1 RSA private and public, SEC1 EC private: re-encode the generated keys.
    let rsa = sig::RsaKeyPair::from_pkcs8(&pem::parse(&k.rsa.0).unwrap().into_contents()).unwrap();
    let c = sig::RsaPublicKeyComponents::<Vec<u8>>::from(rsa.public_key());
    let pkcs1_pub = rsa.public_key().as_ref().to_vec();
    let signer = SigningKey::from_pem(k.rsa.0.as_bytes()).unwrap();
    let token = encode(Algorithm::PS256, &signer, &claims(json!({"a": 1})), None).unwrap();
    let v = VerifyingKey::from_pem(pem_of("RSA PUBLIC KEY", &pkcs1_pub).as_bytes()).unwrap();
    assert_eq!(v.key_type(), KeyType::Rsa);
    Verifier::new(v, Validation::new(&[Algorithm::PS256]))
        .unwrap()
        .verify(&token)
        .unwrap();
    // A private key given to verify is reduced to its public half (as PyJWT accepts).
    let v = VerifyingKey::from_pem(k.rsa.0.as_bytes()).unwrap();
    Verifier::new(v, Validation::new(&[Algorithm::PS256]))
        .unwrap()
        .verify(&token)
        .unwrap();
    // RSA public JWK from the components.
    let b = |x: &[u8]| BASE64URL_NOPAD.encode(x);
    let jwk = json!({"kty": "RSA", "n": b(&c.n), "e": b(&c.e), "kid": "r1"}).to_string();
    let v = VerifyingKey::from_jwk(&jwk).unwrap();
    assert_eq!(v.kid(), Some("r1"));
    Verifier::new(v, Validation::new(&[Algorithm::PS256]))
        .unwrap()
        .verify(&token)
        .unwrap();

    // SEC1 "EC PRIVATE KEY".
    let pair = sig::EcdsaKeyPair::from_pkcs8(
        &sig::ECDSA_P384_SHA384_FIXED_SIGNING,
        &pem::parse(&k.p384.0).unwrap().into_contents(),
    )
    .unwrap();
    let sec1 = pair.private_key().as_der().unwrap();
    let signer = SigningKey::from_pem(pem_of("EC PRIVATE KEY", sec1.as_ref()).as_bytes()).unwrap();
    assert_eq!(signer.key_type(), KeyType::EcP384);
    let token = encode(Algorithm::ES384, &signer, &claims(json!({"a": 1})), None).unwrap();
    let v = VerifyingKey::from_pem(k.p384.1.as_bytes()).unwrap();
    assert_eq!(v.key_type(), KeyType::EcP384);
    Verifier::new(v, Validation::new(&[Algorithm::ES384]))
        .unwrap()
        .verify(&token)
        .unwrap();

    // Unusable inputs are InvalidKey, with the reason.
    for bad in [
        &b"not a pem"[..],
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    ] {
        assert_eq!(
            SigningKey::from_pem(bad).unwrap_err().kind(),
            ErrorKind::InvalidKey
        );
        assert_eq!(
            VerifyingKey::from_pem(bad).unwrap_err().kind(),
            ErrorKind::InvalidKey
        );
    }
    for bad in [
        r#"{"kty":"EC","crv":"P-521","x":"AA","y":"AA"}"#,
        r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#,
        r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#,
        r#"{"kty":"oct"}"#,
        r#"{"kty":"oct","k":"a+b/"}"#,
        r#"[1]"#,
        r#"{"kty":"oct","k":"AAAA","alg":"RS256"}"#,
    ] {
        assert_eq!(
            VerifyingKey::from_jwk(bad).unwrap_err().kind(),
            ErrorKind::InvalidKey,
            "{bad}"
        );
    }
    // A public JWK cannot sign.
    assert_eq!(
        SigningKey::from_jwk(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#
        )
        .unwrap_err()
        .kind(),
        ErrorKind::InvalidKey
    );
}

#[test]
fn debug_output_never_shows_key_material() {
    let s = SigningKey::hmac(SECRET).unwrap();
    let v = VerifyingKey::hmac(SECRET).unwrap();
    for text in [format!("{s:?}"), format!("{v:?}")] {
        assert!(!text.contains("0123456789"), "{text}");
        assert!(!text.contains("48, 49, 50"), "{text}");
    }
}

#[test]
fn none_in_any_spelling_is_refused() {
    let verifier = hs_verifier(hs256());
    let payload = BASE64URL_NOPAD.encode(br#"{"sub":"admin"}"#);
    for alg in ["none", "None", "NONE", "nOnE", " none"] {
        let header = BASE64URL_NOPAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
        for sig in ["", "c2ln"] {
            let token = format!("{header}.{payload}.{sig}");
            assert_eq!(
                kind_of(verifier.verify(&token)),
                ErrorKind::AlgorithmNotAllowed,
                "{alg:?} sig {sig:?}"
            );
        }
        assert_eq!(
            alg.parse::<Algorithm>().unwrap_err().kind(),
            ErrorKind::AlgorithmNotAllowed
        );
    }
    // Even inspecting without verification refuses it.
    let token = format!(
        "{}.{payload}.",
        BASE64URL_NOPAD.encode(br#"{"alg":"none"}"#)
    );
    assert_eq!(
        dangerous::decode_unverified(&token, DEFAULT_MAX_TOKEN_LEN)
            .unwrap_err()
            .kind(),
        ErrorKind::AlgorithmNotAllowed
    );
}

#[test]
fn key_confusion_hs256_with_the_rsa_public_key_is_refused() {
    let public_pem = &keys().rsa.1;
    // The attacker's token: HS256 "signed" with the server's public key PEM as the secret.
    let input = format!(
        "{}.{}",
        BASE64URL_NOPAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        BASE64URL_NOPAD.encode(br#"{"sub":"admin"}"#)
    );
    let tag = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, public_pem.as_bytes()),
        input.as_bytes(),
    );
    let token = format!("{input}.{}", BASE64URL_NOPAD.encode(tag.as_ref()));
    // 1. The server's RSA verifier does not allow HS256.
    let rsa_key = VerifyingKey::from_pem(public_pem.as_bytes()).unwrap();
    let rs = Verifier::new(rsa_key.clone(), Validation::new(&[Algorithm::RS256])).unwrap();
    assert_eq!(kind_of(rs.verify(&token)), ErrorKind::AlgorithmNotAllowed);
    // 2. A mixed allow-list is refused outright.
    let mixed = Validation::new(&[Algorithm::RS256, Algorithm::HS256]);
    assert_eq!(
        Verifier::new(rsa_key.clone(), mixed).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    // 3. An RSA key under an HMAC-only list fits nothing.
    assert_eq!(
        Verifier::new(rsa_key, hs256()).unwrap_err().kind(),
        ErrorKind::InvalidKey
    );
    // 4. The PEM can never become an HMAC secret, either way round.
    for pem_text in [
        public_pem.as_bytes(),
        b"  -----BEGIN PUBLIC KEY-----",
        b"ssh-rsa AAAA",
    ] {
        assert_eq!(
            VerifyingKey::hmac(pem_text).unwrap_err().kind(),
            ErrorKind::InvalidKey
        );
        assert_eq!(
            SigningKey::hmac(pem_text).unwrap_err().kind(),
            ErrorKind::InvalidKey
        );
    }
    // 5. A JWK set serving an RSA key under that kid does not verify an HS256 token either.
    let set = JwkSet::from_keys(vec![VerifyingKey::from_pem(public_pem.as_bytes())
        .unwrap()
        .with_kid("k1")]);
    let forged = forge(r#"{"alg":"HS256","kid":"k1"}"#, r#"{"sub":"admin"}"#);
    let v = Verifier::with_jwks(set, hs256()).unwrap();
    assert_eq!(kind_of(v.verify(&forged)), ErrorKind::InvalidKey);
}

#[test]
fn key_confusion_with_a_public_jwk_as_text_is_refused() {
    // The audit's attack: an HS256 token "signed" with the text of the server's public JWK,
    // verified with that same text under a list mixing HS256 and RS256.
    let ec_jwk = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
    let variants = [
        ec_jwk.to_owned(),
        format!("  \n\t{ec_jwk}"),
        format!("\u{feff}{ec_jwk}"),
        ec_jwk.replace("\"kty\"", "\"k\\u0074y\""),
        ec_jwk.replace("\"kty\"", "\"KTY\""),
        format!(r#"{{"keys":[{ec_jwk}]}}"#),
    ];
    for text in &variants {
        let m = text.as_bytes();
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let e = VerifyingKey::for_algorithm(alg, m).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidKey, "{text}");
            assert!(e.message().contains("JWK"), "{e}");
            assert_eq!(
                SigningKey::for_algorithm(alg, m).unwrap_err().kind(),
                ErrorKind::InvalidKey
            );
            assert_eq!(
                VerifyingKey::hmac(m).unwrap_err().kind(),
                ErrorKind::InvalidKey
            );
        }
        let mixed = Validation::new(&[Algorithm::ES256, Algorithm::HS256]);
        assert_eq!(
            Verifier::from_material(m, mixed).unwrap_err().kind(),
            ErrorKind::InvalidInput,
            "a mixed list is an input error whatever the key"
        );
    }
    // The same text is an ES256 key, and a verifier built from it refuses the forged HS256 token.
    let v =
        Verifier::from_material(ec_jwk.as_bytes(), Validation::new(&[Algorithm::ES256])).unwrap();
    let input = format!(
        "{}.{}",
        BASE64URL_NOPAD.encode(br#"{"alg":"HS256"}"#),
        BASE64URL_NOPAD.encode(br#"{"sub":"admin"}"#)
    );
    let tag = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, ec_jwk.as_bytes()),
        input.as_bytes(),
    );
    let forged = format!("{input}.{}", BASE64URL_NOPAD.encode(tag.as_ref()));
    assert_eq!(kind_of(v.verify(&forged)), ErrorKind::AlgorithmNotAllowed);
    // Secrets that merely start with '{' (random bytes, JSON without kty) are still secrets.
    for secret in [
        &b"{\x01\x02 not json at all, 32 bytes long.."[..],
        br#"{"note":"a JSON secret, not a key"}"#,
    ] {
        assert!(VerifyingKey::for_algorithm(Algorithm::HS256, secret).is_ok());
    }
    // A mixed list with an HMAC secret is InvalidInput too (it used to be InvalidKey).
    let mixed = Validation::new(&[Algorithm::RS256, Algorithm::HS256]);
    assert_eq!(
        Verifier::from_material(SECRET, mixed).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    // Material of the wrong family for the algorithm is refused by type.
    let (_, rsa_pub) = &keys().rsa;
    assert!(VerifyingKey::for_algorithm(Algorithm::RS256, rsa_pub.as_bytes()).is_ok());
    assert_eq!(
        VerifyingKey::for_algorithm(Algorithm::ES256, rsa_pub.as_bytes())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidKey
    );
}

#[test]
fn allow_list_is_enforced_and_must_be_non_empty() {
    let token = hs_token(json!({"a": 1}));
    let v = Verifier::new(
        VerifyingKey::hmac(SECRET).unwrap(),
        Validation::new(&[Algorithm::HS512]),
    )
    .unwrap();
    assert_eq!(kind_of(v.verify(&token)), ErrorKind::AlgorithmNotAllowed);
    assert_eq!(
        Verifier::new(VerifyingKey::hmac(SECRET).unwrap(), Validation::new(&[]))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    // Unknown and mis-cased algorithm names are not guessed at.
    for name in ["hs256", "HS257", "RS1", ""] {
        let t = forge(&format!(r#"{{"alg":"{name}"}}"#), "{}");
        assert_eq!(
            kind_of(hs_verifier(hs256()).verify(&t)),
            ErrorKind::AlgorithmNotAllowed
        );
    }
}

#[test]
fn tampering_is_refused() {
    let v = hs_verifier(hs256());
    let token = hs_token(json!({"sub": "alice"}));
    let (input, sig) = token.rsplit_once('.').unwrap();
    // Stripped and truncated signatures.
    assert_eq!(
        kind_of(v.verify(&format!("{input}."))),
        ErrorKind::VerificationFailed
    );
    assert_eq!(
        kind_of(v.verify(&format!("{input}.{}", &sig[..20]))),
        ErrorKind::VerificationFailed
    );
    assert_eq!(kind_of(v.verify(input)), ErrorKind::Malformed);
    // Payload swapped under a valid signature.
    let other = BASE64URL_NOPAD.encode(br#"{"sub":"admin"}"#);
    let (header, _) = input.split_once('.').unwrap();
    assert_eq!(
        kind_of(v.verify(&format!("{header}.{other}.{sig}"))),
        ErrorKind::VerificationFailed
    );
    // A different secret.
    let other_key = VerifyingKey::hmac(&[7u8; 32]).unwrap();
    let v2 = Verifier::new(other_key, hs256()).unwrap();
    assert_eq!(kind_of(v2.verify(&token)), ErrorKind::VerificationFailed);
}

#[test]
fn malformed_tokens_are_decode_errors() {
    let v = hs_verifier(hs256());
    let good = hs_token(json!({"a": 1}));
    let (h, rest) = good.split_once('.').unwrap();
    let cases = [
        String::new(),
        "a.b".to_owned(),
        "a.b.c.d".to_owned(),
        "a.b.c.d.e".to_owned(),
        format!("{h}=.{rest}"),
        format!("{}+.{rest}", &h[..h.len() - 1]),
        format!("{h}.{}", rest.replace('.', "!.")),
        format!("{h}.{rest}="),
        forge(r#"{"alg":"HS256"}"#, "not json"),
        forge(r#"{"alg":"HS256"}"#, "[1,2]"),
        forge(r#"{"alg":"HS256"}"#, r#"{"a":1,"a":2}"#),
        forge(r#"{"alg":"HS256","alg":"HS256"}"#, "{}"),
        forge(r#"{"alg":"HS256","crit":["exp"],"exp":1}"#, "{}"),
        forge(r#"{"alg":"HS256","crit":"b64"}"#, "{}"),
        forge(
            r#"{"alg":"HS256"}"#,
            &format!("{}1{}", "[".repeat(40), "]".repeat(40)),
        ),
        forge(
            r#"{"alg":"HS256"}"#,
            &format!(r#"{{"a":{}1{}}}"#, "[".repeat(32), "]".repeat(32)),
        ),
        "x".repeat(DEFAULT_MAX_TOKEN_LEN + 1),
    ];
    for t in cases {
        let shown: String = t.chars().take(60).collect();
        assert_eq!(kind_of(v.verify(&t)), ErrorKind::Malformed, "{shown}");
    }
    // Nesting up to the limit is fine; the size limit is configurable.
    let deep = forge(
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"a":{}1{}}}"#, "[".repeat(31), "]".repeat(31)),
    );
    v.verify(&deep).unwrap();
    let mut big = hs256();
    big.max_token_len = 100_000;
    let large = hs_token(json!({"pad": "x".repeat(20_000)}));
    assert_eq!(kind_of(v.verify(&large)), ErrorKind::Malformed);
    hs_verifier(big).verify(&large).unwrap();
}

#[test]
fn time_claims_with_and_without_leeway() {
    let v = hs_verifier(hs256());
    let lenient = hs_verifier(hs256().with_leeway(30.0));
    let exp = hs_token(json!({"exp": NOW - 10.0}));
    assert_eq!(kind_of(v.verify_at(&exp, NOW)), ErrorKind::Expired);
    lenient.verify_at(&exp, NOW).unwrap();
    assert_eq!(
        kind_of(lenient.verify_at(&exp, NOW + 40.0)),
        ErrorKind::Expired
    );
    // exp == now is expired (PyJWT: exp <= now - leeway).
    assert_eq!(
        kind_of(v.verify_at(&hs_token(json!({"exp": NOW})), NOW)),
        ErrorKind::Expired
    );
    let nbf = hs_token(json!({"nbf": NOW + 10.0}));
    assert_eq!(kind_of(v.verify_at(&nbf, NOW)), ErrorKind::NotYetValid);
    lenient.verify_at(&nbf, NOW).unwrap();
    let iat = hs_token(json!({"iat": NOW + 10.0}));
    assert_eq!(kind_of(v.verify_at(&iat, NOW)), ErrorKind::IssuedInFuture);
    lenient.verify_at(&iat, NOW).unwrap();
    // Non-numeric time claims name the claim.
    for (c, name) in [
        (json!({"exp": "tomorrow"}), "exp"),
        (json!({"nbf": null}), "nbf"),
        (json!({"iat": [1]}), "iat"),
    ] {
        let e = v.verify_at(&hs_token(c), NOW).unwrap_err();
        assert_eq!((e.kind(), e.claim()), (ErrorKind::InvalidClaim, Some(name)));
    }
    // Checks can be switched off one by one.
    let mut off = hs256();
    off.verify_exp = false;
    off.verify_nbf = false;
    off.verify_iat = false;
    let off = hs_verifier(off);
    for t in [&exp, &nbf, &iat] {
        off.verify_at(t, NOW).unwrap();
    }
}

#[test]
fn audience_issuer_subject_and_required_claims() {
    let t_str = hs_token(json!({"aud": "api", "iss": "https://idp", "sub": "u1", "jti": "j"}));
    let t_list = hs_token(json!({"aud": ["web", "api"], "iss": "https://idp"}));
    let t_none = hs_token(json!({"sub": "u1"}));
    let aud = |a: &[&str]| {
        let mut v = hs256();
        for x in a {
            v = v.with_audience(*x);
        }
        hs_verifier(v)
    };
    aud(&["api"]).verify(&t_str).unwrap();
    aud(&["api"]).verify(&t_list).unwrap();
    aud(&["x", "web"]).verify(&t_list).unwrap();
    assert_eq!(
        kind_of(aud(&["x"]).verify(&t_list)),
        ErrorKind::InvalidAudience
    );
    // A token with aud but no expected audience; an expected audience but no aud in the token.
    assert_eq!(
        kind_of(hs_verifier(hs256()).verify(&t_str)),
        ErrorKind::InvalidAudience
    );
    let e = aud(&["api"]).verify(&t_none).unwrap_err();
    assert_eq!(
        (e.kind(), e.claim()),
        (ErrorKind::MissingClaim, Some("aud"))
    );
    let bad_aud = hs_token(json!({"aud": ["api", 3]}));
    assert_eq!(
        kind_of(aud(&["api"]).verify(&bad_aud)),
        ErrorKind::InvalidAudience
    );
    // Strict: one string each side.
    let mut strict = hs256().with_audience("api");
    strict.strict_audience = true;
    let strict = hs_verifier(strict);
    strict.verify(&t_str).unwrap();
    assert_eq!(kind_of(strict.verify(&t_list)), ErrorKind::InvalidAudience);

    let iss = |i: &[&str]| {
        let mut v = hs256().with_audience("api");
        for x in i {
            v = v.with_issuer(*x);
        }
        hs_verifier(v)
    };
    iss(&["https://idp"]).verify(&t_str).unwrap();
    iss(&["https://other", "https://idp"])
        .verify(&t_str)
        .unwrap();
    assert_eq!(
        kind_of(iss(&["https://other"]).verify(&t_str)),
        ErrorKind::InvalidIssuer
    );
    let no_iss = hs_token(json!({"aud": "api"}));
    assert_eq!(
        kind_of(iss(&["https://idp"]).verify(&no_iss)),
        ErrorKind::MissingClaim
    );
    let num_iss = hs_token(json!({"aud": "api", "iss": 5}));
    assert_eq!(
        kind_of(iss(&["5"]).verify(&num_iss)),
        ErrorKind::InvalidIssuer
    );

    let sub = |s: &str| hs_verifier(hs256().with_audience("api").with_subject(s));
    sub("u1").verify(&t_str).unwrap();
    assert_eq!(kind_of(sub("u2").verify(&t_str)), ErrorKind::InvalidSubject);
    let num_sub = hs_token(json!({"sub": 1}));
    assert_eq!(
        kind_of(hs_verifier(hs256()).verify(&num_sub)),
        ErrorKind::InvalidSubject
    );
    let num_jti = hs_token(json!({"jti": 1}));
    let e = hs_verifier(hs256()).verify(&num_jti).unwrap_err();
    assert_eq!(
        (e.kind(), e.claim()),
        (ErrorKind::InvalidClaim, Some("jti"))
    );

    let req = hs_verifier(hs256().with_required(&["exp", "sub"]));
    let e = req.verify(&t_none).unwrap_err();
    assert_eq!(
        (e.kind(), e.claim()),
        (ErrorKind::MissingClaim, Some("exp"))
    );
    let null_exp = hs_token(json!({"exp": null, "sub": "u"}));
    assert_eq!(kind_of(req.verify(&null_exp)), ErrorKind::MissingClaim);
}

#[test]
fn short_hmac_secrets_are_refused_unless_opted_out() {
    let short = SigningKey::hmac(b"secret").unwrap();
    let c = claims(json!({"a": 1}));
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let e = encode(alg, &short, &c, None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidKey);
    }
    // Exactly the hash size is enough; one byte less is not.
    let k47 = SigningKey::hmac(&SECRET[..47]).unwrap();
    assert!(encode(Algorithm::HS384, &k47, &c, None).is_err());
    encode(
        Algorithm::HS384,
        &SigningKey::hmac(&SECRET[..48]).unwrap(),
        &c,
        None,
    )
    .unwrap();
    let opts = EncodeOptions {
        allow_short_hmac_key: true,
    };
    let token = encode_json(Algorithm::HS256, &short, r#"{"a":1}"#, None, opts).unwrap();
    let v = Verifier::new(VerifyingKey::hmac(b"secret").unwrap(), hs256()).unwrap();
    assert_eq!(kind_of(v.verify(&token)), ErrorKind::InvalidKey);
    let mut allow = hs256();
    allow.allow_short_hmac_key = true;
    Verifier::new(VerifyingKey::hmac(b"secret").unwrap(), allow)
        .unwrap()
        .verify(&token)
        .unwrap();
    assert_eq!(
        SigningKey::hmac(b"").unwrap_err().kind(),
        ErrorKind::InvalidKey
    );
}

#[test]
fn headers_are_sorted_and_carry_extra_fields() {
    let key = SigningKey::hmac(SECRET).unwrap().with_kid("k-1");
    let extra = claims(json!({"cty": "x", "typ": "at+jwt"}));
    let token = encode(
        Algorithm::HS256,
        &key,
        &claims(json!({"b": 1, "a": 2})),
        Some(&extra),
    )
    .unwrap();
    let header = unverified_header(&token).unwrap();
    assert_eq!(
        serde_json::to_string(&header).unwrap(),
        r#"{"alg":"HS256","cty":"x","kid":"k-1","typ":"at+jwt"}"#
    );
    // Claims keep their order; the payload JSON is returned verbatim.
    let got = hs_verifier(hs256()).verify(&token).unwrap();
    assert_eq!(got.payload_json, r#"{"b":1,"a":2}"#);
    // PyJWT's exact bytes for the plain case.
    let plain = hs_token(json!({"sub": "1"}));
    assert!(plain.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
    // typ can be dropped; a contradicting alg is refused.
    let no_typ = encode(
        Algorithm::HS256,
        &key,
        &Map::new(),
        Some(&claims(json!({"typ": null}))),
    )
    .unwrap();
    assert!(!unverified_header(&no_typ).unwrap().contains_key("typ"));
    let e = encode(
        Algorithm::HS256,
        &key,
        &Map::new(),
        Some(&claims(json!({"alg": "none"}))),
    );
    assert_eq!(e.unwrap_err().kind(), ErrorKind::InvalidInput);
    // Claims JSON that is not an object is refused before signing.
    // So are numbers no verifier could read (found by fuzzing: such a token was signed, then
    // every decode refused it).
    for bad in [
        "[1]",
        "nope",
        r#"{"a":1,"a":1}"#,
        r#"{"exp":1.9e333}"#,
        r#"{"a":{"b":[1e400]}}"#,
        r#"{"n":-1e309}"#,
    ] {
        let e = encode_json(Algorithm::HS256, &key, bad, None, EncodeOptions::default());
        assert_eq!(e.unwrap_err().kind(), ErrorKind::InvalidInput, "{bad}");
    }
    let verifier = Verifier::new(
        VerifyingKey::hmac(SECRET).unwrap(),
        Validation::new(&[Algorithm::HS256]),
    )
    .unwrap();
    let good = r#"{"n":1e308,"big":1180591620717411303424,"s":"\u00e9","x":[{"y":null}]}"#;
    let t = encode_json(Algorithm::HS256, &key, good, None, EncodeOptions::default()).unwrap();
    assert_eq!(verifier.verify(&t).unwrap().payload_json, good);
}

#[test]
fn jwk_sets_select_by_kid() {
    let k = keys();
    let es = SigningKey::from_pem(k.p256.0.as_bytes())
        .unwrap()
        .with_kid("ec");
    let ed = SigningKey::from_pem(k.ed.0.as_bytes())
        .unwrap()
        .with_kid("ed");
    let pub_jwk = |pem_text: &str, kid: &str| {
        let spki = pem::parse(pem_text).unwrap().into_contents();
        let raw = match spki.len() {
            44 => spki[12..].to_vec(),
            _ => spki[spki.len() - 65..].to_vec(),
        };
        if raw.len() == 32 {
            json!({"kty": "OKP", "crv": "Ed25519", "x": BASE64URL_NOPAD.encode(&raw), "kid": kid})
        } else {
            json!({"kty": "EC", "crv": "P-256", "kid": kid,
                   "x": BASE64URL_NOPAD.encode(&raw[1..33]), "y": BASE64URL_NOPAD.encode(&raw[33..])})
        }
    };
    let jwks = json!({"keys": [
        pub_jwk(&k.p256.1, "ec"),
        pub_jwk(&k.ed.1, "ed"),
        {"kty": "oct", "k": "AAAA", "use": "enc", "kid": "enc"},
        {"kty": "EC", "crv": "P-521", "kid": "unsupported"},
    ]})
    .to_string();
    let set = JwkSet::from_json(&jwks).unwrap();
    assert_eq!((set.keys().len(), set.skipped()), (2, 2));
    let v =
        Verifier::with_jwks(set, Validation::new(&[Algorithm::ES256, Algorithm::EdDSA])).unwrap();
    let c = claims(json!({"sub": "s"}));
    v.verify(&encode(Algorithm::ES256, &es, &c, None).unwrap())
        .unwrap();
    v.verify(&encode(Algorithm::EdDSA, &ed, &c, None).unwrap())
        .unwrap();
    // Unknown kid, and a kid whose key does not fit the token's alg.
    let stranger = SigningKey::from_pem(k.p256.0.as_bytes())
        .unwrap()
        .with_kid("nope");
    assert_eq!(
        kind_of(v.verify(&encode(Algorithm::ES256, &stranger, &c, None).unwrap())),
        ErrorKind::InvalidKey
    );
    let wrong = SigningKey::from_pem(k.ed.0.as_bytes())
        .unwrap()
        .with_kid("ec");
    assert_eq!(
        kind_of(v.verify(&encode(Algorithm::EdDSA, &wrong, &c, None).unwrap())),
        ErrorKind::InvalidKey
    );
    for bad in [
        "{}",
        r#"{"keys": []}"#,
        r#"{"keys": [{"kty": "nope"}]}"#,
        "nope",
    ] {
        assert_eq!(
            JwkSet::from_json(bad).unwrap_err().kind(),
            ErrorKind::InvalidKey
        );
    }
}

#[test]
fn verifier_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Verifier>();
    assert_send_sync::<SigningKey>();
    let v = std::sync::Arc::new(hs_verifier(hs256()));
    let token = hs_token(json!({"n": 1}));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (v, t) = (v.clone(), token.clone());
            std::thread::spawn(move || (0..200).all(|_| v.verify(&t).is_ok()))
        })
        .collect();
    assert!(handles.into_iter().all(|h| h.join().unwrap()));
}

#[test]
fn generated_pem_pairs_sign_and_verify() {
    for alg in Algorithm::ALL {
        if alg.key_type() == KeyType::Hmac {
            assert_eq!(
                generate_pem(alg).unwrap_err().kind(),
                ErrorKind::InvalidInput
            );
            continue;
        }
        let (private, public) = generate_pem(alg).unwrap();
        assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
        let signer = SigningKey::from_pem(private.as_bytes()).unwrap();
        let verifying = VerifyingKey::from_pem(public.as_bytes()).unwrap();
        assert_eq!(signer.key_type(), alg.key_type());
        let token = encode(alg, &signer, &claims(json!({"k": 1})), None).unwrap();
        Verifier::new(verifying, Validation::new(&[alg]))
            .unwrap()
            .verify(&token)
            .unwrap();
    }
}

#[test]
fn one_hmac_key_serves_every_hash_without_mixing_schedules() {
    let signer = SigningKey::hmac(SECRET).unwrap();
    let verifying = VerifyingKey::hmac(SECRET).unwrap();
    let c = claims(json!({"k": 1}));
    for alg in [
        Algorithm::HS512,
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS256,
    ] {
        let token = encode(alg, &signer, &c, None).unwrap();
        // Independent check of the MAC with a fresh AWS-LC key for this hash.
        let (input, sig) = token.rsplit_once('.').unwrap();
        let hash = match alg {
            Algorithm::HS384 => aws_lc_rs::hmac::HMAC_SHA384,
            Algorithm::HS512 => aws_lc_rs::hmac::HMAC_SHA512,
            _ => aws_lc_rs::hmac::HMAC_SHA256,
        };
        let expected =
            aws_lc_rs::hmac::sign(&aws_lc_rs::hmac::Key::new(hash, SECRET), input.as_bytes());
        assert_eq!(
            BASE64URL_NOPAD.decode(sig.as_bytes()).unwrap(),
            expected.as_ref()
        );
        let v = Verifier::new(verifying.clone(), Validation::new(&[alg])).unwrap();
        v.verify(&token).unwrap();
    }
}

/// DER `SEQUENCE { INTEGER r, INTEGER s }` to JWS's fixed-size `r || s` (each `n` bytes); None
/// for anything that is not strict short-form DER with fitting integers.
fn der_to_p1363(der: &[u8], n: usize) -> Option<Vec<u8>> {
    fn int(b: &[u8], n: usize) -> Option<(Vec<u8>, &[u8])> {
        let (&tag, rest) = b.split_first()?;
        let (&len, rest) = rest.split_first()?;
        let len = usize::from(len);
        if tag != 2 || len == 0 || len > 0x7f || rest.len() < len {
            return None;
        }
        let (v, rest) = rest.split_at(len);
        let v = match v {
            [0, tail @ ..] if tail.first().is_some_and(|b| b & 0x80 != 0) => tail,
            [first, ..] if first & 0x80 != 0 => return None,
            [0, _, ..] => return None,
            v => v,
        };
        if v.len() > n {
            return None;
        }
        let mut out = vec![0u8; n - v.len()];
        out.extend_from_slice(v);
        Some((out, rest))
    }
    let (&tag, rest) = der.split_first()?;
    let (&len, body) = rest.split_first()?;
    if tag != 0x30 || usize::from(len) != body.len() || len > 0x7f {
        return None;
    }
    let (r, rest) = int(body, n)?;
    let (s, rest) = int(rest, n)?;
    rest.is_empty().then(|| [r, s].concat())
}

/// Every Wycheproof signature and MAC vector for the JWT algorithms, through the same check every
/// token's signature goes through, with the key loaded from its PEM (and from its JWK where the
/// file has one, which must agree). "valid" verifies, "invalid" never does, "acceptable" may go
/// either way. JWS carries ECDSA signatures as fixed-size `r || s` (P1363) and HMAC tags whole:
/// DER-encoded signatures and truncated tags are refused even where they are valid elsewhere.
#[test]
fn wycheproof_signature_vectors_through_the_verifier() {
    use crate::testutil::hex;
    let files = [
        (
            "wycheproof/ecdsa_secp256r1_sha256_p1363_test.json",
            Algorithm::ES256,
            false,
        ),
        (
            "wycheproof/ecdsa_secp384r1_sha384_p1363_test.json",
            Algorithm::ES384,
            false,
        ),
        (
            "wycheproof/ecdsa_secp256r1_sha256_test.json",
            Algorithm::ES256,
            true,
        ),
        (
            "wycheproof/ecdsa_secp384r1_sha384_test.json",
            Algorithm::ES384,
            true,
        ),
        ("wycheproof/ed25519_test.json", Algorithm::EdDSA, false),
        (
            "wycheproof/rsa_signature_2048_sha256_test.json",
            Algorithm::RS256,
            false,
        ),
        (
            "wycheproof/rsa_pss_2048_sha256_mgf1_32_test.json",
            Algorithm::PS256,
            false,
        ),
    ];
    for (file, alg, der) in files {
        let doc = vectors(file);
        let (mut checked, mut valid) = (0, 0);
        for group in doc["testGroups"].as_array().unwrap() {
            let pem = group["publicKeyPem"].as_str().unwrap();
            let mut keys = vec![VerifyingKey::from_pem(pem.as_bytes()).unwrap()];
            let jwk = group.get("publicKeyJwk").or_else(|| group.get("keyJwk"));
            if let Some(jwk) = jwk.filter(|j| j.is_object()) {
                keys.push(VerifyingKey::from_jwk_map(jwk.as_object().unwrap()).unwrap());
            }
            let n = if alg == Algorithm::ES384 { 48 } else { 32 };
            for t in group["tests"].as_array().unwrap() {
                let (msg, sig) = (
                    hex(t["msg"].as_str().unwrap()),
                    hex(t["sig"].as_str().unwrap()),
                );
                let result = t["result"].as_str().unwrap();
                let id = format!("{file} tcId {}", t["tcId"]);
                for key in &keys {
                    // The public path every door reaches (PyJWT's Algorithm.verify, C).
                    let outcome = key.verify_message(alg, &msg, &sig, true).expect(&id);
                    if der {
                        // A DER signature is never a JWS signature...
                        assert!(!outcome, "{id}: a DER signature verified as JWS");
                        // ...but a valid one, re-encoded as r || s, is.
                        if result == "valid" {
                            let fixed = der_to_p1363(&sig, n).expect(&id);
                            assert!(
                                key.verify_message(alg, &msg, &fixed, true).expect(&id),
                                "{id}"
                            );
                        }
                    } else {
                        match result {
                            "valid" => assert!(outcome, "{id}: a valid signature was refused"),
                            "invalid" => assert!(!outcome, "{id}: an invalid signature verified"),
                            _ => {}
                        }
                    }
                }
                checked += 1;
                valid += usize::from(result == "valid");
            }
        }
        assert_eq!(
            checked,
            doc["numberOfTests"].as_u64().unwrap() as usize,
            "{file}"
        );
        assert!(valid > 0, "{file}: no valid vector");
    }

    for (file, alg, full) in [
        ("wycheproof/hmac_sha256_test.json", Algorithm::HS256, 256),
        ("wycheproof/hmac_sha384_test.json", Algorithm::HS384, 384),
        ("wycheproof/hmac_sha512_test.json", Algorithm::HS512, 512),
    ] {
        let doc = vectors(file);
        let mut checked = 0;
        for group in doc["testGroups"].as_array().unwrap() {
            let whole = group["tagSize"].as_u64() == Some(full);
            for t in group["tests"].as_array().unwrap() {
                let id = format!("{file} tcId {}", t["tcId"]);
                let (key, msg, tag) = (
                    hex(t["key"].as_str().unwrap()),
                    hex(t["msg"].as_str().unwrap()),
                    hex(t["tag"].as_str().unwrap()),
                );
                checked += 1;
                let Ok(key) = VerifyingKey::hmac(&key) else {
                    assert!(key.is_empty(), "{id}: a non-empty HMAC key was refused");
                    continue;
                };
                let outcome = key.verify_message(alg, &msg, &tag, true).expect(&id);
                match (whole, t["result"].as_str().unwrap()) {
                    (true, "valid") => assert!(outcome, "{id}: a valid tag was refused"),
                    (true, "invalid") => assert!(!outcome, "{id}: an invalid tag verified"),
                    // JWS never truncates a tag: a truncated one is refused, valid or not.
                    (false, _) => assert!(!outcome, "{id}: a truncated tag verified"),
                    _ => {}
                }
            }
        }
        assert_eq!(
            checked,
            doc["numberOfTests"].as_u64().unwrap() as usize,
            "{file}"
        );
    }
}

#[test]
fn typed_claims_round_trip_and_refuse_what_is_not_an_object() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Claims {
        sub: String,
        exp: u64,
        big: u64,
    }
    let key = SigningKey::hmac(SECRET).unwrap();
    let claims = Claims {
        sub: "ann".into(),
        exp: 4_000_000_000,
        big: u64::MAX,
    };
    let token = encode(Algorithm::HS256, &key, &claims, None).unwrap();
    let v = Verifier::new(
        VerifyingKey::hmac(SECRET).unwrap(),
        Validation::new(&[Algorithm::HS256]),
    )
    .unwrap();
    let decoded = v.verify(&token).unwrap();
    assert_eq!(decoded.claims_as::<Claims>().unwrap(), claims);
    // A type the claims do not fit is an InvalidClaim error, not a panic or a default.
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Other {
        role: String,
    }
    let e = decoded.claims_as::<Other>().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidClaim);
    assert!(e.message().contains("role"), "{e}");
    // Claims must serialize to a JSON object.
    for bad in [
        encode(Algorithm::HS256, &key, &vec![1, 2], None),
        encode(Algorithm::HS256, &key, "text", None),
    ] {
        assert_eq!(bad.unwrap_err().kind(), ErrorKind::InvalidInput);
    }
    // The re-exported serde_json is the one the API speaks.
    let map: crate::serde_json::Map<String, crate::serde_json::Value> =
        crate::serde_json::from_str(r#"{"sub":"bob"}"#).unwrap();
    assert!(encode(Algorithm::HS256, &key, &map, None).is_ok());
}

#[test]
fn verify_json_decides_exactly_as_verify() {
    // The text path (claims read once by the caller) and the parsed path refuse and accept the
    // same tokens with the same kinds; only the claims' form differs.
    let mut v = hs256();
    v.required = vec!["sub".into()];
    v.audiences = Some(vec!["api".into()]);
    let verifier = hs_verifier(v);
    let h = r#"{"alg":"HS256","typ":"JWT"}"#;
    let payloads = [
        r#"{"sub":"a","aud":"api","exp":4000000000}"#,
        r#"{"sub":"a","aud":"api","exp":4000000000,"n":123456789012345678901234567890}"#,
        r#"{"sub":"a","aud":"api","exp":1}"#,
        r#"{"sub":"a","aud":"web","exp":4000000000}"#,
        r#"{"aud":"api","exp":4000000000}"#,
        r#"{"sub":"a","aud":"api","exp":4000000000,"sub":"b"}"#,
        r#"{"sub":"a","aud":"api","exp":4000000000,"x":1,"x":2}"#,
        r#"{"sub":"a","aud":"api","exp":4000000000,"big":1e400}"#,
        r#"{"sub":"a","aud":"api","exp":"soon"}"#,
        r#"["sub"]"#,
        r#"{"sub":"a","aud":"api","exp":4000000000} x"#,
        r#"{"sub":"a","aud":"api","exp":4000000000,"deep":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
    ];
    let mut accepted = 0;
    for p in payloads {
        let token = forge(h, p);
        match (verifier.verify(&token), verifier.verify_json(&token)) {
            (Ok(d), Ok(j)) => {
                accepted += 1;
                assert_eq!(d.payload_json, j.payload_json);
                assert_eq!((d.header_json, d.signature), (j.header_json, j.signature));
            }
            (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind(), "{p}: {a} / {b}"),
            (a, b) => panic!("{p}: verify {a:?} but verify_json {b:?}"),
        }
    }
    assert_eq!(accepted, 2);
    let e = verifier.verify_json(&forge(h, payloads[6])).unwrap_err();
    assert!(e.message().contains("duplicate member \"x\""), "{e}");
}

#[test]
fn openssh_public_keys_are_read_through_the_jwk_rules() {
    use super::keys::VerifyingKey;
    fn field(out: &mut Vec<u8>, v: &[u8]) {
        out.extend_from_slice(&u32::try_from(v.len()).unwrap().to_be_bytes());
        out.extend_from_slice(v);
    }
    // RFC 8037's Ed25519 public key, as an OpenSSH line.
    let x = BASE64URL_NOPAD
        .decode(b"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
        .unwrap();
    let mut blob = Vec::new();
    field(&mut blob, b"ssh-ed25519");
    field(&mut blob, &x);
    let line = format!(
        "ssh-ed25519 {} alice@example",
        data_encoding::BASE64.encode(&blob)
    );
    let key = VerifyingKey::for_algorithm(Algorithm::EdDSA, line.as_bytes()).unwrap();
    assert_eq!(key.key_type(), KeyType::Ed25519);
    // Never an HMAC secret, never for another algorithm family.
    assert!(VerifyingKey::for_algorithm(Algorithm::HS256, line.as_bytes()).is_err());
    assert!(VerifyingKey::for_algorithm(Algorithm::RS256, line.as_bytes()).is_err());
    // Malformed lines are clear errors.
    let truncated = format!(
        "ssh-ed25519 {}",
        data_encoding::BASE64.encode(&blob[..blob.len() - 1])
    );
    for bad in [
        truncated.as_str(),
        "ssh-ed25519",
        "ssh-ed25519 !!!",
        "ssh-dss AAAAB3NzaC1kc3M=",
    ] {
        let e = VerifyingKey::for_algorithm(Algorithm::EdDSA, bad.as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidKey, "{bad}: {e}");
    }
    let mut wrong_type = Vec::new();
    field(&mut wrong_type, b"ssh-rsa");
    field(&mut wrong_type, &x);
    let mismatched = format!("ssh-ed25519 {}", data_encoding::BASE64.encode(&wrong_type));
    assert!(VerifyingKey::for_algorithm(Algorithm::EdDSA, mismatched.as_bytes()).is_err());
}

#[test]
fn es512_and_es256k_sign_and_verify_on_aws_lc() {
    use super::{generate_pem, SigningKey, Validation, Verifier, VerifyingKey};
    let claims = serde_json::json!({"sub": "ann"});
    for (alg, other) in [
        (Algorithm::ES512, Algorithm::ES256),
        (Algorithm::ES256K, Algorithm::ES256),
    ] {
        let (private, public) = generate_pem(alg).unwrap();
        let key = SigningKey::from_pem(private.as_bytes()).unwrap();
        assert_eq!(key.key_type(), alg.key_type());
        let token = super::encode(alg, &key, &claims, None).unwrap();
        let verifying = VerifyingKey::from_pem(public.as_bytes()).unwrap();
        assert_eq!(verifying.key_type(), alg.key_type());
        let verifier = Verifier::new(verifying.clone(), Validation::new(&[alg])).unwrap();
        assert_eq!(verifier.verify(&token).unwrap().claims["sub"], "ann");
        // The private PEM reduces to the same public key.
        let from_private = VerifyingKey::from_pem(private.as_bytes()).unwrap();
        Verifier::new(from_private, Validation::new(&[alg]))
            .unwrap()
            .verify(&token)
            .unwrap();
        // A flipped signature bit fails; the key never serves another curve's algorithm.
        let mut forged = token.clone();
        let last = forged.pop().unwrap();
        forged.push(if last == 'A' { 'B' } else { 'A' });
        assert!(verifier.verify(&forged).is_err());
        assert!(VerifyingKey::for_algorithm(other, public.as_bytes()).is_err());
        assert!(key.sign_message(other, b"m", false).is_err());
        let sig = key.sign_message(alg, b"m", false).unwrap();
        assert_eq!(sig.len(), if alg == Algorithm::ES512 { 132 } else { 64 });
        assert!(verifying.verify_message(alg, b"m", &sig, false).unwrap());
        assert!(!verifying.verify_message(alg, b"n", &sig, false).unwrap());
    }
    // A P-256 key is not taken for secp256k1 (same point size, another curve).
    let (_, p256_public) = generate_pem(Algorithm::ES256).unwrap();
    assert_eq!(
        VerifyingKey::from_pem(p256_public.as_bytes())
            .unwrap()
            .key_type(),
        super::KeyType::EcP256
    );
    assert!(VerifyingKey::for_algorithm(Algorithm::ES256K, p256_public.as_bytes()).is_err());
}

#[test]
fn jws_over_any_bytes_gets_every_token_check_but_the_claims() {
    use super::dangerous::{decode_jws_unverified, jws_parts_unverified, verify_jws};
    use super::{encode_bytes, EncodeOptions, Validation};
    let (signing, verifying) = pair_for(Algorithm::ES256);
    let payload = b"\x00\xffnot json";
    let token = encode_bytes(
        Algorithm::ES256,
        &signing,
        payload,
        None,
        EncodeOptions::default(),
    )
    .unwrap();
    let v = Validation::new(&[Algorithm::ES256]);
    let jws = verify_jws(&token, &v, |_, _| Ok(&verifying)).unwrap();
    assert_eq!(
        (jws.algorithm, jws.payload.as_slice()),
        (Algorithm::ES256, payload.as_slice())
    );
    // Another allow-list, a flipped signature, a crit header: refused as for claims.
    let other = Validation::new(&[Algorithm::ES384]);
    assert_eq!(
        verify_jws(&token, &other, |_, _| Ok(&verifying))
            .unwrap_err()
            .kind(),
        ErrorKind::AlgorithmNotAllowed
    );
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert!(verify_jws(&forged, &v, |_, _| Ok(&verifying)).is_err());
    let crit = serde_json::json!({"crit": ["exp"], "exp": 1});
    let with_crit = encode_bytes(
        Algorithm::ES256,
        &signing,
        payload,
        Some(&crit.to_string()),
        EncodeOptions::default(),
    )
    .unwrap();
    assert!(verify_jws(&with_crit, &v, |_, _| Ok(&verifying)).is_err());
    // Unverified reads: the algorithm-blind one reads a caller's own `alg`; the other refuses it.
    let custom = format!(
        "{}.{}.",
        data_encoding::BASE64URL_NOPAD.encode(br#"{"alg":"REV"}"#),
        data_encoding::BASE64URL_NOPAD.encode(payload)
    );
    assert_eq!(jws_parts_unverified(&custom, 8192).unwrap().1, payload);
    assert!(decode_jws_unverified(&custom, 8192).is_err());
    assert_eq!(
        decode_jws_unverified(&token, 8192).unwrap().payload,
        payload
    );
}
