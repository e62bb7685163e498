// Intake: owns the ROUTER socket that jobs and control requests arrive on, and its thread.
//
// Contract:
// - Every request frame is decoded and validated (protocol/codec.hpp) and gets exactly one
//   reply on the same envelope: a REQ client's empty delimiter and any proxy identities are
//   mirrored. Unroutable replies (client gone, pipe full) are dropped with a debug log,
//   never retried, so one stuck client cannot stall the others.
// - Requests with more than max_request_frames frames are refused with bad_request; frames
//   larger than 4x the request frame limit make ZeroMQ drop the connection (maxmsgsize).
// - Every command of a submit is checked against the command policy (settings.commands, or the
//   one replace_command_policy() installed) before
//   anything else; a refused job gets forbidden_command and never reaches the scheduler.
// - `wait: true` submitters are answered when the publisher reports the job ended, i.e. after
//   the job's aggregate was published; a resubmit (same job_id and content, see scheduler.hpp)
//   of a job that has already ended gets its job_result at once.
// - `pong` names this daemon (settings.node_id, settings.advertise_endpoint).
// - Pool mode (settings.jobs_connect): a second ROUTER, the pool socket, connects to
//   fanout-proxy's DEALER backend; replies go back on the socket the request came from. The
//   pool socket is read only while the scheduler has room for another job (active jobs
//   below --max-queued-jobs, pending tasks below --max-pending-tasks). A full daemon leaves
//   its pool pipe unread, the pipe fills, and the proxy's round robin skips it; requests
//   already in the pipe wait there (never dropped) until room returns. The slack before the
//   skip is the pipe's buffering (hwm + ZeroMQ batches + kernel buffers, O(100) small
//   requests); see README "Pool".
// - The loop wakes at least every 100 ms to notice stop(); stop() joins it.
// - replace_inventory() and replace_command_policy() may be called from any thread (the SIGHUP
//   path): requests decoded after them see the new inventory or policy; accepted jobs keep the
//   inventory they were accepted with.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/admission/inventory.hpp"
#include "daemon/scheduling/scheduler.hpp"

namespace zmq {
class context_t;
}
namespace fanout::curve {
struct key_pair;
}

namespace fanout::daemon {

inline constexpr std::size_t max_request_frames = 16;

class intake {
  public:
    // Binds the jobs endpoint and the inproc completions endpoint; throws zmq::error_t when
    // a bind fails. A non-null `curve_server` makes the jobs socket a CURVE server.
    intake(zmq::context_t& context, const config& settings, scheduler& tasks,
           std::shared_ptr<const inventory> devices, std::function<std::size_t()> busy_workers,
           std::size_t workers, std::function<protocol::session_figures()> session_figures,
           const curve::key_pair* curve_server = nullptr);
    intake(const intake&) = delete;
    intake& operator=(const intake&) = delete;
    ~intake();

    // Where the publisher connects to report ended jobs.
    const std::string& completions_endpoint() const { return completions_endpoint_; }

    // Atomically swaps the inventory that new submits and `routers` use.
    void replace_inventory(std::shared_ptr<const inventory> devices);
    void replace_command_policy(std::shared_ptr<const command_policy> policy);

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
    // Room for one more job: the pool socket is read only then.
    bool has_room() const;
    void receive_request(bool from_pool);
    void handle(const envelope& to, std::string_view body);
    void handle_submit(const envelope& to, protocol::submit_request& request);
    void drain_completions();
    void reply(const envelope& to, const std::string& body);
    // False when the reply could not be routed (client gone, pipe full) and was dropped.
    bool deliver(const envelope& to, const std::string& body);

    const config& settings_;
    scheduler& tasks_;
    std::atomic<std::shared_ptr<const inventory>> devices_;
    std::atomic<std::shared_ptr<const command_policy>> policy_;
    std::function<std::size_t()> busy_workers_;
    const std::size_t workers_;
    std::function<protocol::session_figures()> session_figures_;
    const std::chrono::steady_clock::time_point started_at_;
    std::string completions_endpoint_;
    std::unique_ptr<sockets> sockets_;
    std::map<std::string, std::vector<envelope>> waiters_;  // job_id -> `wait: true` clients
    std::atomic<bool> stopping_{false};
    std::thread thread_;  // last: joins before the members it uses go away
};

}  // namespace fanout::daemon
