#!/usr/bin/env bash
# Does all set-up on a fresh Debian machine, builds, and runs every test: unit, golden,
# end-to-end, then a short fuzz run of the parser. This is exactly what CI runs (.ci/run).
#
# Usage: scripts/test.sh            (SQUALL_FUZZ_SECONDS=N to change the fuzz run; 0 skips it)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs=$(nproc)

cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
# The benchmarks are built on request only; build them here so that they cannot rot unseen.
cmake --build --preset dev -j "$jobs" --target squall_check_bench squall_decode_bench \
  squall_match_bench squall_correlate_bench
ctest --preset dev -j "$jobs"

fuzz_seconds=${SQUALL_FUZZ_SECONDS:-60}
if [[ "$fuzz_seconds" != 0 ]]; then
  bash scripts/fuzz.sh "$fuzz_seconds"
fi
