// Where finished results go. The scheduler calls a result_sink with its lock held, in the
// order results are recorded, so a job's job_result always follows its last router_result.
//
// Contract: implementations must be cheap and non-blocking (enqueue and return); the
// publisher is the production implementation, tests use a recording one.
#pragma once

#include <memory>

#include "protocol/messages.hpp"

namespace fanout::daemon {

class result_sink {
  public:
    virtual ~result_sink() = default;
    virtual void router_result_ready(const protocol::router_result& result) = 0;
    // Shared so the scheduler can keep the same aggregate for `result` without a copy.
    virtual void job_ended(std::shared_ptr<const protocol::job_result> result) = 0;
};

}  // namespace fanout::daemon
