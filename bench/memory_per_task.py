#!/usr/bin/python3
"""Memory per queued router task and per in-flight router, measured on a live fanoutd.

Contract: starts one fleetsim whose routers answer after --latency-ms (long, so work stays
queued or in flight while we look), then two fanoutd runs with default settings otherwise:
  queued:    --workers 1; a job on --queued routers; RSS delta / routers once ping shows the
             job accepted and 1 worker busy (the rest wait in the scheduler);
  in flight: --workers W; a job on W routers; RSS delta / W once ping shows W workers busy
             (each holds an authenticated SSH session and an open channel).
Prints both figures in bytes. Exit 0 on success, 1 when a run does not reach its state.
"""

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "python"))
try:
    import fanout_harness as fh
except ImportError:
    if sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))


def measure(fleet, work, label, workers, routers, busy_target):
    run_dir = os.path.join(work, label)
    os.makedirs(run_dir)
    daemon = fh.Daemon(os.path.join(REPO, "build/daemon/fanoutd"), fleet, run_dir,
                       ["--workers", str(workers), "--session-idle", "0"])
    client = fh.Client(daemon)
    try:
        daemon.wait_ready()
        dealer = client.dealer()
        before = rss_kb(daemon.process.pid)
        names = [f"r{i}" for i in range(1, routers + 1)]
        reply, _ = client.request(dealer, {"type": "submit", "job_id": label, "command":
                                           "show version", "routers": names, "timeout": 300.0})
        assert reply["type"] == "accepted", reply
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            pong, _ = client.request(dealer, {"type": "ping"})
            if pong["busy_workers"] >= busy_target:
                break
        else:
            raise AssertionError(f"{label}: only {pong['busy_workers']} workers busy")
        # Busy counts a worker from the moment it takes a task, before its handshake: sample
        # until RSS stops growing (the fleet holds every answer for 60 s).
        during, settle = rss_kb(daemon.process.pid), time.monotonic() + 30
        while time.monotonic() < settle:
            time.sleep(0.5)
            now = rss_kb(daemon.process.pid)
            if now <= during * 1.005:
                break
            during = now
        client.request(dealer, {"type": "cancel", "job_id": label})
        return (during - before) * 1024 / routers, before, during
    finally:
        client.close()
        daemon.stop()


def main():
    queued, in_flight = 10000, 512
    work = tempfile.mkdtemp(prefix="fanout-mem-")
    fleet = fh.Fleet(os.path.join(REPO, "build/tools/fleetsim/fleetsim"), work, queued, {},
                     extra_args=["--latency-ms", "60000"])
    try:
        per_queued, b1, d1 = measure(fleet, work, "queued", 1, queued, 1)
        per_flight, b2, d2 = measure(fleet, work, "inflight", in_flight, in_flight, in_flight)
    finally:
        fleet.stop()
    print(f"queued router task: {per_queued:.0f} bytes ({queued} tasks: RSS {b1} -> {d1} kB)")
    print(f"in-flight router:   {per_flight:.0f} bytes ({in_flight} routers: RSS {b2} -> {d2} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
