// `fanoutctl jobs`, `follow` and `watch` (issue 13): finding jobs again.
//
// Contract: as commands.hpp. add_jobs_subcommands() declares the three subcommands on the
// application and returns them, so cli.cpp only dispatches (see jobs_cli.cpp for their help).
// - jobs: one `jobs` request; a table (or the reply as one JSON object), newest first. Exit 0.
//   Through fanout-proxy, one `jobs` per daemon of the pool, merged (pool_jobs.hpp).
// - follow JOB: subscribes to the job first, then takes its results so far by `replay`, then
//   the live ones; a result is printed once (by router and command), whichever path brings
//   it, and any the subscription missed come by `replay` (when the daemon's count runs ahead)
//   or from the final job_result. Prints as `run` does and exits as `run` does. Ctrl-C stops
//   following (exit 130); the job runs on.
// - watch: every router result of every job, one line each (JSON lines with --json), and one
//   line per job end, until Ctrl-C (exit 0). A gap in a daemon's seq is reported on stderr
//   with the `replay --since` that fills it.
#pragma once

#include <CLI/CLI.hpp>

#include "tools/fanoutctl/jobs_options.hpp"

namespace fanout::ctl {

struct jobs_subcommands {
    CLI::App* jobs = nullptr;
    CLI::App* follow = nullptr;
    CLI::App* watch = nullptr;
};

struct jobs_command_options {
    jobs_options jobs;
    follow_options follow;
};

jobs_subcommands add_jobs_subcommands(CLI::App& app, global_options& global,
                                      jobs_command_options& options, const std::string& footer);

int jobs_command(const global_options& global, const jobs_options& options);
int follow_command(const global_options& global, const follow_options& options);
int watch_command(const global_options& global);

}  // namespace fanout::ctl
