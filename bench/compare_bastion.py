"""bench/compare's issue-12 cases: routers behind one real OpenSSH bastion.

Contract: bastion(runner, case, N) starts one fleetsim (key auth, L = 1 s) and one Debian
OpenSSH sshd on a loopback port as the bastion (its own temp dir and host key, an authorized
key for the current user, `AllowTcpForwarding yes`, OpenSSH's default MaxStartups, LogLevel
VERBOSE so that its log counts logins and MaxStartups drops). fanoutd runs on a fresh daemon
per run, --repeat times directly and --repeat times through the bastion (a `"role":
"bastion"` entry, `"jump": ["bastion"]` on every router, the bastion's host key added to the
known_hosts fanoutd uses), interleaved (direct, bastion, direct, ...); then pdsh and clush run
once through the same bastion with an ssh config file whose every router has `ProxyJump
bastion` (with --peers pdsh10 also pdsh -f 10, which stays below MaxStartups). Each row notes
the logins the bastion served during that run and, for the peers, the routers that failed on
the bastion's refusals (kex_exchange_identification / connection reset or closed). Everything started here is stopped, also on errors; traffic stays on 127.0.0.1.
"""

import copy
import json
import os
import re
import statistics
import subprocess
import time

import bench_runs
import peers

COMMAND = "show version"
# What an ssh whose ProxyJump connection the bastion dropped says (MaxStartups refuses a
# connection by closing it before the SSH banner).
REFUSED = re.compile(r"kex_exchange_identification|Connection reset|Connection closed|"
                     r"ssh_exchange_identification|banner exchange")


class Sshd:
    """Debian's /usr/sbin/sshd on 127.0.0.1:port, default MaxStartups, forwarding on."""

    def __init__(self, work_dir):
        self.dir = os.path.join(work_dir, "bastion")
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
        self.host_key = os.path.join(self.dir, "host_key")
        self.client_key = os.path.join(self.dir, "client_key")
        for path, comment in ((self.host_key, "bench-bastion-host"),
                              (self.client_key, "bench-bastion-client")):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f",
                            path], check=True)
        authorized = os.path.join(self.dir, "authorized_keys")
        with open(self.client_key + ".pub") as src, open(authorized, "w") as dst:
            dst.write(src.read())
        self.log_path = os.path.join(self.dir, "sshd.log")
        for attempt in range(5):
            self.port = _free_port()
            config = os.path.join(self.dir, "sshd_config")
            with open(config, "w") as f:
                f.write(f"ListenAddress 127.0.0.1\nPort {self.port}\nHostKey {self.host_key}\n"
                        f"PidFile {self.dir}/sshd.pid\nAuthorizedKeysFile {authorized}\n"
                        "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                        "PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n"
                        "PrintMotd no\nAllowTcpForwarding yes\nLogLevel VERBOSE\n")
            self.log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", config],
                                         stdout=self.log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and self.proc.poll() is None:
                if b"Server listening" in open(self.log_path, "rb").read():
                    break
                time.sleep(0.05)  # polling the log for sshd's ready line, bounded by the deadline
            if self.proc.poll() is None and b"Server listening" in open(self.log_path, "rb").read():
                break
            self.stop()
            if attempt == 4:
                raise RuntimeError(f"sshd did not start; see {self.log_path}")
        with open(self.host_key + ".pub") as f:
            self.known_hosts_line = f"[127.0.0.1]:{self.port} {' '.join(f.read().split()[:2])}\n"

    def counts(self):
        """(logins served, connections dropped past MaxStartups) since sshd started."""
        text = open(self.log_path, errors="replace").read()
        return text.count("Accepted publickey"), text.count("past MaxStartups")

    def stop(self):
        bench_runs.stop_process(self.proc)
        self.log.close()


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _behind(fleet, sshd, out_dir):
    """A view of the fleet whose inventory puts every router behind the bastion, and whose
    known_hosts also vouches for the bastion; plus the ssh config the peers use."""
    view = copy.copy(fleet)
    with open(fleet.inventory) as f:
        devices = json.load(f)
    for entry in devices.values():
        entry["jump"] = ["bastion"]
    devices["bastion"] = {"ip": "127.0.0.1", "port": sshd.port, "username": "root",
                          "role": "bastion",
                          "auth": {"type": "ssh_key", "private_key_path": sshd.client_key}}
    view.inventory = os.path.join(out_dir, "devices-behind-bastion.json")
    with open(view.inventory, "w") as f:
        json.dump(devices, f, indent=1)
    view.known_hosts = os.path.join(out_dir, "known_hosts.all")
    with open(fleet.known_hosts) as src, open(view.known_hosts, "w") as dst:
        text = src.read()
        dst.write(text + ("" if text.endswith("\n") else "\n") + sshd.known_hosts_line)
    common = (f"  UserKnownHostsFile {view.known_hosts}\n  GlobalKnownHostsFile /dev/null\n"
              "  StrictHostKeyChecking yes\n  BatchMode yes\n  ConnectTimeout 10\n"
              "  IdentitiesOnly yes\n  LogLevel ERROR\n")
    view.ssh_config = os.path.join(out_dir, "ssh_config.proxyjump")
    key = os.path.join(fleet.dir, "client_ed25519")
    with open(view.ssh_config, "w") as f:
        f.write(f"Host bastion\n  HostName 127.0.0.1\n  Port {sshd.port}\n  User root\n"
                f"  IdentityFile {sshd.client_key}\n{common}\n")
        for name, dev in devices.items():
            if name == "bastion":
                continue
            f.write(f"Host {name}\n  HostName {dev['ip']}\n  Port {dev['port']}\n"
                    f"  User {dev['username']}\n  IdentityFile {key}\n  ProxyJump bastion\n"
                    f"{common}\n")
    return view


def _refused_routers(err_path, names, answered_out):
    """Routers that did not answer and whose stderr lines show the bastion's refusal."""
    answered = set()
    for line in answered_out.decode(errors="replace").splitlines():
        host, _, text = line.partition(": ")
        if text == f"Hostname: {host}":
            answered.add(host)
    refused, first = set(), {}
    wanted = set(names)
    with open(err_path, errors="replace") as f:
        for line in f:
            # pdsh: "r5: kex_exchange_identification: ..."; clush: "r5: ..." or "clush: r5: ..."
            parts = line.strip().split(": ")
            host = next((p for p in parts[:2] if p in wanted), None)
            if host and host not in answered:
                first.setdefault(host, line.strip())
                if REFUSED.search(line):
                    refused.add(host)
    sample = next(iter(first.values()), "")
    return len(refused), sample


def _run_peer(tool, cmd, view, cap_s, err_path, env=None):
    run = peers._run_tree(tool, cmd, view, cap_s, env, stderr_path=err_path)
    m = peers._measurement(tool, view, run, cap_s, peers._lines_answered(run[5], view.names()))
    refused, sample = _refused_routers(err_path, view.names(), run[5])
    return m, refused, sample


def bastion(runner, case, routers):
    args = runner.args
    fleet = runner.fleet(case, routers, 1000)
    walls = {"direct": [], "bastion": []}
    logins = {"bastion": []}
    peers_facts = {}
    sshd = None
    try:
        sshd = Sshd(runner.work_dir)
        view = _behind(fleet, sshd, fleet.dir)
        for i in range(args.repeat):
            for where, inv in (("direct", fleet), ("bastion", view)):
                l0, d0 = sshd.counts()
                c0 = fleet.connections()
                service = peers.fanoutd_service(runner.fanoutd_bin, inv, os.path.join(
                    runner.work_dir, f"fanoutd-{case}-{where}-{i}"))
                try:
                    m = service.run_job(fleet.names(), COMMAND, f"fanoutd {where}",
                                        args.peer_cap)
                    pong_bastions = service._request({"type": "ping"}, 15).get("bastions")
                finally:
                    service.stop()
                l1, d1 = sshd.counts()
                conns = fleet.connections() - c0
                note = f"round {i + 1}, fresh fanoutd; load1 {m.load1:.1f}; {conns} router connects"
                if where == "bastion":
                    note += (f"; bastion logins {l1 - l0}, MaxStartups drops {d1 - d0}; "
                             f"ping bastions {pong_bastions}")
                    logins["bastion"].append(l1 - l0)
                runner.add(case, m, note)
                walls[where].append(m.wall_s)
                if where == "bastion" and m.failures:
                    peers_facts.setdefault("fanoutd_failures", []).append(m.failures)
        wanted = args.peers.split(",")
        # pdsh and clush through the same bastion, fan-out as in the other cases.
        # pdsh10: pdsh -f 10, the widest fan-out that stays below MaxStartups' start (10
        # unauthenticated connections), so that no router is refused (--peers pdsh10).
        for tool in ("pdsh", "clush", "pdsh10"):
            if tool not in wanted:
                continue
            err = os.path.join(runner.work_dir, f"{case}-{tool}.err")
            l0, d0 = sshd.counts()
            if tool.startswith("pdsh"):
                width = "10" if tool == "pdsh10" else "32"
                env = dict(os.environ, PDSH_SSH_ARGS=f"-F {view.ssh_config} -x -a -l%u %h")
                env.pop("PDSH_SSH_ARGS_APPEND", None)
                cmd = ["pdsh", "-S", "-R", "ssh", "-l", "fanout", "-f", width, "-t", "10", "-u",
                       "31", "-w", f"r[1-{routers}]", COMMAND]
                m, refused, sample = _run_peer(f"pdsh -f {width} (ProxyJump)", cmd, view,
                                               args.peer_cap, err, env)
            else:
                cmd = ["clush", "-f", "64", "-t", "10", "-u", "31", "-o", f"-F {view.ssh_config}",
                       "-l", "fanout", "-w", f"r[1-{routers}]", COMMAND]
                m, refused, sample = _run_peer("clush -f 64 (ProxyJump)", cmd, view,
                                               args.peer_cap, err)
            l1, d1 = sshd.counts()
            runner.add(case, m, f"load1 {m.load1:.1f}; bastion logins {l1 - l0}, MaxStartups "
                       f"drops {d1 - d0}; routers refused by the bastion {refused}"
                       + (f" (first stderr: {sample[:100]})" if sample else ""))
            peers_facts[tool] = {"wall_s": m.wall_s, "ok": m.ok, "logins": l1 - l0,
                                 "maxstartups_drops": d1 - d0, "refused_routers": refused}
    finally:
        if sshd:
            sshd.stop()
        fleet.stop()
    runner.facts[case] = {"routers": routers,
                          "walls": {k: _spread(v) for k, v in walls.items() if v},
                          "bastion_logins": logins["bastion"], "peers": peers_facts}


def _spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


def targets(facts):
    out = []
    for case in ("bastion100", "bastion1000"):
        f = facts.get(case)
        if not f or "bastion" not in f["walls"] or "direct" not in f["walls"]:
            continue
        n = f["routers"]
        d, b = f["walls"]["direct"]["median"], f["walls"]["bastion"]["median"]
        out.append((f"N={n}, L=1 s: fanoutd behind one bastion within 1.5x of direct (medians)",
                    f"{b:.2f} s vs {d:.2f} s ({b / d:.2f}x)", b / d <= 1.5))
        for tool, p in f["peers"].items():
            if tool not in ("pdsh", "clush", "pdsh10"):
                continue
            out.append((f"N={n}: fanoutd >= 10x faster than {tool} through the same bastion",
                        f"{p['wall_s']:.2f} s / {b:.2f} s = {p['wall_s'] / b:.1f}x "
                        f"({p['ok']}/{n} answered)", p["wall_s"] / b >= 10))
        lost = f["peers"].get("fanoutd_failures")
        out.append((f"N={n}: no fanoutd router lost to MaxStartups",
                    f"failures {lost}" if lost else "none failed", not lost))
    return out
