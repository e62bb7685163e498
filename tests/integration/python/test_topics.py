#!/usr/bin/python3
"""PUB topics are exact (issue 10, finding 17): a real fanoutd against fleetsim runs jobs whose
ids share a prefix, on routers named r1, r10 and FQDN-like names with dots, all at once; SUB
sockets subscribed by the documented rules receive their messages and no others.

Run: /usr/bin/python3 tests/integration/python/test_topics.py --fanoutd PATH --fleetsim PATH [unittest args]
"""
import os
import sys
import time

import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fanout_harness import (run_tests, FleetDaemonTestCase, job_topic, read_published,  # noqa: E402
                            result_topic, results_prefix, unpack)

BINARIES = {}
# Inventory names with dots, served by r1's and r2's simulated routers. "b.r1" makes job "a"
# router "b.r1" and job "a.b" router "r1" the same topic under the old `result.<job>.<router>`.
ALIASES = {"b.r1": "r1", "r1.lon.example.net": "r2"}


class TopicTest(FleetDaemonTestCase):
    BINARIES = BINARIES
    FLEET = {"routers": 10}

    @classmethod
    def edit_devices(cls, devices):
        for alias, router in ALIASES.items():
            devices[alias] = devices[router]

    def ask(self, message):
        return self.client.request(self.dealer, message)[0]

    def test_a_dot_in_a_job_id_is_refused(self):
        reply = self.ask({"type": "submit", "job_id": "py.dot", "command": "show version",
                          "routers": ["r1"]})
        self.assertEqual((reply["type"], reply.get("code")), ("error", "bad_request"), reply)
        self.assertIn("job_id", reply["message"])
        self.assertIn("dot", reply["message"])
        self.assertNotIn("job_id", reply)
        # Looking a dotted id up is not an error: a journal may hold one from an older fanoutd.
        reply = self.ask({"type": "status", "job_id": "py.dot"})
        self.assertEqual((reply["type"], reply.get("code")), ("error", "not_found"), reply)

    def test_exact_subscriptions_receive_only_their_messages(self):
        one_job = self.client.subscriber(self.dealer, results_prefix("a"), job_topic("a"))
        one_router = self.client.subscriber(self.dealer, result_topic("a", "r1"))
        aggregate = self.client.subscriber(self.dealer, job_topic("a"))
        everything = self.client.subscriber(self.dealer, "result.", "job.")  # as before

        # All at once: job "a", jobs whose ids start with "a", and "a.b" (refused today; an
        # older fanoutd ran it and published it on job "a"'s topics).
        jobs = {"a": ["r1", "r10", "b.r1", "r1.lon.example.net"], "a1": ["r1", "r10"],
                "a-b": ["r1"], "a.b": ["r1"]}
        for job_id, routers in jobs.items():
            self.dealer.send(msgpack.packb({"type": "submit", "job_id": job_id,
                                            "command": "show version", "routers": routers}))
        accepted = {}
        for _ in jobs:
            reply = self.receive_reply()
            if reply["type"] == "accepted":
                accepted[reply["job_id"]] = jobs[reply["job_id"]]

        # Old-style subscribers (`result.`, `job.`) still get everything; wait for every end.
        expected = sum(len(routers) for routers in accepted.values()) + len(accepted)
        seen = read_published(everything, expected)
        self.assertEqual({(m["job_id"], m.get("router_name")) for _, m in seen},
                         {(job, r) for job, routers in accepted.items() for r in routers} |
                         {(job, None) for job in accepted})

        a_results = [result_topic("a", r) for r in jobs["a"]]
        self.assert_receives_exactly(one_job, a_results + [job_topic("a")], "a")
        self.assert_receives_exactly(one_router, [result_topic("a", "r1")], "a")
        self.assert_receives_exactly(aggregate, [job_topic("a")], "a")
        self.assertEqual(set(accepted), {"a", "a1", "a-b"}, "a job id with a dot was accepted")
        self.assertEqual({topic for topic, _ in seen},
                         {result_topic(job, r) for job, routers in accepted.items()
                          for r in routers} | {job_topic(job) for job in accepted})

    def receive_reply(self):
        self.assertTrue(self.dealer.poll(20000), "no reply within 20 s")
        return unpack(self.dealer.recv())

    def assert_receives_exactly(self, sub, topics, job_id):
        """`sub` receives the messages of `topics`, of job `job_id`, and nothing else."""
        received = read_published(sub, len(topics))
        deadline = time.monotonic() + 1.0  # anything else published is on its way by now
        while time.monotonic() < deadline:
            if sub.poll(100):
                frames = sub.recv_multipart()
                received.append((frames[0].decode(), unpack(frames[1])))
        for topic, message in received:
            self.assertEqual(message["job_id"], job_id, f"{topic!r} is another job's")
        self.assertEqual(sorted(topic for topic, _ in received), sorted(topics), received)


def main():
    run_tests(BINARIES, __doc__)


if __name__ == "__main__":
    main()
