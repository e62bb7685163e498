#include "daemon/ssh/detail/command.hpp"

#include <libssh/callbacks.h>

#include <algorithm>
#include <array>
#include <optional>

#include "daemon/ssh/detail/handles.hpp"
#include "daemon/ssh/detail/wait.hpp"

namespace fanout::daemon::ssh {
namespace {

using protocol::error_kind;
using protocol::router_status;

struct exit_report {
    std::optional<int> status;
    std::optional<std::string> signal;
    bool known() const { return status.has_value() || signal.has_value(); }
};

// A channel with exit-status callbacks. The callbacks are detached before the channel is
// freed: libssh keeps a locally freed channel until the router closes it, and must not call
// back into this (by then destroyed) object.
class exec_channel {
  public:
    explicit exec_channel(ssh_session session) : channel_(ssh_channel_new(session)) {
        ssh_callbacks_init(&callbacks_);
        callbacks_.userdata = &exit_;
        callbacks_.channel_exit_status_function = on_exit_status;
        callbacks_.channel_exit_signal_function = on_exit_signal;
        if (channel_) ssh_add_channel_callbacks(channel_.get(), &callbacks_);
    }
    ~exec_channel() {
        if (channel_) ssh_remove_channel_callbacks(channel_.get(), &callbacks_);
    }
    exec_channel(const exec_channel&) = delete;
    exec_channel& operator=(const exec_channel&) = delete;

    ssh_channel get() const { return channel_.get(); }
    const exit_report& exit() const { return exit_; }

  private:
    static void on_exit_status(ssh_session, ssh_channel, int status, void* userdata) {
        static_cast<exit_report*>(userdata)->status = status;
    }
    static void on_exit_signal(ssh_session, ssh_channel, const char* signal, int, const char*,
                               const char*, void* userdata) {
        static_cast<exit_report*>(userdata)->signal = signal ? signal : "?";
    }

    channel_ptr channel_;
    exit_report exit_;
    ssh_channel_callbacks_struct callbacks_{};
};

bool has_unread(ssh_channel channel) {
    return ssh_channel_poll(channel, 0) > 0 || ssh_channel_poll(channel, 1) > 0;
}

std::string millis(std::chrono::milliseconds value) {
    return std::to_string(value.count()) + " ms";
}

}  // namespace

command_outcome run_command(ssh_session session, const std::string& command,
                            std::chrono::milliseconds timeout, std::size_t max_output_bytes,
                            const std::atomic<bool>& cancelled, bool& session_lost) {
    command_outcome out;
    const auto deadline = clock::now() + timeout;
    auto fail = [&](error_kind kind, std::string message) {
        out.status = router_status::failed;
        out.error = protocol::router_error{kind, std::move(message)};
        return out;
    };
    // `waiting_for`: what never came, when that was not the command's output.
    auto stop = [&](wait_status why, std::string_view waiting_for = {}) {
        if (why == wait_status::cancelled) {
            out.status = router_status::cancelled;
            return out;
        }
        std::string message = "command timed out after " + millis(timeout);
        if (!waiting_for.empty()) message += " waiting for " + std::string(waiting_for);
        return fail(error_kind::timeout, std::move(message));
    };

    exec_channel channel(session);
    if (!channel.get()) {
        session_lost = true;
        return fail(error_kind::channel, "cannot create a channel: " + last_error(session));
    }
    ssh_channel ch = channel.get();
    // A channel left half-open by a timeout or cancel here would confuse the next command.
    auto opened = repeat_until_done(session, SSH_AGAIN, deadline, cancelled,
                                    [&] { return ssh_channel_open_session(ch); });
    if (opened.status != wait_status::ready) {
        session_lost = true;
        return stop(opened.status, "the router to open a channel");
    }
    if (opened.rc != SSH_OK) {
        if (!ssh_is_connected(session)) session_lost = true;
        return fail(error_kind::channel, "cannot open a channel: " + last_error(session));
    }
    // From here the command may have reached the router: it must never be sent again,
    // unless the router answers that it refused it.
    out.started = true;
    auto exec = repeat_until_done(session, SSH_AGAIN, deadline, cancelled,
                                  [&] { return ssh_channel_request_exec(ch, command.c_str()); });
    if (exec.status != wait_status::ready) {
        session_lost = true;
        return stop(exec.status, "the router to accept the command");
    }
    if (exec.rc != SSH_OK) {
        if (!ssh_is_connected(session)) {
            session_lost = true;
            return fail(error_kind::channel,
                        "connection lost while starting the command: " + last_error(session));
        }
        out.started = false;
        return fail(error_kind::channel,
                    "the router refused to run the command: " + last_error(session));
    }

    std::array<char, 16 * 1024> buffer;
    std::size_t captured = 0;
    socket_waiter waiter;
    for (;;) {
        if (cancelled.load()) return stop(wait_status::cancelled);
        if (clock::now() >= deadline) return stop(wait_status::timed_out);

        bool got_data = false;
        for (int is_stderr : {0, 1}) {
            std::string& sink = is_stderr ? out.stderr_output : out.output;
            for (;;) {
                int n = ssh_channel_read_nonblocking(ch, buffer.data(), buffer.size(), is_stderr);
                if (n == SSH_ERROR) {
                    session_lost = true;
                    return fail(error_kind::channel,
                                "connection lost while reading output: " + last_error(session));
                }
                if (n <= 0) break;
                got_data = true;
                auto size = static_cast<std::size_t>(n);
                auto take = std::min(size, max_output_bytes - captured);
                sink.append(buffer.data(), take);
                captured += take;
                if (take < size) {
                    // Over the cap: stop reading; the channel is closed when `channel` goes.
                    out.truncated = true;
                    out.status = router_status::success;
                    return out;
                }
                // A router that streams faster than we read must not hold us past the deadline
                // or a cancel: both are checked at the top of the outer loop.
                if (cancelled.load() || clock::now() >= deadline) break;
            }
        }
        if (got_data || has_unread(ch)) continue;

        if (ssh_channel_is_eof(ch)) {
            // Pumps pending packets without blocking (the session is non-blocking).
            if (!channel.exit().known() && !ssh_channel_is_closed(ch))
                ssh_channel_get_exit_status(ch);
            const auto& exit = channel.exit();
            if (exit.signal) {
                return fail(error_kind::exit_status, "terminated by signal " + *exit.signal);
            }
            if (exit.status) {
                out.exit_status = *exit.status;
                if (*exit.status == 0) {
                    out.status = router_status::success;
                    return out;
                }
                return fail(error_kind::exit_status, "exit status " + std::to_string(*exit.status));
            }
            if (ssh_channel_is_closed(ch)) {
                if (!ssh_is_connected(session)) session_lost = true;
                return fail(error_kind::channel,
                            "the router closed the channel without an "
                            "exit status");
            }
        } else if (ssh_channel_is_closed(ch)) {
            session_lost = true;
            return fail(error_kind::channel,
                        "connection lost before the output ended: " + last_error(session));
        }

        auto waited = waiter.wait(session, deadline, cancelled);
        if (waited.status != wait_status::ready) return stop(waited.status);
    }
}

}  // namespace fanout::daemon::ssh
