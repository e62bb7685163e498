#include "daemon/api/intake.hpp"

#include <spdlog/spdlog.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "curve/curve_keys.hpp"
#include "daemon/api/request_handler.hpp"
#include "protocol/codec.hpp"

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

}  // namespace

intake::intake(zmq::context_t& context, intake_settings settings, request_handler& handler,
               const curve::key_pair* curve_server, const curve::client_credentials* pool_curve)
    : settings_(std::move(settings)),
      handler_(handler),
      completions_endpoint_(unique_completions_endpoint(this)),
      sockets_(std::make_unique<sockets>(sockets{zmq::socket_t(context, zmq::socket_type::router),
                                                 zmq::socket_t(context, zmq::socket_type::pull),
                                                 zmq::socket_t()})) {
    const auto max_message = static_cast<int64_t>(settings_.max_frame_bytes) * 4;
    auto& router = sockets_->router;
    router.set(zmq::sockopt::linger, 1000);
    router.set(zmq::sockopt::router_mandatory, 1);
    router.set(zmq::sockopt::maxmsgsize, max_message);
    if (curve_server) curve::apply_curve_server(router.handle(), *curve_server);
    router.bind(settings_.jobs_endpoint);
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
    std::size_t count = 0;
    bool more = true;
    while (more) {
        zmq::message_t frame;
        if (!socket.recv(frame, zmq::recv_flags::dontwait)) return;
        more = frame.more();
        // Keep the identity and the first frames; count (and discard) the rest.
        if (++count <= max_request_frames) frames.emplace_back(frame.to_string());
    }
    if (frames.size() < 2) {
        spdlog::warn("intake: dropped a request with no body frame");
        return;
    }
    std::string body = std::move(frames.back());
    frames.pop_back();
    if (count > max_request_frames) {
        reply(frames, protocol::encode_reply(
                          error_reply{error_code::bad_request,
                                      "request has " + std::to_string(count) + " frames; at most " +
                                          std::to_string(max_request_frames) + " are allowed",
                                      std::nullopt,
                                      {}}));
        return;
    }
    auto answer = handler_.handle(body);
    if (answer.wait_for.empty())
        reply(frames, answer.reply);
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
                auto body = completion[1].to_string();
                for (const auto& to : it->second)
                    if (!deliver(to, body))
                        spdlog::debug("intake: job {} ended; its wait:true client is gone",
                                      it->first);
                waiters_.erase(it);  // nothing of a waiter outlives its job
            }
        }
        completion.clear();
    }
}

void intake::reply(const envelope& to, const std::string& body) {
    (void)deliver(to, body);
}

bool intake::deliver(const envelope& to, const std::string& body) {
    auto& router = to.from_pool ? sockets_->pool : sockets_->router;
    try {
        for (const auto& frame : to)
            if (!router.send(zmq::buffer(frame),
                             zmq::send_flags::sndmore | zmq::send_flags::dontwait))
                throw zmq::error_t();
        if (!router.send(zmq::buffer(body), zmq::send_flags::dontwait)) throw zmq::error_t();
        return true;
    } catch (const zmq::error_t&) {
        spdlog::debug("intake: reply dropped: the client is gone or not reading");
        return false;
    }
}

}  // namespace fanout::daemon
