#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs dependencies, builds, and runs
# every test (unit, integration against the fake fleet, real sshd, and the Python client) with
# ctest; then builds again with AddressSanitizer + UndefinedBehaviorSanitizer and runs the
# suite once more, and fuzzes the request decoder for 60 s (scripts/fuzz.sh). In between,
# scripts/package-check.sh builds and installs the .deb and checks the systemd units and
# docker-compose.yml (as root; skipped otherwise). Set
# FANOUT_SKIP_SANITIZERS=1 to skip both when iterating.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

echo "== build (RelWithDebInfo) and test"
bash scripts/build.sh
(cd build && ctest --output-on-failure -j 2 --timeout 600)

echo "== package: build and install the .deb, check the units and the compose file"
bash scripts/package-check.sh

if [ "${FANOUT_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== fuzz the request decoder (libFuzzer, 60 s)"
  bash scripts/fuzz.sh
  echo "== build with ASan+UBSan and test"
  BUILD_DIR=build-asan bash scripts/build.sh -DCMAKE_BUILD_TYPE=Debug -DFANOUT_SANITIZE=ON
  (cd build-asan &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j 2 --timeout 600)
fi
