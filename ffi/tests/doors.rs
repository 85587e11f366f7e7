#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]
//! The doors convert; they do not decide. A door that matches core's `ErrorKind` with a
//! wildcard arm (`_ =>`) turns every kind core adds later into whatever that arm says, silently:
//! this test reads the door sources (ffi/src and python/src) and fails on such a match. Doors map
//! kinds by `ErrorKind::code()` and tables their own tests check against `ErrorKind::ALL`.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text of the block that starts at the first `{` at or after `from` (braces balanced).
fn block(text: &str, from: usize) -> &str {
    let Some(open) = text[from..].find('{').map(|i| from + i) else {
        return "";
    };
    let mut depth = 0usize;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open..=open + i];
                }
            }
            _ => {}
        }
    }
    &text[open..]
}

/// `match` expressions over an error kind that have a bare `_ =>` arm, as `file:line`.
fn wildcard_kind_matches(file: &Path, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find("match ").map(|i| at + i) {
        at = i + 6;
        let head_end = text[i..].find('{').map_or(text.len(), |j| i + j);
        let head = &text[i..head_end];
        let body = block(text, i);
        let over_kind = head.contains("kind()")
            || head.contains("kind ")
            || head.contains("kind,")
            || body.contains("ErrorKind::")
            || body.contains("K::");
        let wildcard = body.lines().any(|l| l.trim_start().starts_with("_ =>"));
        if over_kind && wildcard {
            let line = text[..i].matches('\n').count() + 1;
            found.push(format!("{}:{line}", file.display()));
        }
    }
    found
}

#[test]
fn no_door_matches_an_error_kind_with_a_wildcard() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&root.join("ffi/src"), &mut files);
    rust_files(&root.join("python/src"), &mut files);
    assert!(
        files.len() > 10,
        "door sources not found under {}",
        root.display()
    );
    let found: Vec<String> = files
        .iter()
        .flat_map(|f| wildcard_kind_matches(f, &std::fs::read_to_string(f).expect("read")))
        .collect();
    assert!(
        found.is_empty(),
        "error kinds matched with a wildcard arm: {found:?}"
    );
}

#[test]
fn the_scanner_finds_what_it_looks_for() {
    let bad = "fn f(e: &Error) -> u32 {\n    match e.kind() {\n        ErrorKind::Expired => 1,\n        _ => 2,\n    }\n}\n";
    assert_eq!(wildcard_kind_matches(Path::new("x.rs"), bad), ["x.rs:2"]);
    let good = "fn f(e: &Error) -> u32 {\n    match e.kind() {\n        ErrorKind::Expired => 1,\n        ErrorKind::Internal => 2,\n    }\n}\n";
    assert!(wildcard_kind_matches(Path::new("x.rs"), good).is_empty());
    let other = "fn g(x: u8) -> u8 {\n    match x {\n        1 => 2,\n        _ => 3,\n    }\n}\n";
    assert!(wildcard_kind_matches(Path::new("x.rs"), other).is_empty());
}

/// The tree shows the architecture: each public module of core has a file of the same name in
/// each door (`error` is the doors' `result.rs` / `lib.rs` exception table; `encoding` is used by
/// core's formats and has no door of its own), and a door has no module that core lacks besides
/// its own plumbing.
#[test]
fn each_door_mirrors_cores_modules_file_for_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let lib = std::fs::read_to_string(root.join("core/src/lib.rs")).expect("core/src/lib.rs");
    let core: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';'))
        .filter(|m| !["error", "encoding"].contains(m))
        .collect();
    assert!(core.len() >= 10, "read only {core:?} from core/src/lib.rs");
    for (door, plumbing) in [
        (
            "ffi/src",
            &["lib", "guard", "result", "version", "tests"][..],
        ),
        ("python/src", &["lib"][..]),
    ] {
        let mut files: Vec<String> = std::fs::read_dir(root.join(door))
            .expect("door directory")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter_map(|n| n.strip_suffix(".rs").map(str::to_owned))
            .filter(|n| !plumbing.contains(&n.as_str()))
            .collect();
        files.sort();
        let mut want: Vec<String> = core.iter().map(|m| (*m).to_owned()).collect();
        want.sort();
        assert_eq!(files, want, "{door} does not mirror core's modules");
    }
}
