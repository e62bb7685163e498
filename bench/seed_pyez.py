#!/usr/bin/python3
"""The seed system itself, as a benchmark peer: junos-mcp-server's execute_junos_command_batch
over NETCONF, with PyEZ, as it is written.

Contract: reads a junos-mcp-server devices.json and runs one command on the named routers the
way junos-mcp-server's batch path does: `asyncio.gather` over `anyio.to_thread.run_sync`
(anyio's default limiter: 40 threads), and per router a fresh PyEZ
`Device(host, port, user, ssh_private_key_file | password, gather_facts=False)`, `open()`,
`cli(command, warning=False)`, `close()`: one NETCONF session per router per call, no retries,
no reuse. Host keys are not verified (PyEZ hard-codes hostkey_verify=False). Prints the seed's
aggregate ({"summary": {...}, "results": [...]}) as JSON on stdout; exit 0 when every router
succeeded. Needs Debian's python3-junos-eznc and python3-anyio.
Usage: seed_pyez.py DEVICES_JSON COMMAND ROUTER... [--timeout S]
"""

import sys
import warnings

from jnpr.junos import Device

import seed_batch

# ncclient 0.6.13 calls Thread.setDaemon(), deprecated since Python 3.10: keep stderr quiet.
warnings.filterwarnings("ignore", category=DeprecationWarning)


def connection_params(device, timeout_s):
    """junos-mcp-server's prepare_connection_params for one devices.json entry."""
    params = dict(host=device["ip"], port=int(device["port"]), user=device["username"],
                  gather_facts=False, timeout=int(timeout_s))
    auth = device.get("auth", {})
    if auth.get("type") == "ssh_key":
        params["ssh_private_key_file"] = auth["private_key_path"]
    else:
        params["password"] = auth.get("password", device.get("password"))
    return params


def run_junos_cli_command(device, command, timeout_s):
    """One router, as junos-mcp-server's _run_junos_cli_command runs it."""
    with Device(**connection_params(device, timeout_s)) as dev:  # the with block opens and closes
        dev.timeout = int(timeout_s)
        return dev.cli(command, warning=False)


if __name__ == "__main__":
    sys.exit(seed_batch.main(sys.argv[1:], run_junos_cli_command, __doc__))
