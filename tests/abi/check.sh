#!/usr/bin/env bash
# The C ABI's stability check (in `make test`):
#  1. libbulwark.so exports exactly the functions bulwark.h declares, all named bw_*;
#  2. the header's version macros are the crate's version, and the SONAME is libbulwark.so.MAJOR;
#  3. abidiff (libabigail) compares the ABI of today's header and library with the committed
#     baseline abi/bulwark-MAJOR.abi: prototypes, every struct and enum reachable from them, the
#     numeric constants (tests/abi/probe.py explains how they are captured).
# Any difference fails. A compatible one (functions, constants or result codes added; a struct
# grown by fields at its end, which the `size` convention allows) is recorded with
# `make abi` (tests/abi/check.sh --update) and committed. An incompatible one (anything removed,
# a prototype, constant, field or enumerator value changed) needs a major version bump; --update
# refuses to record it under the same major.
set -euo pipefail
cd "$(dirname "$0")/../.."
update=0
[ "${1:-}" = "--update" ] && update=1
command -v abidiff >/dev/null || { echo "installing abigail-tools with apt-get"; \
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends abigail-tools >/dev/null; }

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
IFS=. read -r major minor patch <<<"$version"
lib=dist/lib/libbulwark.so.$version
header=include/bulwark.h
# tests/abi/selftest.sh probes an edited copy of the header (ABI_HEADER) to check the verdicts;
# it skips what only the real header can pass (the export list, linking every function).
selftest=0
if [ -n "${ABI_HEADER:-}" ]; then header=$ABI_HEADER; selftest=1; fi
baseline=abi/bulwark-$major.abi
fail() { echo "ABI check: $*" >&2; exit 1; }
[ -f "$lib" ] || fail "$lib is missing (run make lib)"

# 1. Exported symbols.
if [ "$selftest" = 0 ]; then
exported=$(nm -D --defined-only --extern-only "$lib" | awk '{print $3}' | sort -u)
declared=$(grep -oE '^(BW_MUST_USE )?[a-z][a-z0-9_ ]*[ *]+bw_[a-z0-9_]+\(' "$header" | grep -oE 'bw_[a-z0-9_]+\(' | tr -d '(' | sort -u)
foreign=$(grep -v '^bw_' <<<"$exported" || true)
[ -z "$foreign" ] || fail "exported symbols outside bw_*: $(echo $foreign)"
[ "$exported" = "$declared" ] || fail "exported and declared functions differ: $(diff <(echo "$declared") <(echo "$exported") | grep '^[<>]' | tr '\n' ' ')"

# 2. Versions.
for part in MAJOR:$major MINOR:$minor PATCH:$patch; do
  grep -q "^#define BW_VERSION_${part%%:*} ${part#*:}\$" "$header" || fail "BW_VERSION_${part%%:*} is not ${part#*:} (Cargo.toml says $version)"
done
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libbulwark.so.$major" ] || fail "SONAME '$soname' is not libbulwark.so.$major"
fi

# 3. The ABI itself, through a probe built from the header and linked to the library.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 tests/abi/probe.py "$header" > "$work/probe.c"
strict=-Wl,--no-undefined
[ "$selftest" = 1 ] && strict=
hdir=$(cd "$(dirname "$header")" && pwd)
libdir=$PWD/dist/lib
(cd "$work" && cc -std=gnu11 -g -O0 -fPIC -shared -I"$hdir" probe.c -o libbulwark-abi.so -L"$libdir" -lbulwark $strict) || fail "the probe does not link: a declared function is not exported"
abidw --no-corpus-path --no-comp-dir-path --no-show-locs "$work/libbulwark-abi.so" > "$work/current.abi"

if [ ! -f "$baseline" ]; then
  if [ "$update" = 1 ]; then
    mkdir -p abi && cp "$work/current.abi" "$baseline" && echo "ABI check: wrote $baseline (new major version $major)"
    exit 0
  fi
  fail "no baseline $baseline: after a major version bump, record the new ABI with 'make abi'"
fi

set +e
abidiff --leaf-changes-only --no-show-locs "$baseline" "$work/current.abi" > "$work/diff.txt"
rc=$?
set -e
[ $((rc & 3)) -eq 0 ] || { cat "$work/diff.txt"; fail "abidiff failed ($rc)"; }
if [ "$rc" -eq 0 ]; then
  echo "ABI check: exports $(nm -D --defined-only "$lib" | grep -c ' bw_') bw_* functions, nothing else; ABI identical to $baseline"
  exit 0
fi

# Classify: only additions and structs grown at their end are compatible.
incompatible=$(python3 - "$work/diff.txt" "$rc" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
bad = []
if int(sys.argv[2]) & 8:
    bad.append("a function or variable was removed")
for m in re.finditer(r"^(\d+) (Removed|Changed) variables?", text, re.M):
    bad.append(f"{m.group(1)} {m.group(2).lower()} prototype(s) or constant(s)")
for block in re.split(r"\n(?='[^'\n]+' changed:)", text):
    head = re.match(r"'([^']+)' changed:", block)
    if not head:
        continue
    size = re.search(r"type size changed from (\d+) to (\d+)", block)
    inserts = [int(o) for o in re.findall(r"at offset (\d+) \(in bits\)", block)]
    others = [l for l in block.splitlines()[1:] if l.strip() and not re.search(
        r"type size changed|data member insertions?:|at offset \d+ \(in bits\)|enumerator insertions?:|'\S+' value '\d+'", l)]
    if "enumerator" in block and not others and "deletion" not in block and "value changed" not in block:
        continue
    grown = size and int(size.group(2)) > int(size.group(1)) and inserts and min(inserts) >= int(size.group(1))
    if not grown or others:
        bad.append(f"{head.group(1)}: " + "; ".join(l.strip() for l in block.splitlines()[1:4]))
print("\n".join(bad))
PY
)
cat "$work/diff.txt"
if [ -n "$incompatible" ]; then
  fail "incompatible change under major version $major:
$incompatible
Raise the major version (Cargo.toml, BW_VERSION_MAJOR) and record abi/bulwark-NEW.abi with 'make abi', or undo the change."
fi
if [ "$update" = 1 ]; then
  cp "$work/current.abi" "$baseline" && echo "ABI check: recorded the compatible additions in $baseline"
  exit 0
fi
fail "the ABI grew compatibly (above); record it with 'make abi' and commit $baseline"
