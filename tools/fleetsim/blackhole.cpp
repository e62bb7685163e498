#include "tools/fleetsim/blackhole.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace fanout::fleetsim {
namespace {

// A loopback handshake completes in microseconds; a dropped SYN is retried only after 1 s.
constexpr int plug_connect_ms = 1000;
constexpr int probe_silence_ms = 100;
// Backlog 0 needs one plug with SYN cookies on (Debian's default); more covers other settings.
constexpr int max_plugs = 4;

enum class connect_result { connected, silent, failed };

// Starts a non-blocking connect to 127.0.0.1:port and waits up to `wait_ms` for it.
connect_result try_connect(std::uint16_t port, int wait_ms, int& fd) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return connect_result::failed;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        return connect_result::connected;
    }
    if (errno != EINPROGRESS) return connect_result::failed;
    pollfd p{fd, POLLOUT, 0};
    int ready = ::poll(&p, 1, wait_ms);
    if (ready == 0) return connect_result::silent;
    int error = 0;
    socklen_t length = sizeof error;
    if (ready < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
        return connect_result::failed;
    }
    return connect_result::connected;
}

[[noreturn]] void fail(const std::string& router, const std::string& what) {
    throw std::runtime_error("fleetsim: blackhole for " + router + ": " + what);
}

}  // namespace

blackhole_port::blackhole_port(const std::string& router) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) fail(router, std::string("socket: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        ::listen(listen_fd_, 0) != 0) {
        const std::string reason = std::strerror(errno);
        ::close(listen_fd_);
        fail(router, "bind/listen: " + reason);
    }
    port_ = ntohs(address.sin_port);
    // Plug the accept queue until a connect gets no answer at all.
    for (int attempt = 0; attempt <= max_plugs; ++attempt) {
        int fd = -1;
        const auto result =
            try_connect(port_, plugs_.empty() ? plug_connect_ms : probe_silence_ms, fd);
        if (result == connect_result::connected) {
            plugs_.push_back(fd);
            continue;
        }
        if (fd >= 0) ::close(fd);
        if (result == connect_result::silent && !plugs_.empty()) return;
        break;
    }
    for (int fd : plugs_) ::close(fd);
    ::close(listen_fd_);
    fail(router, "connects to a listener that never accepts still complete");
}

blackhole_port::~blackhole_port() {
    for (int fd : plugs_) ::close(fd);
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

blackhole_port::blackhole_port(blackhole_port&& other) noexcept
    : listen_fd_(other.listen_fd_), plugs_(std::move(other.plugs_)), port_(other.port_) {
    other.listen_fd_ = -1;
    other.plugs_.clear();
}

}  // namespace fanout::fleetsim
