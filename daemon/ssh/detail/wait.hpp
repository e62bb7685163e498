// Waiting on a non-blocking libssh session under our own deadline and cancel flag.
//
// Contract: internal to fanout_ssh. Sessions run in non-blocking mode; every libssh call
// returns at once and these helpers sleep in poll(2) on the session's socket between
// calls. They wake at least every `cancel_poll_interval` so a cancel flag is noticed
// quickly, and never wait past the deadline (rounded up to the millisecond).
#pragma once

#include <libssh/libssh.h>

#include <atomic>
#include <chrono>
#include <string_view>

#include "protocol/messages.hpp"

namespace fanout::daemon::ssh {

using clock = std::chrono::steady_clock;

inline constexpr std::chrono::milliseconds cancel_poll_interval{100};

enum class wait_status { ready, timed_out, cancelled };

struct wait_result {
    wait_status status = wait_status::ready;
    bool writable = false;  // the socket reported POLLOUT (or an error) during the wait
};

// Sleeps in poll(2) on a session's socket between non-blocking libssh calls. The poll slice
// starts at 1 ms and doubles up to cancel_poll_interval while the socket stays quiet; it starts
// again at 1 ms after the socket was ready. libssh 0.10 sometimes returns `again` with work it
// can do without new input (its key exchange reply when the server's KEXINIT arrived together
// with the banner): a full-interval poll there stalled every connect by 100 ms.
class socket_waiter {
  public:
    // Waits until the socket is readable (or writable when `want_write`), one poll slice has
    // passed, the deadline passes, or `cancelled` is set. `ready` means: call libssh again.
    wait_result wait(ssh_session session, clock::time_point deadline,
                     const std::atomic<bool>& cancelled, bool want_write = false);

  private:
    std::chrono::milliseconds slice_{1};
};

struct step_result {
    int rc = SSH_ERROR;
    wait_status status = wait_status::ready;  // timed_out / cancelled: rc is the last `again`
};

// Calls `step()` until it returns something other than `again`, waiting on the socket in
// between (libssh's non-blocking calls must be repeated with the same arguments).
template <class Step>
step_result repeat_until_done(ssh_session session, int again, clock::time_point deadline,
                              const std::atomic<bool>& cancelled, Step&& step) {
    socket_waiter waiter;
    for (;;) {
        int rc = step();
        if (rc != again) return {rc, wait_status::ready};
        auto waited = waiter.wait(session, deadline, cancelled);
        if (waited.status != wait_status::ready) return {rc, waited.status};
    }
}

// The error for a wait that ended by timeout (kind timeout, naming `budget`) or by cancel
// (kind connect, message "cancelled ..."), during `phase` ("key exchange", ...).
protocol::router_error interrupted(wait_status why, std::string_view phase,
                                   std::chrono::milliseconds budget);

}  // namespace fanout::daemon::ssh
