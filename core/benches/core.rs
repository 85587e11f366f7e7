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

criterion_group!(benches, ct_eq, random, password);
criterion_main!(benches);
