// The audit trail's records (issue 14): one JSON object per event, for --audit-log (one line
// each) and nothing else. docs/audit.md is the schema log shippers rely on; keep them together.
//
// Contract:
// - Pure and thread-safe; each function returns one JSON object as compact text with no
//   newline. Strings are JSON-escaped (a newline or control character in a command becomes
//   \n or \u00XX), so no client text can start a line of its own; invalid UTF-8 (never
//   accepted by the codec, but error messages quote untrusted text) becomes U+FFFD.
// - Every record has `time` (ISO 8601 UTC, milliseconds) and `event`. Optional fields
//   (`requested_by`, `job_id` of a refusal, ...) are left out when unset, never null.
// - Records carry what a job does and who asked: commands, router count, principals, codes,
//   counts. They never carry outputs, router addresses, credentials or inventory data, so no
//   secret can reach the audit file through them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.hpp"

namespace fanout::daemon {

// Who sent a request, and what for: the principal (ZAP User-Id or "local") and the
// submit's optional requested_by.
struct audit_principal {
    std::string by;
    std::optional<std::string> requested_by;
};

// An accepted submit (a new job, or `resubmit`: the same content again, not run again).
// `received`: when the submit arrived, before the scheduler saw it; the record's `time`, so a
// job_end (written by another thread, possibly first) never has an earlier time than it.
std::string submit_record(const audit_principal& who, const std::string& job_id,
                          const std::vector<std::string>& commands, std::size_t routers,
                          bool resubmit, std::chrono::system_clock::time_point received);
// A refused request. `request` is "submit" when known; empty when the body did not decode far
// enough to tell (then left out).
std::string refusal_record(const audit_principal& who, std::string_view request,
                           const protocol::error_reply& error);
// A cancel request; `job` is the job's status after it (nullopt: no such job).
std::string cancel_record(const audit_principal& who, const std::string& job_id,
                          const std::optional<protocol::status_reply>& job);
// A job's end (done or cancelled), from its aggregate. `recovered`: written again at a restart,
// for a job the journal says ended whose job_end may not have reached the file before a crash
// (docs/audit.md, "Crash semantics"); it then has `"recovered": true`.
std::string job_end_record(const protocol::job_result& job, bool recovered = false);
// `count` records could not be written and were dropped (audit_log.hpp).
std::string records_lost_record(std::uint64_t count);

}  // namespace fanout::daemon
