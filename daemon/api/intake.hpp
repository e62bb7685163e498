// Intake: owns the ROUTER socket that jobs and control requests arrive on, and its thread.
//
// Contract:
// - Every request gets exactly one reply on the same envelope: a REQ client's empty delimiter
//   and any proxy identities are mirrored. What the reply says is request_handler's business;
//   intake only moves frames. Unroutable replies (client gone, pipe full) are dropped with a
//   debug log, never retried, so one stuck client cannot stall the others.
// - Requests with more than max_request_frames frames are refused with bad_request; frames
//   larger than 2x the request frame limit make ZeroMQ drop the connection (maxmsgsize).
//   ZeroMQ bounds frames, not the frames of one message: a message is held whole until its
//   last frame arrives, so who may connect (CURVE, ipc permissions) bounds that.
// - Replies are bounded in bytes (send_budget): what ZeroMQ still holds for one client, and
//   for all, stays within reply_bytes_per_client and reply_bytes_total (or one reply). A
//   reply to a read-only request that does not fit is replaced by a small `busy` error that
//   says which limit it hit; the client gets its replies again once it has read what it was
//   sent. The reply to a submit or cancel that took effect is never replaced: a job_result
//   (wait: true) that does not fit goes out without outputs (output_withheld, as on PUB;
//   `result` has them), anything else (accepted, status) is small and always sent.
// - `wait: true` submitters are answered when the publisher reports the job ended, i.e. after
//   the job's aggregate was published (the completions inproc PULL socket).
// - Pool mode (settings.jobs_connect): a second ROUTER, the pool socket, connects to
//   fanout-proxy's DEALER backend (as a CURVE client when the backend is CURVE); replies go
//   back on the socket the request came from. The
//   pool socket is read only while has_room() says the daemon can take another job (active
//   jobs below --max-queued-jobs, pending tasks below --max-pending-tasks). A full daemon
//   leaves its pool pipe unread, the pipe fills, and the proxy's round robin skips it;
//   requests already in the pipe wait there (never dropped) until room returns. The slack
//   before the skip is the pipe's buffering (hwm + ZeroMQ batches + kernel buffers, O(100)
//   small requests); see docs/pool.md.
// - The loop wakes at least every 100 ms to notice stop(); stop() joins it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace zmq {
class context_t;
}
namespace fanout::curve {
struct key_pair;
struct client_credentials;
}  // namespace fanout::curve

namespace fanout::daemon {

inline constexpr std::size_t max_request_frames = 16;
// Frames before the body are routing identities (ZeroMQ caps them at 255 bytes) and REQ's
// empty delimiter; a longer one makes the request bad_request, and is never copied.
inline constexpr std::size_t max_envelope_frame_bytes = 255;

class request_handler;
class send_budget;
class connection_guard;

struct intake_settings {
    std::string jobs_endpoint;        // bound (--jobs)
    std::string jobs_connect;         // pool mode: fanout-proxy's jobs backend; empty: none
    std::size_t max_frame_bytes = 0;  // protocol::request_limits::max_frame_bytes
    std::function<bool()> has_room;   // the daemon can take another job now
    std::size_t reply_bytes_per_client = std::size_t{64} << 20;  // --max-client-reply-bytes
    std::size_t reply_bytes_total = std::size_t{256} << 20;      // --max-reply-bytes
};

class intake {
  public:
    // Binds the jobs endpoint and the inproc completions endpoint; throws zmq::error_t when
    // a bind fails. A non-null `curve_server` makes the jobs socket a CURVE server; a
    // non-null `pool_curve` makes the pool socket a CURVE client of the proxy's backend; a
    // non-null `guard` caps the jobs socket's connections.
    intake(zmq::context_t& context, intake_settings settings, request_handler& handler,
           const curve::key_pair* curve_server = nullptr,
           const curve::client_credentials* pool_curve = nullptr,
           connection_guard* guard = nullptr);
    intake(const intake&) = delete;
    intake& operator=(const intake&) = delete;
    ~intake();

    // Where the publisher connects to report ended jobs.
    const std::string& completions_endpoint() const { return completions_endpoint_; }

    void start();
    // Answers the waiters of every job already reported, then joins.
    void stop();

  private:
    struct sockets;
    // The frames before the body, and whether they came on the pool socket.
    struct envelope : std::vector<std::string> {
        bool from_pool = false;
    };

    void run();
    void receive_request(bool from_pool);
    void drain_completions();
    void reply(const envelope& to, std::string body, bool took_effect = false);
    // False when the reply could not be routed (client gone, pipe full) and was dropped.
    // `took_effect`: never replaced by busy (see the contract).
    bool deliver(const envelope& to, std::shared_ptr<const std::string> body, bool took_effect);

    const intake_settings settings_;
    request_handler& handler_;
    std::string completions_endpoint_;
    std::unique_ptr<sockets> sockets_;
    std::shared_ptr<send_budget> replies_;
    std::chrono::steady_clock::time_point last_warning_{};
    std::map<std::string, std::vector<envelope>> waiters_;  // job_id -> `wait: true` clients
    std::atomic<bool> stopping_{false};
    std::thread thread_;  // last: joins before the members it uses go away
};

}  // namespace fanout::daemon
