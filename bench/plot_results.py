#!/usr/bin/python3
"""Draws bench/RESULTS.md's charts from the data in bench/results/.

Contract: reads results/compare.json (wall times copied from RESULTS.md's bench/compare tables)
and results/durations-n1000.json (written by bench/durations.py) and writes
charts/wall_time_vs_routers.svg and charts/durations_n1000.svg beside RESULTS.md; with --png DIR
also PNGs there (for looking at, not for committing). Needs only Debian's python3-matplotlib;
output is byte-for-byte reproducible (fixed hash salt, no date). Runs no benchmark.
Exit 0 on success; 1 when a data file is missing or malformed.
"""

import argparse
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
COLOURS = {"fanoutd": "#1b7837", "pdsh -f 32": "#2166ac", "clush -f 64": "#b2182b",
           "seed pattern": "#e08214"}
plt.rcParams.update({"svg.hashsalt": "fanout-bench", "font.size": 10})


def wall_time_chart(data):
    fig, ax = plt.subplots(figsize=(7.5, 5))
    fig.suptitle("Wall time of one job against router count (log-log; lower is better)", fontsize=12)
    ax.set_title(f"bench/compare: 'show version' on N fake routers, L = {data['latency_ms'] / 1000:g} s "
                 "per command; 2 cores shared with fleetsim", fontsize=8.5, color="0.3")
    n, styles = data["routers"], [("-", None), ("none", "white")]  # run 1 filled, run 2 hollow
    for run, (ls, mfc) in zip(data["runs"], styles):
        for tool, walls in run["wall_s"].items():
            c = COLOURS[tool]
            ax.plot(*zip(*[(x, y) for x, y in zip(n, walls) if y is not None]), marker="o", ms=6,
                    color=c, ls=ls, mfc=mfc or c, label=tool if mfc is None else None)
    for tool, walls in data["runs"][0]["wall_s"].items():
        ax.annotate(f"{walls[-1]:.3g} s", (n[-1], walls[-1]), xytext=(7, -3),
                    textcoords="offset points", fontsize=8.5, color=COLOURS[tool])
    ax.axhline(data["latency_ms"] / 1000, color="0.5", ls=":", lw=1)
    ax.text(110, 1.05, "L = 1 s: the floor for any tool", fontsize=8, color="0.4", va="bottom")
    ax.set(xscale="log", yscale="log", xlabel="routers in the job (N)", ylabel="wall time (s)",
           xlim=(70, 9000), ylim=(0.8, 1000))
    ax.set_xticks(n, [str(x) for x in n])
    ax.grid(True, which="both", color="0.9", lw=0.6)
    tools = ax.legend(fontsize=8, loc="upper left", title="tool", title_fontsize=8)
    runs = [Line2D([], [], color="0.3", marker="o", ls=ls, mfc=mfc or "0.3", label=run["label"])
            for run, (ls, mfc) in zip(data["runs"], styles)]
    ax.add_artist(tools)
    ax.legend(handles=runs, fontsize=8, loc="upper center", title="RESULTS.md run", title_fontsize=8)
    return fig


def durations_chart(data):
    d = sorted(data["execution_duration_s"])
    med, p90 = statistics.median(d), d[int(0.9 * len(d))]
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    fig.suptitle(f"Per-router duration in one {data['routers']}-router fanoutd job", fontsize=12)
    ax.set_title(f"out-of-the-box settings, L = {data['latency_ms'] / 1000:g} s per command, "
                 f"{data['nproc']} cores shared with fleetsim; job wall time {data['wall_s']:.2f} s, "
                 f"build {data['build'].split()[0]}", fontsize=8.5, color="0.3")
    bins = [1 + 0.025 * i for i in range(int((d[-1] - 1) / 0.025) + 2)]
    counts, _, _ = ax.hist(d, bins=bins, color="#1b7837", alpha=0.8,
                           label=f"{len(d)} routers (25 ms bins)")
    for x, name, ls in [(med, "median", "-"), (p90, "p90", "--"), (d[-1], "max", ":")]:
        ax.axvline(x, color="k", ls=ls, lw=1, label=f"{name} {x:.2f} s")
    ax.axvline(data["latency_ms"] / 1000, color="0.5", lw=2, label="L = 1 s (router latency)")
    ax.set(xlabel="execution_duration: connect, handshake, auth, command, close (s)",
           ylabel="routers per bin", xlim=(0.95, d[-1] + 0.1), ylim=(0, max(counts) * 1.4))
    ax.grid(True, axis="y", color="0.9", lw=0.6)
    ax.legend(fontsize=8, loc="upper center", ncol=3)
    return fig


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--png", metavar="DIR", help="also write PNGs to DIR")
    args = p.parse_args()
    os.makedirs(os.path.join(HERE, "charts"), exist_ok=True)
    for name, draw, src in [("wall_time_vs_routers", wall_time_chart, "compare.json"),
                            ("durations_n1000", durations_chart, "durations-n1000.json")]:
        try:
            with open(os.path.join(HERE, "results", src)) as f:
                fig = draw(json.load(f))
        except (OSError, ValueError, KeyError, IndexError) as e:
            sys.exit(f"plot_results.py: results/{src}: {e!r}")
        fig.tight_layout()
        fig.savefig(os.path.join(HERE, "charts", name + ".svg"), metadata={"Date": None})
        if args.png:
            fig.savefig(os.path.join(args.png, name + ".png"), dpi=110)
        plt.close(fig)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
