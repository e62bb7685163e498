#include "tools/fanoutctl/client.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "protocol/codec.hpp"

namespace fanout::ctl {

struct job_client::impl {
    zmq::context_t context{1};
    zmq::socket_t dealer{context, zmq::socket_type::dealer};
    zmq::socket_t monitor{context, zmq::socket_type::pair};  // CURVE only: handshake refusals
};

namespace {

constexpr const char* monitor_endpoint = "inproc://fanoutctl.dealer.monitor";

// The ZAP status of a refused CURVE handshake, read from the monitor; 0 for other events.
int refused_status(zmq::socket_t& monitor) {
    std::vector<zmq::message_t> event;
    if (!zmq::recv_multipart(monitor, std::back_inserter(event), zmq::recv_flags::dontwait) ||
        event.empty() || event[0].size() < 6)
        return 0;
    std::uint16_t id = 0;
    std::uint32_t value = 0;
    std::memcpy(&id, event[0].data(), sizeof id);
    std::memcpy(&value, static_cast<const char*>(event[0].data()) + 2, sizeof value);
    return id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? static_cast<int>(value) : 0;
}

}  // namespace

std::string no_reply_message(const std::string& endpoint, std::chrono::milliseconds waited) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", static_cast<double>(waited.count()) / 1000.0);
    return "no reply from fanoutd at " + endpoint + " within " + seconds + "s (is it running?)";
}

job_client::job_client(std::string endpoint, std::chrono::milliseconds reply_timeout,
                       const std::optional<curve::client_credentials>& curve, unsigned retries)
    : endpoint_(std::move(endpoint)),
      reply_timeout_(reply_timeout),
      curve_credentials_(curve),
      retries_(retries),
      curve_(curve.has_value()) {
    connect();
}

job_client::~job_client() = default;

void job_client::connect() {
    impl_.reset();  // linger 0: whatever the old socket still queued is dropped
    impl_ = std::make_unique<impl>();
    impl_->dealer.set(zmq::sockopt::linger, 0);
    try {
        if (curve_credentials_) {
            curve::apply_curve_client(impl_->dealer.handle(), *curve_credentials_);
            impl_->monitor.set(zmq::sockopt::linger, 0);
            if (zmq_socket_monitor(impl_->dealer.handle(), monitor_endpoint,
                                   ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) == 0)
                impl_->monitor.connect(monitor_endpoint);
        }
        impl_->dealer.connect(endpoint_);
    } catch (const std::exception& e) {
        connect_error_ = "cannot connect to fanoutd at " + endpoint_ + ": " + e.what();
    }
}

request_outcome job_client::request(const protocol::request& r) {
    if (!connect_error_.empty()) return client_failure{connect_error_};
    const std::string frame = protocol::encode_request(r);
    for (unsigned attempt_number = 1;; ++attempt_number) {
        attempts_ = attempt_number;
        if (auto outcome = attempt(frame)) return std::move(*outcome);
        if (attempt_number > retries_) break;
        std::fprintf(stderr, "fanoutctl: %s; retrying on a fresh connection (attempt %u of %u)\n",
                     no_reply_message(endpoint_, reply_timeout_).c_str(), attempt_number + 1,
                     retries_ + 1);
        connect();
        if (!connect_error_.empty()) return client_failure{connect_error_};
    }
    // A refused CURVE handshake looks exactly like silence to a client.
    return client_failure{no_reply_message(endpoint_, reply_timeout_) +
                          (retries_ ? ", " + std::to_string(retries_ + 1) + " attempts" : "") +
                          (curve_ ? "; with CURVE, also check the server key and "
                                    "that this client's public key is in fanoutd's "
                                    "--curve-clients directory"
                                  : "")};
}

std::optional<request_outcome> job_client::attempt(const std::string& frame) {
    try {
        // DEALER adds no envelope: the ROUTER sees [identity, frame] and replies on it.
        if (!impl_->dealer.send(zmq::buffer(frame), zmq::send_flags::dontwait)) {
            return client_failure{"cannot queue a request to fanoutd at " + endpoint_};
        }
        const auto deadline = std::chrono::steady_clock::now() + reply_timeout_;
        while (true) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            zmq::pollitem_t items[] = {{impl_->dealer.handle(), 0, ZMQ_POLLIN, 0},
                                       {impl_->monitor.handle(), 0, ZMQ_POLLIN, 0}};
            try {
                zmq::poll(items, curve_ ? 2 : 1, left);
            } catch (const zmq::error_t& e) {
                if (e.num() == EINTR) continue;
                throw;
            }
            if (curve_ && (items[1].revents & ZMQ_POLLIN)) {
                if (int status = refused_status(impl_->monitor))
                    return client_failure{
                        "fanoutd at " + endpoint_ +
                        " refused this client's CURVE key (ZAP status " + std::to_string(status) +
                        "): its public key is not in fanoutd's --curve-clients directory"};
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
