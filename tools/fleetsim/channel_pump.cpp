#include "tools/fleetsim/channel_pump.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace fanout::fleetsim {
namespace {

constexpr std::size_t chunk_bytes = 16 * 1024;

}  // namespace

channel_pump::channel_pump(ssh_channel channel, int socket_fd, bool connecting)
    : channel_(channel), fd_(socket_fd), connecting_(connecting) {}

channel_pump::~channel_pump() {
    finish();
}

void channel_pump::finish() {
    if (done_) return;
    done_ = true;
    ::close(fd_);
    if (!ssh_channel_is_closed(channel_)) ssh_channel_close(channel_);
    // Freed by libssh once the client's close arrives (or with the session).
    ssh_channel_free(channel_);
}

short channel_pump::socket_events() const {
    if (done_) return 0;
    if (connecting_) return POLLOUT;
    short events = 0;
    if (!router_eof_ && to_client_.size() < pump_buffer_bytes) events |= POLLIN;
    if (!to_router_.empty()) events |= POLLOUT;
    return events;
}

bool channel_pump::can_send() const {
    return !done_ && !to_client_.empty() && ssh_channel_window_size(channel_) > 0;
}

bool channel_pump::step() {
    if (done_) return false;
    if (ssh_channel_is_closed(channel_)) {  // the client closed it
        finish();
        return false;
    }
    if (connecting_ && !finish_connect()) {
        finish();
        return false;
    }
    if (connecting_) return true;
    if (!client_to_router() || !router_to_client()) {
        finish();
        return false;
    }
    return true;
}

// True while the connect is in progress or once it succeeded; false when it failed.
bool channel_pump::finish_connect() {
    pollfd probe{fd_, POLLOUT, 0};
    if (::poll(&probe, 1, 0) <= 0) return true;
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) return false;
    connecting_ = false;
    return true;
}

bool channel_pump::client_to_router() {
    char buffer[chunk_bytes];
    while (!client_eof_ && to_router_.size() < pump_buffer_bytes) {
        const auto room = std::min(sizeof buffer, pump_buffer_bytes - to_router_.size());
        const int n =
            ssh_channel_read_nonblocking(channel_, buffer, static_cast<std::uint32_t>(room), 0);
        if (n > 0) {
            if (!router_gone_) to_router_.append(buffer, static_cast<std::size_t>(n));
        } else if (n == SSH_EOF || (n == 0 && ssh_channel_is_eof(channel_))) {
            client_eof_ = true;
        } else if (n < 0 && n != SSH_AGAIN) {
            return false;
        } else {
            break;  // nothing buffered now
        }
    }
    while (!to_router_.empty()) {
        const ssize_t n = ::send(fd_, to_router_.data(), to_router_.size(), MSG_NOSIGNAL);
        if (n > 0) {
            to_router_.erase(0, static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            // The router is gone (reset or closed): what it sent before still goes to the
            // client (router_to_client), what the client sends now is dropped.
            router_gone_ = true;
            to_router_.clear();
        }
    }
    if (client_eof_ && to_router_.empty() && !shut_write_ && !router_gone_) {
        ::shutdown(fd_, SHUT_WR);
        shut_write_ = true;
    }
    return true;
}

bool channel_pump::router_to_client() {
    char buffer[chunk_bytes];
    while (!router_eof_ && to_client_.size() < pump_buffer_bytes) {
        const auto room = std::min(sizeof buffer, pump_buffer_bytes - to_client_.size());
        const ssize_t n = ::recv(fd_, buffer, room, 0);
        if (n > 0) {
            to_client_.append(buffer, static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            router_eof_ = true;  // closed, or reset: either way nothing more comes
        }
    }
    while (!to_client_.empty()) {
        const auto window = ssh_channel_window_size(channel_);
        const auto piece = std::min<std::size_t>({to_client_.size(), window, chunk_bytes});
        if (piece == 0) break;  // the client's window is full: wait for it to grow
        const int n =
            ssh_channel_write(channel_, to_client_.data(), static_cast<std::uint32_t>(piece));
        if (n == SSH_AGAIN || n == 0) break;
        if (n < 0) return false;
        to_client_.erase(0, static_cast<std::size_t>(n));
    }
    if (router_eof_ && to_client_.empty()) {
        ssh_channel_send_eof(channel_);
        return false;  // finish() closes the channel and the socket
    }
    return true;
}

}  // namespace fanout::fleetsim
