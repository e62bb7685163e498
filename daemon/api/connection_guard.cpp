#include "daemon/api/connection_guard.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <set>

#include <spdlog/spdlog.h>
#include <zmq_addon.hpp>

namespace fanout::daemon {

struct connection_guard::listener {
    std::string name;
    std::string endpoint;   // as bound: ipc://path or tcp://address:port
    zmq::socket_t monitor;  // PAIR, connected to the socket's monitor
    std::set<int> open;     // descriptors of its accepted connections that are still open
};

namespace {

std::atomic<int> monitor_serial{0};

// Whether `fd` is, now, a connected socket whose local address is `endpoint`'s.
bool accepted_on(int fd, const std::string& endpoint) {
    int listening = 0;
    socklen_t length = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || listening)
        return false;  // not a socket (ENOTSOCK), or a listener
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) return false;
    if (endpoint.rfind("ipc://", 0) == 0) {
        if (address.ss_family != AF_UNIX) return false;
        const auto* un = reinterpret_cast<const sockaddr_un*>(&address);
        const std::size_t path_bytes = size - offsetof(sockaddr_un, sun_path);
        if (path_bytes == 0) return false;
        if (un->sun_path[0] == '\0')  // the abstract namespace, ipc://@name
            return "@" + std::string(un->sun_path + 1, path_bytes - 1) == endpoint.substr(6);
        return std::string(un->sun_path, ::strnlen(un->sun_path, path_bytes)) == endpoint.substr(6);
    }
    const auto colon = endpoint.rfind(':');
    if (endpoint.rfind("tcp://", 0) != 0 || colon == std::string::npos) return false;
    const int port = std::atoi(endpoint.c_str() + colon + 1);
    if (address.ss_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port) == port;
    if (address.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port) == port;
    return false;
}

}  // namespace

connection_guard::connection_guard(zmq::context_t& context, std::size_t max_connections)
    : context_(context), max_connections_(max_connections) {}

connection_guard::~connection_guard() {
    stop();
}

void connection_guard::watch(zmq::socket_t& socket, const std::string& name) {
    const std::string address =
        "inproc://fanoutd.connections." + std::to_string(monitor_serial.fetch_add(1));
    if (zmq_socket_monitor(socket.handle(), address.c_str(),
                           ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0)
        throw zmq::error_t();
    auto l = std::make_unique<listener>(listener{name,
                                                 socket.get(zmq::sockopt::last_endpoint),
                                                 zmq::socket_t(context_, zmq::socket_type::pair),
                                                 {}});
    l->monitor.set(zmq::sockopt::linger, 0);
    // No high-water mark: a lost event would leave a count wrong for good.
    l->monitor.set(zmq::sockopt::rcvhwm, 0);
    l->monitor.connect(address);
    listeners_.push_back(std::move(l));
}

void connection_guard::start() {
    thread_ = std::thread([this] { run(); });
}

void connection_guard::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

void connection_guard::run() {
    std::vector<zmq::pollitem_t> items;
    for (auto& l : listeners_) items.push_back({l->monitor.handle(), 0, ZMQ_POLLIN, 0});
    while (!stopping_) {
        try {
            zmq::poll(items.data(), items.size(), std::chrono::milliseconds(100));
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (!(items[i].revents & ZMQ_POLLIN)) continue;
                std::vector<zmq::message_t> event;
                while (zmq::recv_multipart(listeners_[i]->monitor, std::back_inserter(event),
                                           zmq::recv_flags::dontwait)) {
                    if (event.size() == 2 && event[0].size() == 6) {
                        std::uint16_t id = 0;
                        std::int32_t value = 0;
                        std::memcpy(&id, event[0].data(), 2);
                        std::memcpy(&value, static_cast<const char*>(event[0].data()) + 2, 4);
                        on_event(*listeners_[i], id, value);
                    }
                    event.clear();
                }
            }
        } catch (const std::exception& e) {
            spdlog::error("connection guard: {}", e.what());
        }
    }
}

// Event order: libzmq sends a connection's DISCONNECTED before it closes the descriptor, so
// the next ACCEPTED of the same number comes after it. That holds because fanoutd's context
// has one I/O thread (daemon.cpp), so every listener and engine emits from the same thread.
void connection_guard::on_event(listener& l, std::uint16_t event, std::int32_t fd) {
    if (event == ZMQ_EVENT_DISCONNECTED) {
        l.open.erase(fd);  // a connection of its own (connect side) was never counted
        return;
    }
    if (event != ZMQ_EVENT_ACCEPTED) return;
    if (l.open.size() < max_connections_) {
        l.open.insert(fd);
        return;
    }
    // Over the cap: not counted, as it goes now. Its DISCONNECTED finds nothing to erase.
    // The descriptor may have been closed, and its number reused, since the event was sent:
    // a duplicate pins whatever it is now while it is checked and shut down (shutdown acts
    // on the socket, so through the duplicate too). A reused number that is again a
    // connection of this listener gets shut down instead: over the cap either way.
    const int pinned = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    const bool ours = pinned >= 0 && accepted_on(pinned, l.endpoint);
    if (ours) ::shutdown(pinned, SHUT_RDWR);
    if (pinned >= 0) ::close(pinned);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_warning_ >= std::chrono::seconds(10)) {
        spdlog::warn(
            "{} socket: {} connections open, the --max-connections cap; closing new ones "
            "(further ones within 10 s are not logged){}",
            l.name, l.open.size(), ours ? "" : "; one had already gone");
        last_warning_ = now;
    }
}

}  // namespace fanout::daemon
