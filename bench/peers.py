"""The peers bench/compare measures fanoutd against, and a long-lived fanoutd for repeated jobs.

Contract: every runner takes a running bench_runs.Fleet, runs one command on all of its
routers, checks that every router answered, stops what it started (also on errors) and
returns a bench_runs.Measurement. A peer still running after its time cap is killed and
reported with a failure that says so, so one slow peer cannot stall the comparison.
"""

import json
import os
import resource
import subprocess
import threading
import time

import zmq

from bench_runs import (Measurement, _check_job_result, _rpc, _TreeRssSampler, proc_cpu_s,
                        proc_status_kb, stop_process)

HERE = os.path.dirname(os.path.abspath(__file__))


def _run_tree(tool, cmd, fleet, cap_s, env=None, stderr_path=None):
    """Runs cmd in its own session; returns (wall, cpu, peak RSS MB, fleet CPU, exit, stdout).
    stderr goes to stderr_path when given (else nowhere)."""
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    fleet0 = fleet.cpu_s()
    t0 = time.monotonic()
    err = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env,
                            start_new_session=True)
    if stderr_path:
        err.close()
    sampler = _TreeRssSampler(proc.pid)
    sampler.start()
    out, exit_code = b"", None
    try:
        out, _ = proc.communicate(timeout=cap_s)
        exit_code = proc.returncode
    except subprocess.TimeoutExpired:
        stop_process(proc, group=True)
        out = proc.stdout.read() if proc.stdout else b""
    finally:
        wall = time.monotonic() - t0
        sampler.stop()
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (children1.ru_utime - children0.ru_utime) + (children1.ru_stime - children0.ru_stime)
    return wall, cpu, sampler.peak_kb / 1024, fleet.cpu_s() - fleet0, exit_code, out


def _lines_answered(out, names):
    """Hosts whose `host: Hostname: host` line appeared (pdsh and clush both prefix `host: `)."""
    answered = set()
    for line in out.decode(errors="replace").splitlines():
        host, _, text = line.partition(": ")
        if text == f"Hostname: {host}":
            answered.add(host)
    return sum(1 for n in names if n in answered)


def _measurement(tool, fleet, run, cap_s, ok):
    wall, cpu, rss, fleet_cpu, exit_code, _ = run
    failures = {}
    if ok != fleet.routers:
        failures["no answer"] = fleet.routers - ok
    if exit_code is None:
        failures[f"killed after the {cap_s:.0f} s cap"] = 1
    return Measurement(tool, fleet.routers, fleet.latency_ms, wall, cpu, rss, None, fleet_cpu,
                       ok, failures, exit_code)


def run_clush(fleet, fanout, command, cap_s):
    """ClusterShell: `clush -f F -w r[1-N]` with the fleet's ssh_config."""
    cmd = ["clush", "-f", str(fanout), "-t", "10", "-u", str(int(fleet.latency_ms / 1000 + 30)),
           "-o", f"-F {fleet.ssh_config}", "-l", "fanout", "-w", f"r[1-{fleet.routers}]", command]
    run = _run_tree(f"clush -f {fanout}", cmd, fleet, cap_s)
    return _measurement(f"clush -f {fanout}", fleet, run, cap_s, _lines_answered(run[5], fleet.names()))


def run_pdsh(fleet, fanout, command, cap_s):
    """pdsh -R ssh with the fleet's ssh_config (as bench/run_bench.py runs it)."""
    env = dict(os.environ, PDSH_SSH_ARGS=f"-F {fleet.ssh_config} -x -a -l%u %h")
    env.pop("PDSH_SSH_ARGS_APPEND", None)
    cmd = ["pdsh", "-S", "-R", "ssh", "-l", "fanout", "-f", str(fanout), "-t", "10", "-u",
           str(int(fleet.latency_ms / 1000 + 30)), "-w", f"r[1-{fleet.routers}]", command]
    run = _run_tree(f"pdsh -f {fanout}", cmd, fleet, cap_s, env)
    return _measurement(f"pdsh -f {fanout}", fleet, run, cap_s, _lines_answered(run[5], fleet.names()))


def run_seed_pattern(fleet, command, cap_s):
    """The seed's asyncio.gather + anyio.to_thread (40 threads) + paramiko pattern."""
    cmd = ["/usr/bin/python3", os.path.join(HERE, "seed_pattern.py"), fleet.inventory, command,
           *fleet.names()]
    run = _run_tree("seed pattern", cmd, fleet, cap_s)
    ok = 0
    try:
        ok = sum(1 for r in json.loads(run[5])["results"]
                 if r["status"] == "success" and r["output"].startswith("Hostname:"))
    except (ValueError, KeyError):
        pass
    return _measurement("seed pattern (anyio 40 + paramiko)", fleet, run, cap_s, ok)


def run_seed_pyez(fleet, command, cap_s):
    """The seed system as written: anyio's 40 threads, asyncio.gather, one PyEZ Device (NETCONF,
    gather_facts=False) opened per router, dev.cli(command, warning=False). The fleet's entries
    must reach each router's netconf subsystem (fleetsim serves it on every router's port)."""
    cmd = ["/usr/bin/python3", os.path.join(HERE, "seed_pyez.py"), fleet.inventory, command,
           *fleet.names()]
    run = _run_tree("seed system", cmd, fleet, cap_s)
    ok = 0
    try:
        ok = sum(1 for r in json.loads(run[5])["results"]
                 if r["status"] == "success" and "Hostname: " + r["router_name"] in r["output"])
    except (ValueError, KeyError):
        pass
    return _measurement("seed system (anyio 40 + PyEZ NETCONF)", fleet, run, cap_s, ok)


class fanoutd_service:
    """One fanoutd with out-of-the-box settings serving the fleet, for one or more jobs."""

    def __init__(self, fanoutd_bin, fleet, run_dir, extra_args=()):
        os.makedirs(run_dir, exist_ok=True)
        self.fleet = fleet
        self.jobs_endpoint = f"ipc://{run_dir}/jobs.sock"
        cmd = [fanoutd_bin, "--inventory", fleet.inventory, "--known-hosts", fleet.known_hosts,
               "--jobs", self.jobs_endpoint, "--results", f"ipc://{run_dir}/results.sock",
               *extra_args]
        self.log = open(os.path.join(run_dir, "fanoutd.log"), "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        self.context = zmq.Context()
        try:
            self.pong = self._request({"type": "ping"}, 15)
            if self.pong.get("type") != "pong":
                raise RuntimeError(f"unexpected ping reply: {self.pong}")
        except BaseException:
            self.stop()
            raise
        self.jobs_run = 0
        self.peak_rss_mb = 0.0

    def _request(self, request, timeout_s):
        sock = self.context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(self.jobs_endpoint)
        try:
            return _rpc(sock, request, timeout_s)
        finally:
            sock.close()

    def sessions(self):
        """pong's session pool figures (open, idle, hits, misses, ...)."""
        return self._request({"type": "ping"}, 15).get("sessions", {})

    def run_job(self, names, command, tool, cap_s, fmt=None, answered=None):
        """One wait:true job, timed from send to the job_result reply. fmt: submit's format;
        answered(result) says whether a router result counts as answered (default: success
        with `Hostname:` output)."""
        self.jobs_run += 1
        submit = {"type": "submit", "job_id": f"bench-{os.getpid()}-{self.jobs_run}",
                  "command": command, "routers": names,
                  "timeout": float(self.fleet.latency_ms / 1000 + 30), "wait": True}
        if fmt:
            submit["format"] = fmt
        sampler = _PeakRss(self.proc.pid)
        cpu0, fleet0 = proc_cpu_s(self.proc.pid), self.fleet.cpu_s()
        t0 = time.monotonic()
        try:
            reply = self._request(submit, cap_s)
        except TimeoutError as e:
            reply = {"type": "error", "code": "timeout", "message": str(e)}
        wall = time.monotonic() - t0
        sampler.stop()
        self.last_reply = reply  # bench/durations.py reads the per-router results
        self.peak_rss_mb = max(self.peak_rss_mb, sampler.peak_mb)
        ok, failures = _check_job_result(reply, names, answered)
        return Measurement(tool, len(names), self.fleet.latency_ms, wall,
                           proc_cpu_s(self.proc.pid) - cpu0, sampler.peak_mb,
                           proc_status_kb(self.proc.pid, "VmRSS") / 1024,
                           self.fleet.cpu_s() - fleet0, ok, failures, 0)

    def stop(self):
        self.context.term()
        code = stop_process(self.proc, grace_s=30)
        self.log.close()
        return code


class _PeakRss(threading.Thread):
    """Samples one process's VmRSS every 50 ms (VmHWM would include earlier jobs)."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak_mb = pid, proc_status_kb(pid, "VmRSS") / 1024
        self._done = threading.Event()
        self.start()

    def run(self):
        while not self._done.wait(0.05):
            self.peak_mb = max(self.peak_mb, proc_status_kb(self.pid, "VmRSS") / 1024)

    def stop(self):
        self._done.set()
        self.join(timeout=5)
