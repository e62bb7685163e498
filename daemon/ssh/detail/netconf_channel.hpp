// A NETCONF session (RFC 6241 over RFC 6242) on an authenticated libssh session: the `netconf`
// subsystem channel, the hello exchange, and one RPC at a time with its reply.
//
// Contract: internal to fanout_ssh; ssh_connection owns one when its device's transport is
// netconf, and it lives exactly as long as that connection (declared after the session).
// - open(): requests the subsystem, sends our hello at once (some servers, netconfd among
//   them, wait for the client's hello first), reads the server's hello with the base:1.0 end
//   marker under the connect deadline, then uses base:1.1 chunks iff the server offered
//   base:1.1 too. Errors: timeout (no hello in time), connect "cancelled ..." (cancelled),
//   channel (subsystem refused, channel closed, bad frame or hello).
// - command()/operation(): one <rpc message-id=N> (N counts from 1; command(): Junos's
//   <command format="text|json|xml">), then frames are read under the command's deadline and
//   cancel flag into a command_outcome, as run_command does for exec: the reply's text (by
//   format, as rpc_reply.hpp reads it; operation(): as xml) is `output`; an <rpc-error> of severity
//   error is failed, kind rpc_error, message error_summary(); nothing is retried here. `started` is
//   true once any byte of the RPC left us. A reply with more than 2 × max_output_bytes + 64 KiB of
//   raw bytes is cut there: success, truncated, output = the first max_output_bytes raw bytes (XML
//   and chunk headers as received); a parsed text over max_output_bytes is cut to it, truncated.
// - After a timeout, cancel, truncation, broken frame (a bad chunk header, ...), a reply that
//   is not the <rpc-reply> to our message-id, or a closed channel, the session is out of step:
//   in_step() turns false and the owner must not use it again (kind channel for the errors).
// - close_session(): <close-session/> best effort, written only if the window takes it at
//   once, then EOF and close; never waits for the <ok/>.
// The message-id counter, the decoder and any bytes read past a reply belong to the channel.
#pragma once

#include <libssh/libssh.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "daemon/netconf/frame_decoder.hpp"
#include "daemon/netconf/rpc.hpp"
#include "daemon/ssh/detail/subsystem_channel.hpp"
#include "daemon/ssh/transport.hpp"

namespace fanout::daemon::ssh {

class netconf_channel {
  public:
    static std::variant<netconf_channel, protocol::router_error> open(
        ssh_session session, clock::time_point deadline, std::chrono::milliseconds budget,
        const std::atomic<bool>& cancelled, std::size_t max_output_bytes, bool& session_lost);

    command_outcome command(const std::string& command, protocol::output_format format,
                            std::chrono::milliseconds timeout, const std::atomic<bool>& cancelled,
                            bool& session_lost);
    command_outcome operation(const std::string& operation_xml, std::chrono::milliseconds timeout,
                              const std::atomic<bool>& cancelled, bool& session_lost);

    // Fit for another RPC, as far as the packets processed so far show.
    bool in_step() const { return !broken_ && stream_.is_open(); }
    // in_step() after processing the packets already received (never waits).
    bool poll_in_step() { return !broken_ && stream_.poll_open(); }
    void close_session();
    framing mode() const { return decoder_.mode(); }

  private:
    struct message_read {
        std::optional<std::string> message;
        stream_status status = stream_status::ok;
        std::optional<std::string> frame_error;
        bool over_limit = false;
        std::string raw;  // the first max_output_bytes raw bytes, kept for over_limit
    };

    netconf_channel(subsystem_channel stream, std::size_t max_output_bytes);
    message_read next_message(clock::time_point deadline, const std::atomic<bool>& cancelled,
                              std::size_t limit);
    command_outcome exchange(std::variant<std::string, netconf_codec_error> rpc,
                             std::uint64_t message_id, output_format format,
                             std::chrono::milliseconds timeout, const std::atomic<bool>& cancelled,
                             bool& session_lost);

    subsystem_channel stream_;
    frame_decoder decoder_;
    std::string pending_;  // bytes read but not yet fed to the decoder
    std::size_t max_output_;
    std::size_t reply_limit_;
    std::uint64_t next_id_ = 1;
    bool broken_ = false;
};

}  // namespace fanout::daemon::ssh
