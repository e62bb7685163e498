// One fake router's side of one accepted SSH connection: key exchange, authentication, then
// exec/shell channels answered like a Junos CLI and `netconf` subsystem channels answered like
// Junos's NETCONF server (netconf_server), with the router's fault applied. A netconf-only
// router refuses exec and shell requests, as Junos's port 830 does.
//
// Contract: serve_connection() blocks on the calling thread until the client leaves, the
// router's fault ends the session, or the fleet stops (the fleet shuts the socket down and
// sets `stopping`); every wait also ends on either. It never frees the session it is given.
#pragma once

#include <libssh/libssh.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "tools/fleetsim/options.hpp"

namespace fanout::fleetsim {

// Per-command delay: latency plus uniform jitter in [0, jitter], from one seeded generator.
class latency_source {
  public:
    latency_source(std::chrono::milliseconds latency, std::chrono::milliseconds jitter,
                   std::uint64_t seed)
        : latency_(latency), jitter_(jitter), random_(seed) {}

    std::chrono::milliseconds next() {
        if (jitter_.count() == 0) return latency_;
        std::lock_guard lock(mutex_);
        std::uniform_int_distribution<long> extra(0, static_cast<long>(jitter_.count()));
        return latency_ + std::chrono::milliseconds(extra(random_));
    }

  private:
    std::chrono::milliseconds latency_;
    std::chrono::milliseconds jitter_;
    std::mutex mutex_;
    std::mt19937_64 random_;
};

struct server_settings {
    std::string username;
    std::string password;
    ssh_key client_public = nullptr;  // accepted for key_auth routers; not owned
    latency_source* latency = nullptr;
    std::uint64_t huge_bytes = 0;
    std::chrono::milliseconds trickle{200};
    std::chrono::milliseconds slow_forward{3000};  // bastions: the slow_forward fault's delay
    int interfaces = default_interfaces;
    const std::atomic<bool>* stopping = nullptr;
    std::atomic<std::uint64_t>* netconf_sessions = nullptr;  // also numbers the session-ids
    std::atomic<std::uint64_t>* netconf_rpcs = nullptr;
    // Exec commands being answered now, and the most at once since start (a client's real
    // concurrency, e.g. fanoutd's max_parallel, measured at the fleet).
    std::atomic<std::uint64_t>* execs_running = nullptr;
    std::atomic<std::uint64_t>* execs_peak = nullptr;
    bool verbose = false;
};

// Writes "fleetsim: <router>: <text>" to stderr when settings.verbose is set.
void log_event(const server_settings& settings, std::string_view router, std::string_view text);

void serve_connection(ssh_session session, const router_spec& router,
                      const server_settings& settings);

}  // namespace fanout::fleetsim
