// The audit trail (issue 14): who submitted, was refused, cancelled, and which job ended, as
// `info` log lines and, with --audit-log, as records in the audit file (daemon/audit).
//
// Contract:
// - submitted() and refused() log one `info` line each ("audit: ..."), naming the principal
//   (the ZAP User-Id: a CURVE client's key file name or key; "local" without CURVE;
//   "fanout-proxy" for requests from a pool socket), requested_by when given, the job id, and
//   for a submit the router count and every command in full as a JSON array (so quotes, control
//   characters and newlines are escaped, and the log formatter escapes the rest).
// - With a file, every call also appends one record (audit_record.hpp) and returns once it is
//   on stable storage or held back (audit_log.hpp). The callers call before they send the reply
//   (intake's thread) or before they publish the aggregate (the publisher's thread).
// - ready() is false while the file holds records back (disk full): request_handler then
//   refuses submits with `busy` before they reach the scheduler, so no job runs unaudited for
//   long. Cancels are never refused for it (stopping work stays possible); they are recorded
//   once the file can be written again.
// - Crash completeness (docs/audit.md, "Crash semantics"): `job_end_written`, when given, is
//   called once for each job whose job_end record is on stable storage in the file: at once,
//   or, for one held back (disk full), after the append that wrote it. It is called without any
//   lock of the trail held, never for a record that is only held. fanoutd journals it (the
//   journal's `audited` record), so that a restart writes the job_end of a job that ended
//   before a crash and whose record had not reached the file (ended(job, recovered = true)).
//   ended() returns true when the record is on stable storage.
// - Thread-safe; without a file it only logs.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/audit/audit_log.hpp"
#include "daemon/audit/audit_record.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

// The principal of requests without a ZAP User-Id (no CURVE), and of pool-socket requests.
inline constexpr std::string_view local_principal = "local";
inline constexpr std::string_view proxy_principal = "fanout-proxy";

class audit_trail {
  public:
    using written_callback = std::function<void(const std::string& job_id)>;
    explicit audit_trail(audit_log* file = nullptr, written_callback job_end_written = {})
        : file_(file), job_end_written_(std::move(job_end_written)) {}

    bool ready();
    void submitted(const audit_principal& who, const std::string& job_id,
                   const std::vector<std::string>& commands, std::size_t routers, bool resubmit,
                   std::chrono::system_clock::time_point received);
    void refused(const audit_principal& who, std::string_view request,
                 const protocol::error_reply& error);
    void cancelled(const audit_principal& who, const std::string& job_id,
                   const std::optional<protocol::status_reply>& job);
    bool ended(const protocol::job_result& job, bool recovered = false);

  private:
    // Appends `record`; `job_end_of`: the job whose job_end it is. Reports every job_end now on
    // stable storage to job_end_written_. Returns what append() returned.
    bool append(std::string record, const std::string* job_end_of = nullptr);

    audit_log* file_;
    written_callback job_end_written_;
    std::mutex mutex_;               // an append and the bookkeeping of what it wrote, together
    std::vector<std::string> owed_;  // jobs whose job_end the file holds back (disk full)
};

}  // namespace fanout::daemon
