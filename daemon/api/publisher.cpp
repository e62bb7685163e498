#include "daemon/api/publisher.hpp"

#include <memory>
#include <string>

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "curve/curve_keys.hpp"
#include "daemon/api/connection_guard.hpp"
#include "daemon/api/send_budget.hpp"
#include "daemon/api/zero_copy_frame.hpp"
#include "daemon/metrics/daemon_metrics.hpp"
#include "daemon/metrics/heartbeat.hpp"
#include "protocol/codec.hpp"
#include "transports/ipc_endpoint.hpp"

namespace fanout::daemon {

struct publisher::sockets {
    zmq::socket_t pub;
    zmq::socket_t completions;
};

publisher::publisher(zmq::context_t& context, const publisher_settings& settings,
                     const curve::key_pair* curve_server,
                     const curve::client_credentials* connect_curve, connection_guard* guard)
    : sockets_(std::make_unique<sockets>(sockets{zmq::socket_t(context, zmq::socket_type::pub),
                                                 zmq::socket_t(context, zmq::socket_type::push)})),
      full_(std::make_shared<send_budget>(settings.buffer_bytes, settings.buffer_bytes)),
      withheld_(std::make_shared<send_budget>(settings.buffer_bytes / withheld_share_divisor,
                                              settings.buffer_bytes / withheld_share_divisor)),
      before_job_result_(settings.before_job_result) {
    // Give subscribers a moment to receive the last aggregates at shutdown, never forever.
    sockets_->pub.set(zmq::sockopt::linger, 2000);
    sockets_->pub.set(zmq::sockopt::sndhwm, static_cast<int>(settings.send_hwm));
    sockets_->pub.set(zmq::sockopt::handshake_ivl, static_cast<int>(handshake_timeout.count()));
    sockets_->pub.set(zmq::sockopt::heartbeat_ivl, static_cast<int>(heartbeat_interval.count()));
    sockets_->pub.set(zmq::sockopt::heartbeat_timeout, static_cast<int>(heartbeat_timeout.count()));
    if (curve_server) curve::apply_curve_server(sockets_->pub.handle(), *curve_server);
    transports::refuse_live_ipc(settings.endpoint);
    sockets_->pub.bind(settings.endpoint);
    if (guard) guard->watch(sockets_->pub, "results");
    // Pool mode: also publish into fanout-proxy's XSUB, which forwards to its subscribers.
    // Security options apply to later binds/connects only (zmq_setsockopt), so the bind above
    // stays a CURVE server (or plain) while this connection is a CURVE client.
    if (!settings.connect_endpoint.empty()) {
        if (connect_curve) curve::apply_curve_client(sockets_->pub.handle(), *connect_curve);
        sockets_->pub.connect(settings.connect_endpoint);
    }
    sockets_->completions.set(zmq::sockopt::linger, 0);
    // One message per ended job, read promptly by intake: never block the publisher on it.
    sockets_->completions.set(zmq::sockopt::sndhwm, 0);
    sockets_->completions.connect(settings.completions_endpoint);
    thread_ = std::thread([this] { run(); });
}

publisher::~publisher() {
    stop();
}

void publisher::router_result_ready(const protocol::router_result& result) {
    metrics::record_router_result(protocol::to_string(result.status),
                                  result.error ? protocol::to_string(result.error->kind) : "none",
                                  result.execution_duration);
    enqueue(result);
}

void publisher::job_ended(std::shared_ptr<const protocol::job_result> result) {
    metrics::record_job_ended(protocol::to_string(result->state));
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
        // Wakes at least every heartbeat_interval, idle or not, so /healthz sees it turn.
        metrics::beat(metrics::loop::publisher);
        if (!ready_.wait_for(guard, metrics::heartbeat_interval,
                             [this] { return stopping_ || !queue_.empty(); }))
            continue;
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

void publisher::send(const message& m) {
    if (auto* r = std::get_if<protocol::router_result>(&m)) {
        publish(
            protocol::router_result_topic(*r),
            std::make_shared<const std::string>(protocol::encode_router_result(*r)),
            [r] { return protocol::encode_router_result(protocol::without_output(*r)); },
            "result " + r->job_id + "/" + r->router_name);
        return;
    }
    const auto& aggregate = *std::get<std::shared_ptr<const protocol::job_result>>(m);
    if (before_job_result_) before_job_result_(aggregate);  // audit (issue 14)
    auto body = std::make_shared<const std::string>(protocol::encode_job_result(aggregate));
    publish(
        protocol::job_result_topic(aggregate.job_id), body,
        [&aggregate] { return protocol::encode_job_result(protocol::without_output(aggregate)); },
        "the aggregate of job " + aggregate.job_id);
    // Intake answers `wait: true` clients with these very bytes, output included (intake
    // bounds its replies itself): the aggregate may leave the scheduler's retention before
    // intake gets to it.
    sockets_->completions.send(zmq::buffer(aggregate.job_id), zmq::send_flags::sndmore);
    send_zero_copy(sockets_->completions, body, zmq::send_flags::none);
}

void publisher::publish(const std::string& topic, const std::shared_ptr<const std::string>& body,
                        const std::function<std::string()>& withheld, const std::string& what) {
    const std::string peer;  // one budget for all subscribers: ZeroMQ shares a frame among them
    std::shared_ptr<send_budget> budget = full_;
    std::shared_ptr<const std::string> bytes = body;
    if (!full_->try_reserve(peer, body->size())) {
        bytes = std::make_shared<const std::string>(withheld());
        budget = withheld_;
        if (withheld_->try_reserve(peer, bytes->size())) {
            ++withheld_count_;
        } else {
            ++dropped_count_;
            metrics::record_pub_dropped();
            budget = nullptr;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - last_warning_ >= std::chrono::seconds(10)) {
            spdlog::warn(
                "publisher: subscribers hold {} bytes of unread results (--results-buffer-bytes "
                "{}); {} published without output and {} not published since the last warning, "
                "the latest {}; result and replay still have them",
                full_->total() + withheld_->total(), full_->total_limit(), withheld_count_,
                dropped_count_, what);
            last_warning_ = now;
            withheld_count_ = dropped_count_ = 0;
        }
        if (!budget) return;
    }
    sockets_->pub.send(zmq::buffer(topic), zmq::send_flags::sndmore);
    send_zero_copy(sockets_->pub, bytes, zmq::send_flags::none, budget, peer);
    metrics::record_pub_sent(budget == withheld_);
}

}  // namespace fanout::daemon
