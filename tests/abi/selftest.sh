#!/usr/bin/env bash
# Checks tests/abi/check.sh's verdicts on edited copies of bulwark.h: a struct grown at its end
# and an added function are compatible (recorded by `make abi`), while a changed field type, a
# changed constant, a removed function, a changed parameter or a changed result code are
# incompatible under the same major version. Each must fail the check, with the right verdict.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# expect NAME VERDICT PYTHON-EDIT: the edit gets the header text as `s` and returns the new text.
expect() {
  local name=$1 verdict=$2 edit=$3
  mkdir -p "$work/$name"
  python3 - "$work/$name/bulwark.h" "$edit" <<'PY'
import sys
s = open("include/bulwark.h").read()
t = eval(sys.argv[2], {"s": s})
assert t != s, "the edit changed nothing"
open(sys.argv[1], "w").write(t)
PY
  local out
  if out=$(ABI_HEADER="$work/$name/bulwark.h" tests/abi/check.sh 2>&1); then
    echo "abi selftest: $name passed the check, expected '$verdict'"; status=1
  elif ! grep -q "$verdict" <<<"$out"; then
    echo "abi selftest: $name failed without '$verdict':"; echo "$out" | tail -n 5; status=1
  else
    echo "abi selftest: $name -> $verdict"
  fi
}

decision_end='  uint32_t rate_index;\n} bw_decision;'
expect grown "grew compatibly" "s.replace('$decision_end', '  uint32_t rate_index;\n  uint64_t later;\n} bw_decision;')"
expect added "grew compatibly" "s.replace('const char *bw_version(void);', 'const char *bw_version(void);\nint bw_added(int x);')"
expect field_type "incompatible" "s.replace('  bool allowed;\n', '  uint32_t allowed;\n', 1)"
expect field_inserted "incompatible" "s.replace('  bool allowed;\n', '  bool allowed;\n  uint32_t wedged;\n', 1)"
expect constant "incompatible" "s.replace('#define BW_RL_GCRA 4', '#define BW_RL_GCRA 5')"
expect removed "incompatible" "(lambda i: s[:i] + s[s.index(';', i) + 1:])(s.index('bw_result bw_limiter_refund('))"
expect parameter "incompatible" "(lambda i, j: s[:i] + s[i:j].replace('uint64_t cost', 'uint32_t cost') + s[j:])(s.index('bw_result bw_limiter_hit('), s.index(';', s.index('bw_result bw_limiter_hit(')))"
expect result_code "incompatible" "s.replace('BW_ERR_RATE_LIMITED = 600,', 'BW_ERR_RATE_LIMITED = 601,')"
exit $status
