// The subscription to one job's messages on fanoutd's PUB socket.
//
// Contract: subscribes to `result.<job_id>.` and `job.<job_id>\n` at construction, which match
// this job's messages and no other job's (PROTOCOL.md, "Results socket"); do it before
// submitting (a fresh SUB may still miss the first messages, so never rely on it alone).
// receive() also checks that the decoded job_id is exactly this job, and skips malformed
// messages, counting them. An empty job_id subscribes to `result.` and `job.`: every job's
// messages (`fanoutctl watch`).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "curve/curve_keys.hpp"
#include "protocol/messages.hpp"

namespace fanout::ctl {

using published_message = std::variant<protocol::router_result, protocol::job_result>;

class result_subscriber {
  public:
    // Throws std::runtime_error when ZeroMQ cannot use the endpoint. With `curve`, the
    // subscription is a CURVE client.
    result_subscriber(const std::string& endpoint, std::string job_id,
                      const std::optional<curve::client_credentials>& curve = std::nullopt);
    ~result_subscriber();
    result_subscriber(const result_subscriber&) = delete;
    result_subscriber& operator=(const result_subscriber&) = delete;

    // Waits up to `timeout` for one message of this job; nullopt on timeout or when a signal
    // interrupts the wait (the caller checks its deadlines and flags and calls again).
    std::optional<published_message> receive(std::chrono::milliseconds timeout);

    std::size_t malformed_count() const { return malformed_; }

  private:
    struct impl;
    std::string job_id_;
    std::unique_ptr<impl> impl_;
    std::size_t malformed_ = 0;
};

}  // namespace fanout::ctl
