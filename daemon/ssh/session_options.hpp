// The session pool's settings (--session-idle, --max-sessions, --session-keepalive) and the
// figures it reports (`ping`'s `sessions`), apart from the pool itself so that the daemon's
// configuration does not pull in the pool's template code.
//
// Contract: plain data. session_pool.hpp documents what each setting does.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace fanout::daemon {

struct session_pool_options {
    std::chrono::milliseconds idle_timeout{300'000};  // 0: no reuse, every lease is closed
    std::size_t max_sessions = 4096;  // in use + idle; fanoutd sizes it from RLIMIT_NOFILE
    std::chrono::milliseconds keepalive_interval{30'000};  // 0: no keepalives
};

// Running totals since start (hits .. expired) and current counts (open, idle).
struct session_pool_figures {
    std::uint64_t open = 0;  // in use + idle
    std::uint64_t idle = 0;
    std::uint64_t hits = 0;     // acquires served by an idle session
    std::uint64_t misses = 0;   // sessions opened (including replacements)
    std::uint64_t dropped = 0;  // found dead, replaced, or not reusable after use
    std::uint64_t evicted = 0;  // idle, closed to stay under max_sessions
    std::uint64_t expired = 0;  // idle for longer than idle_timeout
    // Misses on a key that lost an idle session to max_sessions within idle_timeout: connects
    // a larger cap would have saved. Growing with every job: the cap is too small (thrash).
    std::uint64_t reopened = 0;
};

}  // namespace fanout::daemon
