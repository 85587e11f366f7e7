//! Criterion benchmarks of the core primitives (`make bench`; never part of `make test`).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

fn ct_eq(c: &mut Criterion) {
    let mut group = c.benchmark_group("ct_eq");
    for size in [32usize, 1024] {
        let a = vec![0x5au8; size];
        let b = a.clone();
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &size, |bench, _| {
            bench.iter(|| bulwark::ct::eq(black_box(&a), black_box(&b)));
        });
    }
    group.finish();
}

fn random(c: &mut Criterion) {
    let mut group = c.benchmark_group("random");
    group.bench_function("token_urlsafe_32", |b| {
        b.iter(|| bulwark::random::token_urlsafe(black_box(32)).unwrap())
    });
    group.bench_function("token_hex_32", |b| {
        b.iter(|| bulwark::random::token_hex(black_box(32)).unwrap())
    });
    group.bench_function("random_base32_32", |b| {
        b.iter(|| bulwark::random::random_base32(black_box(32)).unwrap())
    });
    let mut buf = vec![0u8; 1 << 20];
    group.throughput(Throughput::Bytes(buf.len() as u64));
    group.bench_function("fill_1MiB", |b| {
        b.iter(|| bulwark::random::fill(black_box(&mut buf)).unwrap())
    });
    group.finish();
}

fn password(c: &mut Criterion) {
    use bulwark::password::{self, bcrypt};
    let mut group = c.benchmark_group("password");
    group.sample_size(10);
    let stored = password::hash(b"correct horse battery staple").unwrap();
    group.bench_function("argon2id_hash_default", |b| {
        b.iter(|| password::hash(black_box(b"correct horse battery staple")).unwrap())
    });
    group.bench_function("argon2id_verify_default", |b| {
        b.iter(|| password::verify(black_box(b"correct horse battery staple"), &stored).unwrap())
    });
    let salt = bcrypt::gensalt(12, password::BcryptPrefix::TwoB).unwrap();
    group.bench_function("bcrypt_hashpw_cost12", |b| {
        b.iter(|| bcrypt::hashpw(black_box(b"correct horse battery staple"), &salt).unwrap())
    });
    group.bench_function("policy_check_default", |b| {
        b.iter(|| password::check_policy(black_box("Tr0ub4dor&3")))
    });
    group.finish();
}

fn encryption(c: &mut Criterion) {
    use bulwark::aead::{AeadKey, Algorithm, Keyring};
    use bulwark::fernet::Fernet;
    let mut group = c.benchmark_group("aead");
    for alg in [Algorithm::Aes256Gcm, Algorithm::ChaCha20Poly1305] {
        let key = AeadKey::new(alg, &[7u8; 32]).unwrap();
        for size in [64usize, 1 << 20] {
            let data = vec![0u8; size];
            let mut out = vec![0u8; size + 16];
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_function(format!("{}_seal_{size}", alg.name()), |b| {
                b.iter(|| {
                    key.seal_with_nonce_into(&[0u8; 12], black_box(&data), b"", &mut out)
                        .unwrap()
                })
            });
        }
    }
    let ring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    group.throughput(Throughput::Bytes(64));
    group.bench_function("keyring_encrypt_64", |b| {
        b.iter(|| ring.encrypt(black_box(&[0u8; 64]), b"").unwrap())
    });
    group.finish();
    let f = Fernet::new(&Fernet::generate_key().unwrap()).unwrap();
    let token = f.encrypt(&[0u8; 1024]).unwrap();
    let mut group = c.benchmark_group("fernet");
    group.bench_function("encrypt_1KiB", |b| {
        b.iter(|| f.encrypt(black_box(&[0u8; 1024])).unwrap())
    });
    group.bench_function("decrypt_1KiB", |b| {
        b.iter(|| f.decrypt(black_box(&token), None).unwrap())
    });
    group.finish();
}

fn jwt(c: &mut Criterion) {
    use bulwark::jwt::{self, Algorithm, SigningKey, Validation, Verifier, VerifyingKey};
    let claims = serde_json::json!({"sub": "user-123", "role": "admin", "exp": 4_102_444_800u64});
    let claims = claims.as_object().unwrap();
    let mut group = c.benchmark_group("jwt");
    let secret = [7u8; 32];
    let signer = SigningKey::hmac(&secret).unwrap();
    group.bench_function("HS256_encode", |b| {
        b.iter(|| jwt::encode(Algorithm::HS256, &signer, black_box(claims), None).unwrap())
    });
    for alg in [
        Algorithm::HS256,
        Algorithm::RS256,
        Algorithm::ES256,
        Algorithm::EdDSA,
    ] {
        let (signer, verifying) = if alg == Algorithm::HS256 {
            (
                SigningKey::hmac(&secret).unwrap(),
                VerifyingKey::hmac(&secret).unwrap(),
            )
        } else {
            let (private, public) = jwt::generate_pem(alg).unwrap();
            (
                SigningKey::from_pem(private.as_bytes()).unwrap(),
                VerifyingKey::from_pem(public.as_bytes()).unwrap(),
            )
        };
        let token = jwt::encode(alg, &signer, claims, None).unwrap();
        let verifier = Verifier::new(verifying, Validation::new(&[alg])).unwrap();
        group.bench_function(format!("{alg}_verify"), |b| {
            b.iter(|| verifier.verify(black_box(&token)).unwrap())
        });
    }
    group.finish();
}

fn otp(c: &mut Criterion) {
    use bulwark::otp::{Params, Secret, Totp};
    let totp = Totp::new(&Secret::generate().unwrap(), Params::default()).unwrap();
    let now = 1_700_000_000;
    let code = totp.code_at(now).unwrap();
    let mut group = c.benchmark_group("otp");
    group.bench_function("totp_code", |b| {
        b.iter(|| totp.code_at(black_box(now)).unwrap())
    });
    group.bench_function("totp_verify_window_1", |b| {
        b.iter(|| totp.verify(black_box(&code), now, 1).unwrap())
    });
    group.bench_function("totp_verify_once_window_1", |b| {
        b.iter(|| {
            totp.verify_once(black_box(&code), now, 1, Some(now / 30 - 1))
                .unwrap()
        })
    });
    group.finish();
}

fn ratelimit(c: &mut Criterion) {
    use bulwark::ratelimit::memory::MemoryStore;
    use bulwark::ratelimit::{parse, Strategy};
    let rates = parse("1000000/hour").unwrap();
    let keys: Vec<String> = (0..1000).map(|i| format!("client-{i}")).collect();
    let mut group = c.benchmark_group("ratelimit");
    for strategy in [
        Strategy::FixedWindow,
        Strategy::SlidingWindow,
        Strategy::MovingWindow,
        Strategy::Gcra,
    ] {
        let store = MemoryStore::default();
        let mut i = 0usize;
        let mut now = 1_700_000_000_000_000u64;
        group.bench_function(format!("memory_{}_1_thread", strategy.as_str()), |b| {
            b.iter(|| {
                i = (i + 1) % keys.len();
                now += 1;
                store
                    .apply(strategy, keys.get(i).unwrap(), &rates, 1, now, false)
                    .unwrap()
            })
        });
        // Two threads on one store: this thread measured, the other hitting other keys.
        let store = std::sync::Arc::new(MemoryStore::default());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let other = {
            let (store, stop, rates) = (store.clone(), stop.clone(), rates.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    let key = format!("other-{}", n % 1000);
                    let _ =
                        store.apply(strategy, &key, &rates, 1, 1_700_000_000_000_000 + n, false);
                }
            })
        };
        group.bench_function(format!("memory_{}_2_threads", strategy.as_str()), |b| {
            b.iter(|| {
                i = (i + 1) % keys.len();
                now += 1;
                store
                    .apply(strategy, keys.get(i).unwrap(), &rates, 1, now, false)
                    .unwrap()
            })
        });
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = other.join();
    }
    group.finish();
}

fn oauth_and_versions(c: &mut Criterion) {
    use bulwark::jwt::{self, Algorithm, SigningKey, VerifyingKey};
    use bulwark::oauth::{pkce, AccessTokenVerifier};
    use bulwark::versioning::{Deprecation, VersionPolicy, VersionRequest};
    let mut group = c.benchmark_group("oauth");
    let verifier = pkce::CodeVerifier::generate().unwrap();
    group.bench_function("pkce_S256_challenge", |b| {
        b.iter(|| black_box(&verifier).challenge(pkce::ChallengeMethod::S256))
    });
    let (private, public) = jwt::generate_pem(Algorithm::RS256).unwrap();
    let claims = serde_json::json!({"iss": "https://as.example", "aud": "orders-api", "sub": "u1",
        "client_id": "web", "iat": 1_700_000_000u64, "exp": 4_102_444_800u64, "jti": "j1",
        "scope": "orders:read profile"});
    let mut header = serde_json::Map::new();
    header.insert("typ".into(), "at+jwt".into());
    let signer = SigningKey::from_pem(private.as_bytes()).unwrap();
    let token = jwt::encode(Algorithm::RS256, &signer, &claims, Some(&header)).unwrap();
    let at = AccessTokenVerifier::with_key(
        VerifyingKey::from_pem(public.as_bytes()).unwrap(),
        &[Algorithm::RS256],
        "https://as.example",
        "orders-api",
    )
    .unwrap();
    group.bench_function("rfc9068_RS256_verify_and_scope", |b| {
        b.iter(|| {
            at.verify(black_box(&token))
                .unwrap()
                .require_scopes(&["orders:read"])
                .unwrap()
        })
    });
    group.finish();
    let policy = VersionPolicy::builder()
        .supported("2.0")
        .deprecated("1.0", Deprecation::new(1_000).sunset(4_102_444_800))
        .build()
        .unwrap();
    c.bench_function("versioning/decide_deprecated", |b| {
        b.iter(|| {
            policy.decide(
                black_box(&VersionRequest {
                    header: Some("1"),
                    ..Default::default()
                }),
                1_700_000_000,
            )
        })
    });
}

criterion_group!(
    benches,
    ct_eq,
    random,
    password,
    encryption,
    jwt,
    otp,
    ratelimit,
    oauth_and_versions
);
criterion_main!(benches);
