// Helpers shared by fanoutctl's subcommands: reporting failures and mapping outcomes to
// exit codes.
//
// Contract: report_* write to stderr and return the exit code to use; after
// set_json_errors(true) (a subcommand's --json) they write one JSON object to stdout instead,
// {"type": "error", "code": ..., "message": ...}, with the same exit code. code is fanoutd's
// error code for an error reply, else "usage", "no_reply" or "unexpected_reply".
// job_exit_code and status_exit_code are pure.
#pragma once

#include <string_view>

#include "protocol/messages.hpp"
#include "tools/fanoutctl/client.hpp"
#include "tools/fanoutctl/result_printer.hpp"

namespace fanout::ctl {

// 0 when the job ended `done` with every result successful, else 1.
int job_exit_code(const protocol::job_result& job);

// 0 when the job ended `done` with every router successful, else 1 (also while it runs).
int status_exit_code(const protocol::status_reply& status);

// printer.finish(job), each --out-dir problem on stderr; the exit code: 2 when a file could not
// be written, else job_exit_code.
int finish_job(result_printer& printer, const protocol::job_result& job);

void set_json_errors(bool json);

int report_usage_error(std::string_view message);                                      // exit 2
int report_client_failure(const client_failure& failure);                              // exit 3
int report_error_reply(const protocol::error_reply& error);                            // exit 2
int report_unexpected_reply(const protocol::reply& reply, std::string_view expected);  // exit 3

// The `type` name of a reply alternative, for messages.
std::string_view reply_type_name(const protocol::reply& reply);

}  // namespace fanout::ctl
