// RAII owners for libssh handles, and small helpers shared by the fanout_ssh sources.
//
// Contract: internal to fanout_ssh (it includes libssh); include it only from .cpp files.
// Each deleter accepts nullptr. Deleting a session disconnects it first, without blocking.
#pragma once

#include <libssh/libssh.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

namespace fanout::daemon::ssh {

struct session_deleter {
    void operator()(ssh_session session) const noexcept {
        ssh_disconnect(session);
        ssh_free(session);
    }
};
struct channel_deleter {
    void operator()(ssh_channel channel) const noexcept { ssh_channel_free(channel); }
};
struct key_deleter {
    void operator()(ssh_key key) const noexcept { ssh_key_free(key); }
};
struct c_string_deleter {
    void operator()(char* text) const noexcept { ssh_string_free_char(text); }
};

using session_ptr = std::unique_ptr<ssh_session_struct, session_deleter>;
using channel_ptr = std::unique_ptr<ssh_channel_struct, channel_deleter>;
using key_ptr = std::unique_ptr<ssh_key_struct, key_deleter>;
using c_string_ptr = std::unique_ptr<char, c_string_deleter>;

// A session and, when it runs over a stream it was given (SSH_OPTIONS_FD: a bastion channel's
// socketpair end), that descriptor. libssh 0.10.6 never closes such a descriptor, so the owner
// closes it after the session is freed, unless libssh dropped it first (ssh_get_fd no longer
// returns it), so a number another thread may have reused is never closed.
class owned_session {
  public:
    owned_session() = default;
    explicit owned_session(ssh_session s) : session_(s) {}
    owned_session(owned_session&& other) noexcept
        : session_(std::move(other.session_)), stream_(std::exchange(other.stream_, -1)) {}
    owned_session& operator=(owned_session&& other) noexcept {
        if (this != &other) {
            reset();
            session_ = std::move(other.session_);
            stream_ = std::exchange(other.stream_, -1);
        }
        return *this;
    }
    ~owned_session() { reset(); }

    ssh_session get() const { return session_.get(); }
    explicit operator bool() const { return static_cast<bool>(session_); }
    // The session now owns `fd` (given to it as SSH_OPTIONS_FD).
    void own_stream(int fd) { stream_ = fd; }
    void reset() {
        const bool ours = stream_ >= 0 && session_ && ssh_get_fd(session_.get()) == stream_;
        session_.reset();  // disconnects first, without blocking
        if (ours) ::close(stream_);
        stream_ = -1;
    }

  private:
    session_ptr session_;
    int stream_ = -1;
};

// The last libssh error of `session` as a std::string (never contains secrets).
inline std::string last_error(ssh_session session) {
    const char* text = ssh_get_error(session);
    return text && *text ? std::string(text) : std::string("unknown libssh error");
}

}  // namespace fanout::daemon::ssh
