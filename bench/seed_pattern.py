#!/usr/bin/python3
"""The seed's batch pattern, as a benchmark peer: junos-mcp-server's execute_junos_command_batch.

Contract: reads a junos-mcp-server devices.json, runs one command on the named routers with
`asyncio.gather` over `anyio.to_thread.run_sync` (anyio's default limiter: 40 threads), one
fresh paramiko SSH connection per router, no retries, no reuse, exactly as the seed does per
call. Host keys are not verified (the seed's PyEZ default). Prints the seed's aggregate
({"summary": {...}, "results": [...]}) as JSON on stdout; exit 0 when every router succeeded.
Usage: seed_pattern.py DEVICES_JSON COMMAND ROUTER... [--timeout S]
"""

import asyncio
import json
import sys
import time
from datetime import datetime, timezone

import anyio
import paramiko


def utc_now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def run_on_router(device, name, command, timeout_s):
    start, t0 = utc_now(), time.monotonic()
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
        output = stdout.read().decode(errors="replace")
        status = "success"
    except Exception as e:  # the seed turns every failure into an "Error: ..." output
        output, status = f"Error: {e}", "failed"
    finally:
        client.close()
    return {"router_name": name, "status": status, "output": output,
            "execution_duration": round(time.monotonic() - t0, 3), "start_time": start,
            "end_time": utc_now()}


async def batch(devices, names, command, timeout_s):
    return await asyncio.gather(*[
        anyio.to_thread.run_sync(run_on_router, devices[n], n, command, timeout_s) for n in names])


def main(argv):
    timeout_s = 360.0
    if "--timeout" in argv:
        i = argv.index("--timeout")
        timeout_s = float(argv[i + 1])
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
