#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan + UBSan and fuzzes them for N seconds in all
# (default 60), split between them: the parser (seed corpus fuzz/corpus/parser) for the first
# half, the event decoder (fuzz/corpus/events) for the second. A crash, leak, timeout (hang) or
# out-of-memory fails the run and leaves the reproducer in build/fuzz/artifacts/.
#
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
parser_seconds=$(((seconds + 1) / 2))
decoder_seconds=$((seconds / 2 > 0 ? seconds / 2 : 1))

bash scripts/install-deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target squall_parse_fuzzer squall_event_decoder_fuzzer

mkdir -p build/fuzz/artifacts
# libFuzzer ends with a long "recommended dictionary"; leave it out of what is shown.
show() { grep -v -e '^"' -e 'ecommended dictionary' "$1" | tail -n "$2"; }

# fuzz_target WHAT BINARY CORPUS DICT LOG SECONDS
fuzz_target() {
  local what=$1 binary=$2 corpus=$3 dict=$4 log=$5 secs=$6
  local work=build/fuzz/corpus-run${7:-}
  mkdir -p "$work"
  echo "== fuzzing the $what for ${secs}s (full log: $log)"
  if ! "$binary" "$work" "$corpus" -seed="${SQUALL_FUZZ_SEED:-1}" \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -dict="$dict" -artifact_prefix=build/fuzz/artifacts/ -print_final_stats=1 \
    >"$log" 2>&1; then
    # The start of the sanitizer report or property violation, then the reproducer's name.
    grep -v -e '^"' -e 'ecommended dictionary' "$log" |
      sed -n '/ERROR\|runtime error:\|property violated/,$p' | head -n 100
    echo "..."
    show "$log" 10
    echo "fuzz: FAILED; reproducer in build/fuzz/artifacts/ (see fuzz/README.md)"
    exit 1
  fi
  show "$log" 8  # the final coverage line (cov, ft, corp, exec/s) and stats
}

fuzz_target parser build/fuzz/fuzz/squall_parse_fuzzer fuzz/corpus/parser fuzz/squall.dict \
  build/fuzz/fuzz.log "$parser_seconds"
fuzz_target "event decoder" build/fuzz/fuzz/squall_event_decoder_fuzzer fuzz/corpus/events \
  fuzz/events.dict build/fuzz/fuzz-events.log "$decoder_seconds" -events
echo "fuzz: no crash, hang or leak in ${seconds}s"
