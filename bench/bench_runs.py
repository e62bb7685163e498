"""Runs one measured N-router job through fanoutd or pdsh against a running fleetsim.

Contract: Fleet starts fleetsim (every router on key auth) and stops it; run_fanoutd and
run_pdsh each start their tool, run one job on all N routers, verify that every router
answered, stop the tool and return a Measurement. Every wait is bounded; every process
started here is stopped on the way out, also on errors. Traffic stays on 127.0.0.1.
"""

import copy
import dataclasses
import json
import math
import os
import resource
import select
import signal
import statistics
import subprocess
import threading
import time

import msgpack
import zmq

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclasses.dataclass
class Measurement:
    tool: str  # e.g. "fanoutd -w 64" or "pdsh -f 32"
    routers: int
    latency_ms: int
    wall_s: float
    cpu_s: float  # the tool's own CPU (user+system); for pdsh including its ssh children
    peak_rss_mb: float
    rss_after_mb: float | None  # fanoutd only: VmRSS after the job
    fleet_cpu_s: float  # fleetsim CPU over the same interval (it shares the machine)
    ok: int  # routers that answered successfully
    failures: dict  # error kind (or reason) -> count
    exit_code: int | None  # the tool's exit code (fanoutd: after SIGTERM)
    router_s: tuple | None = None  # fanoutd only: median and max execution_duration of one router
    load1: float = dataclasses.field(default_factory=lambda: os.getloadavg()[0])  # at the end of the run

    @property
    def all_ok(self):
        return self.ok == self.routers and not self.failures and self.exit_code == 0


def raise_fd_limit():
    """Raises the soft open-files limit to the hard one (N routers need N sockets)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def proc_cpu_s(pid):
    """utime+stime of a live process in seconds, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def stop_process(proc, grace_s=10.0, group=False):
    """SIGTERM (to the process group if group), then SIGKILL after grace_s. Returns the exit code."""
    if proc.poll() is None:
        send = (lambda s: os.killpg(proc.pid, s)) if group else proc.send_signal
        try:
            send(signal.SIGTERM)
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            send(signal.SIGKILL)
            proc.wait(timeout=grace_s)
        except ProcessLookupError:
            pass
    return proc.wait(timeout=grace_s)


def read_line_until(stream, deadline_s):
    """Reads one line from a pipe without blocking past the deadline; None on timeout or EOF."""
    buf = b""
    fd = stream.fileno()
    while time.monotonic() < deadline_s:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline_s - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 1)
        if not chunk:
            return None
        if chunk == b"\n":
            return buf.decode(errors="replace")
        buf += chunk
    return None


class Fleet:
    """fleetsim with N key-auth routers, plus an ssh_config for OpenSSH/pdsh."""

    def __init__(self, fleetsim_bin, routers, latency_ms, jitter_ms, work_dir, label=None,
                 extra_args=()):
        self.routers = routers
        self.latency_ms = latency_ms
        self.dir = os.path.join(work_dir, f"fleet-{label or routers}")
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(self.dir, "fleetsim.log")
        cmd = [fleetsim_bin, "--routers", str(routers), "--out-dir", self.dir,
               "--latency-ms", str(latency_ms), "--jitter-ms", str(jitter_ms),
               "--key-auth-every", "1", *extra_args]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log)
        line = read_line_until(self.proc.stdout, time.monotonic() + 60 + routers / 50)
        if line != f"ready {routers} routers":
            self.stop()
            raise RuntimeError(f"fleetsim did not get ready (got {line!r}); see {self.log_path}")
        self.inventory = os.path.join(self.dir, "devices.json")
        self.known_hosts = os.path.join(self.dir, "known_hosts")
        self.ssh_config = os.path.join(self.dir, "ssh_config")
        self._write_ssh_config()

    def _write_ssh_config(self):
        with open(self.inventory) as f:
            devices = json.load(f)
        key = os.path.join(self.dir, "client_ed25519")
        with open(self.ssh_config, "w") as f:
            for name, dev in devices.items():
                f.write(f"Host {name}\n  HostName {dev['ip']}\n  Port {dev['port']}\n"
                        f"  User {dev['username']}\n  IdentityFile {key}\n  IdentitiesOnly yes\n"
                        f"  UserKnownHostsFile {self.known_hosts}\n  GlobalKnownHostsFile /dev/null\n"
                        "  StrictHostKeyChecking yes\n  BatchMode yes\n  ConnectTimeout 10\n"
                        "  LogLevel ERROR\n\n")

    def subset(self, routers):
        """The same running fleet, seen as its first `routers` routers (for peers)."""
        view = copy.copy(self)
        view.routers = routers
        return view

    def names(self):
        return [f"r{i}" for i in range(1, self.routers + 1)]

    def cpu_s(self):
        return proc_cpu_s(self.proc.pid)

    def connections(self, timeout_s=10):
        """TCP connections fleetsim accepted since it started (it prints them on SIGUSR1)."""
        self.proc.send_signal(signal.SIGUSR1)
        line = read_line_until(self.proc.stdout, time.monotonic() + timeout_s)
        if not line or not line.startswith("connections "):
            raise RuntimeError(f"fleetsim did not report its connections (got {line!r})")
        return int(line.split()[1])

    def stop(self):
        stop_process(self.proc)


def _rpc(sock, request, timeout_s):
    sock.send(msgpack.packb(request, use_bin_type=True))
    if not sock.poll(int(timeout_s * 1000)):
        raise TimeoutError(f"no reply to {request['type']} within {timeout_s:.0f} s")
    return msgpack.unpackb(sock.recv(), raw=False)


def run_fanoutd(fanoutd_bin, fleet, workers, command, work_dir, run_id):
    """Starts a fresh fanoutd, submits one wait:true job on all routers, times send -> reply."""
    run_dir = os.path.join(work_dir, f"fanoutd-{run_id}")
    os.makedirs(run_dir, exist_ok=True)
    jobs_ep = f"ipc://{run_dir}/jobs.sock"
    cmd = [fanoutd_bin, "--inventory", fleet.inventory, "--known-hosts", fleet.known_hosts,
           "--jobs", jobs_ep, "--results", f"ipc://{run_dir}/results.sock",
           "--workers", str(workers), "--log-level", "info"]
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    with open(os.path.join(run_dir, "fanoutd.log"), "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    exit_code = None
    try:
        sock.connect(jobs_ep)
        pong = _rpc(sock, {"type": "ping"}, 15)
        if pong.get("type") != "pong" or pong.get("workers") != workers:
            raise RuntimeError(f"unexpected ping reply: {pong}")
        timeout_s = fleet.latency_ms / 1000 + 30
        waves = math.ceil(fleet.routers / workers)
        bound_s = waves * (timeout_s + 15) + 60
        job_id = f"bench-{run_id}".replace(".", "-")  # job ids have no dot (PROTOCOL.md)
        submit = {"type": "submit", "job_id": job_id, "command": command,
                  "routers": fleet.names(), "timeout": float(timeout_s), "wait": True}
        cpu0, fleet0 = proc_cpu_s(proc.pid), fleet.cpu_s()
        t0 = time.monotonic()
        reply = _rpc(sock, submit, bound_s)
        wall = time.monotonic() - t0
        cpu1, fleet1 = proc_cpu_s(proc.pid), fleet.cpu_s()
        hwm_kb, rss_kb = proc_status_kb(proc.pid, "VmHWM"), proc_status_kb(proc.pid, "VmRSS")
        ok, failures = _check_job_result(reply, fleet.names())
        durations = sorted(r.get("execution_duration", 0.0) for r in reply.get("results", []))
        router_s = (statistics.median(durations), durations[-1]) if durations else None
    finally:
        sock.close()
        ctx.term()
        exit_code = stop_process(proc, grace_s=15)
    return Measurement(f"fanoutd -w {workers}", fleet.routers, fleet.latency_ms, wall,
                       cpu1 - cpu0, hwm_kb / 1024, rss_kb / 1024, fleet1 - fleet0, ok,
                       failures, exit_code, router_s)


def _says_hostname(r):
    return r.get("status") == "success" and r.get("output", "").lstrip().startswith("Hostname:")


def _check_job_result(reply, names, answered=None):
    answered = answered or _says_hostname
    if reply.get("type") != "job_result":
        return 0, {f"reply {reply.get('type')}: {reply.get('code')} {reply.get('message')}": 1}
    failures = {}
    ok = 0
    seen = [r.get("router_name") for r in reply.get("results", [])]
    if seen != names:
        failures["results not in request order / missing"] = 1
    for r in reply.get("results", []):
        if answered(r):
            ok += 1
        else:
            kind = (r.get("error") or {}).get("kind", r.get("status"))
            failures[kind] = failures.get(kind, 0) + 1
    return ok, failures


class _TreeRssSampler(threading.Thread):
    """Samples the summed VmRSS of a process and its children (pdsh + its ssh processes)."""

    def __init__(self, pid, interval_s=0.1):
        super().__init__(daemon=True)
        self.pid, self.interval_s = pid, interval_s
        self.peak_kb = 0
        self._stop_event = threading.Event()

    def _tree_rss_kb(self):
        pids, total = [self.pid], 0
        for pid in pids:  # grows while iterating: a breadth-first walk of the tree
            try:
                total += proc_status_kb(pid, "VmRSS")
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        pids.extend(int(c) for c in f.read().split())
            except (FileNotFoundError, ProcessLookupError, ValueError):
                continue
        return total

    def run(self):
        while not self._stop_event.wait(self.interval_s):
            self.peak_kb = max(self.peak_kb, self._tree_rss_kb())

    def stop(self):
        self._stop_event.set()
        self.join(timeout=5)


def run_pdsh(fleet, fanout, command, work_dir, run_id):
    """Runs `pdsh -R ssh` on all routers with -f fanout; verifies every router printed its version."""
    timeout_s = int(fleet.latency_ms / 1000 + 30)
    bound_s = math.ceil(fleet.routers / fanout) * (timeout_s + 15) + 60
    env = dict(os.environ, PDSH_SSH_ARGS=f"-F {fleet.ssh_config} -x -a -l%u %h")
    env.pop("PDSH_SSH_ARGS_APPEND", None)
    cmd = ["pdsh", "-S", "-R", "ssh", "-l", "fanout", "-f", str(fanout), "-t", "10",
           "-u", str(timeout_s), "-w", f"r[1-{fleet.routers}]", command]
    out_path = os.path.join(work_dir, f"pdsh-{run_id}.out")
    err_path = os.path.join(work_dir, f"pdsh-{run_id}.err")
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    fleet0 = fleet.cpu_s()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, start_new_session=True)
        sampler = _TreeRssSampler(proc.pid)
        sampler.start()
        try:
            exit_code = proc.wait(timeout=bound_s)
        except subprocess.TimeoutExpired:
            exit_code = None
        finally:
            wall = time.monotonic() - t0
            sampler.stop()
            if exit_code is None:
                stop_process(proc, group=True)
    fleet1 = fleet.cpu_s()
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (children1.ru_utime - children0.ru_utime) + (children1.ru_stime - children0.ru_stime)
    ok, failures = _check_pdsh_output(out_path, err_path, fleet.names())
    if exit_code is None:
        failures[f"killed after {bound_s} s"] = 1
    return Measurement(f"pdsh -f {fanout}", fleet.routers, fleet.latency_ms, wall, cpu,
                       sampler.peak_kb / 1024, None, fleet1 - fleet0, ok, failures, exit_code)


def _check_pdsh_output(out_path, err_path, names):
    answered = set()
    with open(out_path, errors="replace") as f:
        for line in f:
            host, _, text = line.partition(": ")
            if text.rstrip("\n") == f"Hostname: {host}":
                answered.add(host)
    ok = sum(1 for n in names if n in answered)
    failures = {}
    if ok != len(names):
        failures["no answer"] = len(names) - ok
    with open(err_path, errors="replace") as f:
        err_lines = [line for line in f if line.strip()]
    if err_lines:
        failures[f"stderr lines (first: {err_lines[0].strip()[:80]})"] = len(err_lines)
    return ok, failures
