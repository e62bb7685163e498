#include "curve/zap_handler.hpp"

#include <spdlog/spdlog.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "curve/curve_keys.hpp"

namespace fanout::daemon {
namespace {

constexpr const char* zap_endpoint = "inproc://zeromq.zap.01";
constexpr auto refusal_log_interval = std::chrono::minutes(1);
constexpr std::size_t max_refusal_records = 1024;  // beyond it the records start over

// RFC 27 request frames: version, request id, domain, address, identity, mechanism,
// credentials (for CURVE: the client's 32-byte public key).
enum frame : std::size_t { version, request_id, domain, address, identity, mechanism, key };

std::string peer_name(const std::string& address) {
    return address.empty() ? "a local socket" : address;
}

}  // namespace

struct zap_handler::sockets {
    zmq::socket_t rep;
};

zap_handler::zap_handler(zmq::context_t& context, std::optional<std::set<std::string>> allowed_keys)
    : zap_handler(context, {{std::string(curve::client_zap_domain),
                             zap_policy{std::move(allowed_keys), "--curve-clients"}}}) {}

namespace {

zap_policy named_policy(std::map<std::string, std::string> named_keys) {
    std::set<std::string> keys;
    for (const auto& [key, name] : named_keys) keys.insert(key);
    return zap_policy{std::move(keys), "--curve-clients", std::move(named_keys)};
}

}  // namespace

zap_handler::zap_handler(zmq::context_t& context, std::map<std::string, std::string> named_keys)
    : zap_handler(context,
                  {{std::string(curve::client_zap_domain), named_policy(std::move(named_keys))}}) {}

zap_handler::zap_handler(zmq::context_t& context, std::map<std::string, zap_policy> policies)
    : sockets_(std::make_unique<sockets>(sockets{zmq::socket_t(context, zmq::socket_type::rep)})),
      policies_(std::move(policies)) {
    sockets_->rep.set(zmq::sockopt::linger, 0);
    sockets_->rep.bind(zap_endpoint);
    thread_ = std::thread([this] { run(); });
}

zap_handler::~zap_handler() {
    stop();
}

void zap_handler::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

void zap_handler::run() {
    zmq::pollitem_t item{sockets_->rep.handle(), 0, ZMQ_POLLIN, 0};
    while (!stopping_) {
        try {
            zmq::poll(&item, 1, std::chrono::milliseconds(100));
            if (item.revents & ZMQ_POLLIN) answer_one();
        } catch (const std::exception& e) {
            spdlog::error("zap: {}", e.what());
        }
    }
}

void zap_handler::answer_one() {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(sockets_->rep, std::back_inserter(frames), zmq::recv_flags::dontwait))
        return;
    std::vector<std::string> request;
    for (const auto& f : frames) request.push_back(f.to_string());
    auto status = judge(request);
    std::string user_id = status == "200" ? user_id_of(request) : "";
    std::string id = request.size() > frame::request_id ? request[frame::request_id] : "";
    const std::string reply[] = {"1.0",   id, status, status == "200" ? "OK" : "refused",
                                 user_id, ""};
    for (std::size_t i = 0; i < std::size(reply); ++i)
        sockets_->rep.send(zmq::buffer(reply[i]), i + 1 < std::size(reply)
                                                      ? zmq::send_flags::sndmore
                                                      : zmq::send_flags::none);
}

std::string zap_handler::user_id_of(const std::vector<std::string>& request) const {
    auto key = curve::z85_of_binary_key(request[frame::key]);
    auto policy = policies_.find(request[frame::domain]);
    if (policy == policies_.end()) return key;
    auto name = policy->second.key_names.find(key);
    return name == policy->second.key_names.end() ? key : name->second;
}

std::string zap_handler::judge(const std::vector<std::string>& request) {
    if (request.size() < frame::mechanism + 1 || request[frame::version] != "1.0") {
        spdlog::error("zap: malformed ZAP request ({} frames)", request.size());
        return "500";
    }
    const auto& address = request[frame::address];
    if (request[frame::mechanism] != "CURVE" || request.size() != frame::key + 1) {
        spdlog::warn("zap: refused a client from {}: mechanism {} (only CURVE is accepted)",
                     peer_name(address), request[frame::mechanism]);
        return "400";
    }
    auto client_key = curve::z85_of_binary_key(request[frame::key]);
    if (client_key.empty()) {
        spdlog::error("zap: malformed CURVE key in a ZAP request");
        return "500";
    }
    auto policy = policies_.find(request[frame::domain]);
    if (policy == policies_.end()) {
        spdlog::warn("zap: refused CURVE client {} from {}: no allow-list for ZAP domain {}",
                     client_key, peer_name(address), request[frame::domain]);
        return "400";
    }
    const auto& allowed = policy->second.allowed_keys;
    if (allowed && !allowed->contains(client_key)) {
        note_refusal(address, client_key, policy->second.source);
        return "400";
    }
    spdlog::debug("zap: accepted CURVE client {} from {} ({})", client_key, peer_name(address),
                  policy->second.source);
    return "200";
}

void zap_handler::note_refusal(const std::string& address, const std::string& client_key,
                               const std::string& source) {
    auto now = std::chrono::steady_clock::now();
    if (refusals_.size() >= max_refusal_records && !refusals_.contains(client_key))
        refusals_.clear();
    auto [record, first] = refusals_.try_emplace(client_key, refusal_record{now, 0});
    if (!first && now - record->second.logged_at < refusal_log_interval) {
        ++record->second.unlogged;
        return;
    }
    std::string repeats = record->second.unlogged == 0
                              ? ""
                              : fmt::format(" ({} more refusals of this key in the last minute)",
                                            record->second.unlogged);
    spdlog::warn(
        "zap: refused CURVE client {} from {}: its public key is not in the allow-list "
        "({}){}",
        client_key, peer_name(address), source, repeats);
    record->second = refusal_record{now, 0};
}

}  // namespace fanout::daemon
