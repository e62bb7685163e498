#!/usr/bin/python3
"""Protocol v1 from outside C++: a Python client (Debian's python3-zmq and python3-msgpack)
drives a real fanoutd against fleetsim and checks every field name and type on the wire.

Run: /usr/bin/python3 tests/integration/python/test_wire.py --fanoutd PATH --fleetsim PATH [unittest args]
"""
import json
import os
import re
import sys

import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fanout_harness import (run_tests, FleetDaemonTestCase, job_topic, pack, read_published,  # noqa: E402
                            result_topic, results_prefix)

BINARIES = {}
ISO_MS_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
FAULTS = {"r6": "auth_fail", "r7": "hang_auth", "r8": "hang_auth"}
ROUTER_RESULT_KEYS = {"type", "job_id", "router_name", "command", "command_index", "status",
                      "output", "stderr", "exit_status", "truncated", "execution_duration",
                      "start_time", "end_time", "seq",
                      "transport"}  # plus the optional "error"
SUMMARY_COUNTS = {"total_routers", "total", "successful", "failed", "cancelled"}
ERROR_KINDS = {"connect", "auth", "host_key", "timeout", "channel", "exit_status", "internal",
               "interrupted", "parse", "rpc_error"}
STATUS_KEYS = {"type", "job_id", "state", "total", "completed", "successful", "failed"}
OWNER_KEYS = {"node", "control_endpoint"}  # the owning daemon, on replies and results
# Who submitted the job (issue 14): "local" without CURVE; requested_by only when a submit set it.
AUDIT_KEYS = {"submitted_by"}
FLEET_PASSWORD = b"fanout-secret"


def is_int(value):
    return type(value) is int  # bool is an int subclass; the wire must carry a real integer


def is_number(value):
    return type(value) in (int, float)


class WireTest(FleetDaemonTestCase):
    BINARIES = BINARIES
    FLEET = {"routers": 8, "faults": FAULTS}
    DAEMON_ARGS = FleetDaemonTestCase.DAEMON_ARGS + ["--log-level", "trace"]

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        # Every job above ran with the log at its most verbose, auth failures included.
        if "fanout-secret" in cls.daemon_log:
            raise AssertionError("the fleet password appears in fanoutd's log")
        if "job " not in cls.daemon_log:
            raise AssertionError("fanoutd's log is empty: the secrets check proves nothing")

    def ask(self, message, **kwargs):
        return self.client.request(self.dealer, message, **kwargs)[0]

    # ---- shape checks ----

    def assert_owner(self, message):
        self.assertIsInstance(message["node"], str)
        self.assertTrue(message["node"], message)
        self.assertEqual(message["control_endpoint"], self.daemon.jobs, message)

    def assert_pong(self, reply):
        self.assertEqual(set(reply), {"type", "version", "workers", "busy_workers", "queued_jobs",
                                      "running_jobs", "uptime", "sessions", "bastions"}
                         | OWNER_KEYS, reply)
        self.assert_owner(reply)
        self.assertEqual(set(reply["sessions"]), {"open", "idle", "hits", "misses", "dropped",
                                                  "evicted", "expired", "reopened"}, reply)
        for key, value in reply["sessions"].items():
            self.assertTrue(is_int(value) and value >= 0, (key, reply))
        self.assertEqual(set(reply["bastions"]), {"sessions", "channels", "opened", "failed",
                                                  "dropped", "expired", "memo_failures"}, reply)
        for key, value in reply["bastions"].items():
            self.assertTrue(is_int(value) and value >= 0, (key, reply))
        self.assertEqual(reply["type"], "pong")
        self.assertIsInstance(reply["version"], str)
        self.assertTrue(reply["version"])
        for key in ("workers", "busy_workers", "queued_jobs", "running_jobs"):
            self.assertTrue(is_int(reply[key]) and reply[key] >= 0, (key, reply))
        self.assertEqual(reply["workers"], 8)
        self.assertTrue(is_number(reply["uptime"]) and reply["uptime"] >= 0, reply)

    def assert_error(self, reply, code):
        self.assertEqual(reply.get("type"), "error", reply)
        self.assertEqual(reply["code"], code, reply)
        self.assertIsInstance(reply["message"], str)
        self.assertTrue(reply["message"])
        self.assertLessEqual(set(reply), {"type", "code", "message", "job_id", "routers"}, reply)

    def assert_status(self, reply, job_id, states):
        self.assertEqual(set(reply), STATUS_KEYS | OWNER_KEYS | AUDIT_KEYS, reply)
        self.assertEqual(reply["submitted_by"], "local", reply)
        self.assert_owner(reply)
        self.assertEqual((reply["type"], reply["job_id"]), ("status", job_id))
        self.assertIn(reply["state"], states)
        for key in STATUS_KEYS - {"type", "job_id", "state"}:
            self.assertTrue(is_int(reply[key]), (key, reply))

    def assert_router_result(self, result, job_id, router, command, index, status):
        self.assertLessEqual(ROUTER_RESULT_KEYS | OWNER_KEYS, set(result), result)
        self.assertLessEqual(set(result),
                             ROUTER_RESULT_KEYS | OWNER_KEYS | {"error", "output_withheld"}, result)
        self.assert_owner(result)
        self.assertEqual(result["type"], "router_result")
        self.assertEqual((result["job_id"], result["router_name"], result["command"]),
                         (job_id, router, command))
        self.assertTrue(is_int(result["command_index"]))
        self.assertEqual(result["command_index"], index)
        self.assertEqual(result["status"], status, result)
        self.assertIsInstance(result["output"], str)
        self.assertIsInstance(result["stderr"], str)
        self.assertTrue(result["exit_status"] is None or is_int(result["exit_status"]), result)
        self.assertIs(type(result["truncated"]), bool)
        self.assertEqual(result["transport"], "ssh", result)  # fleetsim's routers: SSH exec
        self.assertIs(type(result["execution_duration"]), float)
        self.assertGreaterEqual(result["execution_duration"], 0.0)
        for key in ("start_time", "end_time"):
            self.assertRegex(result[key], ISO_MS_UTC)
        self.assertLessEqual(result["start_time"], result["end_time"])
        self.assertTrue(is_int(result["seq"]))
        error = result.get("error")
        if status == "success":
            self.assertIsNone(error, result)
        elif status == "failed" or error is not None:  # a cancelled router may carry no error
            self.assertEqual(set(error), {"kind", "message"}, result)
            self.assertIn(error["kind"], ERROR_KINDS, result)
            self.assertIsInstance(error["message"], str)
        return error

    def assert_job_result(self, reply, job_id, state, summary_key, summary_value, counts):
        self.assertEqual(set(reply), {"type", "job_id", "state", "summary", "results"} | OWNER_KEYS
                         | AUDIT_KEYS, reply)
        self.assertEqual(reply["submitted_by"], "local", reply)
        self.assert_owner(reply)
        self.assertEqual((reply["type"], reply["job_id"], reply["state"]),
                         ("job_result", job_id, state))
        summary = reply["summary"]
        self.assertEqual(set(summary), SUMMARY_COUNTS | {summary_key, "total_duration"}, summary)
        self.assertEqual(summary[summary_key], summary_value)
        self.assertEqual({key: summary[key] for key in SUMMARY_COUNTS}, counts)
        for key in SUMMARY_COUNTS:
            self.assertTrue(is_int(summary[key]), (key, summary))
        self.assertIs(type(summary["total_duration"]), float)
        self.assertGreater(summary["total_duration"], 0.0)
        self.assertIsInstance(reply["results"], list)
        self.assertEqual(len(reply["results"]), counts["total"])

    # ---- 1, 2: ping and routers, on DEALER and REQ ----

    def test_ping_pong_fields(self):
        self.assert_pong(self.ask({"type": "ping"}))

    def test_req_socket_gets_its_reply(self):
        req = self.client.socket(zmq.REQ)
        req.connect(self.daemon.jobs)
        for _ in range(2):  # a REQ socket must get each reply to be allowed to send again
            reply, _ = self.client.request(req, {"type": "ping"})
            self.assert_pong(reply)

    def test_routers_lists_inventory_without_secrets(self):
        reply, raw = self.client.request(self.dealer, {"type": "routers"})
        self.assertEqual(set(reply), {"type", "routers"})
        self.assertEqual(reply["type"], "routers")
        with open(self.fleet.devices) as devices_file:
            devices = json.load(devices_file)
        by_name = {router["name"]: router for router in reply["routers"]}
        self.assertEqual(set(by_name), set(devices))
        self.assertEqual(len(reply["routers"]), len(devices))
        for name, router in by_name.items():
            self.assertEqual(set(router), {"name", "ip", "port", "username"}, router)
            self.assertTrue(is_int(router["port"]))
            self.assertEqual((router["ip"], router["port"], router["username"]),
                             (devices[name]["ip"], devices[name]["port"],
                              devices[name]["username"]))
        for secret in (FLEET_PASSWORD, b"password", b"secret", b"private_key", b"auth"):
            self.assertNotIn(secret, raw)

    # ---- 3: streamed results and the aggregate ----

    def test_submit_streams_router_results_then_job_result(self):
        job_id, routers = "py-1", ["r1", "r2", "r3", "r4", "r5"]
        sub = self.client.subscriber(self.dealer, results_prefix(job_id), job_topic(job_id))
        reply = self.ask({"type": "submit", "job_id": job_id, "command": "show version",
                          "routers": routers, "wait": False})
        self.assertEqual(reply, {"type": "accepted", "job_id": job_id, "total": 5,
                                 "node": reply.get("node"), "control_endpoint": self.daemon.jobs})
        self.assertTrue(is_int(reply["total"]))

        published = read_published(sub, 6)
        seen_seqs = {}
        for topic, result in published[:5]:
            router = result["router_name"]
            self.assertEqual(topic, result_topic(job_id, router))
            self.assert_router_result(result, job_id, router, "show version", 0, "success")
            self.assertIn(router, result["output"])  # show version prints the hostname
            self.assertEqual((result["exit_status"], result["truncated"]), (0, False))
            self.assertGreater(result["execution_duration"], 0.0)
            seen_seqs[router] = result["seq"]
        seqs = [result["seq"] for _, result in published[:5]]
        self.assertEqual(seqs, sorted(set(seqs)), "seqs must strictly increase")
        self.assertEqual(set(seen_seqs), set(routers))

        topic, aggregate = published[5]
        self.assertEqual(topic, job_topic(job_id))
        self.assert_job_result(aggregate, job_id, "done", "command", "show version",
                               {"total_routers": 5, "total": 5, "successful": 5, "failed": 0,
                                "cancelled": 0})
        self.assertEqual([r["router_name"] for r in aggregate["results"]], routers)
        self.assertEqual([r["seq"] for r in aggregate["results"]],
                         [seen_seqs[router] for router in routers])
        self.assertEqual(self.ask({"type": "result", "job_id": job_id}), aggregate)

    # ---- 4: wait:true, several commands, failures ----

    def test_wait_true_with_commands_and_failures(self):
        job_id, commands = "py-wait", ["show version", "show bogus"]
        routers = ["r1", "r6", "r2"]  # r6: auth_fail
        reply = self.ask({"type": "submit", "job_id": job_id, "commands": commands,
                          "routers": routers, "wait": True, "timeout": 10})
        self.assert_job_result(reply, job_id, "done", "commands", commands,
                               {"total_routers": 3, "total": 6, "successful": 2, "failed": 4,
                                "cancelled": 0})
        order = [(r["router_name"], r["command_index"]) for r in reply["results"]]
        self.assertEqual(order, [(router, index) for router in routers for index in (0, 1)])
        for result in reply["results"]:
            router, index = result["router_name"], result["command_index"]
            if router == "r6":
                error = self.assert_router_result(result, job_id, router, commands[index], index,
                                                  "failed")
                self.assertEqual(error["kind"], "auth", result)
            elif index == 0:
                self.assert_router_result(result, job_id, router, commands[0], 0, "success")
                self.assertEqual(result["exit_status"], 0)
            else:
                error = self.assert_router_result(result, job_id, router, commands[1], 1,
                                                  "failed")
                self.assertEqual((error["kind"], result["exit_status"]), ("exit_status", 1))
                self.assertIn("error", result["output"] + result["stderr"])

    # ---- replay: kept results by seq, page by page ----

    def test_replay_pages_through_kept_results(self):
        job_id, commands = "py-replay", ["show version", "show system uptime"]
        done = self.ask({"type": "submit", "job_id": job_id, "commands": commands,
                         "routers": ["r1", "r2", "r3"], "wait": True})
        by_seq = sorted(done["results"], key=lambda r: r["seq"])
        first, last = by_seq[0]["seq"], by_seq[-1]["seq"]

        pages, since = [], first - 1
        while True:
            page = self.ask({"type": "replay", "since_seq": since, "limit": 4, "job_id": job_id})
            self.assertEqual(list(page), ["type", "next_seq", "more", "oldest_seq", "last_seq",
                                          "results"], page)
            self.assertEqual(page["type"], "replay")
            self.assertIs(type(page["more"]), bool)
            for key in ("next_seq", "oldest_seq", "last_seq"):
                self.assertTrue(is_int(page[key]), (key, page))
            self.assertLessEqual(page["oldest_seq"], first)
            self.assertGreaterEqual(page["last_seq"], last)
            pages.append(page["results"])
            since = page["next_seq"]
            if not page["more"]:
                break
        self.assertEqual([len(p) for p in pages], [4, 2])
        self.assertEqual([r for p in pages for r in p], by_seq)

        tail = self.ask({"type": "replay", "since_seq": 2**64 - 1})
        self.assertEqual((tail["results"], tail["more"], tail["next_seq"]), ([], False, 2**64 - 1))

        for bad in ({"since_seq": -1}, {"since_seq": "1"}, {}, {"since_seq": 0, "limit": 0},
                    {"since_seq": 0, "limit": 1001}, {"since_seq": 0, "job_id": "a b"},
                    {"since_seq": 0, "routers": ["r1"]}):
            self.assert_error(self.ask({"type": "replay", **bad}), "bad_request")
        self.assert_error(self.ask({"type": "replay", "since_seq": 0, "job_id": "py-nope"}),
                          "not_found")

    # ---- 5: status, result, cancel ----

    def test_status_result_cancel_on_ended_and_unknown_jobs(self):
        job_id = "py-ended"
        done = self.ask({"type": "submit", "job_id": job_id, "command": "show system uptime",
                         "routers": ["r3", "r4"], "wait": True})
        self.assertEqual((done["type"], done["state"]), ("job_result", "done"))
        status = self.ask({"type": "status", "job_id": job_id})
        self.assert_status(status, job_id, {"done"})
        self.assertEqual((status["total"], status["completed"], status["successful"],
                          status["failed"]), (2, 2, 2, 0))
        self.assertEqual(self.ask({"type": "result", "job_id": job_id}), done)
        self.assert_status(self.ask({"type": "cancel", "job_id": job_id}), job_id, {"done"})
        for kind in ("status", "result", "cancel"):
            reply = self.ask({"type": kind, "job_id": "py-no-such-job"})
            self.assert_error(reply, "not_found")

    def test_cancel_aborts_routers_in_flight(self):
        job_id, routers = "py-cancel", ["r1", "r7", "r8"]  # r7, r8: hang_auth
        sub = self.client.subscriber(self.dealer, results_prefix(job_id), job_topic(job_id))
        reply = self.ask({"type": "submit", "job_id": job_id, "command": "show version",
                          "routers": routers, "timeout": 120})
        self.assertEqual(reply, {"type": "accepted", "job_id": job_id, "total": 3,
                                 "node": reply.get("node"), "control_endpoint": self.daemon.jobs})
        # r1's result proves the job runs; r7 and r8 started with it on idle workers.
        [(topic, first)] = read_published(sub, 1)
        self.assertEqual((topic, first["status"]), (result_topic(job_id, "r1"), "success"))
        self.assert_status(self.ask({"type": "status", "job_id": job_id}), job_id, {"running"})

        cancel = self.ask({"type": "cancel", "job_id": job_id})
        self.assert_status(cancel, job_id, {"running", "cancelled"})
        published = read_published(sub, 3, timeout_s=30)  # far below the 120 s timeout
        for topic, result in published[:2]:
            router = result["router_name"]
            self.assertEqual(topic, result_topic(job_id, router))
            self.assert_router_result(result, job_id, router, "show version", 0, "cancelled")
        topic, aggregate = published[2]
        self.assertEqual(topic, job_topic(job_id))
        self.assert_job_result(aggregate, job_id, "cancelled", "command", "show version",
                               {"total_routers": 3, "total": 3, "successful": 1, "failed": 0,
                                "cancelled": 2})
        self.assertEqual([r["status"] for r in aggregate["results"]],
                         ["success", "cancelled", "cancelled"])
        self.assert_status(self.ask({"type": "status", "job_id": job_id}), job_id, {"cancelled"})
        self.assertEqual(self.ask({"type": "result", "job_id": job_id}), aggregate)

    # ---- 6: bad input ----

    def test_bad_input_gets_error_replies_and_daemon_keeps_serving(self):
        submit = {"type": "submit", "command": "show version", "routers": ["r1"]}
        bad_requests = {
            "garbage bytes": b"\xc1\xff\x00 definitely not msgpack",
            "truncated msgpack": pack({"type": "ping", "pad": "x" * 40})[:-10],
            "array, not map": pack(["type", "ping"]),
            "missing type": pack({"job_id": "py-x"}),
            "unknown type": pack({"type": "frobnicate"}),
            "non-string type": pack({"type": 7}),
            "routers not a list": pack({**submit, "routers": "r1"}),
            "router name not a string": pack({**submit, "routers": [1]}),
            "command not a string": pack({**submit, "command": 42}),
            "commands empty": pack({"type": "submit", "commands": [], "routers": ["r1"]}),
            "wait not a bool": pack({**submit, "wait": "yes"}),
            "job_id charset": pack({**submit, "job_id": "bad id!"}),
            "job_id with a dot": pack({**submit, "job_id": "py.dot"}),
            "job_id too long": pack({**submit, "job_id": "j" * 65}),
            "job_id empty": pack({**submit, "job_id": ""}),
            "status without job_id": pack({"type": "status"}),
        }
        for name, raw in bad_requests.items():
            with self.subTest(name):
                self.assert_error(self.ask(raw), "bad_request")

        reply = self.ask({"type": "submit", "job_id": "py-unknown", "command": "show version",
                          "routers": ["r1", "nope1", "r2", "nope2"]})
        self.assert_error(reply, "unknown_routers")
        self.assertEqual(reply["routers"], ["nope1", "nope2"])
        self.assert_error(self.ask({"type": "status", "job_id": "py-unknown"}), "not_found")

        reply = self.ask({"type": "submit", "job_id": "py-reboot",
                          "commands": ["show version", "req sys reb"], "routers": ["r1"]})
        self.assert_error(reply, "forbidden_command")
        self.assertEqual(reply["job_id"], "py-reboot")
        self.assertIn("`req sys reb`", reply["message"])
        self.assert_error(self.ask({"type": "status", "job_id": "py-reboot"}), "not_found")

        first = self.ask({**submit, "job_id": "py-dup", "wait": True})
        self.assertEqual(first["type"], "job_result")
        # Idempotent: the same content again (keys in another order) is answered as a submit of
        # it was; other content under the same job_id is duplicate_job.
        again = self.ask({"routers": ["r1"], "job_id": "py-dup", "type": "submit",
                          "command": "show version"})
        # ... and says so: `resubmit` and when the job was first accepted.
        self.assertEqual(set(again),
                         {"type", "job_id", "total", "resubmit", "first_accepted_at"} | OWNER_KEYS,
                         again)
        self.assertEqual((again["type"], again["job_id"], again["total"], again["resubmit"]),
                         ("accepted", "py-dup", 1, True))
        self.assertEqual(again["node"], first["node"])
        self.assertNotIn("resubmit", first)
        waited = self.ask({**submit, "job_id": "py-dup", "wait": True})
        self.assertEqual(waited.pop("first_accepted_at"), again["first_accepted_at"])
        self.assertIs(waited.pop("resubmit"), True)
        self.assertEqual(waited, first)
        self.assert_error(self.ask({**submit, "job_id": "py-dup", "routers": ["r2"]}),
                          "duplicate_job")
        self.assert_error(self.ask({**submit, "job_id": "py-dup", "timeout": 3}), "duplicate_job")

        self.assert_pong(self.ask({"type": "ping"}))

    def test_assigned_job_id_is_valid(self):
        reply = self.ask({"type": "submit", "command": "show version", "routers": ["r2"]})
        self.assertEqual(set(reply), {"type", "job_id", "total"} | OWNER_KEYS)
        self.assertEqual((reply["type"], reply["total"]), ("accepted", 1))
        self.assertRegex(reply["job_id"], r"^[A-Za-z0-9_:-]{1,64}$")


def main():
    run_tests(BINARIES, __doc__)


if __name__ == "__main__":
    main()
