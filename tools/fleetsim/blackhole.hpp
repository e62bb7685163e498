// A loopback TCP port that never completes a connect: the `blackhole` fault.
//
// Contract: open_blackhole() returns a socket bound to 127.0.0.1 that listens with backlog 0
// and is never accepted from, plus fleetsim's own connections ("plugs") that fill its accept
// queue. With the accept queue full, Linux drops every further SYN, so a client's connect
// stays in SYN_SENT until the client gives up: no RST, no SYN-ACK, no error. It checks that a
// probe connect really does not complete before returning, and throws std::runtime_error if
// it cannot get there. Unprivileged: no netns or firewall rule is needed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fanout::fleetsim {

class blackhole_port {
  public:
    explicit blackhole_port(const std::string& router);
    ~blackhole_port();
    blackhole_port(blackhole_port&& other) noexcept;
    blackhole_port& operator=(blackhole_port&&) = delete;
    blackhole_port(const blackhole_port&) = delete;
    blackhole_port& operator=(const blackhole_port&) = delete;

    std::uint16_t port() const { return port_; }

  private:
    int listen_fd_ = -1;
    std::vector<int> plugs_;  // connected, never accepted
    std::uint16_t port_ = 0;
};

}  // namespace fanout::fleetsim
