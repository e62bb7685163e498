"""The batch half the two seed peers share (seed_pattern.py: paramiko SSH; seed_pyez.py: PyEZ
NETCONF): junos-mcp-server's execute_junos_command_batch around a per-router function.

Contract: `main(argv, run_one, doc)` parses `DEVICES_JSON COMMAND ROUTER... [--timeout S]`,
calls `run_one(device, command, timeout_s)` for every router with `asyncio.gather` over
`anyio.to_thread.run_sync` (anyio's default limiter: 40 threads), as the seed does. `run_one`
returns the router's output text or raises; an exception becomes the seed's "Error: ..." output
with status "failed". Prints the seed's aggregate ({"summary": {...}, "results": [...]}) as
JSON on stdout and returns 0 when every router succeeded, 1 otherwise.
"""

import asyncio
import json
import sys
import time
from datetime import datetime, timezone

import anyio


def utc_now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def timed_result(run_one, device, name, command, timeout_s):
    start, t0 = utc_now(), time.monotonic()
    try:
        output, status = run_one(device, command, timeout_s), "success"
    except Exception as e:  # the seed turns every failure into an "Error: ..." output
        output, status = f"Error: {e}", "failed"
    return {"router_name": name, "status": status, "output": output,
            "execution_duration": round(time.monotonic() - t0, 3), "start_time": start,
            "end_time": utc_now()}


async def batch(run_one, devices, names, command, timeout_s):
    return await asyncio.gather(*[
        anyio.to_thread.run_sync(timed_result, run_one, devices[n], n, command, timeout_s)
        for n in names])


def main(argv, run_one, doc):
    timeout_s = 360.0
    if "--timeout" in argv:
        i = argv.index("--timeout")
        timeout_s = float(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) < 3:
        sys.exit(doc)
    with open(argv[0]) as f:
        devices = json.load(f)
    command, names = argv[1], argv[2:]
    t0 = time.monotonic()
    results = asyncio.run(batch(run_one, devices, names, command, timeout_s))
    ok = sum(r["status"] == "success" for r in results)
    json.dump({"summary": {"command": command, "total_routers": len(names), "successful": ok,
                           "failed": len(names) - ok,
                           "total_duration": round(time.monotonic() - t0, 3)},
               "results": results}, sys.stdout)
    return 0 if ok == len(names) else 1
