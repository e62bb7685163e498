// Human-readable rendering of protocol values for the terminal.
//
// Contract: every function is pure: it takes protocol structs and returns text (lines end
// with '\n', except format_progress which is a single line without one). Router output is
// made terminal-safe: control characters other than tab are shown as '?', so a router
// cannot move the cursor or recolour the operator's terminal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/messages.hpp"
#include "tools/fanoutctl/result_tracker.hpp"

namespace fanout::ctl {

struct result_style {
    std::size_t name_width = 0;  // router name column width (pad to the longest name)
    bool brief = false;          // one line per result instead of header + indented output
    bool show_command = false;   // multi-command jobs: say which command the result is for
};

// "0.532s"
std::string format_seconds(double seconds);

// A job's `deadline` (issue 13): "30s per router", "0.5s per router".
std::string format_deadline(double seconds);

// "ok", "FAILED" or "cancelled".
std::string_view status_word(protocol::router_status status);

// The first non-blank line of `text`, terminal-safe, without trailing blanks.
std::string first_line(std::string_view text);

// Why a result failed, without the error kind: the error message and, when the router itself
// answered with a failing exit status, its own error text, e.g. "exit status 1: error: syntax
// error, expecting <command>: foo" (the first line saying "error", else the first line of
// stderr, else of stdout). Empty for a success.
std::string failure_message(const protocol::router_result& r);

// One result: `r1  ok         0.532s  <detail>` and, unless brief, the output indented.
// The detail is the first output line (brief), `<error.kind>: <message>` (failed/cancelled),
// with `[output truncated]` when the daemon cut the output at its cap.
std::string format_router_result(const protocol::router_result& r, const result_style& style);

// `[ 37/50 done, 2 failed, 1.4s elapsed]` (cancelled is shown only when non-zero).
std::string format_progress(const progress_counts& counts, double elapsed_seconds);
// " waiting: r21, r50, r100" (names terminal-safe; " +N more" past the names given), or "" when
// `pending` is more than `most_shown` routers: worth naming only near the end of a job.
std::string format_waiting(const std::vector<std::string>& names, std::size_t pending);
// How many pending routers the progress line names at most.
inline constexpr std::size_t most_waiting_shown = 20;

// Routers by outcome: a router with any failed result is failed, else with any cancelled
// result cancelled, else ok (one bad router with three commands is one failed router).
struct router_counts {
    std::uint64_t ok = 0, failed = 0, cancelled = 0;
};
router_counts count_routers(const protocol::job_result& job);

// The summary table: the command(s), routers and results each with ok/failed/cancelled counts,
// total duration, and the deadline and the rule that stopped the job when there are.
std::string format_job_summary(const protocol::job_result& job);

// A table of the failed routers (one row each, its first failed result) with their error kinds;
// the heading counts routers, and results too when they differ; empty when none. Cancelled
// results are only counted in the summary (a cancelled big job would flood the table).
std::string format_failed_table(const protocol::job_result& job);

// State and result counts; `cancelled` (completed results neither ok nor failed) is shown when
// non-zero or the job was cancelled; the audit fields, deadline and stopping rule when sent.
std::string format_status(const protocol::status_reply& status);
std::string format_routers_table(const protocol::routers_reply& routers);
std::string format_pong(const protocol::pong_reply& pong);

// `error <code>: <message>` plus the job id and offending routers when present.
std::string format_error_reply(const protocol::error_reply& error);

}  // namespace fanout::ctl
