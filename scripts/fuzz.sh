#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and fuzzes the request decoder and validator for a
# bounded time (default 60 s; FUZZ_SECONDS to change), starting from tests/fuzz/corpus.
# New interesting inputs go to build-fuzz/corpus; the repo's seed corpus is never modified.
# A crash, a sanitizer report, a timeout or a memory blow-up fails the run and leaves the
# reproducer in build-fuzz/ (crash-*, oom-*, timeout-*).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DFANOUT_FUZZ=ON -DFANOUT_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz --target fuzz_decode_request
mkdir -p build-fuzz/corpus
cd build-fuzz
echo "== fuzzing decode_request for ${seconds}s"
if ./tests/fuzz/fuzz_decode_request -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 corpus ../tests/fuzz/corpus >fuzz.log 2>&1; then
  grep -E "^(Done|stat::)" fuzz.log
else
  tail -n 60 fuzz.log
  echo "fuzz: FAILED; the reproducer and full log are in build-fuzz/" >&2
  exit 1
fi
