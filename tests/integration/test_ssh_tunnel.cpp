// The bastion tunnel (daemon/ssh/tunnel.hpp) over Debian's OpenSSH sshd as the bastion, with a
// plain TCP listener of the test as the target: which channel opens reach the bastion.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>

#include "daemon/ssh/tunnel.hpp"
#include "tests/support/bastion_setup.hpp"
#include "tests/support/loopback_port.hpp"
#include "tests/support/open_connection.hpp"
#include "tests/support/sshd_server.hpp"

namespace fanout::daemon {
namespace {

using namespace std::chrono_literals;
using testing::connect_ok;
using testing::not_cancelled;
using testing::sshd_server;

// A listening TCP socket on a free loopback port; closed with the object.
class tcp_listener {
  public:
    std::uint16_t port() const { return socket_.port(); }

    // The next connection's first bytes (up to EOF or 64 bytes), waiting up to 10 s for the
    // connection and for its data; "(none)" when no connection came.
    std::string next_connection_text() const {
        pollfd ready{socket_.fd(), POLLIN, 0};
        if (::poll(&ready, 1, 10'000) != 1) return "(none)";
        const int connection = ::accept4(socket_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
        std::string text;
        char buffer[64];
        pollfd readable{connection, POLLIN, 0};
        while (text.size() < sizeof buffer && ::poll(&readable, 1, 10'000) == 1) {
            const auto n = ::read(connection, buffer, sizeof buffer - text.size());
            if (n <= 0) break;
            text.append(buffer, static_cast<std::size_t>(n));
        }
        ::close(connection);
        return text;
    }

  private:
    testing::loopback_socket socket_{/*listening=*/true};
};

std::unique_ptr<ssh_tunnel> tunnel_through(const sshd_server& bastion) {
    const auto target = testing::sshd_device(bastion, "bastion", bastion.client_key_path());
    transport_options options;
    options.connect_timeout = 10s;
    options.known_hosts = bastion.known_hosts_path();
    tunnel_settings settings;
    settings.name = "bastion";
    return ssh_tunnel::start(connect_ok(target, options), std::move(settings));
}

// A forward whose time is spent before the pump thread gets to it sends no channel open: the
// bastion never connects to the target for it. The open that follows is the first connection
// the target sees (sshd handles one session's opens in order, so an open sent for the first
// would have connected first).
TEST(ssh_tunnel, a_forward_with_no_time_left_sends_no_channel_open) {
    sshd_server bastion(testing::bastion_sshd_config());
    tcp_listener target;
    auto tunnel = tunnel_through(bastion);

    ASSERT_TRUE(tunnel->try_reserve(4));
    auto spent = tunnel->forward("127.0.0.1", target.port(), 0ms, not_cancelled);
    ASSERT_TRUE(spent.error.has_value());
    EXPECT_EQ(spent.error->kind, protocol::error_kind::timeout) << spent.error->message;
    EXPECT_EQ(spent.fd, -1);
    EXPECT_EQ(tunnel->channels(), 0u) << "its slot is free at once: no open is outstanding";

    ASSERT_TRUE(tunnel->try_reserve(4));
    auto opened = tunnel->forward("127.0.0.1", target.port(), 10s, not_cancelled);
    ASSERT_FALSE(opened.error.has_value()) << opened.error->message;
    ASSERT_EQ(::write(opened.fd, "marker", 6), 6);
    ::shutdown(opened.fd, SHUT_WR);
    EXPECT_EQ(target.next_connection_text(), "marker")
        << "the bastion connected to the target for the forward that had no time left";
    ::close(opened.fd);
}

}  // namespace
}  // namespace fanout::daemon
