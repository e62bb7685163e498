#include "tools/proxy/steerable_proxy.hpp"

#include <spdlog/spdlog.h>

namespace fanout::proxy {

steerable_proxy::steerable_proxy(zmq::context_t& context, std::string name, zmq::socket_t frontend,
                                 zmq::socket_t backend)
    : name_(std::move(name)),
      control_endpoint_("inproc://fanout-proxy-control-" + name_),
      frontend_(std::move(frontend)),
      backend_(std::move(backend)),
      control_(context, zmq::socket_type::pair),
      command_(context, zmq::socket_type::pair) {
    control_.set(zmq::sockopt::linger, 0);
    command_.set(zmq::sockopt::linger, 0);
    control_.bind(control_endpoint_);
    command_.connect(control_endpoint_);
    thread_ = std::thread([this] { run(); });
}

steerable_proxy::~steerable_proxy() {
    stop();
}

void steerable_proxy::stop() {
    if (stopped_) return;
    stopped_ = true;
    // PAIR to PAIR over inproc never drops; a device that already failed just ignores it.
    command_.send(zmq::str_buffer("TERMINATE"), zmq::send_flags::dontwait);
    thread_.join();
    command_.close();
}

void steerable_proxy::run() {
    // Returns 0 after TERMINATE, -1 when a socket fails (or the context terminates).
    if (zmq_proxy_steerable(frontend_.handle(), backend_.handle(), nullptr, control_.handle()) !=
        0) {
        failed_ = true;
        spdlog::error("{} proxy stopped: {}", name_, zmq_strerror(zmq_errno()));
    }
    frontend_.close();
    backend_.close();
    control_.close();
}

}  // namespace fanout::proxy
