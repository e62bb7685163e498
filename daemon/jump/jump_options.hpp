// The bastion hub's settings (--bastion-channels, --bastion-sessions, --bastion-connect-rate,
// --connect-rate) and the figures it reports (`ping`'s `bastions`), apart from the hub so that
// the daemon's configuration does not pull in its code.
//
// Contract: plain data. hub.hpp documents what each setting does; README.md ("Security: what
// each limit protects") and docs/configuration.md justify the defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace fanout::daemon::jump {

struct hub_options {
    // Router streams (direct-tcpip channels) one bastion session carries at once.
    std::size_t channels_per_session = 64;
    // Sessions to one bastion (per chain that reaches it), at once; the first opens
    // alone, then at most 3 at a time (hub.hpp).
    std::size_t sessions_per_bastion = 16;
    // New router connections (channel opens) per second through one bastion, with a burst of
    // one second's worth; 0: no limit.
    double connect_rate = 1000;
    // How long a failed bastion session open is remembered: routers behind it fail at once with
    // that error instead of each trying (and waiting) again.
    std::chrono::milliseconds failure_memo{5'000};
    // A bastion session without channels for this long is closed (--session-idle; 0: at once).
    std::chrono::milliseconds idle_timeout{300'000};
    std::chrono::milliseconds keepalive_interval{30'000};  // --session-keepalive
    // The most a channel open may take (--connect-timeout).
    std::chrono::milliseconds connect_timeout{10'000};
};

// Current counts (sessions, channels) and totals since start.
struct hub_figures {
    std::uint64_t sessions = 0;       // bastion sessions open
    std::uint64_t channels = 0;       // router streams open (or opening) through them
    std::uint64_t opened = 0;         // bastion sessions opened
    std::uint64_t failed = 0;         // bastion session opens that failed
    std::uint64_t dropped = 0;        // bastion sessions that died (bastion gone, connection lost)
    std::uint64_t expired = 0;        // closed after idle_timeout without channels
    std::uint64_t memo_failures = 0;  // router connections failed at once by the failure memo
};

}  // namespace fanout::daemon::jump
