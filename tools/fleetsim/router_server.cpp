#include "tools/fleetsim/router_server.hpp"

#include <libssh/server.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "tools/fleetsim/junos_cli.hpp"
#include "tools/fleetsim/netconf_server.hpp"
#include "tools/fleetsim/router_auth.hpp"
#include "tools/fleetsim/ssh_handles.hpp"

namespace fanout::fleetsim {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Longest single poll, so the stop flag is seen even if a shutdown wake-up is missed.
constexpr milliseconds poll_slice{100};
constexpr std::size_t huge_block_bytes = 64 * 1024;

enum class wait_outcome { elapsed, channel_closed, gone };

class router_connection {
  public:
    router_connection(ssh_session session, const router_spec& router,
                      const server_settings& settings)
        : session_(session),
          router_(router),
          settings_(settings),
          identity_{router.name, router.index, settings.interfaces} {}

    ~router_connection() {
        if (event_) ssh_event_remove_session(event_.get(), session_);
    }

    void run() {
        ssh_set_auth_methods(session_, auth_methods_for(router_));
        if (ssh_handle_key_exchange(session_) != SSH_OK) {
            log("key exchange failed: " + std::string(ssh_get_error(session_)));
            return;
        }
        event_.reset(ssh_event_new());
        if (!event_ || ssh_event_add_session(event_.get(), session_) != SSH_OK) return;
        if (!authenticate(session_, router_, settings_)) return;
        serve_channels();
    }

  private:
    void log(std::string_view text) const { log_event(settings_, router_.name, text); }

    bool stopping() const { return settings_.stopping->load(std::memory_order_relaxed); }

    bool gone() const {
        return stopping() || (ssh_get_status(session_) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
    }

    // Waits while still answering the client's packets (window adjusts, channel close).
    wait_outcome wait(milliseconds duration, ssh_channel watch) {
        const auto deadline = steady_clock::now() + duration;
        for (;;) {
            if (gone()) return wait_outcome::gone;
            if (watch != nullptr && ssh_channel_is_closed(watch)) {
                return wait_outcome::channel_closed;
            }
            const auto left = deadline - steady_clock::now();
            if (left <= steady_clock::duration::zero()) return wait_outcome::elapsed;
            auto slice = std::min(std::chrono::ceil<milliseconds>(left), poll_slice);
            if (ssh_event_dopoll(event_.get(), static_cast<int>(slice.count())) == SSH_ERROR) {
                return wait_outcome::gone;
            }
        }
    }

    // Keeps the session up, answering nothing new, until the client leaves or the fleet stops.
    void wait_until_gone() {
        while (wait(std::chrono::hours(1), nullptr) == wait_outcome::elapsed) {
        }
    }

    // Blocks on the client's window; false when the channel or the connection went away.
    bool write(ssh_channel channel, std::string_view data, bool to_stderr = false) {
        while (!data.empty()) {
            const auto piece =
                static_cast<std::uint32_t>(std::min<std::size_t>(data.size(), 1 << 20));
            int n = to_stderr ? ssh_channel_write_stderr(channel, data.data(), piece)
                              : ssh_channel_write(channel, data.data(), piece);
            if (n != static_cast<int>(piece) || stopping()) return false;
            data.remove_prefix(piece);
        }
        return true;
    }

    // Appends what the client sends within `timeout` (while answering its other packets).
    netconf_channel::read_status read_some(ssh_channel channel, std::string& out,
                                           milliseconds timeout) {
        const auto deadline = steady_clock::now() + timeout;
        char buffer[16384];
        for (;;) {
            if (gone()) return netconf_channel::read_status::closed;
            const int n = ssh_channel_read_nonblocking(channel, buffer, sizeof buffer, 0);
            if (n > 0) {
                out.append(buffer, static_cast<std::size_t>(n));
                return netconf_channel::read_status::data;
            }
            if (n < 0 || ssh_channel_is_eof(channel) || ssh_channel_is_closed(channel)) {
                return netconf_channel::read_status::closed;
            }
            const auto left = deadline - steady_clock::now();
            if (left <= steady_clock::duration::zero()) return netconf_channel::read_status::idle;
            auto slice = std::min(std::chrono::ceil<milliseconds>(left), poll_slice);
            if (ssh_event_dopoll(event_.get(), static_cast<int>(slice.count())) == SSH_ERROR) {
                return netconf_channel::read_status::closed;
            }
        }
    }

    void finish(ssh_channel channel, int exit_status) {
        ssh_channel_request_send_exit_status(channel, exit_status);
        ssh_channel_send_eof(channel);
        ssh_channel_close(channel);
        // Freed by libssh once the client's close arrives (or with the session).
        ssh_channel_free(channel);
    }

    void serve_channels() {
        while (!stopping()) {
            message_ptr msg(ssh_message_get(session_));
            if (!msg) return;
            const int type = ssh_message_type(msg.get());
            const int subtype = ssh_message_subtype(msg.get());
            if (type == SSH_REQUEST_CHANNEL_OPEN && subtype == SSH_CHANNEL_SESSION) {
                if (router_.fault == fault_kind::hang_after_auth) {
                    log("channel open received, never answering it");
                    return wait_until_gone();
                }
                if (router_.fault == fault_kind::one_channel && channels_opened_ > 0) {
                    log("refusing a second channel");
                    ssh_message_reply_default(msg.get());
                } else if (ssh_message_channel_request_open_reply_accept(msg.get()) != nullptr) {
                    ++channels_opened_;
                }
                continue;
            }
            if (type != SSH_REQUEST_CHANNEL) {
                ssh_message_reply_default(msg.get());
                continue;
            }
            ssh_channel channel = ssh_message_channel_request_channel(msg.get());
            const bool exec_or_shell =
                subtype == SSH_CHANNEL_REQUEST_EXEC || subtype == SSH_CHANNEL_REQUEST_SHELL;
            if (exec_or_shell && router_.netconf_only) {
                log("netconf-only: refusing an exec or shell request");
                ssh_message_reply_default(msg.get());
                continue;
            }
            switch (subtype) {
                case SSH_CHANNEL_REQUEST_SUBSYSTEM: {
                    const char* name = ssh_message_channel_request_subsystem(msg.get());
                    if (name == nullptr || std::string_view(name) != "netconf") {
                        ssh_message_reply_default(msg.get());
                        break;
                    }
                    ssh_message_channel_request_reply_success(msg.get());
                    msg.reset();
                    if (!netconf(channel)) return;
                    break;
                }
                case SSH_CHANNEL_REQUEST_EXEC: {
                    const char* text = ssh_message_channel_request_command(msg.get());
                    std::string command = text != nullptr ? text : "";
                    ssh_message_channel_request_reply_success(msg.get());
                    msg.reset();
                    if (!exec(channel, command)) return;
                    break;
                }
                case SSH_CHANNEL_REQUEST_SHELL:
                    ssh_message_channel_request_reply_success(msg.get());
                    msg.reset();
                    if (!shell(channel)) return;
                    break;
                case SSH_CHANNEL_REQUEST_PTY:
                    pty_ = true;
                    ssh_message_channel_request_reply_success(msg.get());
                    break;
                case SSH_CHANNEL_REQUEST_ENV:
                case SSH_CHANNEL_REQUEST_WINDOW_CHANGE:
                    ssh_message_channel_request_reply_success(msg.get());
                    break;
                default:  // other subsystems, x11, forwarding: refused
                    ssh_message_reply_default(msg.get());
            }
        }
    }

    // False: the session is over.
    // Counts an exec in settings' execs_running while it lives, or until end(), and raises
    // execs_peak. end() comes before the exit status goes out: once the client has it, it
    // may start its next command, which must not find this one still counted.
    struct exec_counter {
        const server_settings& s;
        bool counted = false;
        explicit exec_counter(const server_settings& settings) : s(settings) {
            if (!s.execs_running) return;
            counted = true;
            const auto now = s.execs_running->fetch_add(1) + 1;
            auto peak = s.execs_peak->load();
            while (now > peak && !s.execs_peak->compare_exchange_weak(peak, now)) {
            }
        }
        void end() {
            if (counted) s.execs_running->fetch_sub(1);
            counted = false;
        }
        ~exec_counter() { end(); }
        exec_counter(const exec_counter&) = delete;
        exec_counter& operator=(const exec_counter&) = delete;
    };

    bool exec(ssh_channel channel, const std::string& command) {
        log("exec '" + command + "'");
        exec_counter counted(settings_);
        if (router_.fault == fault_kind::hang_auth) return true;  // accepted, never answered

        switch (wait(router_.latency ? *router_.latency : settings_.latency->next(), channel)) {
            case wait_outcome::gone:
                return false;
            case wait_outcome::channel_closed:
                return true;
            case wait_outcome::elapsed:
                break;
        }
        const cli_answer answer = answer_command(command, identity_);
        switch (router_.fault) {
            case fault_kind::drop_mid_output: {
                std::string_view part(answer.output);
                write(channel, part.substr(0, std::max<std::size_t>(1, part.size() / 2)));
                ssh_blocking_flush(session_, 2000);
                ::shutdown(ssh_get_fd(session_), SHUT_RDWR);
                log("dropped the connection mid-output");
                return false;
            }
            case fault_kind::huge_output:
                if (!stream_huge(channel)) return !gone();
                counted.end();
                finish(channel, 0);
                return true;
            case fault_kind::slow_trickle:
                return trickle(channel) != wait_outcome::gone;
            case fault_kind::never_close:
                if (!write(channel, answer.output)) return !gone();
                counted.end();
                ssh_channel_request_send_exit_status(channel, answer.exit_status);
                return true;  // no EOF, no close: the channel stays open
            case fault_kind::stderr_output:
                if (!write(channel, answer.output) ||
                    !write(channel, stderr_warning(), /*to_stderr=*/true)) {
                    return !gone();
                }
                counted.end();
                finish(channel, answer.exit_status);
                return true;
            default:
                if (!write(channel, answer.output)) return !gone();
                counted.end();
                finish(channel, answer.exit_status);
                return true;
        }
    }

    // One NETCONF session on `channel`; false: the connection is over.
    bool netconf(ssh_channel channel) {
        if (router_.fault == fault_kind::hang_auth) {
            log("netconf subsystem accepted, never sending a hello");
            while (wait(std::chrono::hours(1), channel) == wait_outcome::elapsed) {
            }
            return !gone();
        }
        netconf_session session;
        session.router = identity_;
        session.fault = router_.fault;
        session.offer_base11 = !router_.netconf_base10;
        session.session_id = settings_.netconf_sessions->fetch_add(1) + 1;
        session.huge_bytes = settings_.huge_bytes;
        session.latency = [this] {
            return router_.latency ? *router_.latency : settings_.latency->next();
        };
        session.log = [this](std::string_view text) { log(text); };
        session.rpcs = settings_.netconf_rpcs;
        log("netconf session " + std::to_string(session.session_id));
        netconf_io io(*this, channel);
        serve_netconf(io, session);
        if (gone()) return false;
        if (!ssh_channel_is_closed(channel)) {
            ssh_channel_send_eof(channel);
            ssh_channel_close(channel);
            ssh_channel_free(channel);
        }
        return true;
    }

    // The channel as netconf_server sees it.
    class netconf_io final : public netconf_channel {
      public:
        netconf_io(router_connection& connection, ssh_channel channel)
            : connection_(connection), channel_(channel) {}
        read_status read(std::string& out, milliseconds timeout) override {
            return connection_.read_some(channel_, out, timeout);
        }
        bool write(std::string_view data) override { return connection_.write(channel_, data); }
        bool wait(milliseconds duration) override {
            return connection_.wait(duration, channel_) == wait_outcome::elapsed;
        }

      private:
        router_connection& connection_;
        ssh_channel channel_;
    };

    bool stream_huge(ssh_channel channel) {
        const std::string block = log_block(router_.name, huge_block_bytes);
        std::uint64_t left = settings_.huge_bytes;
        while (left > 0) {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, block.size()));
            if (!write(channel, std::string_view(block).substr(0, n))) {
                log("huge output stopped: client went away");
                return false;
            }
            left -= n;
        }
        return true;
    }

    wait_outcome trickle(ssh_channel channel) {
        for (std::uint64_t sequence = 1;; ++sequence) {
            if (!write(channel, trickle_line(router_.name, sequence))) {
                return gone() ? wait_outcome::gone : wait_outcome::channel_closed;
            }
            const wait_outcome outcome = wait(settings_.trickle, channel);
            if (outcome != wait_outcome::elapsed) return outcome;
        }
    }

    // A minimal interactive CLI: prompt, read a line, answer, until "exit" or EOF.
    bool shell(ssh_channel channel) {
        const std::string newline = pty_ ? "\r\n" : "\n";
        const std::string prompt = settings_.username + "@" + router_.name + "> ";
        auto to_terminal = [&](std::string text) {
            if (!pty_) return text;
            std::string out;
            for (char c : text) {
                if (c == '\n') out += '\r';
                out += c;
            }
            return out;
        };
        if (!write(channel, to_terminal("--- JUNOS 23.4R1.10 Kernel 64-bit\n") + prompt)) {
            return !gone();
        }
        std::string line;
        bool after_cr = false;  // "\r\n" ends one line, not two
        char buffer[512];
        for (;;) {
            int n = ssh_channel_read(channel, buffer, sizeof buffer, 0);
            if (n <= 0 || stopping()) break;
            for (int i = 0; i < n; ++i) {
                const char c = buffer[i];
                const bool second_half_of_crlf = after_cr && c == '\n';
                after_cr = c == '\r';
                if (second_half_of_crlf) continue;
                if (c != '\r' && c != '\n') {
                    line += c;
                    if (pty_ && !write(channel, std::string_view(&buffer[i], 1))) return !gone();
                    continue;
                }
                const std::string command = normalise_command(line);
                line.clear();
                if (pty_ && !write(channel, newline)) return !gone();
                if (command == "exit" || command == "quit") {
                    finish(channel, 0);
                    return true;
                }
                std::string out;
                if (!command.empty()) {
                    out = answer_command(command, identity_).output;
                }
                if (!write(channel, to_terminal(out) + prompt)) return !gone();
            }
        }
        if (gone()) return false;
        finish(channel, 0);
        return true;
    }

    ssh_session session_;
    const router_spec& router_;
    const server_settings& settings_;
    const router_identity identity_;
    event_ptr event_;
    int channels_opened_ = 0;
    bool pty_ = false;
};

}  // namespace

void log_event(const server_settings& settings, std::string_view router, std::string_view text) {
    if (!settings.verbose) return;
    std::string line = "fleetsim: " + std::string(router) + ": " + std::string(text) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
}

void serve_connection(ssh_session session, const router_spec& router,
                      const server_settings& settings) {
    router_connection(session, router, settings).run();
}

}  // namespace fanout::fleetsim
