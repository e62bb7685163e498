// Protocol v1 message types, as plain C++ values.
//
// Contract: these structs mirror protocol/PROTOCOL.md one to one. They carry no I/O, no
// msgpack and no ZeroMQ; protocol/codec.hpp turns them into bytes and back. Field names
// follow the wire names (stderr is spelled stderr_output only because `stderr` is a macro).
// Members added after v1.0 have default member initializers ({}), so aggregate initialisers
// written before them stay complete.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fanout::protocol {

inline constexpr std::string_view protocol_version = "1";

// ---- requests (client -> daemon, on the ROUTER socket) ----

// What a submit asks each router for: its CLI text (default), or Junos's JSON or XML.
enum class output_format { text, json, xml };

// Per-job execution controls (issue 14), all optional; unset: the job runs as before. Limits,
// errors and meaning: PROTOCOL.md (submit); the state machine: daemon/scheduling/job_controls.hpp.
struct execution_controls {
    std::optional<std::uint64_t> max_parallel{};         // at most N of the job's routers at once
    std::optional<std::uint64_t> stop_after_failures{};  // stop once N routers failed
    std::optional<std::uint64_t> max_fail_percent{};     // stop once N% of the routers failed
    std::optional<std::uint64_t> canary{};               // the first K routers run alone first
    bool any() const { return max_parallel || stop_after_failures || max_fail_percent || canary; }
    bool operator==(const execution_controls&) const = default;
};

struct submit_request {
    std::optional<std::string> job_id;
    // Exactly one of `command` / `commands` is on the wire; `single_command` remembers which,
    // so the job summary echoes the same key back.
    std::vector<std::string> commands;
    bool single_command = true;
    std::vector<std::string> routers;
    std::optional<double> timeout;  // seconds per router per command
    bool wait = false;
    output_format format = output_format::text;  // sent only when not text
    // Audit (issue 14): who asked for the job, e.g. a change ticket; recorded beside the
    // authenticated submitter, never instead of it, and not part of the content digest.
    std::optional<std::string> requested_by{};
    execution_controls controls{};  // each sent only when set
    // Issue 13: seconds for each router's whole attempt (connect, retries, bastions, every
    // command), 0 < deadline <= max_deadline_seconds; absent: none. Sent only when set.
    std::optional<double> deadline{};
};

struct status_request {
    std::string job_id;
};
struct result_request {
    std::string job_id;
};
struct cancel_request {
    std::string job_id;
};
struct ping_request {};
struct routers_request {};
// Router results recorded after `since_seq`, from the jobs the daemon still keeps.
struct replay_request {
    std::uint64_t since_seq = 0;
    std::optional<std::uint64_t> limit;  // 1..max_replay_results; absent: the maximum
    std::optional<std::string> job_id;   // only this job's results
};

// ---- issue 13: `jobs`, the daemon's active and kept jobs, newest first ----
enum class job_state;
struct jobs_request {
    std::optional<std::uint64_t> limit;  // 1..max_jobs_listed; absent: default_jobs_listed
    std::optional<job_state> state;      // only jobs in this state
    std::optional<std::string> job_id;   // only this job (not_found when unknown)
};

using request = std::variant<submit_request, status_request, result_request, cancel_request,
                             ping_request, routers_request, replay_request, jobs_request>;

// ---- shared value types ----

enum class job_state { queued, running, done, cancelled };
enum class router_status { success, failed, cancelled };
enum class error_kind {
    connect,
    auth,
    host_key,
    timeout,
    channel,
    exit_status,
    internal,
    interrupted,
    parse,      // format json or xml: the output is not a whole, valid document
    rpc_error,  // NETCONF: the router answered the RPC with an <rpc-error> of severity error
    stopped     // on `cancelled` results only: the job was stopped by its rule or its canary
};
enum class error_code {
    bad_request,
    unknown_routers,
    duplicate_job,
    busy,
    not_found,
    too_large,
    forbidden_command,
};

std::string_view to_string(job_state);
std::string_view to_string(router_status);
std::string_view to_string(error_kind);
std::string_view to_string(output_format);
std::optional<output_format> output_format_from(std::string_view);
std::string_view to_string(error_code);
std::optional<job_state> job_state_from(std::string_view);
std::optional<router_status> router_status_from(std::string_view);
std::optional<error_kind> error_kind_from(std::string_view);
std::optional<error_code> error_code_from(std::string_view);

struct router_error {
    error_kind kind = error_kind::internal;
    std::string message;
};

// One router's answer to one command. Published on `result.<job_id>.<router_name>`.
struct router_result {
    std::string job_id;
    std::string router_name;
    std::string command;
    std::uint32_t command_index = 0;
    router_status status = router_status::failed;
    std::string output;
    std::string stderr_output;
    std::optional<int> exit_status;  // nil on the wire when the command never ran to completion
    std::optional<router_error> error;
    bool truncated = false;
    // Published without output and stderr because subscribers held too much unread
    // (--results-buffer-bytes); `result` and `replay` still have them. Sent only when true.
    bool output_withheld = false;
    // format json: the parsed document as msgpack bytes (a map or an array). Sent only when set.
    std::optional<std::string> data;
    // Which transport ran the command: "ssh" (exec) or "netconf"; empty: not sent (a daemon
    // before issue 11, or a result recorded without a router task, such as `interrupted`).
    std::string transport{};
    double execution_duration = 0.0;  // seconds
    std::string start_time;  // ISO-8601 UTC with milliseconds, e.g. 2026-11-26T10:00:00.123Z
    std::string end_time;
    std::uint64_t seq = 0;
    // The daemon that ran it and where it takes control requests (empty: not sent).
    std::string node{};
    std::string control_endpoint{};
};

struct job_summary {
    std::vector<std::string> commands;
    bool single_command = true;       // echo `command` (a string) rather than `commands`
    std::uint64_t total_routers = 0;  // routers in the job
    std::uint64_t total = 0;          // router results: routers x commands
    std::uint64_t successful = 0;
    std::uint64_t failed = 0;
    std::uint64_t cancelled = 0;
    double total_duration = 0.0;  // seconds from acceptance to end
    // Issue 13: the job's `deadline`, sent only when it had one.
    std::optional<double> deadline{};
};

// ---- replies (daemon -> client, on the ROUTER socket) and the job aggregate (PUB) ----

// Published on `job.<job_id>` when the job ends; also the reply to `result` and `wait: true`.
struct job_result {
    std::string job_id;
    job_state state = job_state::done;
    job_summary summary;
    std::vector<router_result> results;  // router order, then command order
    std::string node{};                  // the owning daemon (empty: not sent)
    std::string control_endpoint{};      // where it takes control requests (empty: not sent)
    // As accepted_reply's: set only in the reply to a `wait: true` resubmit of an ended job.
    std::string first_accepted_at{};
    // Audit (issue 14): who submitted the job (CURVE key name or key, or "local") and the
    // submit's requested_by; empty: not sent.
    std::string submitted_by{};
    std::string requested_by{};
    // Execution controls: the rule that stopped the job (`stop_after_failures`,
    // `max_fail_percent` or `canary`); empty: none did (not sent).
    std::string stopped_by{};
};

// Copies of a result and of an aggregate without output and stderr, flagged
// output_withheld: what fanoutd sends when the full one does not fit a memory budget.
// Built field by field, so the outputs are never copied.
router_result without_output(const router_result& r);
job_result without_output(const job_result& job);

struct accepted_reply {
    std::string job_id;
    std::uint64_t total = 0;
    std::string node{};              // the daemon that owns the job (empty: not sent)
    std::string control_endpoint{};  // send status/result/cancel there (empty: not sent)
    // Set only when the submit named a job fanoutd already had, with the same content: when
    // that job was first accepted (ISO 8601 UTC). It was not run again; on the wire,
    // `resubmit: true` and `first_accepted_at`.
    std::string first_accepted_at{};
};

struct status_reply {
    std::string job_id;
    job_state state = job_state::queued;
    std::uint64_t total = 0;
    std::uint64_t completed = 0;
    std::uint64_t successful = 0;
    std::uint64_t failed = 0;
    std::string node{};  // empty: not sent
    std::string control_endpoint{};
    // Audit (issue 14), as job_result's; empty: not sent.
    std::string submitted_by{};
    std::string requested_by{};
    // Execution controls (sent only for a job that has them): the rule that stopped it (empty:
    // none, not sent), and its routers running now.
    std::string stopped_by{};
    std::optional<std::uint64_t> running{};
    // Issue 13: the job's `deadline` in seconds, sent only when it has one.
    std::optional<double> deadline{};
};

// The daemon's SSH session pool: current counts (open, idle) and totals since start.
struct session_figures {
    std::uint64_t open = 0;
    std::uint64_t idle = 0;
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t dropped = 0;
    std::uint64_t evicted = 0;
    std::uint64_t expired = 0;
    // Misses that reopened a session evicted by --max-sessions within --session-idle (thrash);
    // absent from daemons before it was added (issue 16).
    std::optional<std::uint64_t> reopened;
    bool operator==(const session_figures&) const = default;
};

// Routers behind bastions (issue 12): the daemon's bastion sessions now (sessions, channels)
// and totals since start; sent only by daemons that have bastion support.
struct bastion_figures {
    std::uint64_t sessions = 0;       // bastion sessions open
    std::uint64_t channels = 0;       // router streams open (or opening) through them
    std::uint64_t opened = 0;         // bastion sessions opened
    std::uint64_t failed = 0;         // bastion session opens that failed
    std::uint64_t dropped = 0;        // bastion sessions that died
    std::uint64_t expired = 0;        // closed after --session-idle without channels
    std::uint64_t memo_failures = 0;  // router connects failed at once by a remembered failure
    bool operator==(const bastion_figures&) const = default;
};

struct pong_reply {
    std::string version;
    std::uint64_t workers = 0;
    std::uint64_t busy_workers = 0;
    std::uint64_t queued_jobs = 0;
    std::uint64_t running_jobs = 0;
    double uptime = 0.0;                      // seconds
    std::optional<session_figures> sessions;  // absent from daemons before session reuse
    std::string node{};                       // empty: not sent
    std::string control_endpoint{};
    std::optional<bastion_figures> bastions{};  // absent from daemons before issue 12
};

struct router_info {
    std::string name;
    std::string ip;
    std::uint16_t port = 22;
    std::string username;
    std::vector<std::string> groups{};  // the inventory's `groups`; omitted on the wire when empty
};

struct routers_reply {
    std::vector<router_info> routers;
};

// The answer to `replay`: one page of retained router results, in seq order.
struct replay_reply {
    std::uint64_t next_seq = 0;    // since_seq for the next page: the last seq here, or since_seq
    bool more = false;             // results after next_seq were left out (limit or size)
    std::uint64_t oldest_seq = 0;  // smallest seq still retained (0: none)
    std::uint64_t last_seq = 0;    // latest seq the daemon assigned (0: none yet)
    std::vector<router_result> results;
};

struct error_reply {
    error_code code = error_code::bad_request;
    std::string message;
    std::optional<std::string> job_id;
    std::vector<std::string> routers;  // offenders, for unknown_routers; omitted when empty
};

// ---- issue 13: the answer to `jobs` ----
// One job as `jobs` lists it: who, when, what and how far, without any output.
struct job_entry {
    std::string job_id;
    job_state state = job_state::queued;
    std::string submitted_at;         // ISO-8601 UTC with milliseconds
    std::string command;              // the first command, cut to max_listed_command_bytes
    std::uint64_t command_count = 1;  // commands in the job
    std::uint64_t total_routers = 0;
    std::uint64_t total = 0;      // router results: routers x commands
    std::uint64_t completed = 0;  // results recorded so far
    std::uint64_t successful = 0;
    std::uint64_t failed = 0;
    std::uint64_t cancelled = 0;
    // As status_reply's (audit, execution controls); empty: not sent.
    std::string submitted_by{};
    std::string requested_by{};
    std::string stopped_by{};
    std::optional<double> deadline{};  // the job's `deadline` in seconds, sent only when it has one
    bool operator==(const job_entry&) const = default;
};
struct jobs_reply {
    std::vector<job_entry> jobs;  // newest first (by submitted_at), at most the request's limit
    std::uint64_t matched = 0;    // jobs the daemon has that match the filter, listed or not
    bool more = false;            // matched > jobs.size(): the older ones were left out
    std::string node{};  // the answering daemon (as pong's); empty: not sent (before pool jobs)
};

using reply = std::variant<accepted_reply, status_reply, job_result, pong_reply, routers_reply,
                           error_reply, replay_reply, jobs_reply>;

}  // namespace fanout::protocol
