#!/usr/bin/python3
"""bench/metrics_cost.py: the CPU cost of --metrics-listen on the N=1000 job (issue 14).

Contract: starts one fleetsim (N routers, latency L, key auth), then for --rounds rounds runs
the same job on a fresh fanoutd once per mode (--modes). Modes: off (no --metrics-listen:
nothing is recorded), on (--metrics-listen on a loopback port, scraped every second by a thread
during the whole run, as a Prometheus with scrape_interval 1s would) and unscraped (recorded,
never scraped). Each round runs the modes in the next of all their orders, so --rounds a
multiple of 2 (two modes) or 6 (three) gives each mode each place, and each predecessor,
equally often. Measures fanoutd's utime+stime (/proc/PID/stat) from submit to reply (and,
with --perf, `perf stat` counts); prints each run, each mode's median, and the paired per-round
difference against off with its 95 % interval: a single pair is noise (1000 threads on 2
cores), the interval over many rounds is the figure. Each "on" run ends with 300 back-to-back
scrapes of the idle daemon: the CPU of one scrape, which load hardly blurs. Exit 0 when every
run answered on every router, 1 otherwise. Needs a build (BUILD_DIR, default build).
"""

import argparse
import itertools
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


def perf_counters(pid):
    """Starts `perf stat` on pid (instructions and context switches of every thread), or None."""
    try:
        return subprocess.Popen(["perf", "stat", "-x", ",", "-e",
                                 "instructions,context-switches,task-clock", "-p", str(pid)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except OSError:
        return None


def perf_read(perf):
    """Stops perf stat; returns {event: value} (empty when perf was not there or failed)."""
    if perf is None:
        return {}
    perf.send_signal(2)
    _, err = perf.communicate(timeout=10)
    figures = {}
    for line in err.splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[0].replace(".", "").isdigit():
            figures[fields[2]] = float(fields[0])
    return figures


def run_once(fanoutd_bin, fleet, work_dir, run_id, mode, use_perf):
    run_dir = os.path.join(work_dir, f"fanoutd-{run_id}")
    os.makedirs(run_dir, exist_ok=True)
    jobs_ep = f"ipc://{run_dir}/jobs.sock"
    cmd = [fanoutd_bin, "--inventory", fleet.inventory, "--known-hosts", fleet.known_hosts,
           "--jobs", jobs_ep, "--results", f"ipc://{run_dir}/results.sock", "--log-level", "warn"]
    port = free_port()
    metrics_on = mode != "off"
    if metrics_on:
        cmd += ["--metrics-listen", f"127.0.0.1:{port}"]
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    with open(os.path.join(run_dir, "fanoutd.log"), "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    scraper = Scraper(port) if mode == "on" else None
    try:
        sock.connect(jobs_ep)
        if bench_runs._rpc(sock, {"type": "ping"}, 15).get("type") != "pong":
            raise RuntimeError("no pong")
        if scraper:
            scraper.start()
        submit = {"type": "submit", "job_id": f"cost-{run_id}", "command": "show version",
                  "routers": fleet.names(), "timeout": fleet.latency_ms / 1000 + 30, "wait": True}
        perf = perf_counters(proc.pid) if use_perf else None
        cpu0, t0 = bench_runs.proc_cpu_s(proc.pid), time.monotonic()
        reply = bench_runs._rpc(sock, submit, 600)
        wall, cpu = time.monotonic() - t0, bench_runs.proc_cpu_s(proc.pid) - cpu0
        counted_events = perf_read(perf)
        ok, failures = bench_runs._check_job_result(reply, fleet.names())
        scrape_ms = None
        if scraper:  # then the cost of one scrape, alone: 300 scrapes of the idle daemon
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
    return {"mode": mode, "perf": counted_events, "cpu_s": cpu, "wall_s": wall, "ok": ok, "failures": failures,
            "scrapes": scrapes, "counted": counted, "scrape_ms": scrape_ms,
            "load1": os.getloadavg()[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routers", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default="off,on",
                        help="comma-separated, every order in turn, one order a round: off (no "
                             "--metrics-listen), on (recorded and scraped every second), "
                             "unscraped (recorded, never scraped)")
    parser.add_argument("--perf", action="store_true",
                        help="also count fanoutd's instructions and context switches with "
                             "`perf stat` (less noisy than CPU time)")
    parser.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", "build"))
    args = parser.parse_args()
    repo = os.path.dirname(HERE)
    build = os.path.join(repo, args.build_dir)
    fanoutd_bin = os.path.join(build, "daemon", "fanoutd")
    fleetsim_bin = os.path.join(build, "tools", "fleetsim", "fleetsim")
    bench_runs.raise_fd_limit()
    modes = args.modes.split(",")
    orders = list(itertools.permutations(modes))
    runs = []
    with tempfile.TemporaryDirectory(prefix="fanout-metrics-cost-") as work:
        fleet = bench_runs.Fleet(fleetsim_bin, args.routers, args.latency_ms, 0, work)
        try:
            for r in range(args.rounds):
                # Every order of the modes in turn (6 for three): each mode takes each place, and
                # follows each other mode, equally often, so drift and whatever a run leaves to
                # the next (fleetsim's connection churn) fall on every mode alike.
                for mode in orders[r % len(orders)]:
                    run = run_once(fanoutd_bin, fleet, work, f"{r}-{mode}", mode, args.perf)
                    runs.append(run)
                    perf = run["perf"]
                    print(f"round {r + 1} {mode:>8}: cpu {run['cpu_s']:.2f} s, "
                          f"wall {run['wall_s']:.2f} s, ok {run['ok']}/{args.routers}, "
                          f"scrapes {run['scrapes']}, results counted {run['counted']}, "
                          f"CPU per idle scrape {run['scrape_ms'] or 0:.2f} ms, "
                          + (f"instructions {perf.get('instructions', 0) / 1e9:.3f} G, "
                             f"context switches {perf.get('context-switches', 0):.0f}, "
                             if perf else "")
                          + f"load1 {run['load1']:.1f}", flush=True)
        finally:
            fleet.stop()

    def median_of(mode, key):
        values = [key(r) for r in runs if r["mode"] == mode]
        return statistics.median(values) if values else None

    base = median_of("off", lambda r: r["cpu_s"])
    for mode in modes:
        cpu = median_of(mode, lambda r: r["cpu_s"])
        line = f"median CPU {mode}: {cpu:.3f} s"
        if base and mode != "off":
            line += f": {100 * (cpu - base) / base:+.1f} % against off (target < 3 %)"
        if args.perf:
            line += f"; instructions {median_of(mode, lambda r: r['perf'].get('instructions', 0)) / 1e9:.3f} G"
        print(line)
    for mode in (m for m in modes if m != "off" and base):
        # Paired by round (the same fleet state, minutes apart at most): the mean of the
        # per-round differences, with a 95 % interval (mean +- 1.96 standard errors).
        diffs = [100 * (mine["cpu_s"] - other["cpu_s"]) / other["cpu_s"]
                 for mine, other in zip((r for r in runs if r["mode"] == mode),
                                        (r for r in runs if r["mode"] == "off"))]
        if len(diffs) > 1:
            mean, half = statistics.mean(diffs), 1.96 * statistics.stdev(diffs) / len(diffs) ** 0.5
            print(f"paired {mode} - off over {len(diffs)} rounds: mean {mean:+.1f} %, 95 % interval "
                  f"[{mean - half:+.1f} %, {mean + half:+.1f} %]; {sum(d > 0 for d in diffs)} of "
                  f"{len(diffs)} rounds cost more")
    scraped = [r["scrape_ms"] for r in runs if r["scrape_ms"] is not None]
    if scraped and base:
        wall = statistics.median(r["wall_s"] for r in runs)
        per_scrape = statistics.median(scraped)
        print(f"median CPU of one scrape: {per_scrape:.2f} ms; at 1 scrape/s over the "
              f"{wall:.1f} s job: {100 * per_scrape / 1000 * wall / base:.2f} % of the job's CPU")
    return 0 if all(r["ok"] == args.routers and not r["failures"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
