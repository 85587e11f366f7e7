#!/usr/bin/env bash
# Runs every fuzz target (or those in FUZZ_TARGETS) for FUZZ_SECONDS each (default 60), FUZZ_JOBS
# at a time (default 1), from the committed seeds in fuzz/corpus/<target>/ plus a working corpus
# in build/fuzz/corpus/<target>/ that grows across runs (never committed). A crash is written to
# fuzz/artifacts/<target>/ and fails the run: copy it to fuzz/regressions/<target>/ so that
# `make test` replays it (core/tests/fuzz_corpus.rs), then fix the code.
#
# cargo-fuzz needs nightly features; on a stable toolchain RUSTC_BOOTSTRAP=1 unlocks them (set
# here). cargo-fuzz itself is installed from crates.io on first use.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
export RUSTC_BOOTSTRAP=1
ALL=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^bulwark-fuzz$')
TARGETS=${FUZZ_TARGETS:-$ALL}
OUT=$ROOT/build/fuzz
mkdir -p "$OUT/logs"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz (once)"
    cargo install cargo-fuzz --locked
fi
cargo fuzz build -O

run_one() {
    local t=$1 log=$OUT/logs/$1.log start end
    mkdir -p "$OUT/corpus/$t"
    cargo fuzz build -O "$t" >/dev/null 2>&1 || true
    start=$(date +%s)
    if cargo fuzz run -O "$t" "$OUT/corpus/$t" "corpus/$t" -- \
        -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
        >"$log" 2>&1; then
        status=ok
    else
        status="FAILED (see $log and fuzz/artifacts/$t/)"
    fi
    end=$(date +%s)
    local execs cov corpus secs
    # libFuzzer's own count of fuzzing seconds ("Done N runs in S second(s)"); the wall clock
    # also counts a rebuild when another cargo holds the lock.
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    corpus=$(find "$OUT/corpus/$t" -type f | wc -l)
    printf '%-16s %6ss %12s execs  cov %-6s corpus %-6s %s\n' \
        "$t" "${secs:-$((end - start))}" "${execs:-?}" "${cov:-?}" "$corpus" "$status" | tee -a "$OUT/summary.txt"
    [ "$status" = ok ]
}

echo "fuzz: $(date -u +%FT%TZ) ${SECONDS_EACH}s per target, $JOBS at a time" | tee -a "$OUT/summary.txt"
failed=0
running=0
for t in $TARGETS; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n || failed=1
        running=$((running - 1))
    fi
done
while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
done
if [ "$failed" -ne 0 ]; then
    echo "fuzz: a property failed or a target crashed; see above" >&2
    exit 1
fi
echo "fuzz: no findings"
