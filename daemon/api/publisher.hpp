// The publisher: owns the PUB socket and its thread. Results reach it through a queue.
//
// Contract:
// - router_result_ready/job_ended are called by the scheduler (any thread): they enqueue and
//   return at once. The publisher thread encodes each message and sends it as two frames,
//   [topic, msgpack map], on the PUB socket, in enqueue order.
// - After sending a job_result it hands intake the same encoded bytes, over an inproc PUSH
//   socket it owns, so intake answers `wait: true` submitters after the aggregate went out.
// - PUB never blocks: a subscriber that falls more than `send_hwm` messages behind loses
//   messages (they stay fetchable with `result` and `replay`), and it never slows the
//   publisher thread, the other subscribers or the workers.
// - What subscribers make fanoutd hold is bounded in bytes, whatever their number: the
//   messages ZeroMQ still holds for them are counted (send_budget) against `buffer_bytes`
//   (--results-buffer-bytes). A message that does not fit is published without its output
//   and stderr (`output_withheld: true`, fetch them with `result` or `replay`), counted
//   against a further withheld_share of buffer_bytes; one that does not fit there either is
//   not published at all (a gap in `seq`; `replay` fills it). One message always goes out
//   when nothing is held. Held bytes stay below 1.125 x buffer_bytes or one message.
// - The queue from the scheduler has no fixed bound, and needs none: the publisher thread
//   drains it at encoding speed whatever the subscribers do, far faster than workers record
//   results over SSH.
// - stop() sends everything still queued, then joins. The destructor calls stop().
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

#include "daemon/scheduling/result_sink.hpp"

namespace zmq {
class context_t;
}
namespace fanout::curve {
struct key_pair;
struct client_credentials;
}  // namespace fanout::curve

namespace fanout::daemon {

class send_budget;
class connection_guard;

struct publisher_settings {
    std::string endpoint;              // bound (--results)
    std::string completions_endpoint;  // intake's, connected
    std::size_t send_hwm = 10000;      // per subscriber, in messages (--results-hwm)
    std::size_t buffer_bytes = std::size_t{256} << 20;  // --results-buffer-bytes
    // Pool mode: fanout-proxy's XSUB backend, connected as well as the bind. Empty: none.
    std::string connect_endpoint;
    // Audit (issue 14): called on the publisher thread with each aggregate before it is
    // published and handed to intake (so before a `wait: true` reply). Empty: none.
    std::function<void(const protocol::job_result&)> before_job_result{};
};

// The share of buffer_bytes that withheld-output messages may add: 1/8.
inline constexpr std::size_t withheld_share_divisor = 8;

class publisher final : public result_sink {
  public:
    // Binds the endpoint (throws zmq::error_t when it cannot) and connects to intake's
    // completions endpoint. A non-null `curve_server` makes the PUB socket a CURVE server;
    // the connect endpoint is a CURVE client when `connect_curve` is non-null.
    // A non-null `guard` caps the PUB socket's connections.
    publisher(zmq::context_t& context, const publisher_settings& settings,
              const curve::key_pair* curve_server = nullptr,
              const curve::client_credentials* connect_curve = nullptr,
              connection_guard* guard = nullptr);
    publisher(const publisher&) = delete;
    publisher& operator=(const publisher&) = delete;
    ~publisher() override;

    void router_result_ready(const protocol::router_result& result) override;
    void job_ended(std::shared_ptr<const protocol::job_result> result) override;

    void stop();

  private:
    using message =
        std::variant<protocol::router_result, std::shared_ptr<const protocol::job_result>>;
    struct sockets;

    void enqueue(message m);
    void run();
    void send(const message& m);
    // Publishes [topic, body] within the budgets; `withheld` makes the body without output.
    void publish(const std::string& topic, const std::shared_ptr<const std::string>& body,
                 const std::function<std::string()>& withheld, const std::string& what);

    std::unique_ptr<sockets> sockets_;
    std::shared_ptr<send_budget> full_;      // messages as they are
    std::shared_ptr<send_budget> withheld_;  // messages published without their output
    std::function<void(const protocol::job_result&)> before_job_result_;  // audit (issue 14)
    std::chrono::steady_clock::time_point last_warning_{};
    std::size_t withheld_count_ = 0, dropped_count_ = 0;  // since the last warning
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<message> queue_;
    bool stopping_ = false;
    std::thread thread_;  // last: joins before the queue and sockets go away
};

}  // namespace fanout::daemon
