#!/usr/bin/python3
"""The README's "Coming from pdsh / clush / junos-mcp-server" cheat sheet runs as printed
(issue 13): every fanoutctl command and option in its fanoutctl column is run, word for word,
against a real fanoutd and fleetsim whose devices.json has the names the sheet uses (r1..r21,
mx01.lab..mx12.lab, pod1-leaf1..pod2-leaf4, edge-1, edge-2, groups @core and @lab). fanoutctl
finds fanoutd through FANOUT_JOBS / FANOUT_RESULTS, as an operator who exported them would.
Only the placeholders JOB, JOB_A, JOB_B, D and hosts are filled in. A command or option added
to the sheet without a row in RUNS fails the test, so the sheet and this test stay together.

Run: /usr/bin/python3 tests/integration/python/test_readme_cheat_sheet.py --fanoutd PATH --fleetsim PATH
(fanoutctl is taken from the same build: BUILD/tools/fanoutctl/fanoutctl).
"""
import json
import os
import re
import select
import shlex
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fanout_harness import run_tests, FleetDaemonTestCase  # noqa: E402

BINARIES = {}
README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "README.md")
ALIASES = ([f"mx{i:02d}.lab" for i in range(1, 13)] +
           [f"pod{p}-leaf{l}" for p in (1, 2) for l in range(1, 5)] + ["edge-1", "edge-2"])
GROUPS = {"r1": ["core"], "r2": ["core"], "mx01.lab": ["core"], "r3": ["lab"], "r4": ["lab"]}
ALL = 21 + len(ALIASES)
COMMAND_TIMEOUT_S = 60

# Each span of the sheet's fanoutctl column -> (the argv it runs, routers it must reach). A span
# that is an option runs as `fanoutctl run [-r all] SPAN show version`.
RUNS = {
    "fanoutctl run -r 'r[1-5]' show version": 5,
    "fanoutctl run -r 'r[1-5]' --collapse show version": 5,
    "fanoutctl diff JOB_A JOB_B": None,
    "fanoutctl run --failed-from JOB": None,
    "-r 'mx[01-12].lab,r[1-5,9]'": 18,
    "-r 'pod[1-2]-leaf[1-4]'": 8,
    "-r @core": 3,
    "-x r21": ALL - 1,
    "-x @lab": ALL - 2,
    "-x 'r[1-3]'": ALL - 3,
    "-r 'edge-*'": 2,
    "-r all": ALL,
    "--routers-file hosts": 2,
    "-": 2,  # "--routers-file hosts, or - for stdin"
    "--prefix": ALL,
    "--out-dir D": ALL,
    "-c 'show version' -c 'show system uptime'": ALL,
    "fanoutctl run -r r1,r2 --json show version": 2,
    "fanoutctl run -r all --format json --select software-information.0.junos-version.0.data show version": ALL,
    "fanoutctl result JOB --collapse": None,
    "fanoutctl jobs": None,
    "fanoutctl follow JOB": None,
    "fanoutctl watch": None,  # test_watch_streams_until_ctrl_c
    "--state-dir": None,  # a fanoutd flag, named in the `jobs` row
}


def cheat_sheet_spans():
    """The backticked spans of the sheet's third column that are fanoutctl commands or options."""
    with open(README) as readme:
        text = readme.read()
    section = text.split("## Coming from pdsh / clush / junos-mcp-server", 1)[1].split("\n## ", 1)[0]
    spans = []
    for row in section.splitlines():
        if not row.startswith("| ") or row.startswith("| habit") or row.startswith("|---"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]
        for span in re.findall(r"`([^`]+)`", cells[2].replace("\\|", "|")):
            if span.startswith("fanoutctl ") or span.startswith("-"):
                spans.append(span)
    return spans


class CheatSheetTest(FleetDaemonTestCase):
    BINARIES = BINARIES
    FLEET = {"routers": 21}
    DAEMON_ARGS = []

    @classmethod
    def edit_devices(cls, devices):
        for i, alias in enumerate(ALIASES):  # served by r1..r21's simulated routers
            devices[alias] = dict(devices[f"r{i % 21 + 1}"])
        for name, groups in GROUPS.items():
            devices[name]["groups"] = groups

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        build = os.path.dirname(os.path.dirname(os.path.abspath(BINARIES["fanoutd"])))
        cls.ctl_path = os.path.join(build, "tools", "fanoutctl", "fanoutctl")
        cls.env = dict(os.environ, FANOUT_JOBS=cls.daemon.jobs, FANOUT_RESULTS=cls.daemon.results,
                       HOME=cls.temp.name)
        cls.env.pop("XDG_CONFIG_HOME", None)
        with open(os.path.join(cls.temp.name, "hosts"), "w") as hosts:
            hosts.write("# two routers\nr1\nr2\n")

    def fanoutctl(self, line, stdin=None, ok=(0,)):
        """Runs one sheet line word for word (shell quoting as printed), in the temp dir."""
        argv = shlex.split(line)
        assert argv[0] == "fanoutctl", line
        run = subprocess.run([self.ctl_path, *argv[1:]], cwd=self.temp.name, env=self.env,
                             input=stdin, capture_output=True, text=True,
                             timeout=COMMAND_TIMEOUT_S)
        self.assertIn(run.returncode, ok, f"{line}\nstdout: {run.stdout}\nstderr: {run.stderr}")
        return run.stdout + run.stderr

    def expect_routers(self, output, line, count):
        accepted = re.search(r"accepted: (\d+) routers?", output)
        if accepted:
            self.assertEqual(int(accepted.group(1)), count, f"{line}\n{output}")
        else:  # --json and --select print results only: one line (or object) per router
            names = set(re.findall(r"(?m)^\{?\"?(?:router_name\": \")?([\w.-]+)[\":]", output))
            self.assertGreaterEqual(len(names), count, f"{line}\n{output}")

    def newest_jobs(self, count):
        """The ids of the `count` newest jobs, newest first (fanoutctl jobs --json)."""
        listed = json.loads(self.fanoutctl("fanoutctl jobs --json"))
        ids = [j["job_id"] for j in listed["jobs"]]
        self.assertGreaterEqual(len(ids), count, listed)
        return ids[:count]

    @staticmethod
    def line_for(span):
        """The fanoutctl line that runs one sheet span as printed."""
        if span.startswith("fanoutctl "):
            return span
        if span == "-":
            return "fanoutctl run --routers-file - show version"
        if span.startswith("-c "):
            return f"fanoutctl run -r all {span}"
        if span.startswith("-x") or span in ("--prefix", "--out-dir D"):
            return f"fanoutctl run -r all {span} show version"
        return f"fanoutctl run {span} show version"

    def test_every_command_and_option_runs_as_printed(self):
        spans = cheat_sheet_spans()
        self.assertGreater(len(spans), 15, "the cheat sheet was not found in README.md")
        missing = sorted(set(spans) - set(RUNS))
        self.assertEqual(missing, [], "cheat-sheet entries this test does not run: add them")
        runs = 0
        for span in dict.fromkeys(spans):  # in the sheet's order, each once
            if RUNS[span] is None:
                continue
            with self.subTest(span=span):
                line = self.line_for(span)
                output = self.fanoutctl(line, stdin="r1\nr2  # a comment\n" if span == "-" else None)
                runs += 1
                self.expect_routers(output, line, RUNS[span])
                if span == "--out-dir D":
                    self.assertTrue(os.path.isfile(os.path.join(self.temp.name, "D", "job.json")))
                if span == "--prefix":
                    self.assertRegex(output, r"(?m)^r21: ")

        # The job-id placeholders, filled in with this run's jobs: the sheet's first two lines
        # ran the same command on the same routers, so JOB_A and JOB_B are those two.
        job_b, job_a = self.newest_jobs(runs)[-2:]
        diff = self.fanoutctl(f"fanoutctl diff {job_a} {job_b}", ok=(0, 1))
        self.assertIn("r[1-5]", diff)
        self.assertIn("nothing to run", self.fanoutctl(f"fanoutctl run --failed-from {job_b}"))
        self.assertIn("r5 (1)", self.fanoutctl(f"fanoutctl result {job_b} --collapse"))
        self.assertIn("r5", self.fanoutctl(f"fanoutctl follow {job_b}"))
        self.assertIn(job_b, self.fanoutctl("fanoutctl jobs"))

    def test_watch_streams_until_ctrl_c(self):
        watch = subprocess.Popen([self.ctl_path, "watch"], cwd=self.temp.name, env=self.env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            seen = []
            for attempt in range(20):  # each job waits for its results: watch has subscribed
                self.fanoutctl(f"fanoutctl run -r r1 --job-id watch-{attempt} show version")
                ready, _, _ = select.select([watch.stdout], [], [], 2.0)
                if ready:
                    seen.append(watch.stdout.readline())
                    if "r1" in seen[-1]:
                        break
                    # Subscribed between a job's result and its aggregate: the next job's
                    # result line follows.
            self.assertTrue(seen and "r1" in seen[-1], f"watch printed no result: {seen}")
        finally:
            watch.send_signal(signal.SIGINT)
            code = watch.wait(timeout=COMMAND_TIMEOUT_S)
            watch.stdout.close()
            watch.stderr.close()
            self.assertEqual(code, 0, "fanoutctl watch ends with exit 0 on Ctrl-C")


if __name__ == "__main__":
    run_tests(BINARIES, __doc__)
