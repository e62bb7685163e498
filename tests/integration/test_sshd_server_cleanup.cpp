// tests/support/sshd_server (issue 12 leftover): a server whose connections were frozen
// (SIGSTOP, as the frozen-bastion test does) and never dropped, because the test failed first,
// still leaves no process behind: its destructor continues them (SIGCONT) before SIGTERM.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/sshd_server.hpp"

namespace fanout::testing {
namespace {

using namespace std::chrono_literals;

// Running, or stopped: anything but gone or a zombie.
bool lives(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

int connect_to(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

TEST(sshd_server_cleanup, frozen_connections_do_not_outlive_the_server) {
    auto server = std::make_unique<sshd_server>();
    const int fd = connect_to(server->port());
    ASSERT_GE(fd, 0);
    std::vector<pid_t> forked;
    const auto until = std::chrono::steady_clock::now() + 30s;
    while ((forked = server->connection_processes()).empty()) {
        ASSERT_LT(std::chrono::steady_clock::now(), until) << "sshd never forked for us";
        std::this_thread::sleep_for(10ms);  // polling /proc, not synchronisation
    }
    ASSERT_GT(server->freeze_connections(), 0);
    server.reset();  // the failed test's teardown: no drop_connections()
    const auto gone_by = std::chrono::steady_clock::now() + 30s;
    for (pid_t pid : forked)
        while (lives(pid)) {
            ASSERT_LT(std::chrono::steady_clock::now(), gone_by) << pid << " is still there";
            std::this_thread::sleep_for(10ms);
        }
    ::close(fd);
}

}  // namespace
}  // namespace fanout::testing
