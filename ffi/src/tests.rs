#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Rust-side tests of the C ABI's mechanics (the C programs in tests/c test the same from C).

use super::*;
use std::ffi::CStr;

fn last_message() -> String {
    let mut buf = [0 as c_char; 512];
    let mut len = 0usize;
    // SAFETY: buf and len are valid for the sizes given.
    let rc = unsafe { bw_last_error_message(buf.as_mut_ptr(), buf.len(), &mut len) };
    assert_eq!(rc, bw_result::BW_OK);
    // SAFETY: the function NUL-terminates on success.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_str()
        .unwrap()
        .to_owned()
}

/// Every source file of the door that defines exported functions, for the checks below.
const SOURCES: [(&str, &str); 20] = [
    ("lib.rs", include_str!("lib.rs")),
    ("aead.rs", include_str!("aead.rs")),
    ("apikey.rs", include_str!("apikey.rs")),
    ("ct.rs", include_str!("ct.rs")),
    ("fernet.rs", include_str!("fernet.rs")),
    ("headers.rs", include_str!("headers.rs")),
    ("ipnet.rs", include_str!("ipnet.rs")),
    ("jwt.rs", include_str!("jwt.rs")),
    ("oauth.rs", include_str!("oauth.rs")),
    ("otp.rs", include_str!("otp.rs")),
    ("password.rs", include_str!("password.rs")),
    ("random.rs", include_str!("random.rs")),
    ("ratelimit.rs", include_str!("ratelimit.rs")),
    ("redact.rs", include_str!("redact.rs")),
    ("redis_backend.rs", include_str!("redis_backend.rs")),
    ("version.rs", include_str!("version.rs")),
    ("versioning.rs", include_str!("versioning.rs")),
    ("guard.rs", include_str!("guard.rs")),
    ("result.rs", include_str!("result.rs")),
    ("tests.rs", include_str!("tests.rs")),
];

#[test]
fn the_checks_read_every_source_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rs"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = SOURCES.iter().map(|(n, _)| (*n).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "add new ffi/src files to SOURCES");
}

#[test]
fn every_extern_fn_is_guarded() {
    // No entry point may forget the panic boundary: each `extern "C" fn` body starts with
    // `ffi_guard!`, except the ones listed that cannot fail or panic.
    let never_fail = [
        "bw_version",
        "bw_result_str",
        "bw_last_error_message",
        "bw_password_hash_max_len",
        "bw_password_violation_str",
        "bw_aead_key_len",
        "bw_aead_nonce_len",
        "bw_aead_tag_len",
        "bw_aead_overhead",
        "bw_keyring_overhead",
        "bw_fernet_token_len",
        "bw_version_number",
        "bw_fernet_key_len",
        "bw_jwt_pem_capacity",
        "bw_otp_secret_len",
        "bw_otp_code_capacity",
        "bw_otp_field_capacity",
        "bw_bcrypt_hash_len",
        "bw_bcrypt_max_password_len",
        "bw_apikey_max_len",
        "bw_apikey_hash_len",
    ];
    let mut seen = 0;
    for (_, src) in SOURCES.iter().filter(|(name, _)| *name != "tests.rs") {
        for (i, _) in src.match_indices("extern \"C\" fn ") {
            let rest = &src[i + "extern \"C\" fn ".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let body = &rest[rest.find('{').unwrap() + 1..];
            let first = body
                .trim_start()
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_owned();
            seen += 1;
            let signature = &rest[..rest.find('{').unwrap()];
            let attributes = &src[..i];
            let attributes = &attributes[attributes.rfind("///").unwrap_or(0)..];
            if signature.contains("-> bw_result") && !name.ends_with("_free") {
                assert!(
                    attributes.contains("#[must_use]"),
                    "{name} can fail but is not #[must_use] (BW_MUST_USE in the header)"
                );
            }
            if never_fail.contains(&name.as_str()) {
                continue;
            }
            assert!(
                first.starts_with("ffi_guard!"),
                "{name} does not start with ffi_guard!: {first}"
            );
        }
    }
    let exported: usize = SOURCES
        .iter()
        .filter(|(name, _)| *name != "tests.rs")
        .map(|(_, s)| s.matches("#[no_mangle]").count())
        .sum();
    assert_eq!(
        seen, exported,
        "every #[no_mangle] item must be an extern \"C\" fn the scan saw"
    );
    assert!(seen >= 50, "found only {seen} entry points");
}

#[test]
fn panics_become_a_code_and_a_message() {
    let rc = ffi_guard!({
        let v: Vec<u8> = Vec::new();
        if v.is_empty() {
            panic!("boom from a test");
        }
        Ok(())
    });
    assert_eq!(rc, bw_result::BW_ERR_PANIC);
    assert!(last_message().contains("boom from a test"));
}

#[test]
fn result_strings_cover_known_and_unknown_codes() {
    for code in bw_result::ALL {
        // SAFETY: bw_result_str returns a static NUL-terminated string.
        let s = unsafe { CStr::from_ptr(bw_result_str(code as u32)) }
            .to_str()
            .unwrap();
        assert!(!s.is_empty());
        assert_ne!(s, "unknown bw_result code");
    }
    for code in [1u32, 99, 104, 999, u32::MAX] {
        // SAFETY: as above.
        let s = unsafe { CStr::from_ptr(bw_result_str(code)) }
            .to_str()
            .unwrap();
        assert_eq!(s, "unknown bw_result code");
    }
}

#[test]
fn every_core_error_kind_has_its_own_code() {
    // ErrorKind::ALL is core's list: a kind added there without its bw_result fails here.
    let kinds = bulwark::ErrorKind::ALL;
    for kind in kinds {
        let code = bw_result::from_kind(kind);
        assert_eq!(
            code as u32,
            kind.code(),
            "{kind:?} has no bw_result of its own"
        );
        assert!(
            code != bw_result::BW_ERR_INTERNAL || kind == bulwark::ErrorKind::Internal,
            "{kind:?} would become BW_ERR_INTERNAL"
        );
    }
    let codes: std::collections::HashSet<u32> = kinds
        .iter()
        .map(|k| bw_result::from_kind(*k) as u32)
        .collect();
    assert_eq!(codes.len(), kinds.len());
}

#[test]
fn codes_are_stable() {
    // Never renumber: C programs compiled against older headers depend on these values.
    let expected = [
        0u32, 100, 101, 102, 103, 300, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411,
        500, 600, 700, 900, 901, 902,
    ];
    let actual: Vec<u32> = bw_result::ALL.iter().map(|c| *c as u32).collect();
    assert_eq!(actual, expected);
}

#[test]
fn token_buffer_contract() {
    let mut len = 0usize;
    // SAFETY: NULL buffer with cap 0 is a size query; len is valid.
    let rc = unsafe { bw_token_urlsafe(32, std::ptr::null_mut(), 0, &mut len) };
    assert_eq!(rc, bw_result::BW_ERR_BUFFER_TOO_SMALL);
    assert_eq!(len, 44);
    let mut buf = vec![0 as c_char; len];
    // SAFETY: buf holds len bytes.
    let rc = unsafe { bw_token_urlsafe(32, buf.as_mut_ptr(), buf.len(), &mut len) };
    assert_eq!(rc, bw_result::BW_OK);
    assert_eq!(len, 43);
    // SAFETY: NUL-terminated on success.
    let token = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
    assert_eq!(bulwark::encoding::b64url_decode(token).unwrap().len(), 32);
}

#[test]
fn invalid_size_wins_over_small_buffer() {
    let mut len = 7usize;
    // SAFETY: NULL buffer with cap 0; len valid.
    let rc = unsafe { bw_random_base32(10, std::ptr::null_mut(), 0, &mut len) };
    assert_eq!(rc, bw_result::BW_ERR_INVALID_INPUT);
    assert_eq!(len, 7, "out_len must not be written on an input error");
    assert!(last_message().contains("at least 32"));
    // SAFETY: as above.
    let rc = unsafe { bw_token_hex(usize::MAX, std::ptr::null_mut(), 0, &mut len) };
    assert_eq!(rc, bw_result::BW_ERR_INVALID_INPUT);
}

#[test]
fn last_error_survives_a_too_small_read() {
    let mut len = 0usize;
    // SAFETY: out_equal NULL on purpose.
    let rc = unsafe {
        bw_constant_time_eq(
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(rc, bw_result::BW_ERR_NULL_PARAMETER);
    let mut tiny = [0 as c_char; 2];
    // SAFETY: tiny holds 2 bytes.
    let rc = unsafe { bw_last_error_message(tiny.as_mut_ptr(), tiny.len(), &mut len) };
    assert_eq!(rc, bw_result::BW_ERR_BUFFER_TOO_SMALL);
    assert_eq!(len, "out_equal is NULL".len() + 1);
    assert_eq!(last_message(), "out_equal is NULL");
}

#[test]
fn policy_flags_match_core() {
    use bulwark::password::Violation as V;
    let pairs = [
        (V::TooShort { min: 0, actual: 0 }, BW_POLICY_TOO_SHORT),
        (V::TooLong { max: 0, actual: 0 }, BW_POLICY_TOO_LONG),
        (V::MissingLowercase, BW_POLICY_MISSING_LOWERCASE),
        (V::MissingUppercase, BW_POLICY_MISSING_UPPERCASE),
        (V::MissingDigit, BW_POLICY_MISSING_DIGIT),
        (V::MissingSymbol, BW_POLICY_MISSING_SYMBOL),
        (V::Common, BW_POLICY_COMMON),
    ];
    for (v, flag) in pairs {
        assert_eq!(v.flag(), flag);
        // SAFETY: static NUL-terminated string.
        let code = unsafe { CStr::from_ptr(bw_password_violation_str(flag)) }
            .to_str()
            .unwrap();
        assert_eq!(code, v.code());
    }
    assert_eq!(bw_password_hash_max_len(), BW_PASSWORD_HASH_MAX_LEN);
    // Every hash string the library can make fits the advertised maximum.
    let max = bulwark::password::Argon2Params::new(1024, 2 * 1024 * 1024, 255, 64, 48).unwrap();
    assert!(max.encoded_len(bulwark::password::Argon2Variant::Argon2id) < BW_PASSWORD_HASH_MAX_LEN);
}

#[test]
fn crypto_constants_match_core() {
    // cbindgen copies only literal constants into the header, so these are literals; they must
    // stay equal to the core's.
    assert_eq!(BW_AEAD_KEY_LEN, bulwark::aead::KEY_LEN);
    assert_eq!(BW_AEAD_NONCE_LEN, bulwark::aead::NONCE_LEN);
    assert_eq!(BW_AEAD_TAG_LEN, bulwark::aead::TAG_LEN);
    assert_eq!(BW_KEYRING_OVERHEAD, bulwark::aead::KEYRING_OVERHEAD);
    assert_eq!(
        BW_AEAD_AES_256_GCM,
        bulwark::aead::Algorithm::Aes256Gcm.id()
    );
    assert_eq!(
        BW_AEAD_CHACHA20_POLY1305,
        bulwark::aead::Algorithm::ChaCha20Poly1305.id()
    );
    assert_eq!(
        BW_FERNET_KEY_LEN,
        bulwark::fernet::Fernet::generate_key().unwrap().len()
    );
    assert_eq!(BW_BCRYPT_HASH_LEN, bulwark::password::bcrypt::HASH_LEN);
    assert_eq!(
        BW_BCRYPT_MAX_PASSWORD_LEN,
        bulwark::password::bcrypt::MAX_PASSWORD_BYTES
    );
}

#[test]
fn web_constants_match_core() {
    let longest = format!("{}_{}_{}", "a".repeat(32), "x".repeat(40), "y".repeat(6));
    assert_eq!(BW_APIKEY_MAX_LEN, longest.len() + 1);
    assert_eq!(bulwark::apikey::MAX_PREFIX_LEN, 32);
}

#[test]
fn pem_capacity_holds_every_generated_key() {
    for alg in bulwark::jwt::Algorithm::ALL {
        if let Ok((private, public)) = bulwark::jwt::generate_pem(alg) {
            assert!(private.len() < crate::BW_JWT_PEM_CAPACITY, "{alg}");
            assert!(public.len() < crate::BW_JWT_PEM_CAPACITY, "{alg}");
        }
    }
}

#[test]
fn doc_comments_never_open_or_close_a_c_comment() {
    // cbindgen copies doc comments into /* */ blocks: a "*/" or "/*" inside would break the header.
    for (_, src) in SOURCES {
        for line in src.lines().filter(|l| l.trim_start().starts_with("///")) {
            assert!(!line.contains("*/") && !line.contains("/*"), "{line}");
        }
    }
}

#[test]
fn version_macros_follow_the_crate_version() {
    let part = |s: &str| s.parse::<u32>().unwrap();
    assert_eq!(BW_VERSION_MAJOR, part(env!("CARGO_PKG_VERSION_MAJOR")));
    assert_eq!(BW_VERSION_MINOR, part(env!("CARGO_PKG_VERSION_MINOR")));
    assert_eq!(BW_VERSION_PATCH, part(env!("CARGO_PKG_VERSION_PATCH")));
    assert_eq!(bw_version_number(), BW_VERSION_NUMBER);
}
