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
// attempt has the full connect timeout, capped by the router's time budget (time_budget.hpp):
// an attempt gets min(connect timeout, budget left) (within()), a retry starts only when the
// budget left after its wait has room for another attempt (room_for_attempt), and a timeout
// the budget caused says so ("deadline of 5 s hit during connect: ..."; phase connect, auth).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <variant>

#include "daemon/ssh/time_budget.hpp"
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
// `retries` times, `cancelled` is set, or `budget` has no room for another attempt of up to
// `connect_timeout`. Returns the last error (its message names the number of attempts when
// there were several; a timeout once `budget` is spent names the budget and the phase), or
// nullopt when connected. `attempt` caps itself by `budget` (within()).
std::optional<protocol::router_error> with_connect_retries(
    const connect_attempt& attempt, unsigned retries, std::chrono::milliseconds backoff,
    const std::atomic<bool>& cancelled, const time_budget& budget = {},
    std::chrono::milliseconds connect_timeout = std::chrono::milliseconds(10'000));

// `options` for one attempt started now: connect_timeout capped by the budget left, not_after
// at the budget's end.
transport_options within(const transport_options& options, const time_budget& budget);
// The phase a connect_stage belongs to in a budget's message: "connect", "auth".
std::string_view phase_of(connect_stage stage);

// ssh_connection::open retried by options.connect_retries and options.connect_backoff, within
// `budget`.
std::variant<ssh_connection, protocol::router_error> open_with_retries(
    const device& target, const transport_options& options, const std::atomic<bool>& cancelled,
    const time_budget& budget = {});

}  // namespace fanout::daemon
