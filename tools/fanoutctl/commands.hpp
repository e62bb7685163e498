// fanoutctl's subcommands. Each returns the process exit code (see exit_codes.hpp).
//
// Contract: commands print data on stdout (text, or JSON lines with --json) and diagnostics
// on stderr; they never print secrets (the protocol carries none).
#pragma once

#include "tools/fanoutctl/options.hpp"

namespace fanout::ctl {

int run_command(const global_options& global, const run_options& options);
int status_command(const global_options& global, const job_query_options& options);
int result_command(const global_options& global, const job_query_options& options);
int cancel_command(const global_options& global, const job_query_options& options);
int routers_command(const global_options& global);
int ping_command(const global_options& global);
int keygen_command(const keygen_options& options);
int replay_command(const global_options& global, const replay_options& options);
int diff_command(const global_options& global, const diff_options& options);

}  // namespace fanout::ctl
