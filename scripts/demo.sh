#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine: installs dependencies, builds, starts a fake fleet
# of 50 Junos-like routers and fanoutd on loopback, runs `show version` on all 50 at once,
# then shows one router failing on its own without disturbing the rest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh

bin=build
work=$(mktemp -d /tmp/fanout-demo.XXXXXX)
jobs="ipc://$work/jobs.sock"
results="ipc://$work/results.sock"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo
echo "== Starting a fake fleet: 50 routers (r1..r50) answering in 0.2-1.0 s, plus r51 with a bad password"
coproc FLEET { exec "$bin/tools/fleetsim/fleetsim" --routers 51 --out-dir "$work" \
  --latency-ms 200 --jitter-ms 800 --fault r51=auth_fail; }
pids+=("$FLEET_PID")
read -r ready <&"${FLEET[0]}"
echo "   fleetsim: $ready; inventory in $work/devices.json"

echo "== Starting fanoutd (jobs on $jobs, results on $results)"
"$bin/daemon/fanoutd" --inventory "$work/devices.json" --known-hosts "$work/known_hosts" \
  --jobs "$jobs" --results "$results" --log-level warn &
pids+=("$!")
ctl=("$bin/tools/fanoutctl/fanoutctl" --jobs "$jobs" --results "$results")
"${ctl[@]}" ping

echo
echo "== fanoutctl run -r r1,...,r50 'show version'"
routers=$(printf 'r%s,' $(seq 1 50)); routers=${routers%,}
"${ctl[@]}" run --brief -r "$routers" 'show version'

echo
echo "== One bad router fails alone: fanoutctl run -r r49,r50,r51 'show system uptime'"
"${ctl[@]}" run -r r49,r50,r51 'show system uptime' || echo "(exit status $?: a router failed, as expected)"
