// Connect retries with exponential backoff and jitter, around ssh_connection::open.
//
// Contract: only failures another attempt can cure are retried (worth_retrying): a refused,
// unreachable or dropped connection, and a timeout in TCP connect, banner or key exchange.
// Never retried: authentication (wrong credentials stay wrong, and every attempt counts
// towards the router's or the AAA server's lockout, so retrying can lock the account), host
// key refusals (a changed key does not change back, and connecting again to a possible
// man-in-the-middle only hands it more), no algorithm in common (the same lists give the same
// answer), internal errors and cancels. Nothing here runs a command, so no command can run
// twice. Retry k (0-based) waits backoff × 2^k, scaled by a random factor in [0.5, 1.5) so a
// fleet-wide outage is not retried in lockstep, each wait capped at max_backoff_wait. A
// cancelled job stops at once, also in the middle of a wait (noticed within 50 ms). Each
// attempt has the full connect timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <variant>

#include "daemon/ssh/transport.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

inline constexpr std::chrono::milliseconds max_backoff_wait{60'000};

bool worth_retrying(const protocol::router_error& error, connect_stage stage);

// The wait before retry `retry` (0-based); `unit_random` in [0, 1) picks the jitter.
std::chrono::milliseconds backoff_delay(std::chrono::milliseconds backoff, unsigned retry,
                                        double unit_random);

struct connect_failure {
    protocol::router_error error;
    connect_stage stage = connect_stage::setup;
};
// One attempt: nullopt when connected.
using connect_attempt = std::function<std::optional<connect_failure>()>;

// Runs `attempt` until it connects, fails in a way not worth retrying, has been retried
// `retries` times, or `cancelled` is set. Returns the last error (its message names the
// number of attempts when there were several), or nullopt when connected.
std::optional<protocol::router_error> with_connect_retries(const connect_attempt& attempt,
                                                           unsigned retries,
                                                           std::chrono::milliseconds backoff,
                                                           const std::atomic<bool>& cancelled);

// ssh_connection::open retried by options.connect_retries and options.connect_backoff.
std::variant<ssh_connection, protocol::router_error> open_with_retries(
    const device& target, const transport_options& options, const std::atomic<bool>& cancelled);

}  // namespace fanout::daemon
