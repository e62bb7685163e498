#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine: installs dependencies, builds, starts a fake fleet
# of 50 Junos-like routers (some NETCONF-only on port 830) and 20 more behind a bastion, and
# fanoutd on loopback, runs `show version` on all 50 at once,
# then shows one router failing on its own without disturbing the rest. Five of the routers
# (r10, r20, ..., r50) serve only NETCONF on port 830, each on its own loopback address, and
# their devices.json entries are junos-mcp-server's (`"port": 830`, no `transport` key): fanoutd
# reaches them over NETCONF unchanged. Last, a version report as data: `--format json --select`.
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
echo "   r10, r20, r30, r40, r50 are NETCONF-only on port 830 (127.1.0.x:830), like Junos's port 830"
# --netconf-only-every 10 picks r10..r50 (and nothing past r50 in a 51-router fleet).
coproc FLEET { exec "$bin/tools/fleetsim/fleetsim" --routers 51 --out-dir "$work" \
  --latency-ms 200 --jitter-ms 800 --fault r51=auth_fail \
  --netconf-only-every 10 --netconf-port 830; }
pids+=("$FLEET_PID")
read -r ready <&"${FLEET[0]}"
echo "   fleetsim: $ready; inventory in $work/devices.json"
echo "   two of its entries, as junos-mcp-server writes them (r10 has no \"transport\" key):"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for n in ("r9", "r10"):
    e = {k: v for k, v in d[n].items() if k != "auth"}
    print("     ", json.dumps({n: e}))' "$work/devices.json"

echo
echo "== A second site reachable only through a bastion: edge1..edge20 behind bastion1"
mkdir -p "$work/edge"
# (bash keeps one coproc at a time: this fleetsim's "ready" line comes through a pipe.)
exec {edge_out}< <(exec "$bin/tools/fleetsim/fleetsim" --routers 20 --prefix edge --bastions 1 \
  --out-dir "$work/edge" --latency-ms 200 --jitter-ms 300)
pids+=("$!")
read -r ready <&"$edge_out"
echo "   fleetsim: $ready"
echo "   their entries say how they are reached (fanout's own keys):"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for n in ("bastion1", "edge1"):
    e = {k: v for k, v in d[n].items() if k != "auth"}
    print("     ", json.dumps({n: e}))' "$work/edge/devices.json"
# One inventory and one known_hosts for both sites.
python3 -c 'import json, sys
merged = json.load(open(sys.argv[1])); merged.update(json.load(open(sys.argv[2])))
json.dump(merged, open(sys.argv[3], "w"), indent=1)' \
  "$work/devices.json" "$work/edge/devices.json" "$work/all-devices.json"
chmod 600 "$work/all-devices.json"  # it holds the routers' passwords
cat "$work/known_hosts" "$work/edge/known_hosts" > "$work/all-known_hosts"

echo
echo "== Starting fanoutd (jobs on $jobs, results on $results)"
"$bin/daemon/fanoutd" --inventory "$work/all-devices.json" --known-hosts "$work/all-known_hosts" \
  --jobs "$jobs" --results "$results" --log-level warn &
pids+=("$!")
ctl=("$bin/tools/fanoutctl/fanoutctl" --jobs "$jobs" --results "$results")
"${ctl[@]}" ping

echo
echo "== fanoutctl run -r r1,...,r50 'show version'"
routers=$(printf 'r%s,' $(seq 1 50)); routers=${routers%,}
"${ctl[@]}" run --brief -r "$routers" 'show version'

echo
echo "== The port-830 routers run over NETCONF (<command> RPC); each result says its transport:"
echo "   fanoutctl run -r r9,r10,r20,r30,r40,r50 --json 'show version'"
"${ctl[@]}" run -r r9,r10,r20,r30,r40,r50 --json 'show version' | python3 -c 'import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if r.get("type") == "router_result":
        print("   %-4s %-8s %-8s %s" % (r["router_name"], r["transport"], r["status"],
                                        r["output"].strip().splitlines()[0]))'

echo
echo "== A version report as data, one line per router (r1..r50, both transports):"
echo "   fanoutctl run -r 'r[1-50]' --format json --select software-information.0.junos-version.0.data 'show version'"
"${ctl[@]}" run -r 'r[1-50]' --format json --select software-information.0.junos-version.0.data 'show version'

echo
echo "== Through the bastion: one SSH session to bastion1 carries all 20 routers' sessions"
echo "   (each router's own SSH session runs end to end inside a direct-tcpip channel)"
echo "   fanoutctl run -r 'edge[1-20]' --brief 'show version', then ping's bastion line"
"${ctl[@]}" run -r 'edge[1-20]' --brief --no-progress 'show version'
"${ctl[@]}" ping | grep -i bastions

echo
echo "== One bad router fails alone: fanoutctl run -r r49,r50,r51 'show system uptime'"
"${ctl[@]}" run -r r49,r50,r51 'show system uptime' || echo "(exit status $?: a router failed, as expected)"
