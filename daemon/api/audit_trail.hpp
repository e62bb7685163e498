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
// - Thread-safe; without a file it only logs.
#pragma once

#include <chrono>
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
    explicit audit_trail(audit_log* file = nullptr) : file_(file) {}

    bool ready();
    void submitted(const audit_principal& who, const std::string& job_id,
                   const std::vector<std::string>& commands, std::size_t routers, bool resubmit,
                   std::chrono::system_clock::time_point received);
    void refused(const audit_principal& who, std::string_view request,
                 const protocol::error_reply& error);
    void cancelled(const audit_principal& who, const std::string& job_id,
                   const std::optional<protocol::status_reply>& job);
    void ended(const protocol::job_result& job);

  private:
    audit_log* file_;
};

}  // namespace fanout::daemon
