#include "daemon/api/publisher.hpp"

#include <memory>
#include <string>

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "curve/curve_keys.hpp"
#include "protocol/codec.hpp"

namespace fanout::daemon {

struct publisher::sockets {
    zmq::socket_t pub;
    zmq::socket_t completions;
};

publisher::publisher(zmq::context_t& context, const std::string& endpoint,
                     const std::string& completions_endpoint, std::size_t send_hwm,
                     const curve::key_pair* curve_server, const std::string& connect_endpoint,
                     const curve::client_credentials* connect_curve)
    : sockets_(std::make_unique<sockets>(sockets{zmq::socket_t(context, zmq::socket_type::pub),
                                                 zmq::socket_t(context, zmq::socket_type::push)})) {
    // Give subscribers a moment to receive the last aggregates at shutdown, never forever.
    sockets_->pub.set(zmq::sockopt::linger, 2000);
    sockets_->pub.set(zmq::sockopt::sndhwm, static_cast<int>(send_hwm));
    if (curve_server) curve::apply_curve_server(sockets_->pub.handle(), *curve_server);
    sockets_->pub.bind(endpoint);
    // Pool mode: also publish into fanout-proxy's XSUB, which forwards to its subscribers.
    // Security options apply to later binds/connects only (zmq_setsockopt), so the bind above
    // stays a CURVE server (or plain) while this connection is a CURVE client.
    if (!connect_endpoint.empty()) {
        if (connect_curve) curve::apply_curve_client(sockets_->pub.handle(), *connect_curve);
        sockets_->pub.connect(connect_endpoint);
    }
    sockets_->completions.set(zmq::sockopt::linger, 0);
    // One message per ended job, read promptly by intake: never block the publisher on it.
    sockets_->completions.set(zmq::sockopt::sndhwm, 0);
    sockets_->completions.connect(completions_endpoint);
    thread_ = std::thread([this] { run(); });
}

publisher::~publisher() {
    stop();
}

void publisher::router_result_ready(const protocol::router_result& result) {
    enqueue(result);
}

void publisher::job_ended(std::shared_ptr<const protocol::job_result> result) {
    enqueue(std::move(result));
}

void publisher::enqueue(message m) {
    {
        std::lock_guard guard(mutex_);
        queue_.push_back(std::move(m));
    }
    ready_.notify_one();
}

void publisher::stop() {
    {
        std::lock_guard guard(mutex_);
        stopping_ = true;
    }
    ready_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void publisher::run() {
    std::unique_lock guard(mutex_);
    for (;;) {
        ready_.wait(guard, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything has been sent
        auto batch = std::move(queue_);
        queue_.clear();
        guard.unlock();
        for (const auto& m : batch) {
            try {
                send(m);
            } catch (const std::exception& e) {
                spdlog::error("publisher: could not publish a message: {}", e.what());
            }
        }
        guard.lock();
    }
}

namespace {

// Sends `bytes` as one frame without copying them: ZeroMQ releases its reference once the
// frame is written out. A multi-MiB output is then not copied again on its way out.
void send_shared(zmq::socket_t& socket, const std::shared_ptr<const std::string>& bytes,
                 zmq::send_flags flags) {
    auto hint = std::make_unique<std::shared_ptr<const std::string>>(bytes);
    zmq::message_t frame(
        const_cast<char*>(bytes->data()), bytes->size(),
        [](void*, void* owner) { delete static_cast<std::shared_ptr<const std::string>*>(owner); },
        hint.get());
    hint.release();  // the frame owns it now
    socket.send(frame, flags);
}

}  // namespace

void publisher::send(const message& m) {
    if (auto* r = std::get_if<protocol::router_result>(&m)) {
        auto topic = protocol::router_result_topic(*r);
        auto body = std::make_shared<const std::string>(protocol::encode_router_result(*r));
        sockets_->pub.send(zmq::buffer(topic), zmq::send_flags::sndmore);
        send_shared(sockets_->pub, body, zmq::send_flags::none);
        return;
    }
    const auto& aggregate = *std::get<std::shared_ptr<const protocol::job_result>>(m);
    auto topic = protocol::job_result_topic(aggregate.job_id);
    auto body = std::make_shared<const std::string>(protocol::encode_job_result(aggregate));
    sockets_->pub.send(zmq::buffer(topic), zmq::send_flags::sndmore);
    send_shared(sockets_->pub, body, zmq::send_flags::none);
    // Intake answers `wait: true` clients with these very bytes: the aggregate may leave the
    // scheduler's retention before intake gets to it.
    sockets_->completions.send(zmq::buffer(aggregate.job_id), zmq::send_flags::sndmore);
    send_shared(sockets_->completions, body, zmq::send_flags::none);
}

}  // namespace fanout::daemon
