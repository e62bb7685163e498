// The publisher: owns the PUB socket and its thread. Results reach it through a queue.
//
// Contract:
// - router_result_ready/job_ended are called by the scheduler (any thread): they enqueue and
//   return at once. The publisher thread encodes each message and sends it as two frames,
//   [topic, msgpack map], on the PUB socket, in enqueue order.
// - After sending a job_result it hands intake the same encoded bytes, over an inproc PUSH
//   socket it owns, so intake answers `wait: true` submitters after the aggregate went out.
// - PUB never blocks: a subscriber that falls more than `send_hwm` messages behind loses
//   messages (they stay fetchable with `result` and `replay`). So a stuck subscriber pins at
//   most send_hwm messages (ZeroMQ's pipe to it; about twice their size in RSS, as the heap
//   around them cannot be reused), and it never slows the publisher thread, the other
//   subscribers or the workers.
// - The queue from the scheduler has no fixed bound, and needs none: the publisher thread
//   drains it at encoding speed whatever the subscribers do, far faster than workers record
//   results over SSH.
// - stop() sends everything still queued, then joins. The destructor calls stop().
#pragma once

#include <condition_variable>
#include <deque>
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

class publisher final : public result_sink {
  public:
    // Binds `endpoint` (throws zmq::error_t when it cannot) and connects to intake's
    // completions endpoint. `send_hwm` is the PUB socket's per-subscriber queue (--results-hwm).
    // A non-null `curve_server` makes the PUB socket a CURVE server. A non-empty
    // `connect_endpoint` (fanout-proxy's XSUB backend) is connected as well as the bind, as a
    // CURVE client when `connect_curve` is non-null.
    publisher(zmq::context_t& context, const std::string& endpoint,
              const std::string& completions_endpoint, std::size_t send_hwm = 10000,
              const curve::key_pair* curve_server = nullptr,
              const std::string& connect_endpoint = {},
              const curve::client_credentials* connect_curve = nullptr);
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

    std::unique_ptr<sockets> sockets_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<message> queue_;
    bool stopping_ = false;
    std::thread thread_;  // last: joins before the queue and sockets go away
};

}  // namespace fanout::daemon
