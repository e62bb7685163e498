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

import asyncio
import json
import sys
import time
import warnings
from datetime import datetime, timezone

import anyio
from jnpr.junos import Device

# ncclient 0.6.13 calls Thread.setDaemon(), deprecated since Python 3.10: keep stderr quiet.
warnings.filterwarnings("ignore", category=DeprecationWarning)


def utc_now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def connection_params(device, timeout_s):
    """junos-mcp-server's prepare_connection_params for one devices.json entry."""
    params = dict(host=device["ip"], port=int(device["port"]), user=device["username"],
                  gather_facts=False, timeout=timeout_s)
    auth = device.get("auth", {})
    if auth.get("type") == "ssh_key":
        params["ssh_private_key_file"] = auth["private_key_path"]
    else:
        params["password"] = auth.get("password", device.get("password"))
    return params


def run_junos_cli_command(device, name, command, timeout_s):
    """One router, as junos-mcp-server's _run_junos_cli_command runs it."""
    start, t0 = utc_now(), time.monotonic()
    try:
        with Device(**connection_params(device, timeout_s)) as dev:  # the with block opens and closes
            dev.timeout = timeout_s
            output = dev.cli(command, warning=False)
        status = "success"
    except Exception as e:  # the seed turns every failure into an "Error: ..." output
        output, status = f"Error: {e}", "failed"
    return {"router_name": name, "status": status, "output": output,
            "execution_duration": round(time.monotonic() - t0, 3), "start_time": start,
            "end_time": utc_now()}


async def batch(devices, names, command, timeout_s):
    return await asyncio.gather(*[
        anyio.to_thread.run_sync(run_junos_cli_command, devices[n], n, command, timeout_s)
        for n in names])


def main(argv):
    timeout_s = 360
    if "--timeout" in argv:
        i = argv.index("--timeout")
        timeout_s = int(float(argv[i + 1]))
        del argv[i:i + 2]
    if len(argv) < 3:
        sys.exit(__doc__)
    with open(argv[0]) as f:
        devices = json.load(f)
    command, names = argv[1], argv[2:]
    t0 = time.monotonic()
    results = asyncio.run(batch(devices, names, command, timeout_s))
    ok = sum(r["status"] == "success" for r in results)
    json.dump({"summary": {"command": command, "total_routers": len(names), "successful": ok,
                           "failed": len(names) - ok,
                           "total_duration": round(time.monotonic() - t0, 3)},
               "results": results}, sys.stdout)
    return 0 if ok == len(names) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
