#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and fuzzes each for its share of a bounded total time
# (default 60 s over all targets; FUZZ_SECONDS to change), each starting from its seed corpus
# in tests/fuzz/corpus/<target>/:
#   decode_request     the request decoder and validator
#   netconf_framing    the RFC 6242 frame decoder and encoder
#   netconf_rpc_reply  the rpc-reply and hello parsers
#   json_data          JSON → msgpack
#   inventory          devices.json (a hostile inventory file; no error quotes a secret)
#   node_set           fanoutctl's node sets, and folding them back
# New interesting inputs go to build-fuzz/corpus/<target>/; the repo's seed corpus is never
# modified. A crash, a sanitizer report, a timeout or a memory blow-up fails the run and leaves
# the reproducer in build-fuzz/ (crash-*, oom-*, timeout-*). FUZZ_TARGETS="a b" runs only those;
# --build-only builds the targets and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

read -r -a targets <<<"${FUZZ_TARGETS:-decode_request netconf_framing netconf_rpc_reply json_data inventory node_set}"
total=${FUZZ_SECONDS:-60}
seconds=$((total / ${#targets[@]}))
[ "$seconds" -ge 1 ] || seconds=1
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DFANOUT_FUZZ=ON -DFANOUT_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz --target "${targets[@]/#/fuzz_}"
[ "${1:-}" != --build-only ] || exit 0
cd build-fuzz
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "== fuzzing $target for ${seconds}s"
  if ./tests/fuzz/"fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 "corpus/$target" "../tests/fuzz/corpus/$target" >"fuzz_$target.log" 2>&1; then
    grep -E "^(Done|stat::)" "fuzz_$target.log"
  else
    tail -n 60 "fuzz_$target.log"
    echo "fuzz: $target FAILED; the reproducer and full log are in build-fuzz/" >&2
    exit 1
  fi
done
