#!/usr/bin/python3
"""fleetsim's NETCONF byte by byte (issue 11): a raw paramiko client with its own tiny RFC 6242
framing checks what PyEZ hides: the hellos and their framing, chunks split across writes, the
message-id echoed, <close-session/>, the exact bytes of each framing fault, exec's
`| display json|xml` giving the same documents as NETCONF, netconf-only routers refusing exec,
and --netconf-port 830 writing junos-mcp-server's inventory unchanged.

Run: /usr/bin/python3 tests/integration/python/test_fleetsim_netconf.py --fanoutd PATH --fleetsim PATH
"""
import json
import os
import re
import socket
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

import paramiko

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fanout_harness import run_tests, Fleet  # noqa: E402

BINARIES = {}
EOM = b"]]>]]>"
BASE10 = "urn:ietf:params:netconf:base:1.0"
BASE11 = "urn:ietf:params:netconf:base:1.1"
NC = "{urn:ietf:params:xml:ns:netconf:base:1.0}"
TIMEOUT_S = 10
HUGE_BYTES = 300_000
FAULTS = {"r4": "netconf_broken_frame", "r5": "netconf_short_chunk",
          "r6": "netconf_short_chunk_close", "r7": "netconf_oversized",
          "r8": "netconf_rpc_error", "r9": "hang_auth", "r10": "netconf_hang_after_hello"}


def client_hello(base11=True):
    caps = f"<capability>{BASE10}</capability>"
    if base11:
        caps += f"<capability>{BASE11}</capability>"
    return (f'<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities>{caps}'
            f"</capabilities></hello>").encode()


def command_rpc(message_id, command, fmt=None):
    attribute = f' format="{fmt}"' if fmt else ""
    return (f'<nc:rpc xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" '
            f'message-id="{message_id}"><command{attribute}>{command}</command></nc:rpc>').encode()


def chunks(message, sizes=()):
    """message as 1.1 chunks of the given sizes (the rest in one last chunk), with the end."""
    out, at = b"", 0
    for size in (*sizes, len(message)):
        piece = message[at:at + size]
        if piece:
            out += b"\n#%d\n" % len(piece) + piece
        at += len(piece)
    return out + b"\n##\n"


class Session:
    """One SSH connection to a router with one channel; recv() is bounded by `timeout_s`."""

    def __init__(self, entry, known_hosts=None, subsystem=True):
        self.transport = paramiko.Transport((entry["ip"], entry["port"]))
        self.transport.start_client(timeout=TIMEOUT_S)
        if known_hosts:
            expected = paramiko.HostKeys(known_hosts).lookup(
                f"[{entry['ip']}]:{entry['port']}")
            key = self.transport.get_remote_server_key()
            assert expected and expected[key.get_name()] == key, "host key not in known_hosts"
        self.transport.auth_password(entry["username"], entry["auth"]["password"])
        self.channel = self.transport.open_session(timeout=TIMEOUT_S)
        self.channel.settimeout(TIMEOUT_S)
        if subsystem:
            self.channel.invoke_subsystem("netconf")
        self.buffer = b""

    def close(self):
        self.transport.close()

    def fill(self):
        """Reads more bytes into the buffer; False at EOF."""
        data = self.channel.recv(65536)
        self.buffer += data
        return bool(data)

    def until(self, marker):
        while marker not in self.buffer:
            if not self.fill():
                raise AssertionError(f"EOF before {marker!r}; got {self.buffer[-200:]!r}")
        at = self.buffer.index(marker)
        message, self.buffer = self.buffer[:at], self.buffer[at + len(marker):]
        return message

    def exactly(self, n):
        while len(self.buffer) < n:
            if not self.fill():
                raise AssertionError(f"EOF after {len(self.buffer)} of {n} bytes")
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def chunked_message(self):
        message = b""
        while True:
            start = self.exactly(2)
            assert start == b"\n#", f"a chunk header starts with \\n#, not {start!r}"
            size = self.until(b"\n")
            if size == b"#":
                return message
            assert re.fullmatch(rb"[1-9][0-9]*", size), f"bad chunk size {size!r}"
            message += self.exactly(int(size))

    def hello(self, base11=True):
        """Exchanges hellos; returns the server's, parsed."""
        server = ET.fromstring(self.until(EOM))
        self.channel.sendall(client_hello(base11) + EOM)
        return server

    def at_eof(self):
        """True once the server closed the channel (after whatever it still had to send)."""
        try:
            while self.fill():
                pass
        except socket.timeout:
            return False
        return True


def shape(element):
    """An element as comparable data: local tag name, attributes, text, children. (The NETCONF
    reply puts the document in the base namespace; the CLI's <rpc-reply> has none.)"""
    return (element.tag.rsplit("}", 1)[-1], sorted(element.attrib.items()),
            (element.text or "").strip(), [shape(child) for child in element])


def capabilities(hello):
    return [c.text for c in hello.iter(f"{NC}capability")]


class FleetsimNetconfTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temp = tempfile.TemporaryDirectory(prefix="fanout-ncraw-")
        cls.fleet = Fleet(BINARIES["fleetsim"], cls.temp.name, routers=10, faults=FAULTS,
                          extra_args=["--netconf-base10", "r2", "--netconf-only", "r3",
                                      "--huge-bytes", str(HUGE_BYTES), "--interfaces", "200"])
        with open(cls.fleet.devices) as devices_file:
            cls.devices = json.load(devices_file)

    @classmethod
    def tearDownClass(cls):
        exit_code = cls.fleet.stop()
        cls.temp.cleanup()
        if exit_code != 0:
            raise AssertionError(f"fleetsim exited {exit_code} after SIGTERM, expected 0")

    def session(self, name, **kwargs):
        s = Session(self.devices[name], **kwargs)
        self.addCleanup(s.close)
        return s

    def test_hello_offers_both_bases_and_a_session_id(self):
        s = self.session("r1", known_hosts=self.fleet.known_hosts)
        hello = s.hello()
        self.assertEqual(hello.tag, f"{NC}hello")
        self.assertIn(BASE10, capabilities(hello))
        self.assertIn(BASE11, capabilities(hello))
        self.assertRegex(hello.findtext(f"{NC}session-id"), r"^[1-9][0-9]*$")
        self.assertNotIn(BASE11, capabilities(self.session("r2").hello()))

    def test_chunked_rpc_split_across_chunks_and_writes(self):
        s = self.session("r1")
        s.hello(base11=True)
        framed = chunks(command_rpc("m-42", "show version", "text"), sizes=(7, 1, 30))
        for at in range(0, len(framed), 5):  # header and data split across writes
            s.channel.sendall(framed[at:at + 5])
        reply = ET.fromstring(s.chunked_message())
        self.assertEqual(reply.tag, f"{NC}rpc-reply")
        self.assertEqual(reply.get("message-id"), "m-42")
        self.assertIn("Hostname: r1\n", reply.findtext(f"{NC}output"))

    def test_end_of_message_framing_when_the_client_offers_base10_only(self):
        s = self.session("r1")
        s.hello(base11=False)
        s.channel.sendall(command_rpc("7", "show version", "xml") + EOM)
        reply = ET.fromstring(s.until(EOM))
        self.assertEqual(reply.get("message-id"), "7")
        self.assertEqual(reply.findtext(f"{NC}software-information/{NC}host-name"), "r1")

    def test_close_session_answers_ok_then_closes(self):
        s = self.session("r1")
        s.hello()
        s.channel.sendall(chunks(b'<rpc message-id="9"><close-session/></rpc>'))
        reply = ET.fromstring(s.chunked_message())
        self.assertIsNotNone(reply.find(f"{NC}ok"))
        self.assertTrue(s.at_eof())

    def test_a_bad_chunk_header_from_the_client_ends_the_session(self):
        s = self.session("r1")
        s.hello()
        s.channel.sendall(b"\n#x\n<rpc/>\n##\n")
        self.assertTrue(s.at_eof())

    def test_unknown_command_is_a_junos_rpc_error(self):
        s = self.session("r1")
        s.hello()
        s.channel.sendall(chunks(command_rpc("e1", "show bogus", "text")))
        error = ET.fromstring(s.chunked_message()).find(f"{NC}rpc-error")
        self.assertEqual(error.findtext(f"{NC}error-type"), "protocol")
        self.assertEqual(error.findtext(f"{NC}error-tag"), "operation-failed")
        self.assertEqual(error.findtext(f"{NC}error-severity"), "error")
        self.assertEqual(error.findtext(f"{NC}error-message"),
                         "syntax error, expecting <command>: bogus")
        self.assertEqual(error.findtext(f"{NC}error-info/{NC}bad-element"), "bogus")

    def exec(self, name, command):
        s = self.session(name, subsystem=False)
        s.channel.exec_command(command)
        while s.fill():
            pass
        return s.buffer.decode(), s.channel.recv_exit_status()

    def test_exec_display_json_and_xml_match_netconf(self):
        s = self.session("r1")
        s.hello()
        documents = {}
        for command in ("show version", "show interfaces terse", "show route summary"):
            s.channel.sendall(chunks(command_rpc("j", command, "json")))
            netconf_json = documents[command] = json.loads(ET.fromstring(s.chunked_message()).text)
            exec_json, status = self.exec("r1", command + " | display json | no-more")
            self.assertEqual(status, 0)
            self.assertEqual(json.loads(exec_json), netconf_json, command)
            s.channel.sendall(chunks(command_rpc("x", command, "xml")))
            netconf_xml = ET.fromstring(s.chunked_message())[0]
            exec_xml, _ = self.exec("r1", command + " | display xml")
            self.assertEqual(shape(ET.fromstring(exec_xml)[0]), shape(netconf_xml), command)
        terse = documents["show interfaces terse"]["interface-information"][0]["physical-interface"]
        self.assertEqual(len(terse), 200)
        self.assertEqual(terse[0]["name"], [{"data": "ge-0/0/0"}])
        text, _ = self.exec("r1", "show interfaces terse")
        physical = re.findall(r"^([a-z]+[-0-9/]*) +(?:up|down) +(?:up|down)$", text, re.M)
        self.assertEqual((len(physical), physical[-1]), (200, "ge-2/0/189"))

    def test_netconf_only_router_refuses_exec(self):
        self.assertEqual(self.devices["r3"]["transport"], "netconf")
        s = self.session("r3", subsystem=False)
        with self.assertRaises(paramiko.SSHException):
            s.channel.exec_command("show version")
        s = self.session("r3")
        self.assertIn(BASE11, capabilities(s.hello()))
        self.assertEqual(self.exec("r1", "show version")[1], 0)  # an ordinary router: both

    def test_broken_frame_bytes(self):
        s = self.session("r4")
        s.hello()
        s.channel.sendall(chunks(command_rpc("b", "show version", "text")))
        self.assertEqual(s.exactly(4), b"\n#zz")

    def test_short_chunk_announces_more_than_arrives(self):
        for name, closes in (("r5", False), ("r6", True)):
            s = self.session(name)
            s.hello()
            s.channel.sendall(chunks(command_rpc("s", "show version", "text")))
            self.assertEqual(s.exactly(2), b"\n#")
            announced = int(s.until(b"\n"))
            body = s.until(b"</rpc-reply>") + b"</rpc-reply>"
            self.assertEqual(announced, len(body) + 4096, name)
            if closes:
                self.assertTrue(s.at_eof())

    def test_oversized_reply(self):
        s = self.session("r7")
        s.hello()
        s.channel.sendall(chunks(command_rpc("o", "show version", "text")))
        reply = ET.fromstring(s.chunked_message())
        self.assertGreaterEqual(len(reply.findtext(f"{NC}output")), HUGE_BYTES)

    def test_rpc_error_for_every_rpc_but_close_session(self):
        s = self.session("r8")
        s.hello()
        for command in ("show version", "show bogus"):
            s.channel.sendall(chunks(command_rpc("r", command, "text")))
            error = ET.fromstring(s.chunked_message()).find(f"{NC}rpc-error")
            self.assertEqual(error.findtext(f"{NC}error-type"), "application")
        s.channel.sendall(chunks(b'<rpc message-id="c"><close-session/></rpc>'))
        self.assertIsNotNone(ET.fromstring(s.chunked_message()).find(f"{NC}ok"))

    def test_hangs_send_nothing(self):
        s = self.session("r9")  # hang_auth: the subsystem is accepted, no hello ever
        s.channel.settimeout(1)
        with self.assertRaises(socket.timeout):
            s.fill()
        s = self.session("r10")  # hello, then nothing
        s.hello()
        s.channel.sendall(chunks(command_rpc("h", "show version", "text")))
        s.channel.settimeout(1)
        with self.assertRaises(socket.timeout):
            s.fill()


class NetconfPortTest(unittest.TestCase):
    def test_another_netconf_port_keeps_the_transport_key(self):
        with tempfile.TemporaryDirectory(prefix="fanout-ncport-") as temp:
            fleet = Fleet(BINARIES["fleetsim"], temp, routers=3,
                          extra_args=["--netconf-only", "r3", "--netconf-port", "20830"])
            try:
                with open(fleet.devices) as devices_file:
                    devices = json.load(devices_file)
                self.assertEqual(devices["r3"]["ip"], "127.1.0.4")
                self.assertEqual(devices["r3"]["port"], 20830)
                self.assertEqual(devices["r3"]["transport"], "netconf")
                self.assertEqual(devices["r1"]["ip"], "127.0.0.1")
                s = Session(devices["r3"], known_hosts=fleet.known_hosts)
                try:
                    self.assertIn(BASE11, capabilities(s.hello()))
                finally:
                    s.close()
            finally:
                self.assertEqual(fleet.stop(), 0)

class Port830Test(unittest.TestCase):
    def test_netconf_port_830_writes_junos_mcp_server_entries(self):
        if os.geteuid() != 0:
            self.skipTest("binding port 830 needs root")
        with tempfile.TemporaryDirectory(prefix="fanout-nc830-") as temp:
            fleet = Fleet(BINARIES["fleetsim"], temp, routers=4,
                          extra_args=["--netconf-only-every", "2", "--netconf-port", "830"])
            try:
                with open(fleet.devices) as devices_file:
                    devices = json.load(devices_file)
                self.assertEqual(sorted(devices["r2"]), ["auth", "ip", "port", "username"])
                self.assertEqual((devices["r2"]["ip"], devices["r2"]["port"]), ("127.1.0.3", 830))
                self.assertEqual((devices["r4"]["ip"], devices["r4"]["port"]), ("127.1.0.5", 830))
                self.assertEqual(devices["r1"]["ip"], "127.0.0.1")
                self.assertNotEqual(devices["r1"]["port"], 830)
                s = Session(devices["r4"], known_hosts=fleet.known_hosts)
                try:
                    self.assertIn(BASE11, capabilities(s.hello()))
                finally:
                    s.close()
            finally:
                self.assertEqual(fleet.stop(), 0)


if __name__ == "__main__":
    run_tests(BINARIES, __doc__)
