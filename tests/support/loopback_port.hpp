// A TCP port on 127.0.0.1 that was free a moment ago, for test servers that need a fixed one.
//
// Contract: bind_loopback binds (and may listen on) a port the kernel chooses, and hands over
// the socket. free_loopback_port binds port 0, reads the port the kernel chose, closes; another
// process may take it before the caller binds. Throws std::runtime_error on failure.
// on_free_loopback_port(start) is the retry: it returns start(port) for a free port, and when
// start throws std::runtime_error (the server could not bind it, e.g. because a fleet of
// another test took it meanwhile) tries another port, three times at most.
// loopback_socket(false) holds a port bound and never listened on: a connect to it is refused
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

struct bound_loopback {
    int fd = -1;
    std::uint16_t port = 0;
};

// A TCP socket bound to a port of 127.0.0.1 the kernel chose, listening (backlog 16) when
// `listening`; the caller closes fd. Throws std::runtime_error on failure.
inline bound_loopback bind_loopback(bool listening) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        (listening && ::listen(fd, 16) != 0) ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot bind a loopback port");
    }
    return {fd, ntohs(address.sin_port)};
}

inline std::uint16_t free_loopback_port() {
    const auto bound = bind_loopback(/*listening=*/false);
    ::close(bound.fd);
    return bound.port;
}

// A socket from bind_loopback, closed with the object. Not listening: a connect to its port is
// refused while it lives, and no other process can take the port.
class loopback_socket {
  public:
    explicit loopback_socket(bool listening) : bound_(bind_loopback(listening)) {}
    ~loopback_socket() { ::close(bound_.fd); }
    loopback_socket(const loopback_socket&) = delete;
    loopback_socket& operator=(const loopback_socket&) = delete;
    int fd() const { return bound_.fd; }
    std::uint16_t port() const { return bound_.port; }

  private:
    bound_loopback bound_;
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
