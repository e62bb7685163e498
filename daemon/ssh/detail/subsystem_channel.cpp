#include "daemon/ssh/detail/subsystem_channel.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace fanout::daemon::ssh {
namespace {

using protocol::error_kind;
using protocol::router_error;

stream_status from_wait(wait_status why) {
    return why == wait_status::cancelled ? stream_status::cancelled : stream_status::timed_out;
}

}  // namespace

std::variant<subsystem_channel, router_error> subsystem_channel::open(
    ssh_session session, const char* subsystem, clock::time_point deadline,
    std::chrono::milliseconds budget, const std::atomic<bool>& cancelled, bool& session_lost) {
    channel_ptr channel(ssh_channel_new(session));
    if (!channel) {
        session_lost = true;
        return router_error{error_kind::channel, "cannot create a channel: " + last_error(session)};
    }
    ssh_channel ch = channel.get();
    auto opened = repeat_until_done(session, SSH_AGAIN, deadline, cancelled,
                                    [&] { return ssh_channel_open_session(ch); });
    if (opened.status != wait_status::ready) {
        session_lost = true;
        return interrupted(opened.status, "opening a channel", budget);
    }
    if (opened.rc != SSH_OK) {
        if (!ssh_is_connected(session)) session_lost = true;
        return router_error{error_kind::channel, "cannot open a channel: " + last_error(session)};
    }
    auto requested = repeat_until_done(session, SSH_AGAIN, deadline, cancelled, [&] {
        return ssh_channel_request_subsystem(ch, subsystem);
    });
    if (requested.status != wait_status::ready) {
        session_lost = true;
        return interrupted(requested.status, std::string("the ") + subsystem + " subsystem request",
                           budget);
    }
    if (requested.rc != SSH_OK) {
        if (!ssh_is_connected(session)) session_lost = true;
        return router_error{error_kind::channel, std::string("the router refused the ") +
                                                     subsystem +
                                                     " subsystem: " + last_error(session)};
    }
    return subsystem_channel(session, std::move(channel));
}

write_result subsystem_channel::write(std::string_view bytes, clock::time_point deadline,
                                      const std::atomic<bool>& cancelled) {
    write_result out;
    socket_waiter waiter;
    while (out.sent < bytes.size()) {
        if (!is_open()) {
            out.status = ssh_is_connected(session_) ? stream_status::closed : stream_status::lost;
            return out;
        }
        int n = ssh_channel_write(channel_.get(), bytes.data() + out.sent,
                                  static_cast<std::uint32_t>(bytes.size() - out.sent));
        if (n == SSH_ERROR) {
            out.status = stream_status::lost;
            return out;
        }
        out.sent += static_cast<std::size_t>(std::max(n, 0));
        if (out.sent == bytes.size()) break;
        // The router's window is full: its window adjust arrives as input.
        auto waited = waiter.wait(session_, deadline, cancelled);
        if (waited.status != wait_status::ready) {
            out.status = from_wait(waited.status);
            return out;
        }
    }
    return out;
}

stream_status subsystem_channel::read(std::string& into, std::size_t max_bytes,
                                      clock::time_point deadline,
                                      const std::atomic<bool>& cancelled) {
    std::array<char, 16 * 1024> buffer;
    const auto want = static_cast<std::uint32_t>(std::min(buffer.size(), max_bytes));
    ssh_channel ch = channel_.get();
    socket_waiter waiter;
    for (;;) {
        int n = ssh_channel_read_nonblocking(ch, buffer.data(), want, 0);
        if (n == SSH_ERROR) return stream_status::lost;
        if (n > 0) {
            into.append(buffer.data(), static_cast<std::size_t>(n));
            return stream_status::ok;
        }
        // stderr: read and dropped (see the header).
        for (int m; (m = ssh_channel_read_nonblocking(ch, buffer.data(), buffer.size(), 1)) > 0;) {
        }
        if (ssh_channel_poll(ch, 0) > 0 || ssh_channel_poll(ch, 1) > 0) continue;
        if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch))
            return ssh_is_connected(session_) ? stream_status::closed : stream_status::lost;
        if (cancelled.load()) return stream_status::cancelled;
        if (clock::now() >= deadline) return stream_status::timed_out;
        auto waited = waiter.wait(session_, deadline, cancelled);
        if (waited.status != wait_status::ready) return from_wait(waited.status);
    }
}

bool subsystem_channel::is_open() const {
    return channel_ && ssh_channel_is_open(channel_.get()) && !ssh_channel_is_eof(channel_.get());
}

bool subsystem_channel::poll_open() {
    if (!channel_ || ssh_channel_poll(channel_.get(), 0) == SSH_ERROR) return false;
    return is_open();
}

void subsystem_channel::close_now(std::string_view last_words) {
    if (!is_open()) return;
    if (!last_words.empty() && ssh_channel_window_size(channel_.get()) >= last_words.size())
        ssh_channel_write(channel_.get(), last_words.data(),
                          static_cast<std::uint32_t>(last_words.size()));
    ssh_channel_send_eof(channel_.get());
    ssh_channel_close(channel_.get());
}

}  // namespace fanout::daemon::ssh
