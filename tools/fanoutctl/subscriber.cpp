#include "tools/fanoutctl/subscriber.hpp"

#include <cerrno>
#include <stdexcept>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "protocol/codec.hpp"

namespace fanout::ctl {

struct result_subscriber::impl {
    zmq::context_t context{1};
    zmq::socket_t sub{context, zmq::socket_type::sub};
};

result_subscriber::result_subscriber(const std::string& endpoint, std::string job_id,
                                     const std::optional<curve::client_credentials>& curve)
    : job_id_(std::move(job_id)), impl_(std::make_unique<impl>()) {
    impl_->sub.set(zmq::sockopt::linger, 0);
    // A big job can publish faster than a terminal prints; anything dropped anyway comes
    // back through the final job_result.
    impl_->sub.set(zmq::sockopt::rcvhwm, 100000);
    const bool every_job = job_id_.empty();  // `watch`
    impl_->sub.set(zmq::sockopt::subscribe,
                   every_job ? std::string("result.") : protocol::job_results_prefix(job_id_));
    impl_->sub.set(zmq::sockopt::subscribe,
                   every_job ? std::string("job.") : protocol::job_result_topic(job_id_));
    try {
        if (curve) curve::apply_curve_client(impl_->sub.handle(), *curve);
        impl_->sub.connect(endpoint);
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot connect to fanoutd results at " + endpoint + ": " +
                                 e.what());
    }
}

result_subscriber::~result_subscriber() = default;

std::optional<published_message> result_subscriber::receive(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        zmq::pollitem_t items[] = {{impl_->sub.handle(), 0, ZMQ_POLLIN, 0}};
        try {
            zmq::poll(items, 1, std::max(left, std::chrono::milliseconds(0)));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) return std::nullopt;
            throw;
        }
        if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
        std::vector<zmq::message_t> parts;
        if (!zmq::recv_multipart(impl_->sub, std::back_inserter(parts),
                                 zmq::recv_flags::dontwait)) {
            continue;
        }
        if (parts.size() != 2) {
            ++malformed_;
            continue;
        }
        auto decoded = protocol::decode_published(parts[1].to_string_view());
        if (auto* r = std::get_if<protocol::router_result>(&decoded)) {
            if (job_id_.empty() || r->job_id == job_id_) return std::move(*r);
        } else if (auto* j = std::get_if<protocol::job_result>(&decoded)) {
            if (job_id_.empty() || j->job_id == job_id_) return std::move(*j);
        } else {
            ++malformed_;
        }
        if (left.count() <= 0) return std::nullopt;
    }
}

}  // namespace fanout::ctl
