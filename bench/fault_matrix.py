#!/usr/bin/python3
"""The fault matrix: one job over every fleetsim fault plus healthy routers, timed per case.

Contract: starts fleetsim (one router per fault case, then --healthy healthy routers) and a fresh
fanoutd with --connect-timeout/--command-timeout, subscribes to its PUB socket, submits one job on
every router and times each router's result as it arrives. Prints one row per case: expected and
actual status/error.kind, the case's deadline, the daemon's execution_duration (router start ->
result), how far past the deadline that is, the dispatch delay (submit -> router start) and the
publish delay (result -> arrival at the subscriber); then fanoutd's peak RSS. With --load N, N
busy-loop processes compete for the CPU during the job. Every process it starts is stopped on the
way out. Exit code 0 when every case has its expected outcome within deadline + --slack and every
healthy router succeeded; 1 otherwise; 2 on a usage error.
"""

import argparse
import datetime
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time

try:
    import msgpack
    import zmq
except ImportError:
    # Debian's python3-zmq/python3-msgpack live in the system interpreter, not in a venv's.
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    sys.exit("fault_matrix.py needs python3-zmq and python3-msgpack")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# fault, expected status, expected error.kind, phase whose timeout is the deadline,
# True when the case must also run at least until that deadline (it ends by timing out).
CASES = [
    ("refuse", "failed", "connect", "connect", False),
    ("blackhole", "failed", "timeout", "connect", True),
    ("hang_banner", "failed", "timeout", "connect", True),
    ("auth_fail", "failed", "auth", "connect", False),
    ("wrong_host_key", "failed", "host_key", "connect", False),
    ("hang_after_auth", "failed", "timeout", "command", True),
    ("hang_auth", "failed", "timeout", "command", True),
    ("drop_mid_output", "failed", "channel", "command", False),
    ("huge_output", "success", None, "command", False),
    ("slow_trickle", "failed", "timeout", "command", True),
    ("never_close", "failed", "timeout", "command", True),
]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    p.add_argument("--connect-timeout", type=float, default=2.0)
    p.add_argument("--command-timeout", type=float, default=2.0)
    p.add_argument("--healthy", type=int, default=8, help="healthy routers in the same job (default 8)")
    p.add_argument("--huge-bytes", type=int, default=100 * 1024 * 1024,
                   help="output of the huge_output router (default 100 MiB)")
    p.add_argument("--max-output-bytes", type=int, default=8 * 1024 * 1024,
                   help="fanoutd --max-output-bytes (default 8 MiB, fanoutd's default)")
    p.add_argument("--load", type=int, default=0, help="busy-loop processes running during the job")
    p.add_argument("--repeat", type=int, default=1, help="jobs to run, one fresh fanoutd each")
    p.add_argument("--slack", type=float, default=1.0, help="allowed seconds past a deadline (default 1)")
    p.add_argument("--daemon-arg", action="append", default=[],
                   help="extra fanoutd argument (repeatable), e.g. --daemon-arg=--connect-retries=0")
    return p.parse_args()


def read_line(proc, timeout_s):
    deadline = time.monotonic() + timeout_s
    buf = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(proc.stdout.fileno(), 1)
        if not chunk:
            break
        if chunk == b"\n":
            return buf.decode(errors="replace")
        buf += chunk
    return None


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def wall_of(iso):
    return datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.done = pid, 0, threading.Event()

    def run(self):
        while not self.done.wait(0.02):
            try:
                self.peak_kb = max(self.peak_kb, status_kb(self.pid, "VmRSS"))
            except FileNotFoundError:
                return


def run_job(args, work, fleetsim_dir, names, run):
    jobs_ep, results_ep = f"ipc://{work}/jobs-{run}.sock", f"ipc://{work}/results-{run}.sock"
    cmd = [os.path.join(args.build_dir, "daemon", "fanoutd"),
           "--inventory", f"{fleetsim_dir}/devices.json", "--known-hosts", f"{fleetsim_dir}/known_hosts",
           "--jobs", jobs_ep, "--results", results_ep, "--workers", str(len(names)),
           "--connect-timeout", str(args.connect_timeout), "--command-timeout", str(args.command_timeout),
           "--max-output-bytes", str(args.max_output_bytes), *args.daemon_arg]
    log = open(os.path.join(work, f"fanoutd-{run}.log"), "wb")
    daemon = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    ctx = zmq.Context()
    jobs, sub = ctx.socket(zmq.DEALER), ctx.socket(zmq.SUB)
    for s in (jobs, sub):
        s.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.RCVHWM, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    try:
        jobs.connect(jobs_ep)
        sub.connect(results_ep)
        # Tiny jobs until one's aggregate reaches the SUB socket: from then on nothing is missed.
        for attempt in range(200):
            jobs.send(msgpack.packb({"type": "submit", "job_id": f"sync-{attempt}", "command": "show version",
                                     "routers": [names[-1]], "wait": True}))
            if not jobs.poll(30000):
                raise RuntimeError("fanoutd did not answer")
            jobs.recv()
            if sub.poll(200):
                while sub.poll(0):
                    sub.recv_multipart()
                break
        else:
            raise RuntimeError("the SUB socket never received a sync job's aggregate")
        rss_before = status_kb(daemon.pid, "VmRSS")
        sampler = RssSampler(daemon.pid)
        sampler.start()
        job_id = f"matrix-{run}"
        t_submit_wall, t_submit = time.time(), time.monotonic()
        jobs.send(msgpack.packb({"type": "submit", "job_id": job_id, "command": "show version",
                                 "routers": names}))
        # Bodies are decoded after the job: decoding an 8 MiB output here would delay the
        # timestamps of the messages behind it.
        received = []
        bound = t_submit + args.connect_timeout + args.command_timeout + 60
        while time.monotonic() < bound:
            if not sub.poll(int(max(1, (bound - time.monotonic()) * 1000))):
                break
            topic, body = sub.recv_multipart(copy=False)
            now_wall, now = time.time(), time.monotonic()
            topic = topic.bytes.decode()
            if topic == f"job.{job_id}\n":  # topics end with a line feed (PROTOCOL.md)
                break
            if topic.startswith(f"result.{job_id}."):
                received.append((body, now - t_submit, now_wall))
        arrivals = {}
        for body, since_submit, now_wall in received:
            msg = msgpack.unpackb(body.buffer, raw=False)
            arrivals[msg["router_name"]] = (msg, since_submit, now_wall)
        sampler.done.set()
        sampler.join()
        return arrivals, t_submit_wall, rss_before, sampler.peak_kb, status_kb(daemon.pid, "VmHWM")
    finally:
        jobs.close()
        sub.close()
        ctx.term()
        stop(daemon)
        log.close()


def main():
    args = parse_args()
    fleetsim = os.path.join(args.build_dir, "tools", "fleetsim", "fleetsim")
    names = [f"r{i}" for i in range(1, len(CASES) + args.healthy + 1)]
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)]
    ok = True
    with tempfile.TemporaryDirectory(prefix="fault-matrix-") as work:
        fleet_args = [fleetsim, "--routers", str(len(names)), "--out-dir", work,
                      "--huge-bytes", str(args.huge_bytes)]
        for i, case in enumerate(CASES):
            fleet_args += ["--fault", f"r{i + 1}={case[0]}"]
        fleet = subprocess.Popen(fleet_args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            if read_line(fleet, 60) != f"ready {len(names)} routers":
                raise RuntimeError("fleetsim did not get ready")
            print(f"connect timeout {args.connect_timeout} s, command timeout {args.command_timeout} s, "
                  f"{args.healthy} healthy routers, load {args.load} busy processes, "
                  f"max output {args.max_output_bytes} B, huge_output {args.huge_bytes} B; "
                  "times in seconds")
            for run in range(args.repeat):
                arrivals, t_submit_wall, rss0, rss_peak, hwm = run_job(args, work, work, names, run)
                ok = report(args, names, arrivals, t_submit_wall, rss0, rss_peak, hwm, run) and ok
        finally:
            stop(fleet)
            for b in burners:
                stop(b)
    return 0 if ok else 1


def report(args, names, arrivals, t_submit_wall, rss0, rss_peak, hwm, run):
    ok = True
    print(f"\nrun {run + 1}")
    print(f"{'case':16} {'expected':17} {'got':17} {'deadline':>8} {'duration':>8} {'over':>7} "
          f"{'dispatch':>8} {'publish':>7} {'submit->result':>14}")
    for i, (fault, status, kind, phase, times_out) in enumerate(CASES):
        deadline = args.connect_timeout if phase == "connect" else args.command_timeout
        expected = f"{status}/{kind or '-'}"
        entry = arrivals.get(f"r{i + 1}")
        if entry is None:
            print(f"{fault:16} {expected:17} {'NO RESULT':17}")
            ok = False
            continue
        msg, since_submit, arrived_wall = entry
        got = f"{msg['status']}/{(msg['error'] or {}).get('kind', '-')}"
        if fault == "huge_output" and msg.get("truncated"):
            got += " truncated"
            expected += " truncated"
        duration = msg["execution_duration"]
        dispatch = wall_of(msg["start_time"]) - t_submit_wall
        publish = arrived_wall - wall_of(msg["end_time"])
        over = duration - deadline
        good = got == expected and duration <= deadline + args.slack and (
            not times_out or duration >= deadline - 0.05)
        ok = ok and good
        print(f"{fault:16} {expected:17} {got:17} {deadline:8.3f} {duration:8.3f} {over:+7.3f} "
              f"{dispatch:8.3f} {publish:7.3f} {since_submit:14.3f}{'' if good else '  <-- FAIL'}")
    healthy = [arrivals.get(n) for n in names[len(CASES):]]
    good_healthy = sum(1 for h in healthy if h and h[0]["status"] == "success")
    slowest = max((h[0]["execution_duration"] for h in healthy if h), default=0.0)
    print(f"healthy routers: {good_healthy}/{len(healthy)} succeeded, slowest {slowest:.3f} s")
    print(f"fanoutd RSS: {rss0 / 1024:.1f} MiB before the job, peak sampled {rss_peak / 1024:.1f} MiB, "
          f"VmHWM {hwm / 1024:.1f} MiB")
    return ok and good_healthy == len(healthy)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        print(f"fault_matrix.py: {e}", file=sys.stderr)
        sys.exit(1)
