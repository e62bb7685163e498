#!/usr/bin/python3
"""The seed's batch pattern, as a benchmark peer: junos-mcp-server's execute_junos_command_batch.

Contract (the batch half is seed_batch.py): reads a junos-mcp-server devices.json, runs one
command on the named routers with `asyncio.gather` over `anyio.to_thread.run_sync` (anyio's
default limiter: 40 threads), one fresh paramiko SSH connection per router, no retries, no
reuse, exactly as the seed does per call. Host keys are not verified (the seed's PyEZ default). Prints the seed's aggregate
({"summary": {...}, "results": [...]}) as JSON on stdout; exit 0 when every router succeeded.
Usage: seed_pattern.py DEVICES_JSON COMMAND ROUTER... [--timeout S]
"""

import sys

import paramiko

import seed_batch


def run_on_router(device, command, timeout_s):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        auth = device.get("auth", {})
        kwargs = dict(hostname=device["ip"], port=int(device["port"]), username=device["username"],
                      timeout=timeout_s, banner_timeout=timeout_s, auth_timeout=timeout_s,
                      look_for_keys=False, allow_agent=False)
        if auth.get("type") == "ssh_key":
            kwargs["key_filename"] = auth["private_key_path"]
        else:
            kwargs["password"] = auth.get("password", device.get("password"))
        client.connect(**kwargs)
        _, stdout, _ = client.exec_command(command, timeout=timeout_s)
        return stdout.read().decode(errors="replace")
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(seed_batch.main(sys.argv[1:], run_on_router, __doc__))
