#include "daemon/ssh/detail/netconf_channel.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "daemon/netconf/framing.hpp"
#include "daemon/netconf/hello.hpp"
#include "daemon/netconf/rpc_reply.hpp"

namespace fanout::daemon::ssh {
namespace {

using protocol::error_kind;
using protocol::router_error;
using protocol::router_status;

constexpr std::size_t xml_slack = 64 * 1024;
constexpr std::size_t min_hello_bytes = 1 << 20;

std::size_t reply_limit_for(std::size_t max_output_bytes) {
    const std::size_t most = std::numeric_limits<std::size_t>::max() / 4;
    return std::min(max_output_bytes, most) * 2 + xml_slack;
}

}  // namespace

netconf_channel::netconf_channel(subsystem_channel stream, std::size_t max_output_bytes)
    : stream_(std::move(stream)),
      decoder_(framing::end_of_message,
               std::max(reply_limit_for(max_output_bytes), min_hello_bytes)),
      max_output_(max_output_bytes),
      reply_limit_(reply_limit_for(max_output_bytes)) {}

std::variant<netconf_channel, router_error> netconf_channel::open(
    ssh_session session, clock::time_point deadline, std::chrono::milliseconds budget,
    const std::atomic<bool>& cancelled, std::size_t max_output_bytes, bool& session_lost) {
    auto opened =
        subsystem_channel::open(session, "netconf", deadline, budget, cancelled, session_lost);
    if (auto* error = std::get_if<router_error>(&opened)) return *error;
    netconf_channel nc(std::move(std::get<subsystem_channel>(opened)), max_output_bytes);

    auto hello = encode_frame(framing::end_of_message, client_hello());
    auto written = nc.stream_.write(std::get<std::string>(hello), deadline, cancelled);
    auto failed = [&](stream_status status, const std::string& phase) -> router_error {
        if (status == stream_status::timed_out || status == stream_status::cancelled)
            return interrupted(status == stream_status::cancelled ? wait_status::cancelled
                                                                  : wait_status::timed_out,
                               phase, budget);
        if (status == stream_status::lost) session_lost = true;
        return {error_kind::channel, "the NETCONF channel closed during " + phase};
    };
    if (written.status != stream_status::ok) return failed(written.status, "our NETCONF hello");
    auto read = nc.next_message(deadline, cancelled, min_hello_bytes);
    if (read.frame_error) return router_error{error_kind::channel, *read.frame_error};
    if (read.over_limit)
        return router_error{error_kind::channel, "the server's NETCONF hello is longer than " +
                                                     std::to_string(min_hello_bytes) + " bytes"};
    if (!read.message) return failed(read.status, "the server's NETCONF hello");
    auto parsed = parse_server_hello(*read.message);
    if (auto* error = std::get_if<netconf_codec_error>(&parsed))
        return router_error{error_kind::channel, error->message};
    nc.decoder_.set_framing(negotiated_framing(std::get<server_hello>(parsed)));
    return nc;
}

netconf_channel::message_read netconf_channel::next_message(clock::time_point deadline,
                                                            const std::atomic<bool>& cancelled,
                                                            std::size_t limit) {
    message_read out;
    std::size_t raw = 0;
    // Set once the decoder found the message longer than it holds (possibly at a chunk header,
    // before any of that chunk's bytes): the rest is only kept raw, up to the output cap.
    bool over_size = false;
    for (;;) {
        if (!pending_.empty() && over_size) {
            out.raw.append(pending_, 0, std::min(pending_.size(), max_output_ - out.raw.size()));
            raw += pending_.size();
            pending_.clear();
        } else if (!pending_.empty()) {
            auto step = decoder_.feed(pending_);
            const auto keep = std::min(step.consumed, max_output_ - out.raw.size());
            out.raw.append(pending_, 0, keep);
            raw += step.consumed;
            pending_.erase(0, step.consumed);
            if (step.error && step.error->over_size_limit) {
                over_size = true;  // a reply to cut at the cap, not a broken stream
                continue;
            }
            if (step.error) {
                out.frame_error = "broken NETCONF frame: " + step.error->message;
                return out;
            }
            if (step.message) {
                out.message = std::move(step.message);
                return out;
            }
        }
        if (raw >= limit || (over_size && out.raw.size() >= max_output_)) {
            out.over_limit = true;
            return out;
        }
        out.status = stream_.read(pending_, limit - std::min(raw, limit), deadline, cancelled);
        if (out.status != stream_status::ok) {
            out.over_limit = over_size;  // what came of an oversized reply is still its start
            return out;
        }
    }
}

command_outcome netconf_channel::command(const std::string& command, protocol::output_format format,
                                         std::chrono::milliseconds timeout,
                                         const std::atomic<bool>& cancelled, bool& session_lost) {
    const auto id = next_id_++;
    const auto asked = format == protocol::output_format::json  ? output_format::json
                       : format == protocol::output_format::xml ? output_format::xml
                                                                : output_format::text;
    return exchange(command_rpc(id, command, asked), id, asked, timeout, cancelled, session_lost);
}

command_outcome netconf_channel::operation(const std::string& operation_xml,
                                           std::chrono::milliseconds timeout,
                                           const std::atomic<bool>& cancelled, bool& session_lost) {
    const auto id = next_id_++;
    return exchange(operation_rpc(id, operation_xml), id, output_format::xml, timeout, cancelled,
                    session_lost);
}

void netconf_channel::close_session() {
    if (broken_ || !stream_.is_open()) return;
    auto frame = encode_frame(decoder_.mode(), close_session_rpc(next_id_++));
    if (auto* bytes = std::get_if<std::string>(&frame)) stream_.close_now(*bytes);
}

}  // namespace fanout::daemon::ssh
