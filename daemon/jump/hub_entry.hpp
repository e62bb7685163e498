// The bastion hub's per-chain entry (hub.hpp): its sessions and the counts and memo its
// callers share. Internal to daemon/jump (hub.cpp and hub_reaper.cpp).
//
// Contract: plain data, every field read and written under the hub's mutex_ (the rate limiter
// is thread-safe on its own). An entry is erased only when hub::unused() says so.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/jump/hub.hpp"

namespace fanout::daemon::jump {

struct hub::entry {
    std::string name;  // "b2 (via b1)"
    std::vector<std::shared_ptr<link>> links;
    std::size_t opening = 0;  // session opens in progress
    std::size_t waiting = 0;  // callers waiting for a slot
    std::size_t users = 0;    // stream_via() calls holding this entry (never reaped)
    std::optional<protocol::router_error>
        memo;  // the last open's failure, while no session is alive
    std::chrono::steady_clock::time_point memo_until{};
    std::chrono::steady_clock::time_point no_open_until{};  // after a failed extra open
    rate_limiter rate;
    entry(std::string n, double per_second)
        : name(std::move(n)), rate(per_second, std::max(1.0, per_second)) {}
};

}  // namespace fanout::daemon::jump
