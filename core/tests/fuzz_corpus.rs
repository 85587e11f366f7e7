//! Replays the fuzz seed corpus and every saved crash through the fuzz properties, on the
//! stable toolchain, as part of `make test`: an input the fuzzer once found is a regression test.
#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    missing_docs
)]

#[path = "../../fuzz/src/props.rs"]
mod props;

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Files directly under `dir` (none if it does not exist), sorted for a stable order.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file());
    out.sort();
    out
}

#[test]
fn every_target_has_a_binary_and_a_seed_corpus() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for (name, _) in props::TARGETS {
        assert!(
            fuzz_dir().join(format!("fuzz_targets/{name}.rs")).is_file(),
            "fuzz/fuzz_targets/{name}.rs missing"
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "{name} not in fuzz/Cargo.toml"
        );
        assert!(
            !files(&fuzz_dir().join("corpus").join(name)).is_empty(),
            "fuzz/corpus/{name}/ has no seeds"
        );
    }
    let listed = files(&fuzz_dir().join("fuzz_targets")).len();
    assert_eq!(
        listed,
        props::TARGETS.len(),
        "a fuzz target is not in props::TARGETS"
    );
}

#[test]
fn seed_corpus_and_regressions_hold_every_property() {
    let mut count = 0;
    for (name, check) in props::TARGETS {
        for sub in ["corpus", "regressions"] {
            for path in files(&fuzz_dir().join(sub).join(name)) {
                let data = std::fs::read(&path).expect("read input");
                let outcome = std::panic::catch_unwind(|| check(&data));
                assert!(
                    outcome.is_ok(),
                    "{name}: {} breaks a property",
                    path.display()
                );
                count += 1;
            }
        }
    }
    assert!(
        count >= props::TARGETS.len(),
        "no inputs replayed ({count})"
    );
    println!("replayed {count} fuzz inputs");
}
