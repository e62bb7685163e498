"""Start fleetsim + fanoutd and talk protocol v1 to them, using only pyzmq and msgpack.

Contract: every wait is bounded (a poll timeout raises AssertionError, never hangs);
every socket has linger=0; processes are stopped with SIGTERM and their exit code is kept.
A test that crashes or is killed takes fleetsim and fanoutd with it (PR_SET_PDEATHSIG).
"""
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import ctypes
import uuid

import msgpack
import zmq

REPLY_TIMEOUT_S = 20.0


_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent(parent=os.getpid()):
    """preexec_fn: SIGKILL this child when the test process goes away."""
    if _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) != 0 or os.getppid() != parent:
        os._exit(127)  # the test died before the prctl took hold


def pack(message):
    return msgpack.packb(message, use_bin_type=True)


def unpack(raw):
    return msgpack.unpackb(raw, raw=False)


# PUB topics (PROTOCOL.md, "Results socket"): job ids have no dot, every topic ends with "\n".
def result_topic(job_id, router):
    """The topic of one router's results in one job: subscribe to it for exactly those."""
    return f"result.{job_id}.{router}\n"


def job_topic(job_id):
    """The topic of one job's aggregate: subscribe to it for exactly that."""
    return f"job.{job_id}\n"


def results_prefix(job_id):
    """The subscription to every router result of one job, and of no other job."""
    return f"result.{job_id}."


class Fleet:
    """fleetsim serving routers r1..rN; faults maps router name -> fault kind."""

    def __init__(self, binary, out_dir, routers, faults=None, extra_args=()):
        self.out_dir = out_dir
        self.devices = os.path.join(out_dir, "devices.json")
        self.known_hosts = os.path.join(out_dir, "known_hosts")
        args = [binary, "--routers", str(routers), "--out-dir", out_dir]
        for name, kind in (faults or {}).items():
            args += ["--fault", f"{name}={kind}"]
        args += list(extra_args)
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        preexec_fn=_die_with_parent)
        try:
            wait_for_line(self.process, f"ready {routers} routers", timeout_s=30)
        except BaseException:
            self.stop()
            raise

    def counters(self, timeout_s=10):
        """fleetsim's counts since start, asked with SIGUSR1: {"connections": TCP connections
        accepted, "netconf_sessions": netconf subsystem sessions, "netconf_rpcs": <rpc>s}."""
        self.process.send_signal(signal.SIGUSR1)
        line = read_line_starting(self.process, "connections ", timeout_s)
        words = line.split()
        return {words[i]: int(words[i + 1]) for i in range(0, len(words) - 1, 2)}

    def stop(self):
        return stop_process(self.process)


class Daemon:
    """fanoutd on ipc:// endpoints inside run_dir; its stderr goes to run_dir/fanoutd.log."""

    def __init__(self, binary, fleet, run_dir, extra_args=()):
        self.jobs = f"ipc://{run_dir}/jobs.sock"
        self.results = f"ipc://{run_dir}/results.sock"
        self.log_path = os.path.join(run_dir, "fanoutd.log")
        args = [binary, "--inventory", fleet.devices, "--known-hosts", fleet.known_hosts,
                "--jobs", self.jobs, "--results", self.results, *extra_args]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log,
                                            preexec_fn=_die_with_parent)

    def wait_ready(self, timeout_s=REPLY_TIMEOUT_S):
        """Pings until the pong: ZeroMQ queues the ping until the daemon binds."""
        context = zmq.Context()
        dealer = context.socket(zmq.DEALER)
        dealer.setsockopt(zmq.LINGER, 0)
        try:
            dealer.connect(self.jobs)
            dealer.send(pack({"type": "ping"}))
            deadline = time.monotonic() + timeout_s
            while not dealer.poll(100):
                if self.process.poll() is not None:
                    raise AssertionError(f"fanoutd exited {self.process.returncode} at start")
                if time.monotonic() > deadline:
                    raise AssertionError(f"fanoutd did not answer a ping within {timeout_s}s")
            assert unpack(dealer.recv())["type"] == "pong"
        finally:
            dealer.close()
            context.term()

    def stop(self):
        return stop_process(self.process)

    def log_tail(self, lines=40):
        with open(self.log_path, "r", errors="replace") as log:
            return "".join(log.readlines()[-lines:])


class FleetDaemonTestCase(unittest.TestCase):
    """A fleetsim and a fanoutd shared by every test of a class, and a Client per test.

    Subclasses set BINARIES (the dict run_tests fills), FLEET (Fleet's keyword arguments) and
    DAEMON_ARGS, and may override edit_devices(devices) to change devices.json before fanoutd
    starts. tearDownClass fails when fanoutd does not exit 0 on SIGTERM (showing its log's
    tail); daemon_log keeps the whole log for checks after the daemon stopped.
    """

    BINARIES = {}
    FLEET = {"routers": 8}
    DAEMON_ARGS = ["--workers", "8", "--connect-timeout", "5", "--command-timeout", "10",
                   "--shutdown-grace", "5"]

    @classmethod
    def edit_devices(cls, devices):
        pass

    @classmethod
    def setUpClass(cls):
        cls.temp = tempfile.TemporaryDirectory(prefix=f"fanout-{cls.__name__}-")
        cls.fleet = cls.daemon = None
        try:
            cls.fleet = Fleet(cls.BINARIES["fleetsim"], cls.temp.name, **cls.FLEET)
            with open(cls.fleet.devices) as devices_file:
                devices = json.load(devices_file)
            cls.edit_devices(devices)
            with open(cls.fleet.devices, "w") as devices_file:
                json.dump(devices, devices_file)
            cls.daemon = Daemon(cls.BINARIES["fanoutd"], cls.fleet, cls.temp.name, cls.DAEMON_ARGS)
            cls.daemon.wait_ready()
        except BaseException:
            cls.shut_down()
            raise

    @classmethod
    def tearDownClass(cls):
        daemon_exit = cls.shut_down()
        if daemon_exit != 0:
            raise AssertionError(f"fanoutd exited {daemon_exit} after SIGTERM, expected 0")

    @classmethod
    def shut_down(cls):
        """Stops both processes, shows the daemon log if it did not exit 0; its exit code."""
        daemon_exit = cls.daemon.stop() if cls.daemon else None
        if cls.fleet:
            cls.fleet.stop()
        if daemon_exit != 0 and cls.daemon:
            sys.stderr.write(f"--- fanoutd log tail ---\n{cls.daemon.log_tail()}")
        cls.daemon_log = ""
        if cls.daemon and os.path.exists(cls.daemon.log_path):
            with open(cls.daemon.log_path, errors="replace") as log:
                cls.daemon_log = log.read()
        cls.temp.cleanup()
        return daemon_exit

    def setUp(self):
        self.client = Client(self.daemon)
        self.dealer = self.client.dealer()

    def tearDown(self):
        self.client.close()


def _stdout_chunks(process, timeout_s, wanted, late):
    """Each chunk process prints on stdout, for timeout_s at the most. AssertionError when it
    exits first ("exited before printing <wanted>") or the time runs out ("<late> within ...")."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], deadline - time.monotonic())
        if not ready:
            break
        chunk = os.read(process.stdout.fileno(), 4096)
        if not chunk:
            raise AssertionError(f"{process.args[0]} exited before printing {wanted}")
        yield chunk
    raise AssertionError(f"{process.args[0]} {late} within {timeout_s}s")


def wait_for_line(process, expected, timeout_s):
    buffered = b""
    for chunk in _stdout_chunks(process, timeout_s, repr(expected), f"did not print {expected!r}"):
        buffered += chunk
        if expected.encode() in buffered.splitlines():
            return


def read_line_starting(process, prefix, timeout_s):
    """The next whole stdout line that starts with prefix (earlier lines are dropped)."""
    buffered = b""
    for chunk in _stdout_chunks(process, timeout_s, repr(prefix), f"printed no {prefix!r} line"):
        buffered += chunk
        *lines, buffered = buffered.split(b"\n")
        for line in lines:
            if line.startswith(prefix.encode()):
                return line.decode()


def stop_process(process, timeout_s=30):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise AssertionError(f"{process.args[0]} ignored SIGTERM for {timeout_s}s")
    return process.returncode


class Client:
    """Sockets to one daemon; close() releases them all."""

    def __init__(self, daemon):
        self.daemon = daemon
        self.context = zmq.Context()
        self.sockets = []

    def close(self):
        for socket in self.sockets:
            socket.close(linger=0)
        self.context.term()

    def socket(self, kind):
        socket = self.context.socket(kind)
        socket.setsockopt(zmq.LINGER, 0)
        self.sockets.append(socket)
        return socket

    def dealer(self):
        socket = self.socket(zmq.DEALER)
        socket.connect(self.daemon.jobs)
        return socket

    def request(self, socket, message, timeout_s=REPLY_TIMEOUT_S):
        """Sends one frame (a dict is msgpack-encoded, bytes go as they are); returns
        (decoded reply, raw reply bytes)."""
        socket.send(message if isinstance(message, bytes) else pack(message))
        raw = receive_frames(socket, timeout_s, "a reply")
        if socket.getsockopt(zmq.TYPE) == zmq.DEALER:
            assert len(raw) == 1, f"reply has {len(raw)} frames, expected 1: {raw!r}"
        return unpack(raw[-1]), raw[-1]

    def subscriber(self, dealer, *prefixes):
        """A SUB socket subscribed to prefixes that has provably joined: warm-up jobs are
        submitted until one of their job.<id> messages arrives on it."""
        sub = self.socket(zmq.SUB)
        sub.connect(self.daemon.results)
        warm_prefix = f"warm-{uuid.uuid4().hex[:12]}-"
        for prefix in (*prefixes, f"job.{warm_prefix}"):
            sub.setsockopt(zmq.SUBSCRIBE, prefix.encode())
        for attempt in range(50):
            job_id = f"{warm_prefix}{attempt}"
            reply, _ = self.request(dealer, {"type": "submit", "job_id": job_id, "wait": True,
                                             "command": "show version", "routers": ["r1"]})
            assert reply["type"] == "job_result", reply
            while sub.poll(200):
                topic, _ = receive_frames(sub, 1, "a warm-up message")
                if topic.decode().startswith(f"job.{warm_prefix}"):
                    return sub
        raise AssertionError("SUB socket never saw a warm-up job.<id> message")


def receive_frames(socket, timeout_s, what):
    if not socket.poll(int(timeout_s * 1000)):
        raise AssertionError(f"nothing received ({what}) within {timeout_s}s")
    return socket.recv_multipart()


def read_published(sub, count, timeout_s=REPLY_TIMEOUT_S, skip_prefix="job.warm-"):
    """The next `count` [topic, map] messages, warm-up leftovers skipped, as (topic, map)."""
    messages = []
    deadline = time.monotonic() + timeout_s
    while len(messages) < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"got {len(messages)} of {count} published messages: {messages}")
        frames = receive_frames(sub, remaining, f"published message {len(messages) + 1}")
        assert len(frames) == 2, f"published message has {len(frames)} frames: {frames!r}"
        topic = frames[0].decode()
        if not topic.startswith(skip_prefix):
            messages.append((topic, unpack(frames[1])))
    return messages


def run_tests(binaries, description):
    """The main() of every test script: --fanoutd and --fleetsim fill `binaries`, the remaining
    arguments go to unittest, and the versions of pyzmq, libzmq and msgpack are printed."""
    import argparse
    import sys
    import unittest

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--fanoutd", required=True)
    parser.add_argument("--fleetsim", required=True)
    args, rest = parser.parse_known_args()
    binaries.update(fanoutd=args.fanoutd, fleetsim=args.fleetsim)
    print(f"pyzmq {zmq.__version__}, libzmq {zmq.zmq_version()}, msgpack {msgpack.version}")
    unittest.main(module="__main__", argv=[sys.argv[0], *rest], verbosity=2)
