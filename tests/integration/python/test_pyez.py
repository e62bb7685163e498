#!/usr/bin/python3
"""A foreign NETCONF client proves fleetsim (issue 11): PyEZ (Debian's python3-junos-eznc, with
ncclient and paramiko) drives fleetsim's netconf subsystem exactly as junos-mcp-server does:
Device(host, port, user, ssh_private_key_file, gather_facts=False), open(), cli(). Both framings
(base:1.1 chunks, and base:1.0 with --netconf-base10), the XML documents, Junos-style
<rpc-error>s, a netconf-only router, the session count, and every NETCONF fault as PyEZ sees it.

PyEZ connects with hostkey_verify=False (device.py hard-codes it), so no known_hosts is needed.

Run: /usr/bin/python3 tests/integration/python/test_pyez.py --fanoutd PATH --fleetsim PATH
"""
import json
import os
import sys
import tempfile
import unittest
import warnings
from jnpr.junos import Device
from jnpr.junos.exception import ConnectClosedError, RpcError, RpcTimeoutError
from lxml import etree
from ncclient.transport.session import NetconfBase

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fanout_harness import run_tests, Fleet  # noqa: E402

BINARIES = {}
HUGE_BYTES = 2_000_000
FAULTS = {"r4": "netconf_hang_after_hello", "r5": "netconf_hang_rpc",
          "r6": "netconf_broken_frame", "r7": "netconf_broken_frame",
          "r8": "netconf_short_chunk", "r9": "netconf_short_chunk_close",
          "r10": "netconf_oversized", "r11": "netconf_rpc_error", "r12": "netconf_oversized"}
BASE10 = ("r2", "r7", "r12")
RPC_TIMEOUT_S = 3  # what a hung fault costs a test; nothing waits for it to pass otherwise


class PyezTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # ncclient 0.6.13 calls Thread.setDaemon(), deprecated since Python 3.10. (Here, not at
        # import: unittest resets the warning filters before running the tests.)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="ncclient")
        cls.temp = tempfile.TemporaryDirectory(prefix="fanout-pyez-")
        args = ["--key-auth-every", "1", "--interfaces", "200", "--netconf-only", "r3",
                "--huge-bytes", str(HUGE_BYTES)]
        for name in BASE10:
            args += ["--netconf-base10", name]
        cls.fleet = Fleet(BINARIES["fleetsim"], cls.temp.name, routers=12, faults=FAULTS,
                          extra_args=args)
        with open(cls.fleet.devices) as devices_file:
            cls.devices = json.load(devices_file)

    @classmethod
    def tearDownClass(cls):
        exit_code = cls.fleet.stop()
        cls.temp.cleanup()
        if exit_code != 0:
            raise AssertionError(f"fleetsim exited {exit_code} after SIGTERM, expected 0")

    def device(self, name):
        """An open Device, built from devices.json as junos-mcp-server's
        prepare_connection_params does for an ssh_key entry; closed at the end of the test."""
        entry = self.devices[name]
        dev = Device(host=entry["ip"], port=entry["port"], user=entry["username"],
                     ssh_private_key_file=entry["auth"]["private_key_path"],
                     gather_facts=False)
        dev.open()
        dev.timeout = RPC_TIMEOUT_S
        self.addCleanup(close_quietly, dev)
        return dev

    def test_cli_text_over_chunked_framing(self):
        dev = self.device("r1")
        self.assertEqual(dev._conn._session._base, NetconfBase.BASE_11)
        text = dev.cli("show version", warning=False)
        self.assertIn("Hostname: r1\nModel: mx960\nJunos: 23.4R1.10\n", text)

    def test_cli_text_over_end_of_message_framing(self):
        dev = self.device("r2")
        self.assertEqual(dev._conn._session._base, NetconfBase.BASE_10)
        self.assertIn("Hostname: r2\n", dev.cli("show version", warning=False))
        self.assertIn("inet.0: ", dev.cli("show route summary", warning=False))

    def test_xml_documents(self):
        for name in ("r1", "r2"):
            dev = self.device(name)
            version = dev.rpc.cli("show version", format="xml")
            self.assertEqual(version.tag, "software-information")
            self.assertEqual(version.findtext("host-name"), name)
            self.assertEqual(version.findtext("junos-version"), "23.4R1.10")
            terse = dev.rpc.cli("show interfaces terse", format="xml")
            self.assertEqual(terse.tag, "interface-information")
            self.assertEqual(len(terse.findall("physical-interface")), 200)  # --interfaces 200
            uptime = dev.rpc.cli("show system uptime", format="xml")
            self.assertEqual(uptime.findtext("uptime-information/active-user-count"), "1")
            routes = dev.rpc.cli("show route summary", format="xml")
            self.assertEqual(routes.findtext("route-table/table-name"), "inet.0")

    def test_json_document_through_ncclient(self):
        # PyEZ's format="json" needs facts (the Junos version), so ask ncclient directly.
        dev = self.device("r1")
        reply = dev._conn.command("show version", format="json")
        document = json.loads(reply.xpath("/rpc-reply")[0].text)
        info = document["software-information"][0]
        self.assertEqual(info["host-name"], [{"data": "r1"}])
        self.assertEqual(info["junos-version"][0]["data"], "23.4R1.10")

    def test_unknown_command_is_an_rpc_error(self):
        dev = self.device("r1")
        with self.assertRaises(RpcError) as raised:
            dev.rpc.cli("show bogus", format="xml")
        self.assertEqual(raised.exception.rpc_error["message"],
                         "syntax error, expecting <command>: bogus")
        self.assertEqual(raised.exception.rpc_error["bad_element"], "bogus")
        self.assertEqual(raised.exception.rpc_error["severity"], "error")
        # dev.cli (junos-mcp-server's call) turns the RpcError into text.
        self.assertTrue(dev.cli("show bogus", warning=False).startswith(
            "invalid command: show bogus: "))
        self.assertIn("Hostname: r1", dev.cli("show version", warning=False))  # still usable

    def test_netconf_only_router_serves_netconf(self):
        self.assertEqual(self.devices["r3"].get("transport"), "netconf")
        self.assertNotIn("transport", self.devices["r1"])
        self.assertIn("Hostname: r3", self.device("r3").cli("show version", warning=False))

    def test_one_session_per_device_reused_by_its_commands(self):
        before = self.fleet.counters()
        dev = self.device("r1")
        for _ in range(3):
            dev.cli("show version", warning=False)
        dev.close()
        after = self.fleet.counters()
        self.assertEqual(after["netconf_sessions"] - before["netconf_sessions"], 1)
        self.assertEqual(after["connections"] - before["connections"], 1)
        self.assertEqual(after["netconf_rpcs"] - before["netconf_rpcs"], 4)  # + close-session

    def test_hang_after_hello_times_out(self):
        dev = self.device("r4")  # the hello came: open() succeeds
        with self.assertRaises(RpcTimeoutError):
            dev.rpc.cli("show version", format="text")

    def test_hang_in_rpc_times_out(self):
        dev = self.device("r5")
        with self.assertRaises(RpcTimeoutError):
            dev.rpc.cli("show version", format="text")

    def test_broken_frame_never_gives_a_reply(self):
        dev = self.device("r6")  # garbage chunk header: ncclient's framing error, then nothing
        with self.assertRaises(RpcTimeoutError):
            dev.rpc.cli("show version", format="text")
        dev = self.device("r7")  # base:1.0, a reply cut short before ]]>]]>: not XML
        with self.assertRaises(etree.XMLSyntaxError):
            dev.rpc.cli("show version", format="text")

    def test_short_chunk_times_out_or_closes(self):
        dev = self.device("r8")
        with self.assertRaises(RpcTimeoutError):
            dev.rpc.cli("show version", format="text")
        dev = self.device("r9")
        with self.assertRaises((RpcTimeoutError, ConnectClosedError)):
            dev.rpc.cli("show version", format="text")

    def test_oversized_reply(self):
        for name in ("r10", "r12"):
            dev = self.device(name)
            dev.timeout = 60
            output = dev.rpc.cli("show version", format="text")
            self.assertGreaterEqual(len(output.text), HUGE_BYTES)
            self.assertIn(f"{name} mib2d", output.text)

    def test_rpc_error_for_every_rpc(self):
        dev = self.device("r11")
        for command in ("show version", "show bogus"):
            with self.assertRaises(RpcError) as raised:
                dev.rpc.cli(command, format="xml")
            self.assertIn("injected rpc-error", raised.exception.rpc_error["message"])


def close_quietly(dev):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            dev.close()
        except Exception:  # a faulty router's session may be gone or hung already
            pass


if __name__ == "__main__":
    run_tests(BINARIES, __doc__)
