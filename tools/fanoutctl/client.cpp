#include "tools/fanoutctl/client.hpp"

#include <cerrno>
#include <cstdio>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "protocol/codec.hpp"

namespace fanout::ctl {

struct job_client::impl {
    zmq::context_t context{1};
    zmq::socket_t dealer{context, zmq::socket_type::dealer};
};

std::string no_reply_message(const std::string& endpoint, std::chrono::milliseconds waited) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", static_cast<double>(waited.count()) / 1000.0);
    return "no reply from fanoutd at " + endpoint + " within " + seconds + "s (is it running?)";
}

job_client::job_client(std::string endpoint, std::chrono::milliseconds reply_timeout,
                       const std::optional<curve::client_credentials>& curve)
    : endpoint_(std::move(endpoint)),
      reply_timeout_(reply_timeout),
      impl_(std::make_unique<impl>()),
      curve_(curve.has_value()) {
    impl_->dealer.set(zmq::sockopt::linger, 0);
    try {
        if (curve) curve::apply_curve_client(impl_->dealer.handle(), *curve);
        impl_->dealer.connect(endpoint_);
    } catch (const std::exception& e) {
        connect_error_ = "cannot connect to fanoutd at " + endpoint_ + ": " + e.what();
    }
}

job_client::~job_client() = default;

request_outcome job_client::request(const protocol::request& r) {
    if (!connect_error_.empty()) return client_failure{connect_error_};
    const std::string frame = protocol::encode_request(r);
    try {
        // DEALER adds no envelope: the ROUTER sees [identity, frame] and replies on it.
        if (!impl_->dealer.send(zmq::buffer(frame), zmq::send_flags::dontwait)) {
            return client_failure{"cannot queue a request to fanoutd at " + endpoint_};
        }
        const auto deadline = std::chrono::steady_clock::now() + reply_timeout_;
        while (true) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                // A refused CURVE handshake looks exactly like silence to a client.
                return client_failure{no_reply_message(endpoint_, reply_timeout_) +
                                      (curve_ ? "; with CURVE, also check the server key and "
                                                "that this client's public key is in fanoutd's "
                                                "--curve-clients directory"
                                              : "")};
            }
            zmq::pollitem_t items[] = {{impl_->dealer.handle(), 0, ZMQ_POLLIN, 0}};
            try {
                zmq::poll(items, 1, left);
            } catch (const zmq::error_t& e) {
                if (e.num() == EINTR) continue;
                throw;
            }
            if (!(items[0].revents & ZMQ_POLLIN)) continue;
            std::vector<zmq::message_t> parts;
            if (!zmq::recv_multipart(impl_->dealer, std::back_inserter(parts),
                                     zmq::recv_flags::dontwait)) {
                continue;
            }
            // A REQ-style empty delimiter may precede the reply; the reply is the last frame.
            if (parts.empty()) continue;
            auto decoded = protocol::decode_reply(parts.back().to_string_view());
            if (auto* reply = std::get_if<protocol::reply>(&decoded)) return std::move(*reply);
            return client_failure{"undecodable reply from fanoutd at " + endpoint_ + ": " +
                                  std::get<protocol::error_reply>(decoded).message};
        }
    } catch (const zmq::error_t& e) {
        return client_failure{"connection trouble with fanoutd at " + endpoint_ + ": " + e.what()};
    }
}

}  // namespace fanout::ctl
