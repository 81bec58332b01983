#!/usr/bin/env bash
# Does all set-up on a fresh Debian machine, builds an optimized `squall`, and runs the main
# job on the bundled examples: check every example and verify it is canonically formatted.
#
# Usage: scripts/run-examples.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target squall

squall=build/release/bin/squall
echo "== squall check examples/*.rule"
"$squall" check examples/*.rule
echo "== squall fmt --check examples/*.rule"
"$squall" fmt --check examples/*.rule
echo "all $(ls examples/*.rule | wc -l) examples check clean and are formatted"
