#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy: a few bug-finding checks) over every project .cpp in the compile
# database of BUILD_DIR (default build/, made by scripts/build.sh), four files per clang-tidy
# process, one process per core. Exits 1 on any finding or when clang-tidy fails to run.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
command -v clang-tidy >/dev/null || { echo "tidy: clang-tidy is not installed" >&2; exit 1; }
[ -f "$build/compile_commands.json" ] || bash scripts/build.sh
mapfile -t files < <(git ls-files 'protocol/*.cpp' 'curve/*.cpp' 'daemon/*.cpp' 'tools/*.cpp')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# clang-tidy's stderr is its "N warnings generated" chatter; its findings go to stdout.
if ! printf '%s\n' "${files[@]}" |
  xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet >"$log" 2>/dev/null; then
  grep -E 'warning:|error:' "$log" || cat "$log"
  echo "tidy: clang-tidy reported findings or failed (see above)" >&2
  exit 1
fi
if grep -E 'warning:|error:' "$log"; then
  echo "tidy: findings above" >&2
  exit 1
fi
echo "tidy: ${#files[@]} files pass .clang-tidy"
