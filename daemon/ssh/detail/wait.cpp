#include "daemon/ssh/detail/wait.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace fanout::daemon::ssh {

protocol::router_error interrupted(wait_status why, std::string_view phase,
                                   std::chrono::milliseconds budget) {
    if (why == wait_status::cancelled)
        return {protocol::error_kind::connect, "cancelled during " + std::string(phase)};
    return {protocol::error_kind::timeout, "timed out after " + std::to_string(budget.count()) +
                                               " ms during " + std::string(phase)};
}

wait_result socket_waiter::wait(ssh_session session, clock::time_point deadline,
                                const std::atomic<bool>& cancelled, bool want_write) {
    if (cancelled.load()) return {wait_status::cancelled, false};
    auto now = clock::now();
    if (now >= deadline) return {wait_status::timed_out, false};
    // Rounded up, so the last wait does not end just short of the deadline.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    int timeout_ms = static_cast<int>(std::min(left, slice_).count());
    slice_ = std::min(slice_ * 2, cancel_poll_interval);

    socket_t fd = ssh_get_fd(session);
    pollfd p{fd, static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0};
    // A session without a socket yet (or any more) cannot be polled; libssh reports why.
    int ready = fd == SSH_INVALID_SOCKET ? poll(nullptr, 0, timeout_ms) : poll(&p, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) return {wait_status::ready, true};
    if (ready > 0) slice_ = std::chrono::milliseconds(1);
    bool writable = ready > 0 && (p.revents & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)) != 0;
    if (cancelled.load()) return {wait_status::cancelled, writable};
    return {wait_status::ready, writable};
}

}  // namespace fanout::daemon::ssh
