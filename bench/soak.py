#!/usr/bin/python3
"""fanout soak test: mixed jobs against a fleet with 1% faulty routers, for a long time.

Contract: starts fleetsim (--routers N, every 100th router faulty, cycling through fault
kinds) and one fanoutd with default settings plus the given extra flags, then keeps up to
--in-flight jobs of random size (1..N routers, 1..3 commands) running for --duration seconds.
A subscriber on every topic checks, for the whole run:
  - every router_result's `seq` is new and the seqs have no gap (nothing lost on PUB),
  - every job's aggregate arrives once, with exactly routers x commands results, each
    (router, command) once, matching the router_results published for it, and counts that add up,
  - a healthy router never fails (counted; faulty routers are expected to fail).
fanoutd's VmRSS is sampled every --sample-seconds; the trend is the least-squares slope over
the second half of the samples: the first half covers warm-up, including retention
(--keep-jobs) filling up. Prints a report (Markdown with
--markdown). Exit 0 when nothing was lost or duplicated, every job ended and RSS shows no growth trend (the
fitted growth over the second half stays under 10% of the median RSS, or 20 MB); 1 otherwise.
"""

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter

try:
    import msgpack  # noqa: F401
    import zmq
except ImportError:
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    sys.exit("soak.py needs python3-zmq and python3-msgpack")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "python"))
import fanout_harness as fh  # noqa: E402

FAULT_KINDS = ["refuse", "auth_fail", "hang_banner", "drop_mid_output", "slow_trickle",
               "never_close", "wrong_host_key", "huge_output", "hang_auth", "stderr_output"]
COMMANDS = ["show version", "show interfaces terse", "show system uptime",
            "show version | no-more"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=1800, help="seconds of load (default 1800)")
    p.add_argument("--routers", type=int, default=1000, help="fleet size (default 1000)")
    p.add_argument("--in-flight", type=int, default=4, help="jobs running at once (default 4)")
    p.add_argument("--sample-seconds", type=float, default=60, help="RSS sample period (default 60)")
    p.add_argument("--latency-ms", type=int, default=20, help="fleetsim latency (default 20)")
    p.add_argument("--jitter-ms", type=int, default=300, help="fleetsim jitter (default 300)")
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--markdown", action="store_true")
    p.add_argument("daemon_args", nargs="*", help="extra fanoutd flags (after --)")
    return p.parse_args()


def vm_rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def slope_mb_per_hour(samples):
    """Least-squares slope of (seconds, MB) samples, in MB per hour."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mx = sum(t for t, _ in samples) / n
    my = sum(m for _, m in samples) / n
    sxx = sum((t - mx) ** 2 for t, _ in samples)
    sxy = sum((t - mx) * (m - my) for t, m in samples)
    return sxy / sxx * 3600 if sxx else 0.0


class Ledger:
    """What the subscriber saw, checked as it arrives (the subscriber thread is the only writer)."""

    def __init__(self, faulty):
        self.faulty = faulty
        self.lock = threading.Lock()
        self.seqs = set()
        self.duplicate_seqs = 0
        self.router_results = {}  # job_id -> Counter((router, command_index))
        self.aggregates = {}  # job_id -> count of aggregates seen
        self.bad_aggregates = []
        self.healthy_failures = Counter()
        self.ended = threading.Condition(self.lock)

    def on_router_result(self, r):
        with self.lock:
            if r["seq"] in self.seqs:
                self.duplicate_seqs += 1
            self.seqs.add(r["seq"])
            self.router_results.setdefault(r["job_id"], Counter())[
                (r["router_name"], r["command_index"])] += 1
            if r["status"] == "failed" and r["router_name"] not in self.faulty:
                self.healthy_failures[r["error"]["kind"] if r.get("error") else "?"] += 1

    def on_job_result(self, j):
        with self.lock:
            job_id = j["job_id"]
            self.aggregates[job_id] = self.aggregates.get(job_id, 0) + 1
            s = j["summary"]
            keys = Counter((r["router_name"], r["command_index"]) for r in j["results"])
            problems = []
            if len(j["results"]) != s["total"] or s["total"] != s["total_routers"] * len(
                    s.get("commands") or [s.get("command")]):
                problems.append("result count")
            if s["successful"] + s["failed"] + s["cancelled"] != s["total"]:
                problems.append("summary counts")
            if any(c != 1 for c in keys.values()):
                problems.append("duplicate router result in aggregate")
            if keys != self.router_results.get(job_id, Counter()):
                problems.append("aggregate differs from the published router_results")
            if problems:
                self.bad_aggregates.append((job_id, problems))
            self.ended.notify_all()


def subscribe(context, endpoint, ledger, stop):
    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.RCVHWM, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(endpoint)
    while not stop.is_set():
        if not sub.poll(200):
            continue
        topic, body = sub.recv_multipart()
        message = fh.unpack(body)
        if topic.startswith(b"result."):
            ledger.on_router_result(message)
        elif topic.startswith(b"job."):
            ledger.on_job_result(message)
    sub.close()


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="fanout-soak-")
    faults = {f"r{i}": FAULT_KINDS[(i // 100 - 1) % len(FAULT_KINDS)]
              for i in range(100, args.routers + 1, 100)}
    fleet = fh.Fleet(os.path.join(args.build_dir, "tools/fleetsim/fleetsim"), work, args.routers,
                     faults, extra_args=["--latency-ms", str(args.latency_ms), "--jitter-ms",
                                         str(args.jitter_ms), "--huge-bytes", str(4 << 20)])
    daemon = fh.Daemon(os.path.join(args.build_dir, "daemon/fanoutd"), fleet, work,
                       ["--connect-timeout", "3", *args.daemon_args])
    context = zmq.Context()
    stop = threading.Event()
    ledger = Ledger(set(faults))
    try:
        daemon.wait_ready()
        listener = threading.Thread(target=subscribe,
                                    args=(context, daemon.results, ledger, stop))
        listener.start()
        client = fh.Client(daemon)
        dealer = client.dealer()
        client.subscriber(dealer)  # the SUB above joined long before: this only waits for PUB
        submitted, samples, started = [], [], time.monotonic()
        next_sample = started
        while time.monotonic() - started < args.duration:
            now = time.monotonic()
            if now >= next_sample:
                samples.append((now - started, vm_rss_mb(daemon.process.pid)))
                next_sample += args.sample_seconds
            with ledger.lock:
                running = [j for j in submitted if j not in ledger.aggregates]
                if len(running) >= args.in_flight:
                    ledger.ended.wait(timeout=1)
                    continue
            size = rng.choice([1, 5, 50, 200, args.routers])
            routers = [f"r{i}" for i in rng.sample(range(1, args.routers + 1), size)]
            commands = rng.sample(COMMANDS, rng.choice([1, 1, 2, 3]))
            job_id = f"soak-{len(submitted) + 1}"
            reply, _ = client.request(dealer, {"type": "submit", "job_id": job_id,
                                               "commands": commands, "routers": routers,
                                               "timeout": 5.0})
            assert reply["type"] == "accepted", reply
            submitted.append(job_id)
        deadline = time.monotonic() + 120
        with ledger.lock:
            while any(j not in ledger.aggregates for j in submitted) and time.monotonic() < deadline:
                ledger.ended.wait(timeout=1)
        samples.append((time.monotonic() - started, vm_rss_mb(daemon.process.pid)))
        stop.set()
        listener.join()
        client.close()
        return report(args, ledger, submitted, samples)
    finally:
        stop.set()
        daemon.stop()
        fleet.stop()
        context.term()


def report(args, ledger, submitted, samples):
    seqs = sorted(ledger.seqs)
    gaps = (seqs[-1] - seqs[0] + 1 - len(seqs)) if seqs else 0
    missing_jobs = [j for j in submitted if j not in ledger.aggregates]
    repeated_jobs = [j for j, n in ledger.aggregates.items() if n > 1]
    results = sum(sum(c.values()) for j, c in ledger.router_results.items()
                  if not j.startswith("warm-"))
    trend = slope_mb_per_hour(samples[len(samples) // 2:])
    rss = [m for _, m in samples]
    # No growth trend: over the second half, the fitted growth stays under 10% of the median
    # RSS (or 20 MB, for a small daemon), i.e. noise rather than a leak.
    second_half_hours = (samples[-1][0] - samples[len(samples) // 2][0]) / 3600 if samples else 0
    growth = trend * second_half_hours
    flat = growth < max(20.0, 0.1 * sorted(rss)[len(rss) // 2])
    ok = flat and not (gaps or ledger.duplicate_seqs or missing_jobs or repeated_jobs
                       or ledger.bad_aggregates)
    rows = [
        ("duration", f"{args.duration:.0f} s, {args.routers} routers, {len(ledger.faulty)} faulty"),
        ("jobs submitted / aggregates received", f"{len(submitted)} / "
         f"{len(submitted) - len(missing_jobs)}"),
        ("router results received", f"{results}"),
        ("seq gaps (lost on PUB) / duplicate seqs", f"{gaps} / {ledger.duplicate_seqs}"),
        ("bad or repeated aggregates", f"{len(ledger.bad_aggregates)} / {len(repeated_jobs)}"),
        ("healthy routers that failed", ", ".join(f"{k}: {v}" for k, v in
                                                  ledger.healthy_failures.items()) or "0"),
        ("RSS samples (MB)", " ".join(f"{m:.1f}" for m in rss)),
        ("RSS min / max", f"{min(rss):.1f} / {max(rss):.1f} MB"),
        ("RSS trend after warm-up", f"{trend:+.2f} MB/hour ({growth:+.1f} MB over the second "
                                    f"half: {'flat' if flat else 'GROWING'})"),
        ("verdict", "PASS" if ok else "FAIL"),
    ]
    if args.markdown:
        print("| measure | value |\n|---|---|")
        for k, v in rows:
            print(f"| {k} | {v} |")
    else:
        for k, v in rows:
            print(f"{k:42} {v}")
    for job_id, problems in ledger.bad_aggregates[:10]:
        print(f"bad aggregate {job_id}: {', '.join(problems)}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
