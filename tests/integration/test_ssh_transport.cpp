// The libssh transport against a real OpenSSH sshd (tests/support/sshd_server): key auth,
// exit status and stderr, host key policies, timeouts, output cap, cancel, connect and auth
// failures.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "daemon/ssh/transport.hpp"
#include "tests/support/open_connection.hpp"
#include "tests/support/sshd_server.hpp"

namespace fanout::daemon {
namespace {

using namespace std::chrono_literals;
using protocol::error_kind;
using protocol::router_error;
using protocol::router_status;
using testing::sshd_server;

using testing::connect_ok;
using testing::message_of;
using testing::not_cancelled;

device key_device(const sshd_server& server, const std::string& key_path) {
    return testing::sshd_device(server, "sshd", key_path);
}

transport_options options_for(const sshd_server& server,
                              host_key_policy policy = host_key_policy::strict) {
    transport_options options;
    options.connect_timeout = 10s;
    options.known_hosts = server.known_hosts_path();
    options.host_keys = policy;
    return options;
}

router_error connect_error(const device& target, const transport_options& options) {
    auto opened = ssh_connection::open(target, options, not_cancelled);
    if (!std::holds_alternative<router_error>(opened))
        throw std::runtime_error("open unexpectedly succeeded");
    return std::get<router_error>(opened);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class ssh_transport_test : public ::testing::Test {
  protected:
    sshd_server server;
    device target = key_device(server, server.client_key_path());
};

TEST_F(ssh_transport_test, key_auth_runs_a_command_and_captures_its_output) {
    auto connection = connect_ok(target, options_for(server));
    auto out = connection.run("show version", 10s, not_cancelled);
    EXPECT_EQ(out.status, router_status::success);
    EXPECT_NE(out.output.find("Junos: 23.4R1.9"), std::string::npos) << out.output;
    EXPECT_EQ(out.stderr_output, "");
    ASSERT_TRUE(out.exit_status.has_value());
    EXPECT_EQ(*out.exit_status, 0);
    EXPECT_FALSE(out.error.has_value());
    EXPECT_FALSE(out.truncated);
    EXPECT_TRUE(out.started);
    EXPECT_TRUE(connection.alive());
}

TEST_F(ssh_transport_test, non_zero_exit_is_an_exit_status_error_with_stderr_captured) {
    auto connection = connect_ok(target, options_for(server));
    auto out = connection.run("show bogus", 10s, not_cancelled);
    EXPECT_EQ(out.status, router_status::failed);
    ASSERT_TRUE(out.exit_status.has_value());
    EXPECT_EQ(*out.exit_status, 1);
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(out.error->kind, error_kind::exit_status);
    EXPECT_EQ(out.error->message, "exit status 1");
    EXPECT_NE(out.stderr_output.find("syntax error"), std::string::npos) << out.stderr_output;
    EXPECT_EQ(out.output, "");

    auto other = connection.run("exit 42", 10s, not_cancelled);
    ASSERT_TRUE(other.exit_status.has_value());
    EXPECT_EQ(*other.exit_status, 42);
    EXPECT_EQ(other.stderr_output, "exiting with 42\n");
}

TEST_F(ssh_transport_test, several_commands_run_one_after_another_on_one_connection) {
    auto connection = connect_ok(target, options_for(server));
    for (int round = 0; round < 3; ++round) {
        auto version = connection.run("show version", 10s, not_cancelled);
        EXPECT_EQ(version.status, router_status::success) << "round " << round;
        EXPECT_NE(version.output.find("Model: mx960"), std::string::npos);
        auto uptime = connection.run("show system uptime", 10s, not_cancelled);
        EXPECT_EQ(uptime.status, router_status::success) << "round " << round;
        EXPECT_NE(uptime.output.find("System booted"), std::string::npos);
        auto bad = connection.run("show nothing", 10s, not_cancelled);
        EXPECT_EQ(bad.status, router_status::failed);
        EXPECT_EQ(bad.exit_status, 1);
    }
    EXPECT_TRUE(connection.alive());
}

TEST_F(ssh_transport_test, strict_refuses_an_unknown_host_and_shows_its_fingerprint) {
    auto options = options_for(server);
    options.known_hosts = server.file("empty_known_hosts");
    std::ofstream(options.known_hosts.string()).put('\n');
    auto error = connect_error(target, options);
    EXPECT_EQ(error.kind, error_kind::host_key);
    EXPECT_NE(error.message.find("unknown host"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find(server.host_key_fingerprint()), std::string::npos)
        << error.message;

    options.known_hosts = server.file("missing_known_hosts");
    EXPECT_EQ(connect_error(target, options).kind, error_kind::host_key);
}

TEST_F(ssh_transport_test, strict_refuses_a_changed_host_key) {
    connect_ok(target, options_for(server));
    server.replace_host_key();
    auto error = connect_error(target, options_for(server));
    EXPECT_EQ(error.kind, error_kind::host_key);
    EXPECT_NE(error.message.find("CHANGED"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find(server.host_key_fingerprint()), std::string::npos)
        << error.message;
}

TEST_F(ssh_transport_test, strict_accepts_a_hashed_known_hosts_entry) {
    testing::run_tool({"/usr/bin/ssh-keygen", "-q", "-H", "-f", server.known_hosts_path()});
    ASSERT_EQ(read_file(server.known_hosts_path()).rfind("|1|", 0), 0u);
    auto connection = connect_ok(target, options_for(server));
    EXPECT_EQ(connection.run("show version", 10s, not_cancelled).status, router_status::success);
}

TEST_F(ssh_transport_test, accept_new_records_an_unknown_host_then_connects) {
    auto options = options_for(server, host_key_policy::accept_new);
    options.known_hosts = server.file("learned_known_hosts");
    auto connection = connect_ok(target, options);
    EXPECT_EQ(connection.run("show version", 10s, not_cancelled).status, router_status::success);
    // The recorded line has the OpenSSH shape and holds the server's key.
    auto recorded = read_file(options.known_hosts.string());
    auto expected_key = server.host_key_line();
    expected_key = expected_key.substr(0, expected_key.rfind(' '));  // without the comment
    EXPECT_EQ(recorded, expected_key + "\n");

    options.host_keys = host_key_policy::strict;
    connect_ok(target, options);
    EXPECT_EQ(read_file(options.known_hosts.string()), recorded);  // nothing appended twice
}

TEST_F(ssh_transport_test, accept_new_still_refuses_a_changed_host_key) {
    auto before = read_file(server.known_hosts_path());
    server.replace_host_key();
    auto error = connect_error(target, options_for(server, host_key_policy::accept_new));
    EXPECT_EQ(error.kind, error_kind::host_key);
    EXPECT_NE(error.message.find("CHANGED"), std::string::npos) << error.message;
    EXPECT_EQ(read_file(server.known_hosts_path()), before);
}

TEST_F(ssh_transport_test, policy_off_connects_despite_a_changed_host_key) {
    server.replace_host_key();
    auto connection = connect_ok(target, options_for(server, host_key_policy::off));
    EXPECT_EQ(connection.run("show version", 10s, not_cancelled).status, router_status::success);
}

TEST_F(ssh_transport_test, a_stalled_command_times_out_and_keeps_its_partial_output) {
    auto connection = connect_ok(target, options_for(server));
    auto started = std::chrono::steady_clock::now();
    // Generous: on a loaded machine sshd may need seconds before the command prints.
    auto out = connection.run("sleep 30", 8s, not_cancelled);
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_LT(took, 20s);
    EXPECT_EQ(out.status, router_status::failed);
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(out.error->kind, error_kind::timeout);
    EXPECT_NE(out.error->message.find("8000 ms"), std::string::npos) << out.error->message;
    EXPECT_FALSE(out.exit_status.has_value());
    EXPECT_NE(out.output.find('.'), std::string::npos);  // the dots printed before the deadline
    // The session survives a command timeout.
    EXPECT_TRUE(connection.alive());
    EXPECT_EQ(connection.run("show version", 10s, not_cancelled).status, router_status::success);
}

TEST_F(ssh_transport_test, output_beyond_the_cap_is_truncated_and_the_session_stays_usable) {
    auto options = options_for(server);
    options.max_output_bytes = 64 * 1024;
    auto connection = connect_ok(target, options);
    auto out = connection.run("flood 2097152", 30s, not_cancelled);
    EXPECT_EQ(out.status, router_status::success);
    EXPECT_TRUE(out.truncated);
    EXPECT_EQ(out.output.size() + out.stderr_output.size(), options.max_output_bytes);
    EXPECT_EQ(out.output.find_first_not_of('x'), std::string::npos);
    EXPECT_FALSE(out.exit_status.has_value());

    auto small = connection.run("flood 1000", 10s, not_cancelled);
    EXPECT_FALSE(small.truncated);
    EXPECT_EQ(small.output, std::string(1000, 'x'));
    EXPECT_EQ(small.exit_status, 0);
}

TEST_F(ssh_transport_test, output_exactly_at_the_cap_is_not_truncated) {
    auto options = options_for(server);
    options.max_output_bytes = 4096;
    auto connection = connect_ok(target, options);
    auto out = connection.run("flood 4096", 10s, not_cancelled);
    EXPECT_EQ(out.status, router_status::success);
    EXPECT_FALSE(out.truncated);
    EXPECT_EQ(out.output.size(), 4096u);
    EXPECT_EQ(out.exit_status, 0);
}

TEST_F(ssh_transport_test, cancel_from_another_thread_stops_a_running_command) {
    auto connection = connect_ok(target, options_for(server));
    std::atomic<bool> cancelled{false};
    // Whenever the flag flips (before, during or after the exec), the outcome must be
    // cancelled; the delay only makes "during" the likely case.
    std::thread canceller([&] {
        std::this_thread::sleep_for(500ms);
        cancelled = true;
    });
    auto started = std::chrono::steady_clock::now();
    auto out = connection.run("sleep 30", 60s, cancelled);
    auto took = std::chrono::steady_clock::now() - started;
    canceller.join();
    EXPECT_EQ(out.status, router_status::cancelled);
    EXPECT_FALSE(out.exit_status.has_value());
    EXPECT_LT(took, 20s);
}

TEST_F(ssh_transport_test, a_cancel_before_the_command_starts_never_runs_it) {
    auto connection = connect_ok(target, options_for(server));
    const std::atomic<bool> cancelled{true};
    auto out = connection.run("show version", 10s, cancelled);
    EXPECT_EQ(out.status, router_status::cancelled);
    EXPECT_FALSE(out.started);

    auto opened = ssh_connection::open(target, options_for(server), cancelled);
    ASSERT_TRUE(std::holds_alternative<router_error>(opened));
    EXPECT_EQ(std::get<router_error>(opened).message.rfind("cancelled", 0), 0u);
}

// A TCP socket bound to a kernel-chosen loopback port, listening or not; -1 on failure.
int bound_loopback_socket(bool listening, std::uint16_t& port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        (listening && ::listen(fd, 8) != 0) ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        return -1;
    }
    port = ntohs(address.sin_port);
    return fd;
}

device loopback_target(const char* name, std::uint16_t port) {
    device target;
    target.name = name;
    target.ip = "127.0.0.1";
    target.port = port;
    target.username = "root";
    target.password = secret("not-used");
    return target;
}

TEST(ssh_transport_connect, a_closed_port_is_a_connect_error) {
    std::uint16_t port = 0;
    int fd = bound_loopback_socket(false, port);
    ASSERT_GE(fd, 0);
    ::close(fd);  // bound, never listened: nothing accepts on this port now

    device target = loopback_target("closed", port);
    transport_options options;
    options.connect_timeout = 5s;
    options.host_keys = host_key_policy::off;
    auto error = connect_error(target, options);
    EXPECT_EQ(error.kind, error_kind::connect);
    EXPECT_NE(error.message.find("127.0.0.1"), std::string::npos) << error.message;
}

TEST_F(ssh_transport_test, a_connection_dropped_mid_output_is_a_channel_error) {
    auto connection = connect_ok(target, options_for(server));
    auto out = connection.run("drop", 20s, not_cancelled);
    EXPECT_EQ(out.status, router_status::failed);
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(out.error->kind, error_kind::channel) << out.error->message;
    EXPECT_FALSE(out.exit_status.has_value());
    EXPECT_FALSE(connection.alive());
    auto after = connection.run("show version", 10s, not_cancelled);
    ASSERT_TRUE(after.error.has_value());
    EXPECT_EQ(after.error->kind, error_kind::channel);
    EXPECT_FALSE(after.started);
}

TEST(ssh_transport_connect, a_server_that_never_sends_a_banner_times_out) {
    // Listening but never accepting: the kernel completes the TCP handshake, then silence.
    std::uint16_t port = 0;
    int fd = bound_loopback_socket(true, port);
    ASSERT_GE(fd, 0);

    device target = loopback_target("silent", port);
    transport_options options;
    options.connect_timeout = 1500ms;
    options.host_keys = host_key_policy::off;
    auto started = std::chrono::steady_clock::now();
    auto error = connect_error(target, options);
    auto took = std::chrono::steady_clock::now() - started;
    ::close(fd);
    EXPECT_EQ(error.kind, error_kind::timeout);
    EXPECT_NE(error.message.find("1500 ms"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("banner"), std::string::npos) << error.message;
    EXPECT_GE(took, 1500ms);
    EXPECT_LT(took, 20s);
}

TEST_F(ssh_transport_test, an_unauthorised_key_is_an_auth_error) {
    target.private_key_path = server.generate_key("stranger_key");
    auto error = connect_error(target, options_for(server));
    EXPECT_EQ(error.kind, error_kind::auth);
    EXPECT_NE(error.message.find("tried: publickey"), std::string::npos) << error.message;
}

TEST_F(ssh_transport_test, a_missing_or_undecryptable_key_file_is_an_auth_error) {
    target.private_key_path = server.file("no_such_key");
    auto missing = connect_error(target, options_for(server));
    EXPECT_EQ(missing.kind, error_kind::auth);
    EXPECT_NE(missing.message.find("no_such_key"), std::string::npos) << missing.message;

    target.private_key_path = server.generate_key("locked_key", "hunter2-right");
    target.passphrase = secret("hunter2-wrong");
    auto locked = connect_error(target, options_for(server));
    EXPECT_EQ(locked.kind, error_kind::auth);
    EXPECT_NE(locked.message.find("locked_key"), std::string::npos) << locked.message;
    EXPECT_EQ(locked.message.find("hunter2"), std::string::npos) << locked.message;
}

TEST_F(ssh_transport_test, an_encrypted_key_with_its_passphrase_authenticates) {
    std::string key = server.generate_key("passphrase_key", "open sesame");
    std::ofstream(server.file("authorized_keys"), std::ios::app) << read_file(key + ".pub");
    target.private_key_path = key;
    target.passphrase = secret("open sesame");
    auto connection = connect_ok(target, options_for(server));
    EXPECT_EQ(connection.run("show version", 10s, not_cancelled).status, router_status::success);
}

}  // namespace
}  // namespace fanout::daemon
