// Explicit limits on what a request may contain. Every limit is documented in PROTOCOL.md.
//
// Contract: the defaults are the daemon's defaults; the daemon overrides them from its
// configuration (for example --max-routers-per-job). Validation that needs no daemon state
// (types, shapes, sizes, the job_id charset) lives in the protocol library; checks against
// daemon state (unknown routers, duplicate job ids, busy) live in the daemon.
#pragma once

#include <cstddef>
#include <string_view>

namespace fanout::protocol {

struct request_limits {
    std::size_t max_frame_bytes = 4 * 1024 * 1024;  // one request frame; larger is too_large
    std::size_t max_routers_per_job = 10000;        // --max-routers-per-job
    std::size_t max_commands_per_job = 64;
    std::size_t max_command_bytes = 4096;     // one command string
    std::size_t max_router_name_bytes = 255;  // one router name
    double max_timeout_seconds = 86400.0;     // `timeout` must be > 0 and <= this
    double max_deadline_seconds = 86400.0;    // issue 13: `deadline` must be > 0 and <= this
};

inline constexpr std::size_t max_job_id_bytes = 64;
// submit's optional `requested_by` (audit, issue 14): 1..this many bytes of UTF-8.
inline constexpr std::size_t max_requested_by_bytes = 256;

// One `replay` reply holds at most this many results (the request's `limit` is 1..this) ...
inline constexpr std::size_t max_replay_results = 1000;
// ... and stops taking results once their output and stderr add up to this many bytes; it
// always holds at least one result when one is retained, so paging always advances.
inline constexpr std::size_t max_replay_bytes = 4 * 1024 * 1024;

// `jobs` (issue 13): one reply lists at most max_jobs_listed jobs (the request's `limit` is
// 1..this; default_jobs_listed without one), newest first, and each entry's `command` holds at
// most max_listed_command_bytes of the job's first command (cut at a UTF-8 boundary), so a
// reply stays under 1.1 MiB however many jobs the daemon keeps (with requested_by, a CURVE key
// name as submitted_by, a deadline and the node at their bounds too; test_protocol_jobs
// measures it).
inline constexpr std::size_t max_jobs_listed = 1000;
inline constexpr std::size_t default_jobs_listed = 100;
inline constexpr std::size_t max_listed_command_bytes = 200;

// 1-64 chars of [A-Za-z0-9_:-]: what `submit` accepts and the daemon assigns. Job ids appear in
// PUB topics, so the charset is strict, and has no dot: the first dot after `result.` ends the
// job id (codec.hpp, router_result_topic).
bool is_valid_job_id(std::string_view id);

// is_valid_job_id, or the same with dots: what status, result, cancel and replay accept, so a
// job journaled by a fanoutd that still accepted dots in `submit` stays reachable.
bool is_valid_job_id_to_look_up(std::string_view id);

}  // namespace fanout::protocol
