// The request/reply connection to fanoutd's job socket (a DEALER to its ROUTER).
//
// Contract: one request at a time; request() sends the single msgpack frame and waits up to
// the reply timeout. With retries (Lazy Pirate), a request that got no reply in time is sent
// again, identical, on a fresh socket (the old one is closed, so a late reply to it is never
// read), up to `retries` more times; each retry is announced on stderr ("fanoutctl: no reply
// ...; retrying"). Only idempotent requests may be retried: fanoutd treats a submit resent
// with the same job_id and content as the first (fanoutctl always sends a job_id).
// "No reply" after the last attempt, an unusable endpoint and an undecodable reply come back
// as client_failure (exit code 3); an error reply from the daemon is a normal protocol::reply.
// A signal arriving while waiting does not end the wait. With CURVE, a handshake that
// fanoutd refuses (client key not allowed) is reported at once as a client_failure. Sockets use
// linger 0, so destruction never blocks.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "curve/curve_keys.hpp"
#include "protocol/messages.hpp"

namespace fanout::ctl {

struct client_failure {
    std::string message;  // complete sentence for the operator, e.g. "no reply from ..."
};

using request_outcome = std::variant<protocol::reply, client_failure>;

class job_client {
  public:
    // Connecting is lazy in ZeroMQ, so this only fails (client_failure on first request) for
    // an endpoint ZeroMQ cannot parse. With `curve`, the connection is a CURVE client.
    job_client(std::string endpoint, std::chrono::milliseconds reply_timeout,
               const std::optional<curve::client_credentials>& curve = std::nullopt,
               unsigned retries = 0);
    ~job_client();
    job_client(const job_client&) = delete;
    job_client& operator=(const job_client&) = delete;

    request_outcome request(const protocol::request& r);

    const std::string& endpoint() const { return endpoint_; }
    // How many attempts the last request() made (1: answered the first time).
    unsigned attempts() const { return attempts_; }

  private:
    struct impl;
    // Opens a fresh socket (dropping the old one and anything queued on it).
    void connect();
    // One attempt; nullopt when no reply came within the reply timeout.
    std::optional<request_outcome> attempt(const std::string& frame);

    std::string endpoint_;
    std::chrono::milliseconds reply_timeout_;
    std::optional<curve::client_credentials> curve_credentials_;
    unsigned retries_ = 0;
    unsigned attempts_ = 0;
    std::unique_ptr<impl> impl_;
    std::string connect_error_;
    bool curve_ = false;
};

// "no reply from fanoutd at <endpoint> within 10s (is it running?)"
std::string no_reply_message(const std::string& endpoint, std::chrono::milliseconds waited);

}  // namespace fanout::ctl
