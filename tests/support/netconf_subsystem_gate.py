#!/usr/bin/python3
"""Runs yuma123's netconf-subsystem (argv[1:]) as sshd's netconf subsystem, and hands it the
client's bytes only once netconfd has spoken (its hello), so netconfd never reads its
ncx-connect and the client's hello together.

Why: netconf-subsystem writes ncx-connect to netconfd's socket and at once whatever the client
already sent (a client sends its hello as soon as the channel opens, RFC 6241 8.1). When both
reach netconfd in one read, netconfd leaves the hello unread until more input comes, and a test
that waits for the hello to be taken before its first RPC (netconfd_server::wait_until_active)
would wait forever. Event-driven: the client's bytes wait here until netconfd's first bytes
have passed. Used by tests/support/netconfd_server.cpp.
"""
import os
import select
import subprocess
import sys

child = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
to_child, from_child = child.stdin.fileno(), child.stdout.fileno()
held = b""
server_spoke = False
client_open = True
while True:
    watched = [from_child] + ([0] if client_open else [])
    ready, _, _ = select.select(watched, [], [])
    if from_child in ready:
        data = os.read(from_child, 65536)
        if not data:
            break
        os.write(1, data)
        if not server_spoke:
            server_spoke = True
            if held:
                os.write(to_child, held)
                held = b""
            if not client_open:
                child.stdin.close()
    if client_open and 0 in ready:
        data = os.read(0, 65536)
        if not data:
            client_open = False
            if server_spoke:
                child.stdin.close()
        elif server_spoke:
            os.write(to_child, data)
        else:
            held += data
status = child.wait()
sys.exit(status if status >= 0 else 128 - status)  # killed by signal N: 128+N, as a shell says
