// One authenticated session to a bastion, as the hub sees it: slots for channels, and
// forward() to open one. ssh_link.hpp adapts daemon/ssh's ssh_tunnel; unit tests use fakes.
//
// Contract: thread-safe. A slot taken by try_reserve() is given back by release(), or by the
// link when the forwarded stream ends or the forward fails (tunnel.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/ssh/tunnel.hpp"

namespace fanout::daemon::jump {

class link {
  public:
    virtual ~link() = default;
    virtual bool try_reserve(std::size_t max_channels) = 0;
    // Gives back a slot reserved and not forwarded.
    virtual void release() = 0;
    virtual forward_result forward(const std::string& host, std::uint16_t port,
                                   std::chrono::milliseconds timeout,
                                   const std::atomic<bool>& cancelled) = 0;
    virtual bool alive() const = 0;
    virtual std::size_t channels() const = 0;
    virtual std::chrono::steady_clock::time_point idle_since() const = 0;
};

}  // namespace fanout::daemon::jump
