use super::*;
use crate::testutil::vectors;
use crate::ErrorKind;

/// Seconds since the epoch of an RFC 3339 time like `1985-10-26T01:20:00-07:00`.
fn rfc3339(s: &str) -> u64 {
    let num = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
    let (y, m, d, hh, mm, ss) = (
        num(0, 4),
        num(5, 7),
        num(8, 10),
        num(11, 13),
        num(14, 16),
        num(17, 19),
    );
    let sign = if &s[19..20] == "-" { -1 } else { 1 };
    let offset = sign * (num(20, 22) * 3600 + num(23, 25) * 60);
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    (days * 86400 + hh * 3600 + mm * 60 + ss - offset) as u64
}

#[test]
fn spec_generate_and_verify() {
    let gen = vectors("fernet/generate.json");
    for v in gen.as_array().unwrap() {
        let f = Fernet::new(v["secret"].as_str().unwrap()).unwrap();
        let iv: Vec<u8> = v["iv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap() as u8)
            .collect();
        let token = f
            .encrypt_with_iv(
                v["src"].as_str().unwrap().as_bytes(),
                rfc3339(v["now"].as_str().unwrap()),
                iv.try_into().unwrap(),
            )
            .unwrap();
        assert_eq!(token, v["token"].as_str().unwrap());
    }
    let ver = vectors("fernet/verify.json");
    for v in ver.as_array().unwrap() {
        let f = Fernet::new(v["secret"].as_str().unwrap()).unwrap();
        let now = rfc3339(v["now"].as_str().unwrap());
        let ttl = v["ttl_sec"].as_u64();
        let token = v["token"].as_str().unwrap();
        assert_eq!(
            f.decrypt_at_time(token, ttl, now).unwrap(),
            v["src"].as_str().unwrap().as_bytes()
        );
        assert_eq!(
            f.extract_timestamp(token).unwrap(),
            rfc3339("1985-10-26T01:20:00-07:00")
        );
    }
}

#[test]
fn spec_invalid_tokens_are_one_opaque_error() {
    let doc = vectors("fernet/invalid.json");
    let list = doc.as_array().unwrap();
    assert_eq!(list.len(), 8);
    for v in list {
        let f = Fernet::new(v["secret"].as_str().unwrap()).unwrap();
        let e = f
            .decrypt_at_time(
                v["token"].as_str().unwrap(),
                v["ttl_sec"].as_u64(),
                rfc3339(v["now"].as_str().unwrap()),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VerificationFailed, "{}", v["desc"]);
        assert_eq!(
            e.message(),
            "invalid token",
            "{}: no detail about which check failed",
            v["desc"]
        );
    }
}

#[test]
fn every_byte_of_a_token_is_authenticated() {
    let f = Fernet::new(&Fernet::generate_key().unwrap()).unwrap();
    let token = f.encrypt_at_time(b"hello world", 1_000_000).unwrap();
    let raw = data_encoding::BASE64URL.decode(token.as_bytes()).unwrap();
    for i in 0..raw.len() {
        let mut t = raw.clone();
        t[i] ^= 0x01;
        let e = f
            .decrypt_at_time(&data_encoding::BASE64URL.encode(&t), None, 1_000_000)
            .unwrap_err();
        assert_eq!(e.message(), "invalid token", "byte {i}");
    }
    assert_eq!(token.len(), Fernet::token_len(11));
}

#[test]
fn ttl_and_clock_skew() {
    let f = Fernet::new(&Fernet::generate_key().unwrap()).unwrap();
    let t = f.encrypt_at_time(b"x", 1000).unwrap();
    assert!(f.decrypt_at_time(&t, Some(10), 1010).is_ok());
    assert!(f.decrypt_at_time(&t, Some(10), 1011).is_err());
    assert!(
        f.decrypt_at_time(&t, None, u64::MAX).is_ok(),
        "no TTL: no time check, as cryptography"
    );
    assert!(f.decrypt_at_time(&t, Some(10), 940).is_ok());
    assert!(
        f.decrypt_at_time(&t, Some(10), 939).is_err(),
        "more than 60 s in the future"
    );
    assert!(
        f.decrypt_at_time(&t, Some(u64::MAX), 2000).is_ok(),
        "huge TTL does not overflow"
    );
}

#[test]
fn keys_and_tokens_in_every_shape() {
    assert!(Fernet::new("").is_err());
    assert!(Fernet::new("too short").is_err());
    let k = Fernet::generate_key().unwrap();
    assert_eq!(k.len(), 44);
    let e = Fernet::new(&k[..43]).unwrap_err();
    assert_eq!(
        e.message(),
        "Fernet key must be 32 url-safe base64-encoded bytes."
    );
    // Standard-alphabet base64 keys are accepted, as cryptography does.
    let std_key = data_encoding::BASE64.encode(&[0xfbu8; 32]);
    assert!(std_key.contains('+') || std_key.contains('/'));
    let a = Fernet::new(&std_key).unwrap();
    let b = Fernet::new(&data_encoding::BASE64URL.encode(&[0xfbu8; 32])).unwrap();
    assert_eq!(
        b.decrypt(&a.encrypt(b"same key").unwrap(), None).unwrap(),
        b"same key"
    );
    let f = Fernet::new(&k).unwrap();
    for bad in ["", "gAAAAA", "%%%%", "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA"] {
        assert_eq!(f.decrypt(bad, None).unwrap_err().kind(), ErrorKind::VerificationFailed, "{bad:?}");
    }
    assert_eq!(f.decrypt(&f.encrypt(b"").unwrap(), None).unwrap(), b"");
    assert!(!format!("{f:?}").contains(&k[..10]));
}

#[test]
fn multifernet_rotation_keeps_the_timestamp() {
    let (k1, k2) = (
        Fernet::generate_key().unwrap(),
        Fernet::generate_key().unwrap(),
    );
    let old = Fernet::new(&k1).unwrap();
    let token = old.encrypt_at_time(b"rotate me", 12345).unwrap();
    let mf = MultiFernet::new(vec![Fernet::new(&k2).unwrap(), Fernet::new(&k1).unwrap()]).unwrap();
    assert_eq!(mf.decrypt(&token, None).unwrap(), b"rotate me");
    let rotated = mf.rotate(&token).unwrap();
    assert_eq!(
        Fernet::new(&k2)
            .unwrap()
            .extract_timestamp(&rotated)
            .unwrap(),
        12345
    );
    assert!(
        old.decrypt(&rotated, None).is_err(),
        "rotated to the new key"
    );
    assert_eq!(mf.extract_timestamp(&token).unwrap(), 12345);
    assert!(mf.decrypt_at_time(&token, Some(5), 12351).is_err());
    assert!(MultiFernet::new(vec![]).is_err());
    let stranger = Fernet::new(&Fernet::generate_key().unwrap())
        .unwrap()
        .encrypt(b"x")
        .unwrap();
    assert!(mf.rotate(&stranger).is_err());
}

/// Wycheproof AES-CBC-PKCS5 through Fernet's own cipher path: every 128-bit-key vector. A valid
/// one encrypts (with its IV) to exactly its ciphertext inside the token and decrypts back; an
/// invalid one (bad padding), wrapped in a token with a correct MAC, is refused as an invalid
/// token and never returns data. Fernet only uses AES-128, so the 192/256-bit groups are counted
/// as not applicable.
#[test]
fn wycheproof_aes_cbc_pkcs7_through_fernet() {
    use crate::testutil::hex;
    let doc = vectors("wycheproof/aes_cbc_pkcs5_test.json");
    let signing_key = [7u8; 16];
    let (mut valid, mut invalid, mut other_sizes) = (0, 0, 0);
    for group in doc["testGroups"].as_array().unwrap() {
        for t in group["tests"].as_array().unwrap() {
            let id = t["tcId"].as_u64().unwrap();
            let key = hex(t["key"].as_str().unwrap());
            if key.len() != 16 {
                other_sizes += 1;
                continue;
            }
            let fernet_key =
                data_encoding::BASE64URL.encode(&[&signing_key[..], &key[..]].concat());
            let f = Fernet::new(&fernet_key).unwrap();
            let (iv, msg, ct) = (
                hex(t["iv"].as_str().unwrap()),
                hex(t["msg"].as_str().unwrap()),
                hex(t["ct"].as_str().unwrap()),
            );
            let iv: [u8; 16] = iv.try_into().unwrap();
            if t["result"].as_str().unwrap() == "valid" {
                let token = f.encrypt_with_iv(&msg, 1, iv).unwrap();
                let raw = data_encoding::BASE64URL.decode(token.as_bytes()).unwrap();
                assert_eq!(&raw[HEADER_LEN..raw.len() - MAC_LEN], &ct[..], "tc {id}");
                assert_eq!(f.decrypt_at_time(&token, None, 1).unwrap(), msg, "tc {id}");
                valid += 1;
            } else {
                // The attacker's ciphertext under a MAC the server would accept.
                let mut raw = vec![VERSION];
                raw.extend_from_slice(&1u64.to_be_bytes());
                raw.extend_from_slice(&iv);
                raw.extend_from_slice(&ct);
                let mac = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &signing_key), &raw);
                raw.extend_from_slice(mac.as_ref());
                let token = data_encoding::BASE64URL.encode(&raw);
                let e = f.decrypt_at_time(&token, None, 1).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::VerificationFailed, "tc {id}: {e}");
                invalid += 1;
            }
        }
    }
    assert_eq!(
        valid + invalid + other_sizes,
        doc["numberOfTests"].as_u64().unwrap() as usize
    );
    assert!(
        valid >= 20 && invalid >= 40,
        "{valid} valid, {invalid} invalid"
    );
}
