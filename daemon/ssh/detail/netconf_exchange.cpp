// netconf_channel::exchange: one RPC and its reply as a command_outcome (the contract is in
// netconf_channel.hpp).
#include <utility>

#include "daemon/netconf/framing.hpp"
#include "daemon/netconf/rpc_reply.hpp"
#include "daemon/ssh/detail/netconf_channel.hpp"

namespace fanout::daemon::ssh {

using protocol::error_kind;
using protocol::router_status;

command_outcome netconf_channel::exchange(std::variant<std::string, netconf_codec_error> rpc,
                                          std::uint64_t message_id, output_format format,
                                          std::chrono::milliseconds timeout,
                                          const std::atomic<bool>& cancelled, bool& session_lost) {
    command_outcome out;
    auto fail = [&](error_kind kind, std::string message) {
        out.status = router_status::failed;
        out.error = protocol::router_error{kind, std::move(message)};
        return out;
    };
    // The stream is out of step: the session must not be used again.
    auto broken = [&](error_kind kind, std::string message) {
        broken_ = true;
        return fail(kind, std::move(message));
    };
    auto stopped = [&](stream_status status, const std::string& waiting_for) {
        broken_ = true;
        switch (status) {
            case stream_status::cancelled:
                out.status = router_status::cancelled;
                return out;
            case stream_status::timed_out:
                return fail(error_kind::timeout, "command timed out after " +
                                                     std::to_string(timeout.count()) +
                                                     " ms waiting for " + waiting_for);
            case stream_status::lost:
                session_lost = true;
                return fail(error_kind::channel, "connection lost waiting for " + waiting_for);
            case stream_status::closed:
            case stream_status::ok:
                break;
        }
        return fail(error_kind::channel,
                    "the router closed the NETCONF channel waiting for " + waiting_for);
    };

    if (broken_ || !stream_.poll_open())
        return broken(error_kind::channel, "the NETCONF session is no longer open");
    if (auto* error = std::get_if<netconf_codec_error>(&rpc))
        return fail(error_kind::internal, "cannot be sent over NETCONF: " + error->message);
    auto frame = encode_frame(decoder_.mode(), std::get<std::string>(rpc));
    if (auto* error = std::get_if<netconf_codec_error>(&frame))
        return fail(error_kind::internal, "cannot be sent over NETCONF: " + error->message);

    const auto deadline = clock::now() + timeout;
    auto written = stream_.write(std::get<std::string>(frame), deadline, cancelled);
    // From the first byte on, the router may run it: it must never be sent again.
    out.started = written.sent > 0;
    if (written.status != stream_status::ok) return stopped(written.status, "the RPC to be sent");

    auto read = next_message(deadline, cancelled, reply_limit_);
    if (read.over_limit) {
        broken_ = true;
        out.status = router_status::success;
        out.truncated = true;
        out.output = std::move(read.raw);
        return out;
    }
    if (read.frame_error) return broken(error_kind::channel, *read.frame_error);
    if (!read.message) return stopped(read.status, "the rpc-reply");
    auto parsed = parse_rpc_reply(*read.message, message_id, format);
    if (auto* error = std::get_if<netconf_codec_error>(&parsed))
        return broken(error_kind::channel, error->message);
    auto& reply = std::get<rpc_reply>(parsed);
    out.output = std::move(reply.text);
    if (out.output.size() > max_output_) {
        out.output.resize(max_output_);
        out.truncated = true;
    }
    if (reply.failed()) return fail(error_kind::rpc_error, reply.error_summary());
    out.status = router_status::success;
    return out;
}

}  // namespace fanout::daemon::ssh
