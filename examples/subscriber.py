#!/usr/bin/env python3
"""A sample fanout subscriber: prints every router result and job aggregate from fanoutd's PUB
socket, or with JOB_ID only that job's. Needs Debian's python3-zmq and python3-msgpack.

usage: subscriber.py [ENDPOINT [JOB_ID]]   (default tcp://127.0.0.1:5556, or $FANOUT_RESULTS)
"""
import os
import sys

import msgpack
import zmq


def main():
    endpoint = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "FANOUT_RESULTS", "tcp://127.0.0.1:5556")
    sub = zmq.Context.instance().socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.connect(endpoint)
    if len(sys.argv) > 2:
        # One job, exactly (protocol/PROTOCOL.md): job ids have no dot, topics end with "\n".
        job_id = sys.argv[2]
        sub.setsockopt(zmq.SUBSCRIBE, f"result.{job_id}.".encode())
        sub.setsockopt(zmq.SUBSCRIBE, f"job.{job_id}\n".encode())
    else:
        sub.setsockopt(zmq.SUBSCRIBE, b"result.")
        sub.setsockopt(zmq.SUBSCRIBE, b"job.")
    print(f"subscribed to {endpoint}", flush=True)
    while True:
        _topic, body = sub.recv_multipart()
        msg = msgpack.unpackb(body, raw=False)
        if msg["type"] == "router_result":
            err = msg["error"]["kind"] if msg["error"] else ""
            print(f'{msg["job_id"]} {msg["router_name"]:10} {msg["status"]:9} '
                  f'{msg["execution_duration"]:.3f}s {err}', flush=True)
        elif msg["type"] == "job_result":
            s = msg["summary"]
            print(f'{msg["job_id"]} {msg["state"]}: {s["successful"]}/{s["total"]} ok, '
                  f'{s["failed"]} failed, {s["cancelled"]} cancelled in '
                  f'{s["total_duration"]:.2f}s', flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
