// The fleet: one 127.0.0.1 listener per router (kernel-chosen ports; with --netconf-port, the
// netconf-only routers listen on 127.1.x.y:<port> instead), an accept thread that polls them
// all, and one small-stack thread per accepted SSH connection.
//
// Contract: start() binds every listener, writes the client files (devices.json,
// known_hosts, keys) and starts accepting; it throws std::runtime_error on failure. stop()
// stops accepting, shuts down every live connection (so hung faults end too) and waits a
// bounded time for their threads; it returns false if some did not finish in time.
// connections_accepted() counts every TCP connection accepted since start, netconf_sessions()
// every netconf subsystem session started (its hello sent), netconf_rpcs() every <rpc>
// received; all three are thread-safe. With --bastions, one more listener per bastion (after
// the routers'): bastion_counts() gives each bastion's connections, sessions and channels
// (thread-safe), and `connections_accepted()` still counts router connections only (a
// router reached through a bastion is counted there too: the bastion connects to it).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "tools/fleetsim/bastion_server.hpp"

#include "tools/fleetsim/options.hpp"

namespace fanout::fleetsim {

class fleet {
  public:
    explicit fleet(fleet_options options);
    ~fleet();
    fleet(const fleet&) = delete;
    fleet& operator=(const fleet&) = delete;

    void start();
    bool stop(std::chrono::milliseconds grace = std::chrono::seconds(3));
    std::uint64_t connections_accepted() const;
    std::uint64_t netconf_sessions() const;
    std::uint64_t netconf_rpcs() const;
    // Exec commands being answered now, and the most at once since start, over every router
    // (thread-safe): a client's real concurrency.
    std::uint64_t execs_running() const;
    std::uint64_t execs_peak() const;
    std::vector<bastion_count> bastion_counts() const;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace fanout::fleetsim
