#!/usr/bin/python3
"""fanout benchmark: one N-router job through fanoutd, and the same fleet through `pdsh -R ssh`.

Contract: for each N, starts fleetsim with N key-auth routers and latency L on 127.0.0.1, then
runs --repeat rounds; each round runs every configured tool once (fresh fanoutd per run) and
measures wall time, routers/s, the tool's CPU seconds and peak RSS, and checks that all N
routers answered. Prints every run and a median table (text, or Markdown with --markdown).
Exit code 0 when every run answered on all routers and every tool exited 0; 1 otherwise (also on a
set-up error such as a fleet that does not start); 2 on a usage error.
"""

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import msgpack  # noqa: F401
    import zmq  # noqa: F401
except ImportError:
    # Debian's python3-zmq/python3-msgpack live in the system interpreter, not in a pyenv/venv one.
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    sys.exit("run_bench.py needs python3-zmq and python3-msgpack (apt-get install python3-zmq python3-msgpack)")

import bench_runs  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

EPILOG = """examples:
  bench/run_bench.py                                  # N=100 and N=1000 at L=1000 ms, 3 rounds
  bench/run_bench.py --routers 100 --repeat 1         # quick check of the 2.5 s target
  bench/run_bench.py --routers 1000 --fanoutd-workers 64,1000 --pdsh-fanouts 32,64 --markdown

Every router uses key auth (fleetsim --key-auth-every 1), for fanoutd and pdsh alike.
fanoutd: a fresh daemon per run; one submit {wait: true} from a DEALER socket, timed from send to
the job_result reply; CPU = utime+stime delta of the daemon over the job (/proc/PID/stat); peak
RSS = VmHWM (includes start-up); "RSS after" = VmRSS right after the reply.
pdsh: `pdsh -S -R ssh -l fanout -f F -w r[1-N] CMD` with PDSH_SSH_ARGS="-F <fleet>/ssh_config ...";
CPU = rusage of children (pdsh + every ssh it ran); peak RSS = sampled (0.1 s) sum of VmRSS over
pdsh and its live ssh processes. "fleet CPU" = fleetsim's CPU over the same interval.
"""


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--routers", default="100,1000", help="comma list of N (default: 100,1000)")
    p.add_argument("--latency-ms", type=int, default=1000, help="fleetsim latency L per command (default: 1000)")
    p.add_argument("--jitter-ms", type=int, default=0, help="fleetsim extra random latency (default: 0)")
    p.add_argument("--repeat", type=int, default=3, help="rounds per N; the table shows medians (default: 3)")
    p.add_argument("--fanoutd-workers", default="64",
                   help="comma list of fanoutd --workers values, one row each (default: 64)")
    p.add_argument("--extra-workers-at", default="1000:1000",
                   help="N:W[,N:W]: also run fanoutd -w W when N is benchmarked, '' for none (default: 1000:1000)")
    p.add_argument("--pdsh-fanouts", default="32,64", help="comma list of pdsh -f values, '' to skip pdsh (default: 32,64)")
    p.add_argument("--command", default="show version", help="command run on every router (default: 'show version')")
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"),
                   help="where the fanoutd and fleetsim binaries are (default: <repo>/build; built with "
                        "scripts/build.sh when it is missing)")
    p.add_argument("--markdown", action="store_true", help="print the report as Markdown (for RESULTS.md)")
    p.add_argument("--keep-tmp", action="store_true", help="keep the work directory (logs, pdsh output)")
    return p.parse_args()


def int_list(text):
    return [int(x) for x in text.split(",") if x.strip()]


def find_binaries(build_dir):
    fanoutd = os.path.join(build_dir, "daemon", "fanoutd")
    fleetsim = os.path.join(build_dir, "tools", "fleetsim", "fleetsim")
    if not (os.access(fanoutd, os.X_OK) and os.access(fleetsim, os.X_OK)):
        if os.path.abspath(build_dir) != os.path.join(REPO, "build"):
            sys.exit(f"no fanoutd/fleetsim in {build_dir}; build it first")
        print("build/ is missing: running scripts/build.sh", file=sys.stderr)
        subprocess.run(["bash", os.path.join(REPO, "scripts", "build.sh")], check=True)
    return fanoutd, fleetsim


def plan(args):
    """[(N, [("fanoutd", W) | ("pdsh", F), ...])] in run order."""
    extra = {}
    for item in filter(None, args.extra_workers_at.split(",")):
        n, w = item.split(":")
        extra.setdefault(int(n), []).append(int(w))
    result = []
    for n in int_list(args.routers):
        tools = [("fanoutd", w) for w in int_list(args.fanoutd_workers)]
        tools += [("fanoutd", w) for w in extra.get(n, []) if w not in int_list(args.fanoutd_workers)]
        tools += [("pdsh", f) for f in int_list(args.pdsh_fanouts)]
        result.append((n, tools))
    return result


def fmt_failures(m):
    parts = [f"{k}: {v}" for k, v in m.failures.items()]
    if m.exit_code != 0:
        parts.append(f"exit code {m.exit_code}")
    return "; ".join(parts)


def median_rows(runs):
    groups = {}
    for m in runs:
        groups.setdefault((m.routers, m.tool), []).append(m)
    rows = []
    for (n, tool), ms in groups.items():
        med = lambda f: statistics.median(f(m) for m in ms)  # noqa: E731
        rss_after = [m.rss_after_mb for m in ms if m.rss_after_mb is not None]
        rows.append([tool, str(n), str(ms[0].latency_ms), f"{med(lambda m: m.wall_s):.2f}",
                     f"{med(lambda m: m.routers / m.wall_s):.1f}", f"{med(lambda m: m.cpu_s):.2f}",
                     f"{med(lambda m: m.peak_rss_mb):.1f}",
                     f"{statistics.median(rss_after):.1f}" if rss_after else "-",
                     f"{med(lambda m: m.fleet_cpu_s):.2f}",
                     "yes" if all(m.all_ok for m in ms) else "NO",
                     " / ".join(f"{m.wall_s:.2f}" for m in ms)])
    return rows


HEADER = ["tool", "N", "L ms", "wall s", "routers/s", "CPU s", "peak RSS MB", "RSS after MB",
          "fleet CPU s", "all ok", "runs: wall s"]


def machine_markdown():
    def first(path, prefix):
        with open(path) as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith(prefix)), "?")

    pkgs = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}, ",
                           "libssh-4", "libzmq5", "openssh-client", "pdsh"],
                          capture_output=True, text=True).stdout.rstrip(", ")
    with open("/etc/debian_version") as f:
        debian = f.read().strip()
    mem_gb = int(first("/proc/meminfo", "MemTotal").split()[0]) / 1024 / 1024
    return (f"- nproc {os.cpu_count()}, CPU `{first('/proc/cpuinfo', 'model name')}`, "
            f"memory {mem_gb:.1f} GiB, Debian {debian}, kernel {platform.release()}\n"
            f"- packages: {pkgs}")


def print_runs_markdown(runs):
    print("| tool | N | wall s | CPU s | peak RSS MB | fleet CPU s | ok | one router s (median / max) "
          "| load avg (1 min) after |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for m in runs:
        router = f"{m.router_s[0]:.2f} / {m.router_s[1]:.2f}" if m.router_s else "-"
        print(f"| {m.tool} | {m.routers} | {m.wall_s:.2f} | {m.cpu_s:.2f} | {m.peak_rss_mb:.1f} | "
              f"{m.fleet_cpu_s:.2f} | {m.ok}/{m.routers} | {router} | {m.load1:.1f} |")


def print_table(rows, markdown):
    if markdown:
        print("| " + " | ".join(HEADER) + " |")
        print("|" + "|".join("---:" if i in range(1, 9) else "---" for i in range(len(HEADER))) + "|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADER)]
    for r in [HEADER, *rows]:
        print("  ".join(c.rjust(w) if 0 < i < 9 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks: stop fleet/daemon
    fanoutd_bin, fleetsim_bin = find_binaries(args.build_dir)
    if int_list(args.pdsh_fanouts) and not shutil.which("pdsh"):
        sys.exit("pdsh is not installed (bash scripts/install-deps.sh), or pass --pdsh-fanouts ''")
    fd_limit = bench_runs.raise_fd_limit()
    runs = []
    work_dir = tempfile.mkdtemp(prefix="fanout-bench-")
    print(f"# nproc {os.cpu_count()}, RLIMIT_NOFILE {fd_limit}, load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, work dir {work_dir}", file=sys.stderr)
    try:
        for n, tools in plan(args):
            if n + 100 > fd_limit:
                print(f"warning: RLIMIT_NOFILE {fd_limit} may be too low for N={n}", file=sys.stderr)
            fleet = bench_runs.Fleet(fleetsim_bin, n, args.latency_ms, args.jitter_ms, work_dir)
            try:
                for rnd in range(1, args.repeat + 1):
                    for kind, value in tools:
                        run_id = f"{n}-{kind}{value}-{rnd}"
                        if kind == "fanoutd":
                            m = bench_runs.run_fanoutd(fanoutd_bin, fleet, value, args.command, work_dir, run_id)
                        else:
                            m = bench_runs.run_pdsh(fleet, value, args.command, work_dir, run_id)
                        runs.append(m)
                        print(f"run {run_id}: wall {m.wall_s:.2f} s, cpu {m.cpu_s:.2f} s, "
                              f"peak rss {m.peak_rss_mb:.1f} MB, ok {m.ok}/{n}, load {m.load1:.1f} {fmt_failures(m)}".rstrip(),
                              file=sys.stderr, flush=True)
            finally:
                fleet.stop()
    finally:
        if not args.keep_tmp:
            subprocess.run(["rm", "-rf", "--one-file-system", work_dir], check=False)
    if args.markdown:
        print(f"Command: `{' '.join(['bench/run_bench.py', *sys.argv[1:]])}`, finished "
              f"{time.strftime('%Y-%m-%d %H:%M %Z')}\n")
        print(machine_markdown() + "\n")
    print_table(median_rows(runs), args.markdown)
    if args.markdown:
        print("\nEvery run, in the order it ran:\n")
        print_runs_markdown(runs)
    bad = [m for m in runs if not m.all_ok]
    for m in bad:
        print(f"FAILED: {m.tool} N={m.routers}: ok {m.ok}/{m.routers} {fmt_failures(m)}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
