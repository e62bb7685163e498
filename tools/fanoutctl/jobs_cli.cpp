// The command-line declarations of `jobs`, `follow` and `watch` (jobs_commands.hpp).
#include "tools/fanoutctl/jobs_commands.hpp"

namespace fanout::ctl {

jobs_subcommands add_jobs_subcommands(CLI::App& app, global_options& global,
                                      jobs_command_options& options, const std::string& footer) {
    jobs_subcommands out;
    out.jobs = app.add_subcommand("jobs", "list fanoutd's active and kept jobs, newest first");
    out.jobs->add_option("--limit", options.jobs.limit, "list at most N jobs, the newest (1-1000)")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    out.jobs->add_option("--state", options.jobs.state, "only jobs in this state")
        ->check(CLI::IsMember({"queued", "running", "done", "cancelled"}));
    out.jobs->add_flag("--json", global.json, "print the reply as one JSON object");
    out.jobs->footer(
        "\nOne row per job fanoutd has: running and queued ones, and ended ones it still keeps\n"
        "(--keep-jobs, --keep-seconds, --keep-bytes; with --state-dir also across restarts).\n"
        "DONE counts router results (routers x commands), FAILED and CANCELLED too. When more\n"
        "jobs match than --limit, the newest are listed and a last line says how many there are.\n"
        "A job its rule stopped (--stop-after-failures, --max-fail-percent, --canary) shows as\n"
        "`stopped (RULE)`; --state cancelled lists it. --json shows a job's deadline too.\n"
        "Through fanout-proxy, every daemon of the pool is asked in turn (until the first one\n"
        "answers again, at most 17 requests) and the lists are merged: a NODE column (and\n"
        "`node` in --json) names each job's daemon, the limit applies to the whole list. Best\n"
        "effort: other clients' requests at the same time can make it miss a daemon (then a\n"
        "warning on stderr and `complete: false` in --json, when it can tell; see pool.md).\n"
        "\nExamples:\n  fanoutctl jobs\n  fanoutctl jobs --state running\n"
        "  fanoutctl jobs --json --limit 1000 | jq -r '.jobs[] | select(.failed > 0) | .job_id'\n" +
        footer);

    out.follow = app.add_subcommand("follow", "attach to a job: its results so far, then live");
    out.follow->add_option("job_id", options.follow.job_id, "the job id")->required();
    out.follow->add_flag("--json", global.json, "JSON lines on stdout instead of text");
    out.follow->add_flag("--brief", options.follow.output.brief,
                         "one line per router result (a failure shows the router's own error "
                         "text)");
    out.follow->add_flag("--collapse", options.follow.output.collapse,
                         "group routers with identical output under one node set, as dshbak -c");
    out.follow->add_flag("--prefix", options.follow.output.prefix,
                         "`router: ` before every output line, as pdsh");
    out.follow->add_option("--out-dir", options.follow.output.out_dir,
                           "also write DIR/<router>, DIR/<router>.err and DIR/job.json");
    out.follow->add_option("--select", options.follow.output.select,
                           "with format json: print each router's value at PATH");
    out.follow->add_flag("--no-progress", options.follow.no_progress,
                         "no live progress line on stderr");
    out.follow->footer(
        "\nFor a job started elsewhere (another terminal, a script, yesterday's run): prints\n"
        "the results it has so far, then each new one as it lands, then the summary, exactly\n"
        "as `run` does; every router result once. An ended job prints at once. Ctrl-C stops\n"
        "following (exit 130) and does not cancel the job (use `fanoutctl cancel JOB`).\n"
        "Through fanout-proxy it finds the daemon that owns the job, as `status` does.\n"
        "\nExamples:\n  fanoutctl follow nightly-42\n  fanoutctl follow nightly-42 --brief\n"
        "  fanoutctl follow nightly-42 --json | jq -r 'select(.type==\"router_result\") | "
        ".router_name'\n" +
        footer);

    out.watch = app.add_subcommand("watch", "print every result of every job as it lands");
    out.watch->add_flag("--json", global.json,
                        "JSON lines: each router_result, and each job_result without its results");
    out.watch->footer(
        "\nOne line per router result, of every job fanoutd runs, as it lands:\n"
        "  #<seq> <job>  <router> <status> <seconds> [<command>] <first line or error>\n"
        "and one line when a job ends (`, stopped by RULE` when its rule stopped it). Runs until\n"
        "Ctrl-C (exit 0). Results fanoutd publishes while nobody reads, or that a slow reader\n"
        "misses, are not printed; a gap in seq is reported on stderr with the\n"
        "`fanoutctl replay --since` that fills it.\n"
        "\nExamples:\n  fanoutctl watch\n  fanoutctl watch | grep FAILED\n"
        "  fanoutctl watch --json | jq -r 'select(.type==\"router_result\") | .router_name'\n" +
        footer);
    return out;
}

}  // namespace fanout::ctl
