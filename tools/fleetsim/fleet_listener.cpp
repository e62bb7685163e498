#include "tools/fleetsim/fleet_listener.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace fanout::fleetsim {
namespace {

[[noreturn]] void fail_errno(const std::string& what) {
    throw std::runtime_error("fleetsim: " + what + ": " + std::strerror(errno));
}

}  // namespace

std::uint32_t netconf_address(int index) {
    const auto i = static_cast<std::uint32_t>(index);
    return (127u << 24) | (1u << 16) | ((i / 250) << 8) | (i % 250 + 1);
}

std::string dotted(std::uint32_t address) {
    return std::to_string(address >> 24) + "." + std::to_string(address >> 16 & 255) + "." +
           std::to_string(address >> 8 & 255) + "." + std::to_string(address & 255);
}

listener open_listener(const std::string& name, bool listens, std::uint32_t address_host,
                       std::uint16_t port) {
    listener l;
    l.address = address_host;
    l.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l.fd < 0) fail_errno("socket for " + name);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(address_host);
    address.sin_port = htons(port);
    if (port != 0) {
        int one = 1;
        ::setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    socklen_t length = sizeof address;
    if (::bind(l.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        int saved = errno;
        ::close(l.fd);
        errno = saved;
        fail_errno("bind for " + name);
    }
    l.port = ntohs(address.sin_port);
    if (listens && ::listen(l.fd, SOMAXCONN) != 0) {
        int saved = errno;
        ::close(l.fd);
        errno = saved;
        fail_errno("listen for " + name);
    }
    return l;
}

}  // namespace fanout::fleetsim
