#!/usr/bin/python3
"""bench/metrics_cost.py: the CPU cost of --metrics-listen on the N=1000 job (issue 14).

Contract: starts one fleetsim (N routers, latency L, key auth), then for --rounds rounds runs
the same job on a fresh fanoutd twice, interleaved: metrics off (no --metrics-listen: nothing
is recorded) and metrics on (--metrics-listen on a loopback port, scraped every second by a
thread during the whole run, as a Prometheus with scrape_interval 1s would). Measures fanoutd's
utime+stime (/proc/PID/stat) from submit to reply, plus the scrapes in that interval; prints
each run and the medians, and the on/off ratio against the 3 % target; then, with metrics on,
300 back-to-back scrapes of the idle daemon give the CPU of one scrape (a figure that load on
the machine hardly blurs, unlike the on/off difference). Exit 0 when every run
answered on every router, 1 otherwise. Needs a build (BUILD_DIR, default build).
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_runs  # noqa: E402
import zmq  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Scraper(threading.Thread):
    """GETs /metrics every interval_s until stopped; counts the scrapes that answered 200."""

    def __init__(self, port, interval_s=1.0):
        super().__init__(daemon=True)
        self.url, self.interval_s = f"http://127.0.0.1:{port}/metrics", interval_s
        self.stopped, self.ok, self.last = threading.Event(), 0, ""

    def run(self):
        while not self.stopped.wait(self.interval_s):
            try:
                with urllib.request.urlopen(self.url, timeout=5) as answer:
                    self.last = answer.read().decode()
                    self.ok += 1
            except OSError:
                pass


def run_once(fanoutd_bin, fleet, work_dir, run_id, metrics_on):
    run_dir = os.path.join(work_dir, f"fanoutd-{run_id}")
    os.makedirs(run_dir, exist_ok=True)
    jobs_ep = f"ipc://{run_dir}/jobs.sock"
    cmd = [fanoutd_bin, "--inventory", fleet.inventory, "--known-hosts", fleet.known_hosts,
           "--jobs", jobs_ep, "--results", f"ipc://{run_dir}/results.sock", "--log-level", "warn"]
    port = free_port()
    if metrics_on:
        cmd += ["--metrics-listen", f"127.0.0.1:{port}"]
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    with open(os.path.join(run_dir, "fanoutd.log"), "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    scraper = Scraper(port) if metrics_on else None
    try:
        sock.connect(jobs_ep)
        if bench_runs._rpc(sock, {"type": "ping"}, 15).get("type") != "pong":
            raise RuntimeError("no pong")
        if scraper:
            scraper.start()
        submit = {"type": "submit", "job_id": f"cost-{run_id}", "command": "show version",
                  "routers": fleet.names(), "timeout": fleet.latency_ms / 1000 + 30, "wait": True}
        cpu0, t0 = bench_runs.proc_cpu_s(proc.pid), time.monotonic()
        reply = bench_runs._rpc(sock, submit, 600)
        wall, cpu = time.monotonic() - t0, bench_runs.proc_cpu_s(proc.pid) - cpu0
        ok, failures = bench_runs._check_job_result(reply, fleet.names())
        scrape_ms = None
        if metrics_on:  # then the cost of one scrape, alone: 300 scrapes of the idle daemon
            scraper.stopped.set()
            scraper.join(10)
            url = f"http://127.0.0.1:{port}/metrics"
            cpu0 = bench_runs.proc_cpu_s(proc.pid)
            for _ in range(300):
                with urllib.request.urlopen(url, timeout=5) as answer:
                    answer.read()
            scrape_ms = (bench_runs.proc_cpu_s(proc.pid) - cpu0) / 300 * 1000
    finally:
        if scraper:
            scraper.stopped.set()
            scraper.join(10)
        sock.close()
        ctx.term()
        bench_runs.stop_process(proc, grace_s=15)
    scrapes = scraper.ok if scraper else 0
    counted = None
    if scraper and scraper.last:
        counted = sum(float(line.rsplit(" ", 1)[1]) for line in scraper.last.splitlines()
                      if line.startswith("fanout_router_results_total{"))
    return {"on": metrics_on, "cpu_s": cpu, "wall_s": wall, "ok": ok, "failures": failures,
            "scrapes": scrapes, "counted": counted, "scrape_ms": scrape_ms,
            "load1": os.getloadavg()[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routers", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", "build"))
    args = parser.parse_args()
    repo = os.path.dirname(HERE)
    build = os.path.join(repo, args.build_dir)
    fanoutd_bin = os.path.join(build, "daemon", "fanoutd")
    fleetsim_bin = os.path.join(build, "tools", "fleetsim", "fleetsim")
    bench_runs.raise_fd_limit()
    runs = []
    with tempfile.TemporaryDirectory(prefix="fanout-metrics-cost-") as work:
        fleet = bench_runs.Fleet(fleetsim_bin, args.routers, args.latency_ms, 0, work)
        try:
            for r in range(args.rounds):
                for on in (False, True) if r % 2 == 0 else (True, False):
                    run = run_once(fanoutd_bin, fleet, work, f"{r}-{int(on)}", on)
                    runs.append(run)
                    print(f"round {r + 1} metrics {'on ' if on else 'off'}: cpu {run['cpu_s']:.2f} s, "
                          f"wall {run['wall_s']:.2f} s, ok {run['ok']}/{args.routers}, "
                          f"scrapes {run['scrapes']}, results counted {run['counted']}, "
                          f"CPU per idle scrape {run['scrape_ms'] or 0:.2f} ms, "
                          f"load1 {run['load1']:.1f}", flush=True)
        finally:
            fleet.stop()
    off = statistics.median(r["cpu_s"] for r in runs if not r["on"])
    on = statistics.median(r["cpu_s"] for r in runs if r["on"])
    print(f"median CPU: off {off:.3f} s, on {on:.3f} s: {100 * (on - off) / off:+.1f} % "
          f"(target < 3 %)")
    per_scrape = statistics.median(r["scrape_ms"] for r in runs if r["on"])
    print(f"median CPU of one scrape: {per_scrape:.2f} ms; at 1 scrape/s over the "
          f"{statistics.median(r['wall_s'] for r in runs):.1f} s job: "
          f"{100 * per_scrape / 1000 * statistics.median(r['wall_s'] for r in runs) / off:.2f} %"
          " of the job's CPU")
    return 0 if all(r["ok"] == args.routers and not r["failures"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
