//! The single-backend decision, enforced: `cargo tree` of the whole workspace (every target,
//! normal, build and dev edges) must not contain a second crypto backend or a second
//! implementation of a primitive aws-lc-rs already provides, nor two versions of a crypto crate.
//! Without `--offline`: crates of other targets (windows-sys, ...) may need fetching, as a build does.
#![allow(clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Crates that would be a second crypto backend or re-implement what aws-lc-rs provides
/// (AEAD, HMAC, SHA-1/2, signatures, key agreement). `totp-rs` is here because it brings the
/// RustCrypto HMAC/SHA stack with it.
const FORBIDDEN: &[&str] = &[
    "ring",
    "rsa",
    "openssl",
    "openssl-sys",
    "boring",
    "boring-sys",
    "libsodium-sys",
    "sodiumoxide",
    "mbedtls",
    "botan",
    "hmac",
    "sha1",
    "sha-1",
    "sha2",
    "md-5",
    "aes",
    "aes-gcm",
    "chacha20",
    "chacha20poly1305",
    "poly1305",
    "p256",
    "p384",
    "p521",
    "ecdsa",
    "ed25519-dalek",
    "x25519-dalek",
    "curve25519-dalek",
    "totp-rs",
];

/// Crypto crates of which exactly one version may be compiled in.
const SINGLE_VERSION: &[&str] = &[
    "aws-lc-rs",
    "aws-lc-sys",
    "argon2",
    "bcrypt",
    "blowfish",
    "blake2",
    "digest",
    "crypto-common",
    "password-hash",
    "jsonwebtoken",
    "subtle",
    "zeroize",
];

/// Every `(name, version)` in `cargo tree --prefix none --format {p}` output.
fn packages(tree: &str) -> BTreeSet<(String, String)> {
    tree.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?;
            let version = words.next()?.strip_prefix('v')?;
            Some((name.to_owned(), version.to_owned()))
        })
        .collect()
}

/// What is wrong with a dependency tree: forbidden crates and crypto crates in two versions.
fn violations(tree: &str) -> Vec<String> {
    let found = packages(tree);
    let mut out = Vec::new();
    for (name, version) in &found {
        if FORBIDDEN.contains(&name.as_str()) {
            out.push(format!(
                "{name} v{version} is a second crypto backend or primitive"
            ));
        }
    }
    let mut versions: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, version) in &found {
        versions.entry(name).or_default().push(version);
    }
    for name in SINGLE_VERSION {
        if let Some(v) = versions.get(name).filter(|v| v.len() > 1) {
            out.push(format!(
                "{name} appears in {} versions: {}",
                v.len(),
                v.join(", ")
            ));
        }
    }
    out
}

/// `cargo tree --locked --prefix none --format {p}` with `args`, run at the workspace root.
fn cargo_tree(args: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(&root)
        .arg("tree")
        .args(args)
        .args(["--locked", "--prefix", "none", "--format", "{p}"])
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("cargo tree prints UTF-8")
}

#[test]
fn the_workspace_has_one_crypto_backend() {
    let tree = cargo_tree(&[
        "--workspace",
        "--target",
        "all",
        "--edges",
        "normal,build,dev",
    ]);
    assert!(
        packages(&tree).iter().any(|(n, _)| n == "aws-lc-rs"),
        "aws-lc-rs missing from the tree: the check would be vacuous"
    );
    let problems = violations(&tree);
    assert!(problems.is_empty(), "dependency guard: {problems:#?}");
}

#[test]
fn the_guard_catches_a_second_backend_and_a_second_version() {
    let clean = "bulwark v0.1.0 (/w/core)\naws-lc-rs v1.19.0\nargon2 v0.6.0\n";
    assert!(violations(clean).is_empty());
    let with_ring = format!("{clean}ring v0.17.14\n");
    assert_eq!(violations(&with_ring).len(), 1);
    let with_openssl = format!("{clean}openssl-sys v0.9.109\nrsa v0.9.8\n");
    assert_eq!(violations(&with_openssl).len(), 2);
    let two_digests = format!("{clean}digest v0.10.7\ndigest v0.11.3\n");
    assert_eq!(
        violations(&two_digests),
        ["digest appears in 2 versions: 0.10.7, 0.11.3"]
    );
    // The same version listed twice (cargo tree repeats shared crates) is one package.
    let repeated = format!("{clean}digest v0.11.3\ndigest v0.11.3 (*)\n");
    assert!(violations(&repeated).is_empty());
}

/// A JWT-only (or AEAD-, OTP-only) user builds with `default-features = false`: none of the
/// optional features' crates may then be compiled.
#[test]
fn a_build_without_default_features_compiles_no_optional_crate() {
    let tree = cargo_tree(&[
        "-p",
        "bulwark",
        "--no-default-features",
        "--edges",
        "normal",
    ]);
    let names: BTreeSet<String> = packages(&tree).into_iter().map(|(n, _)| n).collect();
    assert!(
        names.contains("jsonwebtoken"),
        "the JWT crate is missing: {names:?}"
    );
    for optional in ["redis", "regex", "qrcodegen", "png", "argon2", "bcrypt"] {
        assert!(
            !names.contains(optional),
            "{optional} is compiled without default features"
        );
    }
}
