// Integration-test harness: a real fleetsim, a real fanoutd, and ZeroMQ clients that speak
// protocol v1 to it, all in a private temp dir with ipc:// endpoints so tests never collide.
//
// Contract: every wait has a timeout and fails the test rather than hanging; nothing sleeps
// to synchronise. Processes are stopped by their destructors.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "curve/curve_keys.hpp"
#include "protocol/codec.hpp"
#include "tests/support/child_process.hpp"

namespace fanout::testing {

using namespace std::chrono_literals;

// fleetsim's counts since it started (its SIGUSR1 line).
struct fleet_counts {
    std::uint64_t connections = 0;       // TCP connections accepted
    std::uint64_t netconf_sessions = 0;  // netconf subsystem sessions (hellos sent)
    std::uint64_t netconf_rpcs = 0;      // <rpc>s received
    // With --bastions: totals over the bastions (TCP connections, authenticated sessions,
    // direct-tcpip channels opened, channels open now), and each bastion's own under
    // "bastionJ.connections", "bastionJ.sessions", "bastionJ.channels",
    // "bastionJ.channels_open" in `per_bastion`.
    std::uint64_t bastion_connections = 0;
    std::uint64_t bastion_sessions = 0;
    std::uint64_t bastion_channels = 0;
    std::uint64_t bastion_channels_open = 0;
    std::map<std::string, std::uint64_t> per_bastion;
    std::uint64_t exec_running = 0;  // exec commands being answered now
    std::uint64_t exec_peak = 0;     // the most exec commands answered at once since start
};

// A fleetsim process serving routers r1..rN.
class fleet {
  public:
    fleet(const temp_dir& dir, int routers, std::vector<std::string> extra_args = {});
    std::string devices_json() const { return dir_ + "/devices.json"; }
    std::string known_hosts() const { return dir_ + "/known_hosts"; }
    child_process& process() { return *process_; }
    // TCP connections fleetsim accepted since it started (asked with SIGUSR1).
    std::uint64_t connections_accepted() { return counts().connections; }
    // All of fleetsim's counts (asked with SIGUSR1): a second job over pooled NETCONF sessions
    // adds netconf_rpcs but no netconf_sessions.
    fleet_counts counts();

  private:
    std::string dir_;
    std::unique_ptr<child_process> process_;
};

using curve_credentials = std::optional<curve::client_credentials>;

struct fanoutd_extras {
    curve_credentials curve;  // the readiness ping's CURVE keys, for a CURVE fanoutd
    std::string log_file;     // when set, fanoutd's stderr (its log) is appended to this file
};

// A fanoutd process; ready once it answered a ping. Throws std::runtime_error when it exits
// first (at once: a port taken, a bad flag) or gives no answer within 30 s.
class fanoutd_process {
  public:
    fanoutd_process(const temp_dir& dir, const std::string& inventory,
                    const std::string& known_hosts, std::vector<std::string> extra_args = {},
                    fanoutd_extras extras = {});
    const std::string& jobs() const { return jobs_; }
    const std::string& results() const { return results_; }
    child_process& process() { return *process_; }

  private:
    std::string jobs_, results_;
    std::unique_ptr<child_process> process_;
};

using args = std::vector<std::string>;

// A fleet and a fanoutd serving it, in one temp dir: the usual setup of a test suite.
struct fleet_and_daemon {
    fleet_and_daemon(int routers, std::vector<std::string> fleet_args,
                     std::vector<std::string> daemon_args = {})
        : routers_served(dir, routers, std::move(fleet_args)),
          daemon(dir, routers_served.devices_json(), routers_served.known_hosts(),
                 std::move(daemon_args)) {}
    temp_dir dir;
    fleet routers_served;
    fanoutd_process daemon;
};

// A DEALER client: one request, one reply.
class client {
  public:
    explicit client(const std::string& endpoint, zmq::socket_type type = zmq::socket_type::dealer,
                    const curve_credentials& curve = std::nullopt);
    protocol::reply request(const protocol::request& r, std::chrono::milliseconds timeout = 30s);
    // Raw frames, for hostile-input tests. A REQ socket adds its own delimiter.
    void send_frames(const std::vector<std::string>& frames);
    std::optional<std::string> receive(std::chrono::milliseconds timeout);

  private:
    zmq::context_t context_{1};
    zmq::socket_t socket_;
};

// A SUB client on the results endpoint.
class subscriber {
  public:
    explicit subscriber(const std::string& endpoint, const std::string& prefix = "",
                        const curve_credentials& curve = std::nullopt);
    // Submits tiny jobs through `jobs` until one of their aggregates arrives here, so that
    // nothing published after this call is missed (ZeroMQ's slow-joiner problem).
    void sync(client& jobs, const std::string& router);
    std::optional<std::variant<protocol::router_result, protocol::job_result>> next(
        std::chrono::milliseconds timeout = 30s);
    // Reads until the job's aggregate arrives; returns the router_results seen before it.
    std::vector<protocol::router_result> until_job_result(const std::string& job_id,
                                                          protocol::job_result& aggregate,
                                                          std::chrono::milliseconds timeout = 60s);

  private:
    zmq::context_t context_{1};
    zmq::socket_t socket_;
};

// ping's session pool figures once no worker is busy: a job's reply goes out with its last
// result, and its worker gives the session back to the pool just after. pong reads
// busy_workers before the pool, so 0 busy workers means every lease is back. Throws if workers
// stay busy for 30 s or the pong has no figures.
protocol::session_figures session_figures_of(client& jobs);

protocol::submit_request submit_of(std::string job_id, std::string command,
                                   std::vector<std::string> routers, bool wait = true,
                                   std::optional<double> timeout = std::nullopt);
std::vector<std::string> router_names(int first, int last);  // r<first> .. r<last>

// A reply body as received (client::receive); throws when it does not decode.
protocol::reply reply_of(const std::string& body);

// Returns a copy: callers often pass the temporary reply of request(), and a reference into
// it would dangle at the end of the statement.
template <typename T>
T expect_reply(const protocol::reply& r) {
    if (auto* error = std::get_if<protocol::error_reply>(&r))
        throw std::runtime_error(
            "unexpected error reply: " + std::string(protocol::to_string(error->code)) + ": " +
            error->message);
    return std::get<T>(r);
}

inline const protocol::error_reply& expect_error(const protocol::reply& r) {
    if (!std::holds_alternative<protocol::error_reply>(r))
        throw std::runtime_error("expected an error reply, got reply type #" +
                                 std::to_string(r.index()));
    return std::get<protocol::error_reply>(r);
}

}  // namespace fanout::testing
