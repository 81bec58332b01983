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
echo "== fuzzing the parser for ${seconds}s"
build/fuzz/fuzz/squall_parse_fuzzer "$work" fuzz/corpus/parser -seed="${SQUALL_FUZZ_SEED:-1}" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -dict=fuzz/squall.dict -artifact_prefix=build/fuzz/artifacts/ -print_final_stats=1 2>&1 |
  tail -n 25
echo "fuzz: no crash, hang or leak in ${seconds}s"
