// The publisher: owns the PUB socket and its thread. Results reach it through a queue.
//
// Contract:
// - router_result_ready/job_ended are called by the scheduler (any thread): they enqueue and
//   return at once. The publisher thread encodes each message and sends it as two frames,
//   [topic, msgpack map], on the PUB socket, in enqueue order.
// - After sending a job_result it hands intake the same encoded bytes, over an inproc PUSH
//   socket it owns, so intake answers `wait: true` submitters after the aggregate went out.
// - PUB never blocks: a subscriber that falls more than the high-water mark behind loses
//   messages (they stay fetchable with `result`). The queue itself is bounded by the
//   scheduler's max pending tasks, since every entry is one recorded result.
// - stop() sends everything still queued, then joins. The destructor calls stop().
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

#include "daemon/result_sink.hpp"

namespace zmq {
class context_t;
}
namespace fanout::curve {
struct key_pair;
}

namespace fanout::daemon {

class publisher final : public result_sink {
  public:
    // Binds `endpoint` (throws zmq::error_t when it cannot) and connects to intake's
    // completions endpoint. A non-null `curve_server` makes the PUB socket a CURVE server.
    publisher(zmq::context_t& context, const std::string& endpoint,
              const std::string& completions_endpoint,
              const curve::key_pair* curve_server = nullptr);
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
