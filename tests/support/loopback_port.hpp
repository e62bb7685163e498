// A TCP port on 127.0.0.1 that was free a moment ago, for test servers that need a fixed one.
//
// Contract: free_loopback_port binds port 0, reads the port the kernel chose, closes; another
// process may take it before the caller binds. Throws std::runtime_error on failure.
// on_free_loopback_port(start) is the retry: it returns start(port) for a free port, and when
// start throws std::runtime_error (the server could not bind it, e.g. because a fleet of
// another test took it meanwhile) tries another port, three times at most.
// refused_loopback_port holds a port bound and never listened on: a connect to it is refused
// while the object lives, and no other process can take the port (a probed free port meant as
// "nothing there" can become another test's router).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

namespace fanout::testing {

inline std::uint16_t free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

class refused_loopback_port {
  public:
    refused_loopback_port() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            if (fd_ >= 0) ::close(fd_);
            throw std::runtime_error("cannot bind a loopback port");
        }
        port_ = ntohs(address.sin_port);
    }
    ~refused_loopback_port() { ::close(fd_); }
    refused_loopback_port(const refused_loopback_port&) = delete;
    refused_loopback_port& operator=(const refused_loopback_port&) = delete;
    std::uint16_t port() const { return port_; }

  private:
    int fd_;
    std::uint16_t port_ = 0;
};

template <class Start>
auto on_free_loopback_port(Start&& start) {  // called up to three times: not forwarded
    for (int attempt = 1;; ++attempt) {
        try {
            return start(free_loopback_port());
        } catch (const std::runtime_error&) {
            if (attempt == 3) throw;
        }
    }
}

}  // namespace fanout::testing
