#include "daemon/ssh/detail/channel_pump.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "daemon/ssh/tunnel.hpp"

namespace fanout::daemon::ssh {
namespace {

bool would_block(int error) {
    return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

channel_pump::channel_pump(ssh_session session, std::string host, std::uint16_t port)
    : session_(session), channel_(ssh_channel_new(session)), host_(std::move(host)), port_(port) {
    if (!channel_) {
        phase_ = phase::finished;
        error_ = "cannot allocate a channel: " + last_error(session);
    }
}

channel_pump::~channel_pump() {
    finish();
}

channel_pump::open_status channel_pump::step_open() {
    if (phase_ != phase::opening) return open_status::refused;
    // The originator address is only informative; OpenSSH logs it.
    int rc = ssh_channel_open_forward(channel_.get(), host_.c_str(), port_, "127.0.0.1", 0);
    if (rc == SSH_AGAIN) return open_status::waiting;
    if (rc != SSH_OK) {
        error_ = last_error(session_);
        finish();
        return open_status::refused;
    }
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, ends) != 0) {
        error_ = std::string("socketpair: ") + std::strerror(errno);
        finish();
        return open_status::refused;
    }
    mine_ = ends[0];
    theirs_ = ends[1];
    phase_ = phase::open;
    return open_status::opened;
}

int channel_pump::take_user_end() {
    return std::exchange(theirs_, -1);
}

short channel_pump::wanted_events() const {
    if (phase_ != phase::open) return 0;
    short events = 0;
    if (!user_done_ && to_router_.empty()) events |= POLLIN;
    if (!to_user_.empty()) events |= POLLOUT;
    return events;
}

bool channel_pump::step() {
    if (phase_ != phase::open) return false;
    static thread_local std::array<char, pump_buffer_bytes> buffer;
    bool moved = false;
    ssh_channel channel = channel_.get();
    // Router -> user: read the channel only while the buffer has room (libssh then keeps the
    // rest within the receive window it advertised).
    while (!router_done_ && to_user_.size() < pump_buffer_bytes) {
        int n = ssh_channel_read_nonblocking(
            channel, buffer.data(), static_cast<uint32_t>(pump_buffer_bytes - to_user_.size()), 0);
        if (n > 0) {
            to_user_.append(buffer.data(), static_cast<std::size_t>(n));
            moved = true;
            continue;
        }
        if (n == SSH_EOF || n == SSH_ERROR || ssh_channel_is_eof(channel) ||
            ssh_channel_is_closed(channel))
            router_done_ = true;
        break;
    }
    if (!to_user_.empty()) {
        ssize_t w = ::send(mine_, to_user_.data(), to_user_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w > 0) {
            to_user_.erase(0, static_cast<std::size_t>(w));
            moved = true;
        } else if (w < 0 && !would_block(errno)) {
            user_done_ = router_done_ = true;  // the user is gone: nobody reads any more
            to_user_.clear();
            to_router_.clear();
        }
    }
    // User -> router: read the socket only once the previous bytes are in the channel, and
    // write no more than the channel's send window.
    if (!user_done_ && to_router_.empty()) {
        ssize_t n = ::recv(mine_, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n > 0) {
            to_router_.assign(buffer.data(), static_cast<std::size_t>(n));
            moved = true;
        } else if (n == 0 || !would_block(errno)) {
            user_done_ = true;
        }
    }
    if (!to_router_.empty() && !router_done_) {
        auto window = static_cast<std::size_t>(ssh_channel_window_size(channel));
        if (window > 0) {
            int w = ssh_channel_write(channel, to_router_.data(),
                                      static_cast<uint32_t>(std::min(window, to_router_.size())));
            if (w > 0) {
                to_router_.erase(0, static_cast<std::size_t>(w));
                moved = true;
            } else if (w == SSH_ERROR) {
                router_done_ = true;
            }
        }
    }
    if (router_done_) to_router_.clear();  // nobody there to take it
    const bool router_finished = router_done_ && to_user_.empty();
    const bool user_finished = user_done_ && to_router_.empty();
    if (router_finished || user_finished) finish();
    return moved;
}

void channel_pump::finish() {
    if (channel_) {
        if (phase_ == phase::open && ssh_channel_is_open(channel_.get())) {
            ssh_channel_send_eof(channel_.get());
            ssh_channel_close(channel_.get());
        }
        channel_.reset();
    }
    close_fd(mine_);  // the user's session sees end of stream
    close_fd(theirs_);
    phase_ = phase::finished;
}

}  // namespace fanout::daemon::ssh
