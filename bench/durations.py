#!/usr/bin/python3
"""Per-router durations of one N-router fanoutd job, for bench/plot_results.py.

Contract: starts fleetsim (N key-auth routers, latency L, no jitter) and one fanoutd with
out-of-the-box settings (bench/peers.py fanoutd_service), runs one `submit {wait: true}` job on
all N routers, stops both, and writes --out: the job's wall time and CPU, the build (--build, or
git describe), the fanoutd binary's mtime, the load average, and every router's
`execution_duration` and start offset (its start_time minus the earliest) in request order r1..rN.
Exit 0 when every router answered, 1 otherwise.
"""

import argparse
import datetime
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
try:
    import bench_runs
    import peers
except ImportError:  # python3-zmq/-msgpack are Debian's, in the system interpreter
    if sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--routers", type=int, default=1000)
    p.add_argument("--latency-ms", type=int, default=1000)
    p.add_argument("--fanoutd", default=os.path.join(REPO, "build/daemon/fanoutd"))
    p.add_argument("--fleetsim", default=os.path.join(REPO, "build/tools/fleetsim/fleetsim"))
    p.add_argument("--build", help="what --fanoutd was built from (default: git describe of this tree)")
    p.add_argument("--out", default=os.path.join(HERE, "results", "durations-n1000.json"))
    args = p.parse_args()
    bench_runs.raise_fd_limit()
    work = tempfile.mkdtemp(prefix="fanout-durations-")
    fleet = bench_runs.Fleet(args.fleetsim, args.routers, args.latency_ms, 0, work)
    try:
        service = peers.fanoutd_service(args.fanoutd, fleet, os.path.join(work, "fanoutd"))
        try:
            m = service.run_job(fleet.names(), "show version", "fanoutd", 120)
            results = service.last_reply.get("results", [])
        finally:
            service.stop()
    finally:
        fleet.stop()
        subprocess.run(["rm", "-rf", "--one-file-system", work], check=False)
    starts = [datetime.datetime.fromisoformat(r["start_time"].replace("Z", "+00:00")) for r in results]
    first = min(starts, default=None)
    build = args.build or subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                                         capture_output=True, text=True).stdout.strip()
    utc = lambda t=None: time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(t))  # noqa: E731
    meta = {"what": "one fanoutd job (out-of-the-box settings) on all routers; lists in request order",
            "command": shlex.join(["bench/durations.py", *sys.argv[1:]]), "finished": utc(),
            "build": build, "fanoutd_mtime": utc(os.path.getmtime(args.fanoutd)),
            "nproc": os.cpu_count(), "load_avg_1min_after": round(m.load1, 2),
            "routers": m.routers, "latency_ms": m.latency_ms, "wall_s": round(m.wall_s, 3),
            "fanoutd_cpu_s": round(m.cpu_s, 2), "fleetsim_cpu_s": round(m.fleet_cpu_s, 2),
            "peak_rss_mb": round(m.peak_rss_mb, 1), "ok": m.ok, "failures": m.failures}
    rows = {"execution_duration_s": [round(r["execution_duration"], 4) for r in results],
            "start_offset_s": [round((s - first).total_seconds(), 3) for s in starts]}
    text = json.dumps(meta, indent=1)[:-2]
    for key, values in rows.items():  # ten numbers a line: small, diffable
        lines = (", ".join(map(str, values[i:i + 10])) for i in range(0, len(values), 10))
        text += f',\n "{key}": [\n  ' + ",\n  ".join(lines) + "\n ]"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text + "\n}\n")
    d = sorted(rows["execution_duration_s"]) or [float("nan")]
    print(f"wall {m.wall_s:.2f} s, ok {m.ok}/{m.routers}, per router median {d[len(d) // 2]:.3f} "
          f"p90 {d[int(len(d) * 0.9)]:.3f} max {d[-1]:.3f} s -> {args.out}", file=sys.stderr)
    return 0 if m.all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
