#!/usr/bin/python3
"""Handshake cost: one N-router job at latency 0 through fanoutd, per fanoutd binary and kex list.

Contract: starts one fleetsim (N key-auth routers, --latency-ms 0) and, for every combination of
--fanoutd binary and --kex list, runs --repeat rounds (interleaved, a fresh fanoutd per run) of
one wait:true job on all N routers. With latency 0 the job is nearly all connection set-up
(TCP, key exchange, auth, one channel), so wall time and CPU seconds measure what a handshake
costs. A --kex list is written into every router's "ssh": {"kex_algorithms"} in a copy of the
fleet's devices.json ("default" keeps fanoutd's own list). Prints every run and the medians
(Markdown with --markdown). Exit 0 when every run answered on all routers, else 1.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_runs  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--routers", type=int, default=500)
    p.add_argument("--workers", type=int, default=64)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--fanoutd", action="append", default=[],
                   help="NAME=PATH of a fanoutd binary to compare (default: build/daemon/fanoutd)")
    p.add_argument("--kex", action="append", default=[],
                   help="kex list for every router, or 'default' (repeatable; default: default)")
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args()
    binaries = [b.split("=", 1) for b in args.fanoutd] or [
        ["fanoutd", os.path.join(REPO, "build", "daemon", "fanoutd")]]
    kexes = args.kex or ["default"]
    fleetsim = os.path.join(REPO, "build", "tools", "fleetsim", "fleetsim")

    work = tempfile.mkdtemp(prefix="fanout-handshake-")
    fleet = bench_runs.Fleet(fleetsim, args.routers, 0, 0, work)
    runs = {}
    ok = True
    try:
        with open(fleet.inventory) as f:
            devices = json.load(f)
        inventories = {}
        for kex in kexes:
            if kex == "default":
                inventories[kex] = fleet.inventory
                continue
            for d in devices.values():
                d["ssh"] = {"kex_algorithms": kex}
            path = os.path.join(work, f"devices-{len(inventories)}.json")
            with open(path, "w") as f:
                json.dump(devices, f)
            os.chmod(path, 0o600)
            inventories[kex] = path
        for round_ in range(args.repeat):
            for name, binary in binaries:
                for kex in kexes:
                    view = types.SimpleNamespace(
                        inventory=inventories[kex], known_hosts=fleet.known_hosts,
                        latency_ms=0, routers=args.routers, names=fleet.names, cpu_s=fleet.cpu_s)
                    run_id = f"{name}-{kexes.index(kex)}-{round_}"
                    m = bench_runs.run_fanoutd(binary, view, args.workers, "show version", work,
                                               run_id)
                    ok = ok and m.all_ok
                    runs.setdefault((name, kex), []).append(m)
                    print(f"{name:12} kex={kex:28} wall {m.wall_s:6.2f} s  fanoutd CPU "
                          f"{m.cpu_s:5.2f} s  fleetsim CPU {m.fleet_cpu_s:5.2f} s  ok={m.all_ok}",
                          file=sys.stderr)
    finally:
        fleet.stop()
    sep = "|" if args.markdown else " "
    if args.markdown:
        print("| fanoutd | kex | N | workers | wall s | fanoutd CPU s | CPU ms/router | "
              "fleetsim CPU s | runs: wall s |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for (name, kex), ms in runs.items():
        wall = statistics.median(m.wall_s for m in ms)
        cpu = statistics.median(m.cpu_s for m in ms)
        fleet_cpu = statistics.median(m.fleet_cpu_s for m in ms)
        cells = [name, kex, str(args.routers), str(args.workers), f"{wall:.2f}", f"{cpu:.2f}",
                 f"{1000 * cpu / args.routers:.2f}", f"{fleet_cpu:.2f}",
                 " / ".join(f"{m.wall_s:.2f}" for m in ms)]
        print((sep + " " + f" {sep} ".join(cells) + " " + sep) if args.markdown else "  ".join(cells))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
