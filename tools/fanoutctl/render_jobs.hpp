// Rendering of the `jobs` reply and of `watch`'s lines (issue 13).
//
// Contract: pure. format_jobs_table: one row per job, in the reply's order (newest first):
// id, state (job_state_label), submitted (local time; the date too when not today), routers,
// results done of total, failed and cancelled results, and the first command (terminal-safe, with
// "(+N more)" for several); a trailing note when the daemon left older jobs out (job_row: one
// such row). jobs_to_json: the reply with wire field names (job_entry_json: one entry, its
// optional fields, `deadline` included, only when sent). format_watch_line: one line for a router
// result of any job, `#<seq> <job>  <router> <status> ...` as `replay --brief` prints it;
// format_job_end_line one for a job's end (`job J cancelled in 2.0s, stopped by RULE: ...` when a
// rule stopped it); job_end_json the job_result without its results (watch --json).
#pragma once

#include <string>
#include <vector>

#include "protocol/messages.hpp"
#include "tools/fanoutctl/render_json.hpp"

namespace fanout::ctl {

// The state as `jobs` shows it: the wire word, or for a job its rule stopped `stopped (RULE)`
// once ended and `running, stopping (RULE)` while its started routers finish.
std::string job_state_label(protocol::job_state state, const std::string& stopped_by);

std::vector<std::string> job_row(const protocol::job_entry& j);
std::string format_jobs_table(const protocol::jobs_reply& reply);
ordered_json job_entry_json(const protocol::job_entry& j);
ordered_json jobs_to_json(const protocol::jobs_reply& reply);

// "02:13:40" (local time) for "2026-12-06T02:13:40.123Z", with the date when it is not today;
// the text as given when it does not parse.
std::string local_time_of(const std::string& iso_utc);

std::string format_watch_line(const protocol::router_result& r);
std::string format_job_end_line(const protocol::job_result& job);
ordered_json job_end_json(const protocol::job_result& job);

}  // namespace fanout::ctl
