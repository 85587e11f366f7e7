use super::*;
use crate::testutil::{hex, vectors};
use crate::ErrorKind;

/// Cheap Argon2id parameters for tests that are about logic, not strength.
fn fast() -> Argon2Params {
    Argon2Params::new(1, 64, 1, 32, 16).unwrap()
}

#[test]
fn rfc9106_vectors_with_secret_and_associated_data() {
    // RFC 9106 §5: the primitive the wrapper relies on, configured as the wrapper configures it
    // (version 0x13, the `parallel` lanes), including the secret and associated data inputs.
    let doc = vectors("rfc/rfc9106_argon2.json");
    let list = doc["vectors"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    for v in list {
        let alg = match v["type"].as_str().unwrap() {
            "Argon2d" => argon2::Algorithm::Argon2d,
            "Argon2i" => argon2::Algorithm::Argon2i,
            "Argon2id" => argon2::Algorithm::Argon2id,
            other => panic!("unknown type {other}"),
        };
        let secret = hex(v["secret_hex"].as_str().unwrap());
        let ad = hex(v["associated_data_hex"].as_str().unwrap());
        let params = argon2::ParamsBuilder::new()
            .m_cost(v["memory_kib"].as_u64().unwrap() as u32)
            .t_cost(v["passes"].as_u64().unwrap() as u32)
            .p_cost(v["parallelism"].as_u64().unwrap() as u32)
            .output_len(v["tag_length"].as_u64().unwrap() as usize)
            .data(argon2::AssociatedData::new(&ad).unwrap())
            .build()
            .unwrap();
        let a =
            argon2::Argon2::new_with_secret(&secret, alg, argon2::Version::V0x13, params).unwrap();
        let mut tag = vec![0u8; 32];
        a.hash_password_into(
            &hex(v["password_hex"].as_str().unwrap()),
            &hex(v["salt_hex"].as_str().unwrap()),
            &mut tag,
        )
        .unwrap();
        assert_eq!(
            crate::encoding::hex_encode(&tag),
            v["tag_hex"].as_str().unwrap(),
            "{}",
            v["name"]
        );
    }
}

#[test]
fn argon2_known_answer_through_the_wrapper() {
    // RFC 9106's Argon2id inputs without secret/AD, through hash_with_salt and verify: the tag
    // must be what the crate computes directly, and the PHC string must carry it.
    let pw = [1u8; 32];
    let salt = [2u8; 16];
    let p = Argon2Params::new(3, 32, 4, 32, 16).unwrap();
    let phc = argon2id::hash_with_salt(&pw, &salt, &p, Argon2Variant::Argon2id).unwrap();
    assert!(
        phc.starts_with("$argon2id$v=19$m=32,t=3,p=4$AgICAgICAgICAgICAgICAg$"),
        "{phc}"
    );
    let mut tag = [0u8; 32];
    argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(32, 3, 4, Some(32)).unwrap(),
    )
    .hash_password_into(&pw, &salt, &mut tag)
    .unwrap();
    assert!(phc.ends_with(
        &crate::encoding::b64url_encode(&tag)
            .replace('-', "+")
            .replace('_', "/")
    ));
    assert!(argon2id::verify(&pw, &phc).unwrap());
    assert!(!argon2id::verify(&[1u8; 31], &phc).unwrap());
    assert_eq!(phc.len(), p.encoded_len(Argon2Variant::Argon2id));
}

#[test]
fn bcrypt_pyca_vectors() {
    let doc = vectors("bcrypt/bcrypt_pyca.json");
    let mut checked = 0;
    for group in doc["groups"].as_array().unwrap() {
        for v in group["vectors"].as_array().unwrap() {
            let pw = hex(v["password_hex"].as_str().unwrap());
            let salt = v["salt"].as_str().unwrap();
            let expected = v["hash"].as_str().unwrap();
            if pw.contains(&0) {
                // pyca/bcrypt hashes NUL bytes as data; C bcrypt stops at the first NUL. We refuse
                // rather than give an answer that depends on the implementation.
                let err = bcrypt::hashpw(&pw, salt).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::InvalidInput);
                assert!(err.message().contains("NUL"));
                continue;
            }
            assert_eq!(bcrypt::hashpw(&pw, salt).unwrap(), expected, "{salt}");
            assert!(bcrypt::checkpw(&pw, expected).unwrap());
            assert!(bcrypt::verify(&pw, expected).unwrap());
            assert!(verify(&pw, expected).unwrap());
            let mut wrong = pw.clone();
            wrong.push(b'!');
            if wrong.len() <= 72 {
                assert!(!verify(&wrong, expected).unwrap());
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 26, "26 of the 28 vectors have no NUL byte");
}

#[test]
fn bcrypt_never_truncates() {
    let h = bcrypt::hash(&[b'a'; 72], 4).unwrap();
    assert!(bcrypt::verify(&[b'a'; 72], &h).unwrap());
    for f in [
        bcrypt::hash(&[b'a'; 73], 4).map(|_| ()),
        bcrypt::verify(&[b'a'; 73], &h).map(|_| ()),
    ] {
        let err = f.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().contains("72 bytes"), "{}", err.message());
    }
}

#[test]
fn bcrypt_gensalt_and_prefixes() {
    let s = bcrypt::gensalt(12, BcryptPrefix::TwoB).unwrap();
    assert_eq!(s.len(), 29);
    assert!(s.starts_with("$2b$12$"));
    assert!(bcrypt::gensalt(5, BcryptPrefix::TwoA)
        .unwrap()
        .starts_with("$2a$05$"));
    assert_eq!(
        bcrypt::gensalt(3, BcryptPrefix::TwoB).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        bcrypt::gensalt(32, BcryptPrefix::TwoB).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    // hashpw keeps the salt's prefix ($2y$ included), as pyca/bcrypt.
    let y = bcrypt::hashpw(b"pw", "$2y$04$cVWp4XaNU8a4v1uMRum2SO").unwrap();
    assert!(y.starts_with("$2y$04$cVWp4XaNU8a4v1uMRum2SO"));
    assert!(verify(b"pw", &y).unwrap());
}

#[test]
fn malformed_hashes_are_invalid_input_with_a_reason() {
    let good_bcrypt = "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm";
    let good_argon =
        argon2id::hash_with_salt(b"pw", &[7u8; 16], &fast(), Argon2Variant::Argon2id).unwrap();
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "unknown password hash scheme"),
        ("plaintext".into(), "unknown password hash scheme"),
        ("$1$abc$def".into(), "unknown password hash scheme"),
        (good_bcrypt[..59].into(), "60 characters"),
        (format!("{good_bcrypt}x"), "60 characters"),
        (
            good_bcrypt.replace("$2b$04$", "$2b$03$"),
            "cost must be between 4 and 31",
        ),
        (
            good_bcrypt.replace("$2b$04$", "$2b$32$"),
            "cost must be between 4 and 31",
        ),
        (good_bcrypt.replace("$2b$04$", "$2b$x4$"), "not two digits"),
        (good_bcrypt.replace("$2b$", "$2x$"), "$2x$"),
        (good_bcrypt.replace("$2b$", "$2c$"), "unknown prefix"),
        (
            good_bcrypt.replace("cVWp", "c!Wp"),
            "salt is not 22 characters",
        ),
        (
            format!("{}!{}", &good_bcrypt[..40], &good_bcrypt[41..]),
            "hash part",
        ),
        (good_argon[..good_argon.len() - 10].to_string(), "argon2"),
        (
            good_argon.replace("$argon2id$", "$argon2xx$"),
            "unknown variant",
        ),
        (good_argon.replace("v=19", "v=18"), "unknown version"),
        (good_argon.replace("m=64", "m=999999999"), "memory_cost"),
        (good_argon.replace("t=1", "t=100000"), "time_cost"),
        (good_argon.replace("m=64", "m=4"), "memory_cost"),
        (good_argon.replace("v=19", "v=019"), "bad version"),
        (
            good_argon.replace("m=64", "m=+64"),
            "exactly m=..,t=..,p=..",
        ),
        (format!("{good_argon}="), "not unpadded base64"),
        (good_argon.rsplit_once('$').unwrap().0.to_string(), "argon2"),
        ("$argon2id$v=19$m=64,t=1,p=1$!!!!$AAAA".into(), "argon2"),
        // Found by fuzzing: a duplicated t in place of p verified (p defaulted to 1).
        (good_argon.replace("p=1", "t=1"), "exactly m=..,t=..,p=.."),
        (good_argon.replace(",p=1", ""), "exactly m=..,t=..,p=.."),
        (
            good_argon.replace("m=64,t=1", "t=1,m=64"),
            "exactly m=..,t=..,p=..",
        ),
        (
            good_argon.replace("p=1", "p=1,keyid=AAAA"),
            "exactly m=..,t=..,p=..",
        ),
    ];
    for (hash, why) in cases {
        let err = verify(b"pw", &hash).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{hash}");
        assert!(
            err.message().contains(why),
            "{hash}: {} (wanted '{why}')",
            err.message()
        );
        assert_eq!(
            needs_rehash(&hash).unwrap_err().kind(),
            ErrorKind::InvalidInput,
            "{hash}"
        );
    }
}

#[test]
fn default_hash_is_argon2id_rfc9106_low_memory() {
    let h = hash(b"correct horse").unwrap();
    assert!(h.starts_with("$argon2id$v=19$m=65536,t=3,p=4$"), "{h}");
    let info = argon2id::parse(&h).unwrap();
    assert_eq!(info.params, Argon2Params::DEFAULT);
    assert!(verify(b"correct horse", &h).unwrap());
    assert!(!verify(b"correct horsf", &h).unwrap());
    assert!(!needs_rehash(&h).unwrap());
    assert_eq!(h.len(), Hasher::default().hash_len());
    // Two hashes of the same password differ (fresh salts).
    assert_ne!(h, hash(b"correct horse").unwrap());
}

#[test]
fn argon2_verifies_every_variant() {
    for v in [
        Argon2Variant::Argon2d,
        Argon2Variant::Argon2i,
        Argon2Variant::Argon2id,
    ] {
        let h = argon2id::hash_with_salt(b"pw", &[9u8; 16], &fast(), v).unwrap();
        assert!(h.starts_with(&format!("${}$", v.ident())));
        assert!(verify(b"pw", &h).unwrap());
        assert!(!verify(b"px", &h).unwrap());
        assert!(
            needs_rehash(&h).unwrap(),
            "weak params and/or other variant"
        );
    }
}

#[test]
fn needs_rehash_rules() {
    let h = |p: Argon2Params, v| argon2id::hash_with_salt(b"pw", &[1u8; 16], &p, v).unwrap();
    let hasher = Hasher::new(Scheme::Argon2id(
        Argon2Params::new(2, 1024, 1, 32, 16).unwrap(),
    ))
    .unwrap();
    // Same or stronger parameters: keep. Weaker or another variant: rehash.
    assert!(!hasher
        .needs_rehash(&h(
            Argon2Params::new(2, 1024, 1, 32, 16).unwrap(),
            Argon2Variant::Argon2id
        ))
        .unwrap());
    assert!(!hasher
        .needs_rehash(&h(
            Argon2Params::new(3, 2048, 4, 32, 16).unwrap(),
            Argon2Variant::Argon2id
        ))
        .unwrap());
    assert!(hasher
        .needs_rehash(&h(
            Argon2Params::new(1, 1024, 1, 32, 16).unwrap(),
            Argon2Variant::Argon2id
        ))
        .unwrap());
    assert!(hasher
        .needs_rehash(&h(
            Argon2Params::new(2, 512, 1, 32, 16).unwrap(),
            Argon2Variant::Argon2id
        ))
        .unwrap());
    assert!(hasher
        .needs_rehash(&h(
            Argon2Params::new(2, 1024, 1, 16, 16).unwrap(),
            Argon2Variant::Argon2id
        ))
        .unwrap());
    let short_salt = Argon2Params::new(2, 1024, 1, 32, 8).unwrap();
    let short_salt_hash =
        argon2id::hash_with_salt(b"pw", &[1u8; 8], &short_salt, Argon2Variant::Argon2id).unwrap();
    assert!(hasher.needs_rehash(&short_salt_hash).unwrap());
    assert!(hasher
        .needs_rehash(&h(
            Argon2Params::new(2, 1024, 1, 32, 16).unwrap(),
            Argon2Variant::Argon2i
        ))
        .unwrap());
    assert!(Hasher::default()
        .needs_rehash(&h(fast(), Argon2Variant::Argon2id))
        .unwrap());
    // bcrypt preferred: argon2 hashes and low costs or old prefixes need a rehash.
    let b = Hasher::new(Scheme::Bcrypt { cost: 5 }).unwrap();
    assert!(!b.needs_rehash(&bcrypt::hash(b"pw", 5).unwrap()).unwrap());
    assert!(!b.needs_rehash(&bcrypt::hash(b"pw", 6).unwrap()).unwrap());
    assert!(b.needs_rehash(&bcrypt::hash(b"pw", 4).unwrap()).unwrap());
    assert!(b
        .needs_rehash(
            &bcrypt::hashpw(b"pw", &bcrypt::gensalt(5, BcryptPrefix::TwoA).unwrap()).unwrap()
        )
        .unwrap());
    assert!(b.needs_rehash(&h(fast(), Argon2Variant::Argon2id)).unwrap());
    assert_eq!(
        Hasher::new(Scheme::Bcrypt { cost: 3 }).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn migration_bcrypt_to_argon2id() {
    let hasher = Hasher::new(Scheme::Argon2id(
        Argon2Params::new(2, 1024, 2, 32, 16).unwrap(),
    ))
    .unwrap();
    let old = bcrypt::hash(b"migrate me", 4).unwrap();
    // Wrong password: no new hash.
    assert_eq!(
        hasher.verify_and_update(b"wrong", &old).unwrap(),
        (false, None)
    );
    // Right password: a new Argon2id hash that verifies and needs no further rehash.
    let (ok, new) = hasher.verify_and_update(b"migrate me", &old).unwrap();
    assert!(ok);
    let new = new.unwrap();
    assert!(new.starts_with("$argon2id$v=19$m=1024,t=2,p=2$"));
    assert!(hasher.verify(b"migrate me", &new).unwrap());
    assert_eq!(
        hasher.verify_and_update(b"migrate me", &new).unwrap(),
        (true, None)
    );
}

#[test]
fn policy_table() {
    let d = Policy::default();
    let classes = Policy::default().with_classes();
    let codes = |p: &Policy, pw: &str| p.check(pw).iter().map(|v| v.code()).collect::<Vec<_>>();
    let table: &[(&Policy, &str, &[&str])] = &[
        (&d, "correct horse battery staple", &[]),
        (&d, "short", &["too_short"]),
        (&d, "", &["too_short"]),
        (&d, "password", &["common"]),
        (&d, "PassWord", &["common"]),
        (&d, "qwerty", &["too_short", "common"]),
        (&d, "ünïcödé!", &[]),          // 8 characters, 12 bytes
        (&d, "ünïcöd", &["too_short"]), // 6 characters, 9+ bytes
        (
            &classes,
            "password",
            &["missing_uppercase", "missing_digit", "common"],
        ),
        (
            &classes,
            "abcdefgh",
            &["missing_uppercase", "missing_digit"],
        ),
        (&classes, "Tr0ub4dor&3x", &[]),
        (&classes, "ALLUPPER123", &["missing_lowercase"]),
        (
            &classes,
            "ab",
            &["too_short", "missing_uppercase", "missing_digit"],
        ),
    ];
    for (policy, pw, want) in table {
        assert_eq!(codes(policy, pw), *want, "{pw:?}");
    }
    let long = "x".repeat(129);
    assert_eq!(codes(&d, &long), ["too_long"]);
    let sym = Policy {
        require_symbol: true,
        ..Policy::default()
    };
    assert_eq!(codes(&sym, "no symbols here"), ["missing_symbol"]);
    assert!(codes(&sym, "symbol: here").is_empty());
    let lax = Policy {
        reject_common: false,
        ..Policy::default()
    };
    assert!(lax.check("password").is_empty());
    // Messages and flags are distinct and informative.
    let all = [
        Violation::TooShort { min: 8, actual: 3 },
        Violation::TooLong {
            max: 128,
            actual: 200,
        },
        Violation::MissingLowercase,
        Violation::MissingUppercase,
        Violation::MissingDigit,
        Violation::MissingSymbol,
        Violation::Common,
    ];
    let flags: u32 = all.iter().map(|v| v.flag()).fold(0, |a, f| {
        assert_eq!(a & f, 0);
        a | f
    });
    assert_eq!(flags, 0x7f);
    assert!(all[0].message().contains("at least 8") && all[0].message().contains("has 3"));
    assert!(Policy {
        min_len: 0,
        ..Policy::default()
    }
    .validate()
    .is_err());
    assert!(Policy {
        min_len: 10,
        max_len: 9,
        ..Policy::default()
    }
    .validate()
    .is_err());
    assert!(Policy::default().validate().is_ok());
}

#[test]
fn blocklist_has_at_least_ten_thousand_entries() {
    assert!(
        common_password_count() >= 10_000,
        "{}",
        common_password_count()
    );
    for pw in ["123456", "iloveyou", "Dragon", "trustno1", "letmein"] {
        assert!(is_common(pw), "{pw}");
    }
}

#[test]
fn calibrate_honours_floor_and_bounds() {
    let p = calibrate(Duration::from_millis(1), 64 * 1024).unwrap();
    assert_eq!(
        (p.m_cost(), p.t_cost()),
        (19 * 1024, 2),
        "a tiny target gets the OWASP floor"
    );
    let p = calibrate(Duration::from_millis(150), 64 * 1024).unwrap();
    assert!(p.m_cost() >= 19 * 1024 && p.m_cost() <= 64 * 1024 && p.t_cost() >= 2);
    assert!(calibrate(Duration::ZERO, 64 * 1024).is_err());
    assert!(calibrate(Duration::from_secs(61), 64 * 1024).is_err());
    assert!(calibrate(Duration::from_millis(10), 1024).is_err());
}

#[test]
fn params_validation_names_the_parameter() {
    let cases = [
        (Argon2Params::new(0, 65536, 4, 32, 16), "time_cost"),
        (Argon2Params::new(3, 31, 4, 32, 16), "memory_cost"),
        (Argon2Params::new(3, 65536, 0, 32, 16), "parallelism"),
        (Argon2Params::new(3, 65536, 4, 3, 16), "hash_len"),
        (Argon2Params::new(3, 65536, 4, 1025, 16), "hash_len"),
        (Argon2Params::new(3, 65536, 4, 32, 7), "salt_len"),
        (
            Argon2Params::new(3, Argon2Params::MAX_M_COST + 1, 4, 32, 16),
            "memory_cost",
        ),
    ];
    for (r, name) in cases {
        let e = r.unwrap_err();
        assert!(e.message().contains(name), "{}", e.message());
    }
}

#[test]
fn stored_hashes_above_the_cost_limits_are_refused_before_any_work() {
    // Hashes an attacker could write into a user table: minutes of CPU, gigabytes of memory.
    let salt = "c29tZXNhbHRzb21lc2FsdA";
    let tag = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU";
    let cheap = bcrypt::hash(b"pw", 4).unwrap();
    let costly = [
        format!("$argon2id$v=19$m=2097152,t=1,p=1${salt}${tag}"),
        format!("$argon2id$v=19$m=65536,t=1024,p=1${salt}${tag}"),
        format!("$argon2id$v=19$m=262144,t=8,p=1${salt}${tag}"),
        format!("$argon2id$v=19$m=65536,t=3,p=255${salt}${tag}"),
        cheap.replacen("$04$", "$31$", 1),
        cheap.replacen("$04$", "$15$", 1),
    ];
    // (Refused before any hashing: were these computed, this test would not finish for days.)
    for hash in &costly {
        let e = verify(b"pw", hash).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{hash}");
        assert!(e.message().contains("limit"), "{hash}: {e}");
        assert!(Hasher::default().verify(b"pw", hash).is_err());
    }
    assert!(bcrypt::checkpw(b"pw", &costly[4]).is_err());
    assert!(bcrypt::checkpw_within(b"pw", &costly[5], 14).is_err());
    // Genuine hashes within the limits verify, and a caller can raise the limits.
    let b13 = bcrypt::hash(b"pw", 5).unwrap(); // cost 5, within every limit below but one
    assert!(verify(b"pw", &b13).unwrap());
    let strict = Hasher::default()
        .with_cost_limits(CostLimits {
            bcrypt_cost: 4,
            ..CostLimits::DEFAULT
        })
        .unwrap();
    assert!(strict.verify(b"pw", &b13).is_err());
    let lenient = CostLimits {
        bcrypt_cost: 31,
        ..CostLimits::DEFAULT
    };
    assert!(Hasher::default().with_cost_limits(lenient).is_ok());
    // Limits below the hasher's own parameters are refused: it could not verify its own hashes.
    let tight = CostLimits {
        argon2_m_cost: 1024,
        ..CostLimits::DEFAULT
    };
    assert!(Hasher::default().with_cost_limits(tight).is_err());
    // A hasher with stronger parameters gets limits that cover them.
    let strong = Argon2Params::new(4, 512 * 1024, 4, 32, 16).unwrap();
    let h = Hasher::new(Scheme::Argon2id(strong)).unwrap();
    assert!(h.cost_limits().argon2_m_cost >= 4 * 512 * 1024);
    assert!(h.cost_limits().argon2_work >= 8 * 4 * 512 * 1024);
}

#[test]
fn checkpw_with_a_nul_byte_is_false_not_an_error() {
    let h = bcrypt::hash(b"abc", 4).unwrap();
    assert!(!bcrypt::checkpw(b"ab\0c", &h).unwrap());
    assert!(!bcrypt::checkpw(b"abc\0", &h).unwrap());
    assert!(!verify(b"a\0bc", &h).unwrap());
    // hashpw keeps refusing it, and a malformed hash is still an error.
    assert!(bcrypt::hash(b"ab\0c", 4).is_err());
    assert!(bcrypt::checkpw(b"ab\0c", "$2b$04$short").is_err());
}

#[test]
fn bcrypt_pbkdf_known_answers_and_refusals() {
    use super::bcrypt::{pbkdf, PBKDF_MAX_KEY_BYTES};
    // Answers of pyca/bcrypt's kdf (OpenBSD's bcrypt_pbkdf) for the same inputs; a password may
    // hold NUL bytes here (it is hashed with SHA-512 first, never handed to C as a string).
    let cases: [(&[u8], &[u8], u32, &str); 2] = [
        (
            b"password",
            b"salt",
            4,
            "5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9",
        ),
        (
            b"pass\0word",
            b"salt\0",
            16,
            "d2a3e04b5fa2f02aa6e259fd9d4fd9939e4477744c6b83c6c034a4edb0e321e5\
             35fdd7d596504c81afb4e2eb64470d46",
        ),
    ];
    for (password, salt, rounds, hex) in cases {
        let expected = crate::testutil::hex(hex);
        assert_eq!(
            *pbkdf(password, salt, rounds, expected.len()).unwrap(),
            expected
        );
    }
    for (password, salt, rounds, len) in [
        (&b""[..], &b"s"[..], 4, 32),
        (b"p", b"", 4, 32),
        (b"p", b"s", 0, 32),
        (b"p", b"s", 4, 0),
        (b"p", b"s", 4, PBKDF_MAX_KEY_BYTES + 1),
    ] {
        let e = pbkdf(password, salt, rounds, len).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    }
    assert_eq!(
        pbkdf(b"p", b"s", 1, PBKDF_MAX_KEY_BYTES).unwrap().len(),
        512
    );
}

#[test]
fn argon2_hashes_without_a_version_are_argon2_1_0() {
    // argon2-cffi's (libargon2's) answer for a v=16 hash with the `v=` field left out, as hashes
    // written before Argon2 1.3 look: read as version 1.0, never as 1.3.
    let legacy = "$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$VWE4EJhMifp204kQ0uBerA";
    assert!(argon2id::verify(b"password", legacy).unwrap());
    assert!(!argon2id::verify(b"passwore", legacy).unwrap());
    assert_eq!(argon2id::parse(legacy).unwrap().version, 0x10);
    let explicit = "$argon2i$v=16$m=8,t=1,p=1$c29tZXNhbHQ$VWE4EJhMifp204kQ0uBerA";
    assert!(argon2id::verify(b"password", explicit).unwrap());
    // The same tag claimed as 1.3 does not verify.
    let wrong = "$argon2i$v=19$m=8,t=1,p=1$c29tZXNhbHQ$VWE4EJhMifp204kQ0uBerA";
    assert!(!argon2id::verify(b"password", wrong).unwrap());
}

#[test]
fn raw_tags_of_any_length_libargon2_allows_encode_and_verify() {
    for (hash_len, salt_len) in [(4u32, 8usize), (9, 8), (65, 49), (513, 513)] {
        let p = Argon2Params::new(1, 8, 1, hash_len, 16).unwrap();
        let salt = vec![7u8; salt_len];
        for variant in [
            Argon2Variant::Argon2i,
            Argon2Variant::Argon2d,
            Argon2Variant::Argon2id,
        ] {
            for version in [argon2id::VERSION_13, argon2id::VERSION_10] {
                let raw = argon2id::hash_raw(b"pw", &salt, &p, variant, version).unwrap();
                assert_eq!(raw.len(), hash_len as usize);
                let encoded = argon2id::encode(variant, version, &p, &salt, &raw);
                assert!(argon2id::verify(b"pw", &encoded).unwrap(), "{encoded}");
                assert!(!argon2id::verify(b"pv", &encoded).unwrap());
                let info = argon2id::parse(&encoded).unwrap();
                assert_eq!(
                    (info.variant, info.version, info.params.hash_len()),
                    (variant, version, hash_len)
                );
                // The versions and variants give different tags.
                let other = argon2id::hash_raw(b"pw", &salt, &p, variant, version ^ 0x03).unwrap();
                assert_ne!(*raw, *other);
            }
        }
    }
    let p = Argon2Params::new(1, 8, 1, 32, 16).unwrap();
    assert!(argon2id::hash_raw(b"pw", &[0; 7], &p, Argon2Variant::Argon2i, 0x13).is_err());
    assert!(argon2id::hash_raw(b"pw", &[0; 8], &p, Argon2Variant::Argon2i, 0x12).is_err());
}
