#!/usr/bin/env bash
# Installs every Debian package Squall needs to build and test, and only what is missing.
# Idempotent: a second run with everything present does no network access at all.
#
# Usage: scripts/install-deps.sh [--dry-run]
set -euo pipefail

# Build toolchain and test tools.
packages=(
  build-essential cmake ninja-build pkg-config git python3
  python3-yaml  # PyYAML: pack configs of Python actions (python-script runner), import tests
  clang libclang-rt-14-dev  # libFuzzer + sanitizer runtimes for the fuzz target
  clang-format
)
# Libraries from the project's stack (see README "Stack").
packages+=(
  antlr4 libantlr4-runtime-dev
  llvm-19-dev
  libyaml-cpp-dev
  libboost-program-options-dev libboost-dev
  libsimdjson-dev
  libsqlite3-dev
  libre2-dev
  libedit-dev
  libspdlog-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libssl-dev
  libsodium-dev
)
# Chosen for the native matchers (runtime/patterns, compiler/codegen): vectorscan (the
# maintained, portable fork of Intel's Hyperscan) searches many substrings/globs in one pass;
# xxHash hashes dispatch keys identically at compile time and in generated code.
packages+=(
  libvectorscan-dev
  libxxhash-dev
)
# Chosen for the runtime (runtime/, issue 5): nlohmann/json builds and edits the JSON documents
# the runtime stores and exchanges (parameters, results, API bodies; simdjson stays the
# read-only hot path for events); cctz converts cron schedules between civil time in
# a named zone and absolute time (DST gaps and folds included) from the system tz database;
# tzdata is that database. The OpenSSH client is the remote-shell runner's transport; the
# server, openssl (a test's self-signed certificate for the HTTPS runner test) and wrk are
# test/benchmark tools (a loopback sshd for the ssh runner's end-to-end test, wrk for the
# webhook load benchmark).
packages+=(
  libcctz-dev tzdata
  nlohmann-json3-dev
  openssh-client openssh-server openssl
  wrk
)
# Chosen for the squall binary's allocator: gperftools' tcmalloc (minimal: no profiler). A
# workflow step allocates hundreds of small JSON and string objects on the engine's and the
# store's threads; glibc malloc was a fifth of the engine thread's time, and tcmalloc's
# per-thread caches make durable steps 22% faster (docs/performance.md).
packages+=(
  libgoogle-perftools-dev
)

# Editor support (editors/test.sh): node and npm run the TextMate grammar tests, package the
# VS Code extension (.vsix) and fetch the pinned npm packages. Only when no node is installed:
# an existing Node.js (e.g. a newer one that bundles npm) is kept.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: missing: ${missing[*]}"
[[ "${1:-}" == "--dry-run" ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${#missing[@]} packages"
