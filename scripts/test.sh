#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs dependencies; checks
# formatting (clang-format) and the include direction between folders; builds; checks that the
# docs cover every --help flag and their links resolve, and runs clang-tidy; runs the unit tests
# (ctest -L unit), then the process-level tests (ctest -L integration: the fake fleet, real
# sshd, the proxy, the Python clients). In between, scripts/package-check.sh builds and
# installs the .deb and checks the systemd units and docker-compose.yml (as root; skipped
# otherwise). Then it fuzzes for 90 s in all (scripts/fuzz.sh: the request decoder, the NETCONF
# framing and rpc-reply parser, JSON → msgpack, devices.json, node sets), builds again with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs the suite once more. Set
# FANOUT_SKIP_SANITIZERS=1 to skip those two when iterating.
#
# Time: the process-level tests mostly wait on sockets, so clang-tidy, the package build and
# the sanitizer build run beside them at nice 19 (they only take CPU the tests leave idle), and
# ccache lets the package build reuse the test build's objects. Each stage prints its time.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

# One cache key for every build directory of this checkout (build/, build-pkg/, ...).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
started=$SECONDS
stage() { echo "== [$(((SECONDS - started) / 60))m$(((SECONDS - started) % 60))s] $*"; }

# Background stages: `background NAME CMD...` starts CMD at nice 19 with its output in
# build-logs/NAME.log; `finish NAME` waits for it, prints its log, and fails if it failed.
mkdir -p build-logs
declare -A background_pids
# Each runs in its own session, so a failing foreground stage stops it and its children.
background() {
  local name=$1
  shift
  setsid nice -n 19 "$@" >"build-logs/$name.log" 2>&1 &
  background_pids[$name]=$!
}
finish() {
  local name=$1 rc=0
  wait "${background_pids[$name]}" || rc=$?
  unset "background_pids[$name]"
  stage "$name (background) finished, exit $rc"
  tail -n 40 "build-logs/$name.log"
  [ "$rc" -eq 0 ] || { echo "test.sh: $name failed; full log in build-logs/$name.log" >&2; exit "$rc"; }
}
stop_background() {
  local pid
  for pid in "${background_pids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
}
trap stop_background EXIT
sanitizers=1
[ "${FANOUT_SKIP_SANITIZERS:-0}" != 1 ] || sanitizers=0

stage "checks: clang-format, include direction"
bash scripts/check-format.sh
bash scripts/check-includes.sh

stage "build (RelWithDebInfo)"
bash scripts/build.sh

stage "checks: docs against --help"
bash scripts/check-docs.sh build
background tidy bash scripts/tidy.sh
background package-build bash scripts/build-deb.sh
if [ "$sanitizers" = 1 ]; then
  background fuzz-build bash scripts/fuzz.sh --build-only
  background asan-build env BUILD_DIR=build-asan bash scripts/build.sh \
    -DCMAKE_BUILD_TYPE=Debug -DFANOUT_SANITIZE=ON
fi

stage "unit tests"
(cd build && ctest --output-on-failure -L unit -j 2 --timeout 120)
stage "integration tests"
(cd build && ctest --output-on-failure -L integration -j 2 --timeout 600)

finish tidy
finish package-build
stage "package: install the .deb, check the units and the compose file"
bash scripts/package-check.sh

if [ "$sanitizers" = 1 ]; then
  finish fuzz-build
  stage "fuzz the decoders (libFuzzer, 90 s in all)"
  FUZZ_SECONDS=${FUZZ_SECONDS:-90} bash scripts/fuzz.sh
  finish asan-build
  stage "ASan+UBSan: the whole suite"
  (cd build-asan &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j 3 --timeout 600)
fi
stage "all passed"
