// A byte stream on an SSH subsystem channel (the `netconf` subsystem), read and written under
// our own deadline and cancel flag on a non-blocking session.
//
// Contract: internal to fanout_ssh. Used by one thread at a time, like its session, which must
// outlive it. Nothing throws for router behaviour: every call returns a status value.
// - open() creates a channel, opens it and requests the subsystem; a timeout or cancel while
//   the channel is half-open leaves the session in an unknown state (`session_lost`).
// - write() sends every byte or reports why not; `sent` says how many left us, so the caller
//   knows whether the router may have seen a request.
// - read() appends at least one byte of stdout (at most `max_bytes`), or reports end of
//   stream, a lost connection, the deadline or a cancel. Bytes on stderr are read and dropped,
//   so a server logging to stderr cannot stall the stream (libssh keeps EOF hidden while
//   stderr has unread data).
// - close_now() writes `last_words` if the window allows it at once (best effort), sends EOF
//   and closes, never waiting; the destructor frees the channel without waiting either.
#pragma once

#include <libssh/libssh.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/ssh/detail/handles.hpp"
#include "daemon/ssh/detail/wait.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon::ssh {

enum class stream_status { ok, timed_out, cancelled, closed, lost };

struct write_result {
    stream_status status = stream_status::ok;
    std::size_t sent = 0;
};

class subsystem_channel {
  public:
    static std::variant<subsystem_channel, protocol::router_error> open(
        ssh_session session, const char* subsystem, clock::time_point deadline,
        std::chrono::milliseconds budget, const std::atomic<bool>& cancelled, bool& session_lost);

    subsystem_channel(subsystem_channel&&) noexcept = default;
    subsystem_channel& operator=(subsystem_channel&&) noexcept = default;
    ~subsystem_channel() = default;

    write_result write(std::string_view bytes, clock::time_point deadline,
                       const std::atomic<bool>& cancelled);
    stream_status read(std::string& into, std::size_t max_bytes, clock::time_point deadline,
                       const std::atomic<bool>& cancelled);
    // Not closed or at end of stream, as far as the packets processed so far show.
    bool is_open() const;
    // is_open() after processing the packets already received, without waiting.
    bool poll_open();
    void close_now(std::string_view last_words);

  private:
    subsystem_channel(ssh_session session, channel_ptr channel)
        : session_(session), channel_(std::move(channel)) {}

    ssh_session session_;
    channel_ptr channel_;
};

}  // namespace fanout::daemon::ssh
