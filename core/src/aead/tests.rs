use super::*;
use crate::testutil::{hex, vectors};
use crate::ErrorKind;

/// Runs a Wycheproof AEAD file: every vector with a 256-bit key and 96-bit nonce is checked
/// (valid ones decrypt to `msg` and re-encrypt to `ct || tag`, invalid ones are refused); vectors
/// of other sizes must be refused at key or nonce setup, never processed.
fn wycheproof(file: &str, algorithm: Algorithm) -> (usize, usize) {
    let doc = vectors(file);
    let (mut checked, mut refused_sizes) = (0, 0);
    for group in doc["testGroups"].as_array().unwrap() {
        for t in group["tests"].as_array().unwrap() {
            let (key, iv, aad) = (
                hex(t["key"].as_str().unwrap()),
                hex(t["iv"].as_str().unwrap()),
                hex(t["aad"].as_str().unwrap()),
            );
            let (msg, ct, tag) = (
                hex(t["msg"].as_str().unwrap()),
                hex(t["ct"].as_str().unwrap()),
                hex(t["tag"].as_str().unwrap()),
            );
            let id = t["tcId"].as_u64().unwrap();
            let valid = t["result"].as_str().unwrap() == "valid";
            let sealed = [ct.clone(), tag.clone()].concat();
            let key = match AeadKey::new(algorithm, &key) {
                Ok(k) => k,
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::InvalidInput, "tc {id}");
                    assert_ne!(key.len(), KEY_LEN, "tc {id}: a 32-byte key was refused");
                    refused_sizes += 1;
                    continue;
                }
            };
            if iv.len() != NONCE_LEN {
                assert_eq!(
                    key.open_with_nonce(&iv, &sealed, &aad).unwrap_err().kind(),
                    ErrorKind::InvalidInput,
                    "tc {id}"
                );
                refused_sizes += 1;
                continue;
            }
            let opened = key.open_with_nonce(&iv, &sealed, &aad);
            if valid {
                assert_eq!(opened.unwrap(), msg, "tc {id}");
                assert_eq!(
                    key.seal_with_nonce(&iv, &msg, &aad).unwrap(),
                    sealed,
                    "tc {id}"
                );
            } else {
                let e = opened.unwrap_err();
                assert_eq!(
                    e.kind(),
                    ErrorKind::VerificationFailed,
                    "tc {id}: {}",
                    t["comment"]
                );
            }
            checked += 1;
        }
    }
    (checked, refused_sizes)
}

#[test]
fn wycheproof_aes_gcm() {
    let (checked, refused) = wycheproof("wycheproof/aes_gcm_test.json", Algorithm::Aes256Gcm);
    assert!(
        checked >= 50,
        "only {checked} AES-256-GCM vectors with 96-bit nonces"
    );
    assert!(refused > 0);
}

#[test]
fn wycheproof_chacha20_poly1305() {
    let (checked, _) = wycheproof(
        "wycheproof/chacha20_poly1305_test.json",
        Algorithm::ChaCha20Poly1305,
    );
    assert!(checked >= 200, "only {checked} ChaCha20-Poly1305 vectors");
}

#[test]
fn wycheproof_xchacha20_poly1305_nonces_are_refused() {
    // Bulwark has no XChaCha20: its 24-byte nonces must be refused at setup by ChaCha20-Poly1305
    // (never truncated to 12 bytes and used).
    let (checked, refused) = wycheproof(
        "wycheproof/xchacha20_poly1305_test.json",
        Algorithm::ChaCha20Poly1305,
    );
    // Only a vector whose nonce happens to be 12 bytes is processed (and then must behave as the
    // helper checks: an invalid one is refused by the tag).
    assert!(
        checked <= 1 && refused > 100,
        "{checked} processed, {refused} refused"
    );
}

#[test]
fn every_byte_of_a_sealed_message_is_authenticated() {
    for alg in [Algorithm::Aes256Gcm, Algorithm::ChaCha20Poly1305] {
        let key = AeadKey::generate(alg).unwrap();
        let sealed = key.encrypt(b"attack at dawn", b"aad").unwrap();
        assert_eq!(sealed.len(), 14 + OVERHEAD);
        for i in 0..sealed.len() {
            for bit in [0x01u8, 0x80] {
                let mut t = sealed.clone();
                t[i] ^= bit;
                assert_eq!(
                    key.decrypt(&t, b"aad").unwrap_err().kind(),
                    ErrorKind::VerificationFailed,
                    "{alg:?} byte {i}"
                );
            }
        }
        assert!(key.decrypt(&sealed[..sealed.len() - 1], b"aad").is_err());
        assert!(key.decrypt(&sealed[..OVERHEAD - 1], b"aad").is_err());
        assert_eq!(key.decrypt(&sealed, b"aad").unwrap(), b"attack at dawn");
    }
}

#[test]
fn empty_plaintext_and_aad_and_fresh_nonces() {
    let key = AeadKey::generate(Algorithm::Aes256Gcm).unwrap();
    let a = key.encrypt(b"", b"").unwrap();
    let b = key.encrypt(b"", b"").unwrap();
    assert_eq!(a.len(), OVERHEAD);
    assert_ne!(
        a[..NONCE_LEN],
        b[..NONCE_LEN],
        "a fresh nonce every message"
    );
    assert_eq!(key.decrypt(&a, b"").unwrap(), b"");
    let sealed = key.seal_with_nonce(&[0u8; 12], b"", b"").unwrap();
    assert_eq!(key.open_with_nonce(&[0u8; 12], &sealed, b"").unwrap(), b"");
}

#[test]
fn bad_sizes_are_invalid_input() {
    assert_eq!(
        AeadKey::new(Algorithm::Aes256Gcm, &[0u8; 16])
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        AeadKey::new(Algorithm::ChaCha20Poly1305, &[])
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    let key = AeadKey::generate(Algorithm::ChaCha20Poly1305).unwrap();
    let e = key.seal_with_nonce(&[0u8; 8], b"x", b"").unwrap_err();
    assert!(e.message().contains("12 bytes"), "{}", e.message());
    assert_eq!(
        key.open_with_nonce(&[0u8; 12], &[0u8; 15], b"")
            .unwrap_err()
            .kind(),
        ErrorKind::VerificationFailed
    );
    assert_eq!(
        Algorithm::from_id(3).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        Algorithm::from_name("AES-128-GCM").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        Algorithm::from_name("chacha20-poly1305").unwrap(),
        Algorithm::ChaCha20Poly1305
    );
}

#[test]
fn debug_never_shows_key_material() {
    let k = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    let json = k.to_json();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let secret = v["keys"][0]["key"].as_str().unwrap().to_owned();
    let shown = format!(
        "{k:?} {:?}",
        AeadKey::generate(Algorithm::Aes256Gcm).unwrap()
    );
    assert!(!shown.contains(&secret));
    assert!(shown.contains("AeadKey") && shown.contains("primary"));
}

#[test]
fn keyring_rotation_survives_serialization() {
    let ring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    let old = ring.encrypt(b"old secret", b"row:1").unwrap();
    assert_eq!(old.len(), 10 + KEYRING_OVERHEAD);
    assert_eq!(old[0], 1);
    assert_eq!(&old[1..5], &1u32.to_be_bytes());
    assert_eq!(ring.rotate().unwrap(), 2);
    assert_eq!(ring.rotate_to(Algorithm::ChaCha20Poly1305).unwrap(), 3);
    let new = ring.encrypt(b"new secret", b"").unwrap();
    assert_eq!(&new[1..5], &3u32.to_be_bytes());
    // Through JSON and back: both still decrypt.
    let restored = Keyring::from_json(&ring.to_json()).unwrap();
    assert_eq!(restored.primary_id(), 3);
    assert_eq!(restored.keys().len(), 3);
    assert_eq!(restored.decrypt(&old, b"row:1").unwrap(), b"old secret");
    assert_eq!(restored.decrypt(&new, b"").unwrap(), b"new secret");
    assert_eq!(
        restored.decrypt(&old, b"row:2").unwrap_err().kind(),
        ErrorKind::VerificationFailed
    );
    // Retire key 1: its ciphertexts are gone for good, with a clear reason.
    let r = restored;
    r.retire(1).unwrap();
    let e = r.decrypt(&old, b"row:1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains("key 1 is not in the keyring"));
    assert!(r.retire(3).unwrap_err().message().contains("primary"));
    assert!(r.retire(99).is_err());
}

#[test]
fn keyring_header_is_authenticated_and_every_byte_checked() {
    let ring = Keyring::generate(Algorithm::ChaCha20Poly1305).unwrap();
    ring.rotate().unwrap();
    let sealed = ring.encrypt(b"payload", b"").unwrap();
    for i in 0..sealed.len() {
        let mut t = sealed.clone();
        t[i] ^= 0x01;
        assert!(ring.decrypt(&t, b"").is_err(), "byte {i}");
    }
    // Re-labelling a ciphertext with the other (present) key id fails verification.
    let mut relabel = sealed.clone();
    relabel[1..5].copy_from_slice(&1u32.to_be_bytes());
    assert_eq!(
        ring.decrypt(&relabel, b"").unwrap_err().kind(),
        ErrorKind::VerificationFailed
    );
    let mut version = sealed.clone();
    version[0] = 2;
    assert!(ring
        .decrypt(&version, b"")
        .unwrap_err()
        .message()
        .contains("format version"));
    assert_eq!(
        ring.decrypt(&sealed[..32], b"").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        ring.decrypt(&ring.encrypt(b"", b"").unwrap(), b"").unwrap(),
        b""
    );
}

#[test]
fn keyring_json_errors_are_clear_and_never_quote_keys() {
    let ring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    let good: serde_json::Value = serde_json::from_str(&ring.to_json()).unwrap();
    let key = good["keys"][0]["key"].as_str().unwrap().to_owned();
    let mutate = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        f(&mut v);
        v.to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        ("not json".into(), "not valid JSON"),
        ("[]".into(), "expected an object"),
        (mutate(&|v| v["version"] = 2.into()), "version"),
        (mutate(&|v| v["primary"] = 7.into()), "primary key 7"),
        (mutate(&|v| v["primary"] = "1".into()), "\"primary\""),
        (mutate(&|v| v["keys"] = serde_json::json!([])), "empty"),
        (
            mutate(&|v| v["keys"][0]["algorithm"] = "DES".into()),
            "unknown AEAD algorithm",
        ),
        (
            mutate(&|v| v["keys"][0]["key"] = "AAAA".into()),
            "must be 32 bytes",
        ),
        (
            mutate(&|v| v["keys"][0]["key"] = format!("{key}=").into()),
            "not base64url",
        ),
        (mutate(&|v| v["keys"][0]["id"] = (-1).into()), "keys[0].id"),
        (
            mutate(&|v| v["keys"][0]["created_at"] = "yesterday".into()),
            "created_at",
        ),
        (
            mutate(&|v| {
                let k = v["keys"][0].clone();
                v["keys"].as_array_mut().unwrap().push(k);
            }),
            "appears twice",
        ),
    ];
    for (text, why) in cases {
        let e = Keyring::from_json(&text).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.message().contains(why), "{}: wanted {why}", e.message());
        assert!(!e.message().contains(&key));
    }
}

#[test]
fn keyring_from_env_never_invents_a_key() {
    let name = "BULWARK_TEST_KEYRING_UNSET_VARIABLE";
    let e = Keyring::from_env(name).unwrap_err();
    assert!(e.message().contains(name) && e.message().contains("not set"));
}

#[test]
fn keyring_synchronises_itself_under_concurrent_rotation() {
    // Four threads seal and open while another rotates and retires: every ciphertext opens with
    // the keyring as it is (its key is never retired here), and ids only grow.
    let ring = std::sync::Arc::new(Keyring::generate(Algorithm::Aes256Gcm).unwrap());
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let ring = ring.clone();
            std::thread::spawn(move || {
                for i in 0..200u32 {
                    let msg = format!("thread {t} message {i}");
                    let sealed = ring.encrypt(msg.as_bytes(), b"aad").unwrap();
                    assert_eq!(ring.decrypt(&sealed, b"aad").unwrap(), msg.as_bytes());
                }
            })
        })
        .collect();
    let mut last = ring.primary_id();
    for _ in 0..50 {
        let id = ring.rotate().unwrap();
        assert!(id > last);
        last = id;
    }
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(ring.primary_id(), last);
    assert_eq!(ring.keys().len(), 51);
    ring.retire(1).unwrap();
    assert_eq!(ring.keys().len(), 50);
}
