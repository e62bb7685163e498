"""bench/compare's issue-11 cases: NETCONF against SSH exec, the seed system, format json's CPU.

Contract: each case takes bench/compare's Runner, starts its own fleetsim (key auth, L = 1 s)
and fanoutd processes, stops them all (also on errors), adds one row per run with
Runner.add, and stores its medians in Runner.facts for targets(). The compared variants run
interleaved (A, B, A, B, ...) so that load from other processes on the machine falls on both
alike; every run is kept, and the medians and spreads (min-max) are reported.
"""

import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys

import bench_runs
import peers

COMMAND = "show version"
TERSE = "show interfaces terse"


def _spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


def _over(transport):
    """A router answered `show version` over this transport."""
    return lambda r: bench_runs._says_hostname(r) and r.get("transport") == transport


def transports(runner, case, routers):
    """fanoutd over exec and over NETCONF on one fleet, a fresh fanoutd per run (cold sessions),
    interleaved with the seed system (bench/seed_pyez.py) in the first --seed-runs rounds."""
    args = runner.args
    fleet = runner.fleet(case, routers, 1000)
    walls = {"ssh": [], "netconf": [], "seed": []}
    cpus = {"ssh": [], "netconf": []}
    try:
        for i in range(args.repeat):
            for transport in ("ssh", "netconf"):
                service = runner.daemon(fleet, f"{case}-{transport}-{i}",
                                        ("--default-transport", transport))
                try:
                    m = service.run_job(fleet.names(), COMMAND, f"fanoutd over {transport}",
                                        args.peer_cap, answered=_over(transport))
                finally:
                    service.stop()
                runner.add(case, m, f"round {i + 1}, fresh fanoutd")
                walls[transport].append(m.wall_s)
                cpus[transport].append(m.cpu_s)
            if i < args.seed_runs:
                m = runner.add(case, peers.run_seed_pyez(fleet, COMMAND, args.peer_cap),
                               f"round {i + 1}")
                walls["seed"].append(m.wall_s)
    finally:
        fleet.stop()
    runner.facts[case] = {"walls": {k: _spread(v) for k, v in walls.items() if v},
                          "cpu": {k: _spread(v) for k, v in cpus.items() if v}}


def _perf_start(pid, path):
    if not shutil.which("perf"):
        return None
    return subprocess.Popen(["perf", "record", "-q", "-F", "999", "-p", str(pid), "-o", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _perf_share(proc, path):
    """Share of the samples whose symbol is the JSON-to-msgpack conversion: json_to_msgpack and
    what it calls out of line (the simdjson fast path: all of libsimdjson and the tree walk in
    daemon/structured; the nlohmann reference: its lexer and SAX parser; msgpack_builder).
    Flat profile (self time, no call graphs): anything inlined into json_to_msgpack counts as
    it. Not counted: the memcpy of the input into simdjson's padded buffer (libc's memmove)."""
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    report = subprocess.run(["perf", "report", "-i", path, "--no-children", "--sort", "dso,symbol",
                             "--stdio", "--percent-limit", "0"],
                            capture_output=True, text=True).stdout
    share, top = 0.0, []
    for line in report.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "%" not in line:
            continue
        pct, _, sym = line.partition("%")
        try:
            value = float(pct)
        except ValueError:
            continue
        if any(k in sym for k in ("json_to_msgpack", "nlohmann", "msgpack_builder", "json_sax",
                                  "libsimdjson", "simdjson::", "daemon::structured::")):
            share += value
            top.append((value, sym.strip()[:100]))
    return share, sorted(top, reverse=True)[:5]


def json_cpu(runner, case, routers):
    """format text against format json on a 200-interface `show interfaces terse`: one long-lived
    fanoutd per (transport, format), a cold job then --repeat pooled jobs each, interleaved."""
    args = runner.args
    fleet = runner.fleet(case, routers, 1000, ["--interfaces", "200"])
    variants = [(t, f) for t in ("ssh", "netconf") for f in ("text", "json")]
    services, cpu, wall, size, perf = {}, {}, {}, {}, {}

    def answered(transport, fmt):
        def ok(r):
            good = r.get("status") == "success" and r.get("transport") == transport
            return good and ("data" in r if fmt == "json" else "Interface" in r.get("output", ""))
        return ok

    try:
        for t, f in variants:
            services[(t, f)] = runner.daemon(fleet, f"{case}-{t}-{f}", ("--default-transport", t))
        for i in range(args.repeat + 1):
            run = "cold" if i == 0 else "pooled"
            for t, f in variants:
                service = services[(t, f)]
                profiler = None
                if args.perf and f == "json" and run == "pooled":
                    profiler = _perf_start(service.proc.pid, os.path.join(
                        runner.work_dir, f"perf-{t}-{i}.data"))
                m = service.run_job(fleet.names(), TERSE, f"fanoutd {t}, format {f} ({run})",
                                    args.peer_cap, fmt=f if f == "json" else None,
                                    answered=answered(t, f))
                if profiler:
                    perf.setdefault(t, []).append(_perf_share(
                        profiler, os.path.join(runner.work_dir, f"perf-{t}-{i}.data")))
                results = service.last_reply.get("results", [])
                size[(t, f)] = sum(len(r.get("output", "")) for r in results) / max(1, len(results))
                runner.add(case, m, f"round {i}; {size[(t, f)] / 1024:.1f} KiB output per router")
                cpu.setdefault((t, f, run), []).append(m.cpu_s)
                wall.setdefault((t, f, run), []).append(m.wall_s)
    finally:
        for service in services.values():
            service.stop()
        fleet.stop()
    facts = {}
    for t in ("ssh", "netconf"):
        for run in ("cold", "pooled"):
            text, js = cpu.get((t, "text", run)), cpu.get((t, "json", run))
            if not text or not js:
                continue
            share = (statistics.median(js) - statistics.median(text)) / statistics.median(js)
            facts[f"{t}/{run}"] = {"cpu_text": _spread(text), "cpu_json": _spread(js),
                                   "wall_text": _spread(wall[(t, "text", run)]),
                                   "wall_json": _spread(wall[(t, "json", run)]),
                                   "share": share,
                                   "bytes_text": size[(t, "text")], "bytes_json": size[(t, "json")]}
        if t in perf:
            shares = [s for s, _ in perf[t]]
            facts[f"{t}/perf"] = {"share_pct": _spread(shares), "top": perf[t][-1][1]}
    runner.facts[case] = facts


def targets(facts):
    out = []
    for case, n in (("nc100", 100), ("nc1000", 1000)):
        f = facts.get(case)
        if not f:
            continue
        w = f["walls"]
        ssh, nc = w["ssh"]["median"], w["netconf"]["median"]
        if case == "nc1000":
            out.append((f"N=1000, L=1 s: fanoutd NETCONF within 1.15x of SSH exec (medians)",
                        f"{nc:.2f} s vs {ssh:.2f} s ({nc / ssh:.2f}x)", nc / ssh <= 1.15))
        if "seed" in w:
            seed, goal = w["seed"]["median"], 8 if n == 1000 else 3
            out.append((f"N={n}, L=1 s: fanoutd NETCONF >= {goal}x faster than the seed system",
                        f"{seed:.2f} s / {nc:.2f} s = {seed / nc:.1f}x", seed / nc >= goal))
    for key, f in sorted(facts.get("json", {}).items()):
        if "share" in f:
            out.append((f"format json, 200-interface terse, {key}: fanoutd CPU json vs text",
                        f"{f['cpu_json']['median']:.2f} s vs {f['cpu_text']['median']:.2f} s: "
                        f"json costs {100 * f['share']:.1f}% of the json job's CPU",
                        f["share"] < 0.10))
        elif "share_pct" in f:
            out.append((f"format json, {key}: perf samples in the JSON conversion",
                        f"{f['share_pct']['median']:.1f}% (median of {len(f['share_pct']['runs'])})",
                        f["share_pct"]["median"] < 10))
    return out


def write_json(runner, path, machine):
    rows = [{"case": c, "tool": m.tool, "routers": m.routers, "latency_ms": m.latency_ms,
             "wall_s": round(m.wall_s, 3), "cpu_s": round(m.cpu_s, 3),
             "peak_rss_mb": round(m.peak_rss_mb, 1), "fleet_cpu_s": round(m.fleet_cpu_s, 3),
             "ok": m.ok, "failures": m.failures,
             "load1": round(m.load1, 2), "note": note} for c, m, note in runner.rows]
    goals = [{"target": n, "measured": v, "met": ok}
             for n, v, ok in compare_targets(runner)]
    with open(path, "w") as f:
        json.dump({"date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"), "command": " ".join(sys.argv), "machine": machine,
            "runs": rows, "facts": runner.facts, "targets": goals}, f, indent=1, default=str)
        f.write("\n")


def compare_targets(runner):
    import compare_bastion  # noqa: E402 (it imports nothing from here)
    return targets(runner.facts) + compare_bastion.targets(runner.facts)
