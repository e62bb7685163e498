// RAII owners for the libssh handles fleetsim uses: each unique_ptr calls the matching free
// function. A session's channels and events must be released before the session itself.
#pragma once

#include <libssh/libssh.h>
#include <libssh/server.h>

#include <memory>

namespace fanout::fleetsim {

struct ssh_key_deleter {
    void operator()(ssh_key key) const { ssh_key_free(key); }
};
struct ssh_bind_deleter {
    void operator()(ssh_bind bind) const { ssh_bind_free(bind); }
};
struct ssh_session_deleter {
    void operator()(ssh_session session) const { ssh_free(session); }
};
struct ssh_message_deleter {
    void operator()(ssh_message message) const { ssh_message_free(message); }
};
struct ssh_event_deleter {
    void operator()(ssh_event event) const { ssh_event_free(event); }
};
struct ssh_char_deleter {
    void operator()(char* text) const { ssh_string_free_char(text); }
};

using key_ptr = std::unique_ptr<ssh_key_struct, ssh_key_deleter>;
using bind_ptr = std::unique_ptr<ssh_bind_struct, ssh_bind_deleter>;
using session_ptr = std::unique_ptr<ssh_session_struct, ssh_session_deleter>;
using message_ptr = std::unique_ptr<ssh_message_struct, ssh_message_deleter>;
using event_ptr = std::unique_ptr<ssh_event_struct, ssh_event_deleter>;
using ssh_text_ptr = std::unique_ptr<char, ssh_char_deleter>;

}  // namespace fanout::fleetsim
