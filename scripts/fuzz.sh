#!/usr/bin/env bash
# Builds the parser's libFuzzer target with clang + ASan + UBSan and fuzzes it for N seconds
# (default 60) from the seed corpus in fuzz/corpus/parser. A crash, leak, timeout (hang) or
# out-of-memory fails the run and leaves the reproducer in build/fuzz/artifacts/.
#
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

bash scripts/install-deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target squall_parse_fuzzer

work=build/fuzz/corpus-run
mkdir -p "$work" build/fuzz/artifacts
log=build/fuzz/fuzz.log
echo "== fuzzing the parser for ${seconds}s (full log: $log)"
# libFuzzer ends with a long "recommended dictionary"; leave it out of what is shown.
show() { grep -v -e '^"' -e 'ecommended dictionary' "$log" | tail -n "$1"; }
if ! build/fuzz/fuzz/squall_parse_fuzzer "$work" fuzz/corpus/parser -seed="${SQUALL_FUZZ_SEED:-1}" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -dict=fuzz/squall.dict -artifact_prefix=build/fuzz/artifacts/ -print_final_stats=1 \
  >"$log" 2>&1; then
  # The start of the sanitizer report or property violation, then the reproducer's name.
  grep -v -e '^"' -e 'ecommended dictionary' "$log" |
    sed -n '/ERROR\|runtime error:\|property violated/,$p' | head -n 100
  echo "..."
  show 10
  echo "fuzz: FAILED; reproducer in build/fuzz/artifacts/ (see fuzz/README.md)"
  exit 1
fi
show 8  # the final coverage line (cov, ft, corp, exec/s) and stats
echo "fuzz: no crash, hang or leak in ${seconds}s"
