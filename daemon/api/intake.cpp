#include "daemon/api/intake.hpp"

#include <spdlog/spdlog.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "curve/curve_keys.hpp"
#include "daemon/api/connection_guard.hpp"
#include "daemon/api/request_handler.hpp"
#include "daemon/api/send_budget.hpp"
#include "daemon/api/zero_copy_frame.hpp"
#include "daemon/metrics/heartbeat.hpp"
#include "protocol/codec.hpp"
#include "transports/ipc_endpoint.hpp"

namespace fanout::daemon {

using protocol::error_code;
using protocol::error_reply;

struct intake::sockets {
    zmq::socket_t router;
    zmq::socket_t completions;
    zmq::socket_t pool;  // pool mode only: connected to fanout-proxy's jobs backend
};

namespace {

std::string unique_completions_endpoint(const void* owner) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "inproc://fanoutd.completions.%p", owner);
    return buf;
}

// Audit (issue 14): who sent a request. With CURVE, the ZAP handler's User-Id (the client's key
// file name, or its key); a pool socket's requests all come through fanout-proxy.
std::string principal_of(zmq::message_t& frame, bool from_pool) {
    if (from_pool) return std::string(proxy_principal);
    const char* user_id = zmq_msg_gets(frame.handle(), "User-Id");
    return user_id && *user_id ? std::string(user_id) : std::string(local_principal);
}

}  // namespace

intake::intake(zmq::context_t& context, intake_settings settings, request_handler& handler,
               const curve::key_pair* curve_server, const curve::client_credentials* pool_curve,
               connection_guard* guard)
    : settings_(std::move(settings)),
      handler_(handler),
      completions_endpoint_(unique_completions_endpoint(this)),
      sockets_(std::make_unique<sockets>(sockets{zmq::socket_t(context, zmq::socket_type::router),
                                                 zmq::socket_t(context, zmq::socket_type::pull),
                                                 zmq::socket_t()})),
      replies_(std::make_shared<send_budget>(settings_.reply_bytes_per_client,
                                             settings_.reply_bytes_total)) {
    // Frames a little over the request limit still get a too_large reply; far larger ones
    // close the connection before ZeroMQ has buffered them.
    const auto max_message = static_cast<int64_t>(settings_.max_frame_bytes) * 2;
    auto& router = sockets_->router;
    router.set(zmq::sockopt::linger, 1000);
    router.set(zmq::sockopt::router_mandatory, 1);
    router.set(zmq::sockopt::maxmsgsize, max_message);
    router.set(zmq::sockopt::handshake_ivl, static_cast<int>(handshake_timeout.count()));
    router.set(zmq::sockopt::heartbeat_ivl, static_cast<int>(heartbeat_interval.count()));
    router.set(zmq::sockopt::heartbeat_timeout, static_cast<int>(heartbeat_timeout.count()));
    if (curve_server) curve::apply_curve_server(router.handle(), *curve_server);
    transports::refuse_live_ipc(settings_.jobs_endpoint);
    router.bind(settings_.jobs_endpoint);
    if (guard) guard->watch(router, "jobs");
    // Pool mode: requests also arrive through fanout-proxy's DEALER, with its envelope frame
    // in front of the client's; replies mirror the envelope and so route back through it.
    // A CURVE client when the proxy's backend is CURVE (--pool-curve-key). A tiny receive
    // queue, so that a full daemon that stops reading fills its pipe soon and the proxy skips
    // it.
    if (!settings_.jobs_connect.empty()) {
        auto& pool = sockets_->pool = zmq::socket_t(context, zmq::socket_type::router);
        pool.set(zmq::sockopt::linger, 1000);
        pool.set(zmq::sockopt::router_mandatory, 1);
        pool.set(zmq::sockopt::maxmsgsize, max_message);
        pool.set(zmq::sockopt::rcvhwm, 1);
        pool.set(zmq::sockopt::rcvbuf, 4096);
        if (pool_curve) curve::apply_curve_client(pool.handle(), *pool_curve);
        pool.connect(settings_.jobs_connect);
    }
    sockets_->completions.set(zmq::sockopt::linger, 0);
    sockets_->completions.set(zmq::sockopt::rcvhwm, 0);
    sockets_->completions.bind(completions_endpoint_);
}

intake::~intake() {
    stop();
}

void intake::start() {
    thread_ = std::thread([this] { run(); });
}

void intake::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

void intake::run() {
    const bool pooled = static_cast<bool>(sockets_->pool);
    zmq::pollitem_t items[] = {{sockets_->router.handle(), 0, ZMQ_POLLIN, 0},
                               {sockets_->completions.handle(), 0, ZMQ_POLLIN, 0},
                               {pooled ? sockets_->pool.handle() : nullptr, 0, 0, 0}};
    while (!stopping_) {
        try {
            // A job ending wakes the poll (completions), so room is noticed promptly.
            items[2].events = pooled && settings_.has_room() ? ZMQ_POLLIN : 0;
            zmq::poll(items, pooled ? 3 : 2, std::chrono::milliseconds(100));
            metrics::beat(metrics::loop::intake);  // /healthz
            if (items[1].revents & ZMQ_POLLIN) drain_completions();
            // Bounded batch, so completions are not starved by a flood of requests.
            for (int i = 0; i < 256 && (items[0].revents & ZMQ_POLLIN); ++i) {
                if (!(sockets_->router.get(zmq::sockopt::events) & ZMQ_POLLIN)) break;
                receive_request(false);
            }
            for (int i = 0; i < 256 && (items[2].revents & ZMQ_POLLIN) && settings_.has_room();
                 ++i) {
                if (!(sockets_->pool.get(zmq::sockopt::events) & ZMQ_POLLIN)) break;
                receive_request(true);
            }
        } catch (const std::exception& e) {
            spdlog::error("intake: {}", e.what());
        }
    }
    try {
        drain_completions();
    } catch (const std::exception& e) {
        spdlog::error("intake: {}", e.what());
    }
}

void intake::receive_request(bool from_pool) {
    auto& socket = from_pool ? sockets_->pool : sockets_->router;
    envelope frames;
    frames.from_pool = from_pool;
    std::string body;
    std::string who;  // audit (issue 14): the principal, from the body frame's ZAP User-Id
    std::size_t count = 0;
    bool oversized_envelope = false;
    bool more = true;
    while (more) {
        zmq::message_t frame;
        if (!socket.recv(frame, zmq::recv_flags::dontwait)) return;
        more = frame.more();
        ++count;
        if (!more) {
            body = frame.to_string();
            who = principal_of(frame, from_pool);
        } else if (frame.size() > max_envelope_frame_bytes) {
            oversized_envelope = true;  // not copied: only identities belong before the body
        } else if (frames.size() < max_request_frames) {
            frames.emplace_back(frame.to_string());
        }
    }
    if (count < 2) {
        spdlog::warn("intake: dropped a request with no body frame");
        return;
    }
    if (count > max_request_frames || oversized_envelope) {
        body.clear();
        body.shrink_to_fit();
        const std::string why = oversized_envelope
                                    ? "a frame before the body is longer than " +
                                          std::to_string(max_envelope_frame_bytes) +
                                          " bytes (only identities and "
                                          "an empty delimiter may come before it)"
                                    : "request has " + std::to_string(count) + " frames; at most " +
                                          std::to_string(max_request_frames) + " are allowed";
        reply(frames,
              protocol::encode_reply(error_reply{error_code::bad_request, why, std::nullopt, {}}));
        return;
    }
    auto answer = handler_.handle(body, who);
    if (answer.wait_for.empty())
        reply(frames, answer.reply, answer.took_effect);
    else
        waiters_[answer.wait_for].push_back(std::move(frames));
}

void intake::drain_completions() {
    // Each completion is [job_id, encoded job_result], sent after the aggregate was published.
    std::vector<zmq::message_t> completion;
    while (zmq::recv_multipart(sockets_->completions, std::back_inserter(completion),
                               zmq::recv_flags::dontwait)) {
        if (completion.size() == 2) {
            auto it = waiters_.find(completion[0].to_string());
            if (it != waiters_.end()) {
                auto body = std::make_shared<const std::string>(completion[1].to_string());
                for (const auto& to : it->second)
                    if (!deliver(to, body, true))
                        spdlog::debug("intake: job {} ended; its wait:true client is gone",
                                      it->first);
                waiters_.erase(it);  // nothing of a waiter outlives its job
            }
        }
        completion.clear();
    }
}

void intake::reply(const envelope& to, std::string body, bool took_effect) {
    (void)deliver(to, std::make_shared<const std::string>(std::move(body)), took_effect);
}

namespace {

// The budget key of one client: its envelope (a proxied client's includes the proxy's), each
// frame prefixed by its size so that no two envelopes share a key.
std::string peer_key(const std::vector<std::string>& envelope) {
    std::string key;
    for (const auto& frame : envelope)
        key.append(std::to_string(frame.size())).append(":").append(frame);
    return key;
}

// Why a reply of `reply_bytes` did not fit (numbers only: no client text).
std::string over_budget_message(const send_budget& budget, const std::string& peer,
                                std::size_t reply_bytes) {
    const std::size_t held = budget.held(peer);
    const bool mine = held != 0 && held + reply_bytes > budget.per_peer_limit();
    const std::string what = mine ? "replies sent to this client hold " + std::to_string(held) +
                                        " bytes it has not read (--max-client-reply-bytes " +
                                        std::to_string(budget.per_peer_limit()) + ")"
                                  : "replies sent to all clients hold " +
                                        std::to_string(budget.total()) +
                                        " bytes not yet read (--max-reply-bytes " +
                                        std::to_string(budget.total_limit()) + ")";
    return "a reply of " + std::to_string(reply_bytes) + " bytes was not sent: " + what +
           "; read the replies already sent, then ask again";
}

}  // namespace

namespace {

// A job_result reply without its outputs; empty when `body` is not a job_result.
std::string withheld_job_result(const std::string& body) {
    auto decoded = protocol::decode_published(body);
    auto* job = std::get_if<protocol::job_result>(&decoded);
    return job ? protocol::encode_job_result(protocol::without_output(*job)) : std::string();
}

}  // namespace

bool intake::deliver(const envelope& to, std::shared_ptr<const std::string> body,
                     bool took_effect) {
    auto& router = to.from_pool ? sockets_->pool : sockets_->router;
    const std::string peer = peer_key(to);
    if (!replies_->try_reserve(peer, body->size())) {
        auto why = over_budget_message(*replies_, peer, body->size());
        std::string substitute;
        if (!took_effect) {
            spdlog::debug("intake: busy instead of a reply: {}", why);
            substitute =
                protocol::encode_reply(error_reply{error_code::busy, why, std::nullopt, {}});
        } else {
            substitute = withheld_job_result(*body);  // empty: a small reply, sent as it is
            if (!substitute.empty())
                spdlog::debug("intake: a job_result without outputs instead of a reply: {}", why);
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - last_warning_ >= std::chrono::seconds(10)) {
            spdlog::warn("intake: {} (further ones within 10 s are not logged)", why);
            last_warning_ = now;
        }
        if (!substitute.empty()) body = std::make_shared<const std::string>(std::move(substitute));
        replies_->force_reserve(peer, body->size());
    } else if (body->size() >= (std::size_t{1} << 20)) {
        spdlog::debug("intake: a reply of {} bytes goes out", body->size());
    }
    // The body's frame owns the reservation from here on: destroyed unsent (an unroutable
    // envelope), it gives it back.
    auto frame = zero_copy_frame(body, replies_, peer);
    try {
        for (const auto& part : to)
            if (!router.send(zmq::buffer(part),
                             zmq::send_flags::sndmore | zmq::send_flags::dontwait))
                throw zmq::error_t();
        if (!router.send(frame, zmq::send_flags::dontwait)) throw zmq::error_t();
        return true;
    } catch (const zmq::error_t&) {
        spdlog::debug("intake: reply dropped: the client is gone or not reading");
        return false;
    }
}

}  // namespace fanout::daemon
