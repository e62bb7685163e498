// RAII owners for libssh handles, and small helpers shared by the fanout_ssh sources.
//
// Contract: internal to fanout_ssh (it includes libssh); include it only from .cpp files.
// Each deleter accepts nullptr. Deleting a session disconnects it first, without blocking.
#pragma once

#include <libssh/libssh.h>

#include <memory>
#include <string>

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

// The last libssh error of `session` as a std::string (never contains secrets).
inline std::string last_error(ssh_session session) {
    const char* text = ssh_get_error(session);
    return text && *text ? std::string(text) : std::string("unknown libssh error");
}

}  // namespace fanout::daemon::ssh
