#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs dependencies; checks
# formatting (clang-format) and the include direction between folders; builds; checks that the
# docs cover every --help flag and their links resolve, and runs clang-tidy; runs the unit tests
# (ctest -L unit), then the process-level tests (ctest -L integration: the fake fleet, real
# sshd, the proxy, the Python clients). In between, scripts/package-check.sh builds and
# installs the .deb and checks the systemd units and docker-compose.yml (as root; skipped
# otherwise). Then it fuzzes for 60 s in all (scripts/fuzz.sh: the request decoder, the NETCONF
# framing and rpc-reply parser, JSON → msgpack), builds again with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs the suite once more. Set
# FANOUT_SKIP_SANITIZERS=1 to skip those two when iterating.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

echo "== checks: clang-format, include direction"
bash scripts/check-format.sh
bash scripts/check-includes.sh

echo "== build (RelWithDebInfo)"
bash scripts/build.sh

echo "== checks: docs against --help, clang-tidy"
bash scripts/check-docs.sh build
bash scripts/tidy.sh

echo "== unit tests"
(cd build && ctest --output-on-failure -L unit -j 2 --timeout 120)
echo "== integration tests"
(cd build && ctest --output-on-failure -L integration -j 2 --timeout 600)

echo "== package: build and install the .deb, check the units and the compose file"
bash scripts/package-check.sh

if [ "${FANOUT_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== fuzz the decoders (libFuzzer, 60 s in all)"
  bash scripts/fuzz.sh
  echo "== build with ASan+UBSan and test"
  BUILD_DIR=build-asan bash scripts/build.sh -DCMAKE_BUILD_TYPE=Debug -DFANOUT_SANITIZE=ON
  (cd build-asan &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j 2 --timeout 600)
fi
