#!/usr/bin/env bash
# Fails when a C++ file under git differs from what clang-format (.clang-format) makes of it,
# naming each file. Fix with: git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if clang-format --dry-run -Werror "${files[@]}" 2>/tmp/check-format.$$; then
  rm -f /tmp/check-format.$$
  echo "check-format: ${#files[@]} files match .clang-format"
  exit 0
fi
grep -oE '^[^:]+\.(cpp|hpp)' /tmp/check-format.$$ | sort -u | sed 's/^/check-format: not formatted: /'
rm -f /tmp/check-format.$$
exit 1
