// Counts a submit's outcome in fanout_jobs_accepted_total / fanout_jobs_refused_total
// (daemon/metrics): a new job is accepted once; a resubmit of a known job (first_accepted_at
// set) is not counted again; a refusal counts under its error code.
#pragma once

#include <variant>

#include "daemon/metrics/daemon_metrics.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

inline void count_submit(
    const std::variant<protocol::accepted_reply, protocol::error_reply>& outcome) {
    if (auto* error = std::get_if<protocol::error_reply>(&outcome))
        metrics::record_job_refused(protocol::to_string(error->code));
    else if (std::get<protocol::accepted_reply>(outcome).first_accepted_at.empty())
        metrics::record_job_accepted();
}

}  // namespace fanout::daemon
