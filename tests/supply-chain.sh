#!/usr/bin/env bash
# Supply-chain checks of `make test`: cargo-deny over the shipped crate graph (advisories from the
# RustSec snapshot in ../shared/advisory-db, offline; licences; duplicate crates; banned crypto
# backends; sources), and a self-test that the same check fails on a crate with a known advisory.
# Installs cargo-deny (pinned) with `cargo install` when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DENY_VERSION=0.20.2
SNAPSHOT=${BULWARK_ADVISORY_DB:-../shared/advisory-db}
if [ ! -f "$SNAPSHOT/SNAPSHOT.md" ] || [ ! -d "$SNAPSHOT/crates" ]; then
  echo "supply-chain: the RustSec snapshot is missing at $SNAPSHOT (../shared beside the repository)" >&2
  exit 1
fi
if ! cargo deny --version 2>/dev/null | grep -q " $DENY_VERSION\$"; then
  echo "supply-chain: installing cargo-deny $DENY_VERSION (once per machine)"
  cargo install --quiet --locked --version "$DENY_VERSION" cargo-deny
fi

# cargo-deny reads a database as a git checkout named after its URL: make one from the snapshot
# (rebuilt when the snapshot changes).
db=build/advisory-db/advisory-db-3157b0e258782691
stamp=$(cat "$SNAPSHOT/SNAPSHOT.md" | cksum | cut -d' ' -f1)
if [ ! -f "$db/.bulwark-stamp" ] || [ "$(cat "$db/.bulwark-stamp")" != "$stamp" ]; then
  rm -rf "$db" && mkdir -p "$db"
  cp -R "$SNAPSHOT"/. "$db"/
  chmod -R u+w "$db"
  git -C "$db" init -q
  git -C "$db" add -A
  git -C "$db" -c user.name=bulwark -c user.email=bulwark@localhost -c commit.gpgsign=false \
    commit -q -m "RustSec snapshot"
  echo "$stamp" > "$db/.bulwark-stamp"
fi

echo "== cargo deny: advisories, licences, duplicates and banned backends, sources"
cargo deny --offline check advisories bans licenses sources

echo "== cargo deny self-test: a crate with RUSTSEC-2021-0003 must fail the advisory check"
fixture=tests/supply-chain/known-vulnerable/Cargo.toml
cargo fetch --locked --quiet --manifest-path "$fixture"
if out=$(cargo deny --offline --manifest-path "$fixture" --config deny.toml check advisories 2>&1); then
  echo "$out"
  echo "supply-chain: the advisory check passed a crate with a known advisory: the database is not read" >&2
  exit 1
fi
grep -q "RUSTSEC-2021-0003" <<<"$out" || { echo "$out"; echo "supply-chain: RUSTSEC-2021-0003 not reported" >&2; exit 1; }
echo "supply-chain: the advisory check fails on RUSTSEC-2021-0003, as it must"
