// The fleet: one 127.0.0.1 listener per router (kernel-chosen ports), an accept thread that
// polls them all, and one small-stack thread per accepted SSH connection.
//
// Contract: start() binds every listener, writes the client files (devices.json,
// known_hosts, keys) and starts accepting; it throws std::runtime_error on failure. stop()
// stops accepting, shuts down every live connection (so hung faults end too) and waits a
// bounded time for their threads; it returns false if some did not finish in time.
// connections_accepted() counts every TCP connection accepted since start (thread-safe).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

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

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace fanout::fleetsim
