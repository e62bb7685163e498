#!/usr/bin/python3
"""CURVE from outside C++: pyzmq (Debian's python3-zmq) talks to a CURVE fanoutd with keys it
made itself, written in the documented key file formats. Proves the wire is standard CurveZMQ
and that an unlisted key is refused on both sockets.

Run: /usr/bin/python3 tests/integration/python/test_curve.py --fanoutd PATH --fleetsim PATH [unittest args]
"""
import os
import sys
import tempfile
import time
import unittest

import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fanout_harness import run_tests, Daemon, Fleet, job_topic, pack, result_topic, unpack  # noqa: E402

BINARIES = {}


def write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def curve_socket(context, kind, server_public, pair):
    socket = context.socket(kind)
    socket.setsockopt(zmq.LINGER, 0)
    socket.curve_serverkey = server_public
    socket.curve_publickey, socket.curve_secretkey = pair
    return socket


class CurveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temp = tempfile.TemporaryDirectory(prefix="fanout-pycurve-")
        run = cls.temp.name
        cls.server = zmq.curve_keypair()
        cls.allowed = zmq.curve_keypair()
        cls.stranger = zmq.curve_keypair()
        public, secret = (key.decode() for key in cls.server)
        write_private(os.path.join(run, "server.key"),
                      f'# test key\npublic-key = "{public}"\nsecret-key = "{secret}"\n')
        os.mkdir(os.path.join(run, "clients"))
        with open(os.path.join(run, "clients", "python.pub"), "w") as out:
            out.write(cls.allowed[0].decode() + "\n")  # the bare form
        cls.context = zmq.Context()
        cls.fleet = cls.daemon = None
        try:
            cls.fleet = Fleet(BINARIES["fleetsim"], run, routers=3)
            cls.daemon = Daemon(BINARIES["fanoutd"], cls.fleet, run,
                                ["--curve-secret-key", os.path.join(run, "server.key"),
                                 "--curve-clients", os.path.join(run, "clients"),
                                 "--log-level", "debug", "--shutdown-grace", "5"])
            dealer = cls.dealer(cls.allowed)
            reply = cls.request(dealer, {"type": "ping"})
            assert reply["type"] == "pong", reply
        except BaseException:
            cls.shut_down()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.shut_down() != 0:
            raise AssertionError("fanoutd did not exit 0 after SIGTERM")

    @classmethod
    def shut_down(cls):
        cls.context.destroy(linger=0)
        code = cls.daemon.stop() if cls.daemon else None
        if cls.fleet:
            cls.fleet.stop()
        cls.temp.cleanup()
        return code

    @classmethod
    def dealer(cls, pair):
        socket = curve_socket(cls.context, zmq.DEALER, cls.server[0], pair)
        socket.connect(cls.daemon.jobs)
        return socket

    @classmethod
    def request(cls, socket, message, timeout_ms=20000):
        socket.send(pack(message))
        if not socket.poll(timeout_ms):
            raise AssertionError(f"no reply to {message['type']} within {timeout_ms} ms")
        return unpack(socket.recv_multipart()[-1])

    def wait_for_log(self, needle, timeout_s=30):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with open(self.daemon.log_path, errors="replace") as log:
                if needle in log.read():
                    return
            time.sleep(0.05)  # polling the log file: there is nothing else to wait on
        self.fail(f"fanoutd never logged {needle!r}:\n{self.daemon.log_tail()}")

    def test_listed_key_submits_and_subscribes(self):
        dealer = self.dealer(self.allowed)
        sub = curve_socket(self.context, zmq.SUB, self.server[0], self.allowed)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(self.daemon.results)
        for attempt in range(50):  # until the SUB has provably joined
            job_id = f"py-warm-{attempt}"
            reply = self.request(dealer, {"type": "submit", "job_id": job_id, "wait": True,
                                          "command": "show version", "routers": ["r1"]})
            self.assertEqual(reply["type"], "job_result")
            topics = []
            while sub.poll(200):
                topics.append(sub.recv_multipart()[0])
            if job_topic(job_id).encode() in topics:
                break
        else:
            self.fail("the CURVE SUB never joined")
        reply = self.request(dealer, {"type": "submit", "job_id": "py-curve", "wait": False,
                                      "command": "show version", "routers": ["r1", "r2", "r3"]})
        self.assertEqual(reply["type"], "accepted")
        routers = []
        while True:
            self.assertTrue(sub.poll(30000), "the job's messages stopped arriving")
            topic, body = sub.recv_multipart()
            message = unpack(body)
            if message["type"] == "router_result":
                self.assertEqual(topic, result_topic("py-curve", message["router_name"]).encode())
                routers.append(message["router_name"])
            else:
                self.assertEqual(topic, job_topic("py-curve").encode())
                self.assertEqual(message["summary"]["successful"], 3)
                break
        self.assertEqual(sorted(routers), ["r1", "r2", "r3"])
        self.wait_for_log(f"accepted CURVE client {self.allowed[0].decode()}")

    def test_unlisted_key_gets_nothing_on_either_socket(self):
        dealer = self.dealer(self.stranger)
        dealer.send(pack({"type": "ping"}))
        sub = curve_socket(self.context, zmq.SUB, self.server[0], self.stranger)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(self.daemon.results)
        self.wait_for_log(f"refused CURVE client {self.stranger[0].decode()}")
        listed = self.dealer(self.allowed)
        reply = self.request(listed, {"type": "submit", "wait": True, "command": "show version",
                                      "routers": ["r1"]})
        self.assertEqual(reply["type"], "job_result")  # published before this reply
        self.assertFalse(dealer.poll(500), "a refused DEALER got a reply")
        self.assertFalse(sub.poll(500), "a refused SUB got a published message")
        with open(self.daemon.log_path, errors="replace") as log:
            text = log.read()
        for secret in (self.server[1], self.allowed[1], self.stranger[1]):
            self.assertNotIn(secret.decode(), text)


def main():
    run_tests(BINARIES, __doc__)


if __name__ == "__main__":
    main()
