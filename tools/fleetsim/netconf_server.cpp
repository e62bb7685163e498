#include "tools/fleetsim/netconf_server.hpp"

#include <optional>

#include "tools/fleetsim/junos_cli.hpp"
#include "tools/fleetsim/netconf_answers.hpp"
#include "tools/fleetsim/netconf_framing.hpp"
#include "tools/fleetsim/netconf_messages.hpp"
#include "tools/fleetsim/netconf_replies.hpp"

namespace fanout::fleetsim {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t max_client_message = 1 << 20;
constexpr milliseconds read_slice{100};
constexpr std::size_t oversized_block_bytes = 64 * 1024;

class session_loop {
  public:
    session_loop(netconf_channel& channel, const netconf_session& session)
        : channel_(channel), session_(session), reader_(max_client_message) {}

    void run() {
        const bool base11 = session_.offer_base11;
        if (!channel_.write(frame_message(server_hello(session_.session_id, base11), false))) {
            return;
        }
        if (session_.fault == fault_kind::netconf_hang_after_hello) {
            return hang("hello sent, never reading or answering anything else");
        }
        auto first = next_message();
        if (!first) return;
        auto hello = parse_client_hello(*first);
        if (!hello) return log("the client's first message is not a <hello>: closing");
        if (base11 && hello->base11) reader_.use_chunks();
        log(reader_.chunked() ? "netconf hello done: base:1.1 chunked framing"
                              : "netconf hello done: base:1.0 end-of-message framing");
        while (auto message = next_message()) {
            if (session_.rpcs != nullptr) session_.rpcs->fetch_add(1, std::memory_order_relaxed);
            const rpc_request request = parse_rpc(*message);
            if (!answer(request)) return;
        }
    }

  private:
    void log(std::string_view text) const {
        if (session_.log) session_.log(text);
    }

    void hang(std::string_view why) {
        log(why);
        while (channel_.wait(std::chrono::hours(1))) {
        }
    }

    bool send(std::string_view reply) {
        return channel_.write(frame_message(reply, reader_.chunked()));
    }

    // The next whole message; nothing when the client left or broke the framing.
    std::optional<std::string> next_message() {
        std::string message;
        for (;;) {
            switch (reader_.next(message)) {
                case netconf_reader::status::message:
                    return message;
                case netconf_reader::status::error:
                    log("closing: " + reader_.error());
                    return std::nullopt;
                case netconf_reader::status::need_more:
                    break;
            }
            std::string bytes;
            if (channel_.read(bytes, read_slice) == netconf_channel::read_status::closed) {
                return std::nullopt;
            }
            reader_.feed(bytes);
        }
    }

    // False: the session is over.
    bool answer(const rpc_request& request) {
        log("netconf rpc <" + request.operation + "> '" + request.command + "' format '" +
            request.format + "'");
        if (session_.fault == fault_kind::netconf_hang_rpc) {
            hang("never answering this rpc");
            return false;
        }
        if (request.kind == rpc_kind::close_session) {
            send(reply_ok(request));
            return false;
        }
        if (session_.fault == fault_kind::netconf_rpc_error) {
            return send(reply_error(request, injected_rpc_error()));
        }
        if (request.kind == rpc_kind::command && session_.latency &&
            !channel_.wait(session_.latency())) {
            return false;
        }
        const std::string reply = answer_rpc(request, session_.router);
        switch (session_.fault) {
            case fault_kind::netconf_broken_frame:
                return broken_frame(reply);
            case fault_kind::netconf_short_chunk:
            case fault_kind::netconf_short_chunk_close:
                return short_chunk(reply);
            case fault_kind::netconf_oversized:
                return request.kind == rpc_kind::command ? oversized(request) : send(reply);
            default:
                return send(reply);
        }
    }

    // 1.1: a chunk header that is not one; 1.0: a reply cut in the middle, then the end marker.
    bool broken_frame(const std::string& reply) {
        const std::string bytes =
            reader_.chunked() ? "\n#zz" + std::to_string(reply.size()) + "\n" + reply
                              : reply.substr(0, reply.size() / 2) + std::string(end_of_message);
        if (channel_.write(bytes)) hang("sent a broken frame");
        return false;
    }

    // 1.1: a chunk announcing 4096 bytes more than follow; 1.0: half a reply, no end marker.
    bool short_chunk(const std::string& reply) {
        const std::string bytes = reader_.chunked() ? chunk_header(reply.size() + 4096) + reply
                                                    : reply.substr(0, reply.size() / 2);
        if (!channel_.write(bytes)) return false;
        if (session_.fault == fault_kind::netconf_short_chunk_close) {
            log("sent a short chunk, closing the channel");
            return false;
        }
        hang("sent a short chunk, stalling");
        return false;
    }

    // A text reply of huge_bytes, streamed (a chunk per block in 1.1); stops if the client goes.
    bool oversized(const rpc_request& request) {
        const auto [head, tail] = reply_output_envelope(request);
        const std::string block = log_block(session_.router.hostname, oversized_block_bytes);
        const bool chunked = reader_.chunked();
        auto piece = [&](std::string_view bytes) {
            return channel_.write(chunked ? chunk_header(bytes.size()) + std::string(bytes)
                                          : std::string(bytes));
        };
        if (!piece(head)) return false;
        for (std::uint64_t left = session_.huge_bytes; left > 0;) {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, block.size()));
            if (!piece(std::string_view(block).substr(0, n))) {
                log("oversized reply stopped: client went away");
                return false;
            }
            left -= n;
        }
        return piece(tail) &&
               channel_.write(chunked ? std::string(end_of_chunks) : std::string(end_of_message));
    }

    netconf_channel& channel_;
    const netconf_session& session_;
    netconf_reader reader_;
};

}  // namespace

void serve_netconf(netconf_channel& channel, const netconf_session& session) {
    session_loop(channel, session).run();
}

}  // namespace fanout::fleetsim
