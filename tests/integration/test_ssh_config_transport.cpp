// A router's ssh_config at connect, against a real OpenSSH sshd: a ProxyCommand carries the
// session and ends with it (also when the connect fails or never completes), ConnectTimeout
// bounds TCP connect and a silent ProxyCommand, the file's algorithm lists take effect (and the
// inventory's own win), and StrictHostKeyChecking no / UserKnownHostsFile /dev/null in the file
// leave fanoutd's strict host-key check as it was.
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "daemon/ssh/ssh_config_resolve.hpp"
#include "daemon/ssh/transport.hpp"
#include "tests/support/sshd_server.hpp"

namespace fanout::daemon {
namespace {

using namespace std::chrono_literals;
using protocol::error_kind;
using protocol::router_error;
using testing::sshd_server;

const std::atomic<bool> not_cancelled{false};

// Our own children whose program is `name` (their /proc/PID/exe ends with it).
std::set<pid_t> children_running(const std::string& name) {
    std::set<pid_t> out;
    DIR* tasks = ::opendir("/proc/self/task");
    if (!tasks) return out;
    while (auto* t = ::readdir(tasks)) {
        if (t->d_name[0] == '.') continue;
        std::ifstream in(std::string("/proc/self/task/") + t->d_name + "/children");
        pid_t pid;
        while (in >> pid) {
            char exe[256] = {};
            auto n =
                ::readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), exe, sizeof exe - 1);
            std::string path(exe, n > 0 ? static_cast<std::size_t>(n) : 0);
            if (path.size() >= name.size() &&
                path.compare(path.size() - name.size(), name.size(), name) == 0)
                out.insert(pid);
        }
    }
    ::closedir(tasks);
    return out;
}

bool gone(pid_t pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

class ssh_config_transport_test : public ::testing::Test {
  protected:
    sshd_server server;

    std::string write(const std::string& text, const std::string& name = "ssh_config") {
        auto path = server.file(name);
        std::ofstream(path) << text;
        return path;
    }

    // Router "behind" (an address no resolver knows) whose file routes it to sshd.
    device router(const std::string& config_text, const std::string& ssh_block = "") {
        auto file = write(config_text);
        std::ostringstream json;
        json << R"({"behind": {"ip": "behind.bastion.invalid", "port": )" << server.port()
             << R"(, "username": "root", "auth": {"type": "ssh_key", "private_key_path": ")"
             << server.client_key_path() << R"("}, "ssh_config": ")" << file << '"'
             << (ssh_block.empty() ? "" : ", \"ssh\": " + ssh_block) << "}}";
        auto resolved = resolve_ssh_configs(inventory::parse(json.str()));
        return *resolved.devices.find("behind");
    }

    transport_options options(std::chrono::milliseconds timeout = 10s) {
        transport_options o;
        o.connect_timeout = timeout;
        o.known_hosts = server.known_hosts_path();
        return o;
    }
};

TEST_F(ssh_config_transport_test, proxy_command_carries_the_session_and_ends_with_it) {
    auto target = router(R"(
Host behind.bastion.invalid
  HostName 127.0.0.1
  ProxyCommand nc %h %p
)");
    ASSERT_EQ(target.proxy_command, "nc 127.0.0.1 " + std::to_string(server.port()));
    pid_t proxy = -1;
    {
        auto opened = ssh_connection::open(target, options(), not_cancelled);
        ASSERT_TRUE(std::holds_alternative<ssh_connection>(opened))
            << std::get<router_error>(opened).message;
        auto& connection = std::get<ssh_connection>(opened);
        auto out = connection.run("show version", 10s, not_cancelled);
        EXPECT_NE(out.output.find("JUNOS"), std::string::npos) << out.output;
        auto running = children_running("/nc.openbsd");
        ASSERT_EQ(running.size(), 1u) << "one nc for the one connection";
        proxy = *running.begin();
    }
    EXPECT_TRUE(gone(proxy)) << "ended and reaped with the session";
    EXPECT_TRUE(children_running("/nc.openbsd").empty());
}

TEST_F(ssh_config_transport_test, proxy_command_ssh_w_through_a_real_openssh_bastion) {
    // The jump-host template of junos-mcp-server users: OpenSSH's `ssh -W` through a bastion
    // (here the same sshd, AllowTcpForwarding's default yes), one process per connection.
    std::ostringstream config;
    config << "Host behind.bastion.invalid\n"
           << "  HostName 127.0.0.1\n"
           << "  ProxyCommand ssh -F /dev/null -i " << server.client_key_path() << " -p "
           << server.port() << " -o BatchMode=yes -o StrictHostKeyChecking=yes"
           << " -o UserKnownHostsFile=" << server.known_hosts_path()
           << " -W %h:%p root@127.0.0.1\n";
    auto target = router(config.str());
    pid_t proxy = -1;
    {
        auto opened = ssh_connection::open(target, options(), not_cancelled);
        ASSERT_TRUE(std::holds_alternative<ssh_connection>(opened))
            << std::get<router_error>(opened).message;
        auto out = std::get<ssh_connection>(opened).run("show version", 10s, not_cancelled);
        EXPECT_NE(out.output.find("JUNOS"), std::string::npos) << out.output;
        auto running = children_running("/ssh");
        ASSERT_EQ(running.size(), 1u);
        proxy = *running.begin();
    }
    EXPECT_TRUE(gone(proxy));
}

TEST_F(ssh_config_transport_test, a_failing_proxy_command_is_a_connect_error_that_says_so) {
    auto target = router("Host *\n  ProxyCommand false %h\n");
    auto opened = ssh_connection::open(target, options(), not_cancelled);
    ASSERT_TRUE(std::holds_alternative<router_error>(opened));
    const auto& error = std::get<router_error>(opened);
    EXPECT_EQ(error.kind, error_kind::connect);
    EXPECT_NE(error.message.find("ProxyCommand exited with status 1"), std::string::npos)
        << error.message;
    EXPECT_TRUE(children_running("/false").empty());
}

TEST_F(ssh_config_transport_test, connect_timeout_bounds_a_silent_proxy_command_and_kills_it) {
    // --connect-timeout 120 s; the file says 1 s.
    auto target = router("Host *\n  ConnectTimeout 1\n  ProxyCommand sleep 300\n");
    auto started = std::chrono::steady_clock::now();
    auto opened = ssh_connection::open(target, options(120s), not_cancelled);
    auto took = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(std::holds_alternative<router_error>(opened));
    EXPECT_EQ(std::get<router_error>(opened).kind, error_kind::timeout)
        << std::get<router_error>(opened).message;
    EXPECT_LT(took, 60s) << "ConnectTimeout, not --connect-timeout";
    EXPECT_TRUE(children_running("/sleep").empty()) << "killed and reaped";
}

TEST_F(ssh_config_transport_test, connect_timeout_bounds_a_tcp_peer_that_never_speaks) {
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener, 8), 0);  // the kernel completes the handshake; no banner
    ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
    auto target = router("Host *\n  HostName 127.0.0.1\n  Port " +
                         std::to_string(ntohs(address.sin_port)) + "\n  ConnectTimeout 1\n");
    auto started = std::chrono::steady_clock::now();
    auto opened = ssh_connection::open(target, options(120s), not_cancelled);
    auto took = std::chrono::steady_clock::now() - started;
    ::close(listener);
    ASSERT_TRUE(std::holds_alternative<router_error>(opened));
    EXPECT_EQ(std::get<router_error>(opened).kind, error_kind::timeout)
        << std::get<router_error>(opened).message;
    EXPECT_LT(took, 60s);
}

TEST_F(ssh_config_transport_test, the_files_algorithm_lists_apply_and_the_inventorys_win) {
    // OpenSSH 9.2's sshd offers no CBC cipher: the file's list leaves nothing in common.
    const std::string file = "Host *\n  HostName 127.0.0.1\n  Ciphers aes128-cbc\n";
    auto refused = ssh_connection::open(router(file), options(), not_cancelled);
    ASSERT_TRUE(std::holds_alternative<router_error>(refused));
    EXPECT_NE(std::get<router_error>(refused).message.find("no SSH algorithm in common"),
              std::string::npos)
        << std::get<router_error>(refused).message;

    auto own = ssh_connection::open(router(file, R"({"ciphers": "aes256-ctr"})"), options(),
                                    not_cancelled);
    EXPECT_TRUE(std::holds_alternative<ssh_connection>(own)) << std::get<router_error>(own).message;
}

TEST_F(ssh_config_transport_test, a_file_gone_since_the_load_fails_the_connect_naming_it) {
    auto target = router("Host *\n  HostName 127.0.0.1\n");
    std::remove(target.ssh_config.c_str());
    auto opened = ssh_connection::open(target, options(), not_cancelled);
    ASSERT_TRUE(std::holds_alternative<router_error>(opened));
    const auto& error = std::get<router_error>(opened);
    EXPECT_EQ(error.kind, error_kind::connect);
    EXPECT_NE(error.message.find("ssh_config '" + target.ssh_config.string() + "' cannot be read"),
              std::string::npos)
        << error.message;
}

TEST_F(ssh_config_transport_test, the_files_host_key_settings_do_not_weaken_the_strict_check) {
    auto target = router(R"(
Host *
  HostName 127.0.0.1
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  GlobalKnownHostsFile /dev/null
)");
    auto strict = options();
    strict.known_hosts = server.file("empty_known_hosts");
    std::ofstream(strict.known_hosts) << "";
    auto opened = ssh_connection::open(target, strict, not_cancelled);
    ASSERT_TRUE(std::holds_alternative<router_error>(opened));
    EXPECT_EQ(std::get<router_error>(opened).kind, error_kind::host_key)
        << std::get<router_error>(opened).message;

    auto known = ssh_connection::open(target, options(), not_cancelled);
    EXPECT_TRUE(std::holds_alternative<ssh_connection>(known))
        << std::get<router_error>(known).message;
}

}  // namespace
}  // namespace fanout::daemon
