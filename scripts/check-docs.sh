#!/usr/bin/env bash
# Keeps the docs true to the binaries: every --flag that fanoutd, fanoutctl (and each of its
# subcommands), fanout-proxy and fleetsim print in --help is documented somewhere in README.md,
# ARCHITECTURE.md or docs/; every relative link in those files resolves; README.md stays under
# 200 lines. (That examples/fanoutd.conf loads is the unit test
# config_file.the_shipped_example_parses.) Usage: scripts/check-docs.sh [BUILD_DIR]. Exits 1 on
# any finding, listing each.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
docs=(README.md ARCHITECTURE.md docs/*.md)
status=0

help_flags() {
  local help
  help=$("$@" --help 2>&1) || { echo "check-docs: '$* --help' failed" >&2; return 1; }
  grep -oE -- '--[a-z0-9][a-z0-9-]*' <<<"$help" | sort -u
}

check_flags() {
  local what=$1 flags
  shift
  if ! flags=$(help_flags "$@"); then
    status=1
    return
  fi
  while IFS= read -r flag; do
    [ "$flag" = --help ] && continue
    if ! grep -qF -- "$flag" "${docs[@]}"; then
      echo "check-docs: $what: $flag is in --help but not in README.md, ARCHITECTURE.md or docs/"
      status=1
    fi
  done <<<"$flags"
}

ctl=$build/tools/fanoutctl/fanoutctl
check_flags fanoutd "$build/daemon/fanoutd"
check_flags fanoutctl "$ctl"
for sub in $("$ctl" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF {print $1}'); do
  check_flags "fanoutctl $sub" "$ctl" "$sub"
done
check_flags fanout-proxy "$build/tools/proxy/fanout-proxy"
check_flags fleetsim "$build/tools/fleetsim/fleetsim"

# Relative links, [text](target) with an optional #anchor, resolved from the linking file.
for file in "${docs[@]}"; do
  while IFS= read -r target; do
    case "$target" in http://* | https://* | mailto:* | \#*) continue ;; esac
    path=${target%%#*}
    if [ ! -e "$(dirname "$file")/$path" ]; then
      echo "check-docs: $file links to $target, which does not exist"
      status=1
    fi
  done < <(grep -oE '\]\([^)[:space:]]+\)' "$file" | sed -E 's/^\]\((.*)\)$/\1/')
done

lines=$(wc -l < README.md)
if [ "$lines" -ge 200 ]; then
  echo "check-docs: README.md has $lines lines; keep it under 200 (the manual is docs/)"
  status=1
fi

if [ "$status" = 0 ]; then
  echo "check-docs: every --help flag is documented, every link resolves, README.md has $lines lines"
fi
exit "$status"
