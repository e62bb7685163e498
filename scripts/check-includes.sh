#!/usr/bin/env bash
# Keeps the dependency direction one way (ARCHITECTURE.md, "Dependencies"): a folder may
# include only folders of an earlier tier, and itself.
#   tier 0  protocol, fanout (the generated version header)
#   tier 1  curve, transports, daemon/admission, daemon/structured, daemon/netconf (pure codecs, no I/O),
#           daemon/metrics (atomics and their exposition; no dependencies)
#   tier 2  daemon/ssh (which runs NETCONF on daemon/netconf's codec), daemon/scheduling
#   tier 3  daemon/jump (bastion sessions and streams through them, on daemon/ssh),
#           daemon/audit (the audit trail's records and file, issue 14)
#   tier 4  daemon/journal, daemon/workers, daemon/api
#   tier 5  daemon (the root: main, config, daemon, service_notify)
# daemon/ssh/detail is internal to daemon/ssh. Tools (tools/*) may include protocol, curve,
# transports, fanout and their own folder. Prints every offending #include and exits 1; exits 0 when clean.
set -euo pipefail
cd "$(dirname "$0")/.."

tier_of() {
  case "$1" in
    protocol | fanout) echo 0 ;;
    curve | transports | daemon/admission | daemon/structured | daemon/netconf | daemon/metrics) echo 1 ;;
    daemon/ssh | daemon/ssh/detail | daemon/scheduling) echo 2 ;;
    daemon/jump | daemon/audit) echo 3 ;;
    daemon/journal | daemon/workers | daemon/api) echo 4 ;;
    daemon) echo 5 ;;
    tools/*) echo 9 ;;
    *) echo "?" ;;
  esac
}

# The folder an #include path names: its directory, with ssh/detail kept apart.
folder_of() {
  dirname "$1"
}

status=0
while IFS= read -r file; do
  from=$(dirname "$file")
  from_tier=$(tier_of "$from")
  while IFS=: read -r line include; do
    to=$(folder_of "$include")
    [ "$to" = "$from" ] && continue
    to_tier=$(tier_of "$to")
    ok=0
    if [ "$to" = daemon/ssh/detail ]; then
      [ "$from" = daemon/ssh ] && ok=1
    elif [ "$from_tier" = 9 ]; then
      case "$to" in protocol | curve | transports | fanout) ok=1 ;; esac
    elif [ "$to_tier" != "?" ] && [ "$from_tier" != "?" ] && [ "$to_tier" -lt "$from_tier" ]; then
      ok=1
    elif [ "$from" = daemon/ssh/detail ] && [ "$to" = daemon/ssh ]; then
      ok=1
    elif [ "$from" = daemon/ssh/detail ] && [ "$to_tier" != "?" ] && [ "$to_tier" -lt 2 ]; then
      ok=1
    fi
    if [ "$ok" = 0 ]; then
      echo "$file:$line: includes \"$include\": $from (tier $from_tier) may not depend on $to (tier $to_tier)"
      status=1
    fi
  done < <(grep -noE '^#include "[^"]+"' "$file" | sed -E 's/^([0-9]+):#include "([^"]+)"/\1:\2/')
done < <(git ls-files 'protocol/*.[ch]pp' 'curve/*.[ch]pp' 'transports/*.[ch]pp' 'daemon/*.[ch]pp' 'tools/*.[ch]pp'; git ls-files --others --exclude-standard 'daemon/*.[ch]pp' 'curve/*.[ch]pp' 'transports/*.[ch]pp')

if [ "$status" = 0 ]; then echo "check-includes: every #include follows the dependency order"; fi
exit "$status"
