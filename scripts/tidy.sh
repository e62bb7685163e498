#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy: a few bug-finding checks) over every project .cpp in the compile
# database of BUILD_DIR (default build/, made by scripts/build.sh), two files at a time.
# Exits 1 on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
[ -f "$build/compile_commands.json" ] || bash scripts/build.sh
mapfile -t files < <(git ls-files 'protocol/*.cpp' 'curve/*.cpp' 'daemon/*.cpp' 'tools/*.cpp')
printf '%s\n' "${files[@]}" |
  xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet 2>/dev/null |
  tee /tmp/tidy.$$.log | grep -E 'warning:|error:' || true
if grep -qE 'warning:|error:' /tmp/tidy.$$.log; then
  rm -f /tmp/tidy.$$.log
  echo "tidy: findings above" >&2
  exit 1
fi
rm -f /tmp/tidy.$$.log
echo "tidy: ${#files[@]} files pass .clang-tidy"
