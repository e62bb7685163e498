// The NETCONF transport against a server we did not write: Debian's netconfd (yuma123) as
// OpenSSH's `Subsystem netconf` (tests/support/netconfd_server). Hello and base:1.1 framing,
// <get-config>, <rpc-error> for Junos's <command> and for an unknown RPC, <close-session/>,
// the output cap, and a fanoutd job whose inventory says "transport": "netconf".
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include "daemon/ssh/transport.hpp"
#include "tests/support/fanout_harness.hpp"
#include "tests/support/netconfd_server.hpp"
#include "tests/support/open_connection.hpp"

namespace fanout::daemon {
namespace {

using namespace std::chrono_literals;
using protocol::error_kind;
using protocol::router_error;
using protocol::router_status;
using testing::netconfd_server;

using testing::connect_ok;
using testing::message_of;
using testing::not_cancelled;
const std::string get_config = "<get-config><source><running/></source></get-config>";

device netconf_device(netconfd_server& server) {
    return testing::sshd_device(server.sshd(), "netconfd", server.sshd().client_key_path(),
                                transport_kind::netconf);
}

transport_options options_for(netconfd_server& server) {
    transport_options options;
    options.connect_timeout = 10s;
    options.known_hosts = server.sshd().known_hosts_path();
    options.host_keys = host_key_policy::strict;
    return options;
}

// A connection whose hello netconfd has taken, so that its first RPC is answered whatever the
// timing: session `id` (netconfd numbers its sessions from 1) on a gated server. See
// netconfd_server::wait_until_active.
ssh_connection connect_active(netconfd_server& server, const device& target,
                              const transport_options& options, int id) {
    auto connection = connect_ok(target, options);
    server.wait_until_active(id);
    return connection;
}

// The netconfd log line containing `needle`: among those read already, else the next one.
std::string logged(netconfd_server& server, const std::string& needle) {
    for (const auto& line : server.log_lines())
        if (line.find(needle) != std::string::npos) return line;
    return server.wait_for_log(needle);
}

// Asks netconfd, over `other`, for its sessions (ietf-netconf-monitoring) until session `id` is
// no longer among them: each round is an RPC round trip. Fails, saying what it last saw, if it
// stays for 10 s or the question fails.
::testing::AssertionResult session_ended(ssh_connection& other, int id) {
    const std::string sessions =
        "<get><filter type=\"subtree\"><netconf-state "
        "xmlns=\"urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring\"><sessions/>"
        "</netconf-state></filter></get>";
    const std::string listed = "<session-id>" + std::to_string(id) + "</session-id>";
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
        auto out = other.run_operation(sessions, 10s, not_cancelled);
        if (out.status != router_status::success)
            return ::testing::AssertionFailure() << "asking for the sessions: " << message_of(out);
        if (out.output.find(listed) == std::string::npos) return ::testing::AssertionSuccess();
        last = std::move(out.output);
    }
    return ::testing::AssertionFailure()
           << "session " << id << " still listed after 10 s: " << last;
}

class netconf_transport_test : public ::testing::Test {
  protected:
    netconfd_server server{/*gated=*/true};
    device target = netconf_device(server);
};

TEST_F(netconf_transport_test, hello_negotiates_base_1_1_and_get_config_returns_data) {
    auto connection = connect_active(server, target, options_for(server), 1);
    EXPECT_EQ(connection.transport(), transport_kind::netconf);

    auto out = connection.run_operation(get_config, 10s, not_cancelled);
    ASSERT_EQ(out.status, router_status::success) << message_of(out);
    EXPECT_TRUE(out.started);
    EXPECT_FALSE(out.truncated);
    EXPECT_FALSE(out.exit_status.has_value());
    // --no-startup: an empty running configuration but for netconfd's access control.
    EXPECT_EQ(out.output.rfind("<data", 0), 0u) << out.output;
    EXPECT_NE(out.output.find("urn:ietf:params:xml:ns:yang:ietf-netconf-acm"), std::string::npos)
        << out.output;
    EXPECT_TRUE(connection.alive());
    EXPECT_TRUE(connection.usable());
    EXPECT_EQ(server.subsystem_sessions(), 1u);

    // netconfd logs the framing both sides agreed on once the hellos are exchanged; a second
    // session's messages complete that line (see netconfd_server.hpp).
    auto second = connect_active(server, target, options_for(server), 2);
    EXPECT_NE(logged(server, "Session 1 for root@127.0.0.1 now active").find("(base:1.1)"),
              std::string::npos);
}

TEST_F(netconf_transport_test, junos_command_gets_the_servers_rpc_error_and_the_session_stays) {
    auto connection = connect_active(server, target, options_for(server), 1);
    auto out = connection.run("show version", 10s, not_cancelled);
    EXPECT_EQ(out.status, router_status::failed);
    ASSERT_TRUE(out.error);
    EXPECT_EQ(out.error->kind, error_kind::rpc_error);
    // netconfd does not know Junos's <command>: unknown-element, "definition not found".
    EXPECT_EQ(out.error->message, "unknown-element: definition not found");
    EXPECT_TRUE(out.started);
    EXPECT_TRUE(out.output.empty()) << out.output;

    // The reply was whole, so the session is still in step: the next RPC works on it.
    ASSERT_TRUE(connection.alive());
    auto next = connection.run_operation(get_config, 10s, not_cancelled);
    EXPECT_EQ(next.status, router_status::success) << message_of(next);
    EXPECT_EQ(server.subsystem_sessions(), 1u);
}

TEST_F(netconf_transport_test, an_unknown_rpc_is_an_rpc_error) {
    auto connection = connect_active(server, target, options_for(server), 1);
    auto out =
        connection.run_operation("<frobnicate xmlns=\"urn:example:fanout\"/>", 10s, not_cancelled);
    EXPECT_EQ(out.status, router_status::failed);
    ASSERT_TRUE(out.error) << "netconfd answered " << out.output;
    EXPECT_EQ(out.error->kind, error_kind::rpc_error);
    EXPECT_NE(out.error->message.find("unknown-"), std::string::npos) << out.error->message;
    EXPECT_TRUE(connection.alive());
}

TEST_F(netconf_transport_test, close_session_is_answered_ok_and_ends_the_session) {
    auto connection = connect_active(server, target, options_for(server), 1);
    auto out = connection.run_operation("<close-session/>", 10s, not_cancelled);
    ASSERT_EQ(out.status, router_status::success) << message_of(out);
    EXPECT_TRUE(out.output.empty()) << "an <ok/> carries no text: " << out.output;
    auto other = connect_active(server, target, options_for(server), 2);
    ASSERT_TRUE(session_ended(other, 1));
    // The server closed the channel: the next command cannot be sent, and says so.
    auto after = connection.run_operation(get_config, 10s, not_cancelled);
    EXPECT_EQ(after.status, router_status::failed);
    ASSERT_TRUE(after.error);
    EXPECT_EQ(after.error->kind, error_kind::channel) << after.error->message;
    EXPECT_FALSE(connection.alive());
}

TEST_F(netconf_transport_test, closing_a_connection_sends_close_session) {
    {
        auto connection = connect_active(server, target, options_for(server), 1);
        auto out = connection.run_operation(get_config, 10s, not_cancelled);
        ASSERT_EQ(out.status, router_status::success) << message_of(out);
    }  // the destructor sends <close-session/> and does not wait
    {
        auto other = connect_active(server, target, options_for(server), 2);
        ASSERT_TRUE(session_ended(other, 1));
    }  // session 2's messages complete session 1's last line
    logged(server, "Session 1 closed");
    // A session whose transport goes before a <close-session/> is "shut by remote peer". (With
    // the <close-session/> received, netconfd may still log an I/O failure: its <ok/> finds
    // the connection gone, since we do not wait for it.)
    for (const auto& line : server.log_lines()) {
        EXPECT_EQ(line.find("session 1 shut by remote peer"), std::string::npos) << line;
    }
}

TEST_F(netconf_transport_test, output_over_the_cap_is_truncated) {
    auto options = options_for(server);
    options.max_output_bytes = 64;
    auto connection = connect_active(server, target, options, 1);
    auto out = connection.run_operation(get_config, 10s, not_cancelled);
    EXPECT_EQ(out.status, router_status::success) << message_of(out);
    EXPECT_TRUE(out.truncated);
    EXPECT_EQ(out.output.size(), 64u);
}

TEST_F(netconf_transport_test, an_exec_device_on_the_same_sshd_still_runs_exec) {
    auto exec_target = target;
    exec_target.transport = transport_kind::ssh;
    auto connection = connect_ok(exec_target, options_for(server));
    EXPECT_EQ(connection.transport(), transport_kind::ssh);
    auto out = connection.run("show version", 10s, not_cancelled);
    EXPECT_EQ(out.status, router_status::success) << message_of(out);
    EXPECT_NE(out.output.find("Junos"), std::string::npos);
    auto operation = connection.run_operation(get_config, 10s, not_cancelled);
    EXPECT_EQ(operation.status, router_status::failed);
    EXPECT_FALSE(operation.started);
    EXPECT_EQ(server.subsystem_sessions(), 0u);
}

}  // namespace
}  // namespace fanout::daemon

// fanoutd end to end: the inventory picks the transport per router, results say which ran.
namespace {

using namespace fanout::testing;
using fanout::protocol::error_kind;
using fanout::protocol::job_result;
using fanout::protocol::router_status;

std::string write_inventory(const temp_dir& dir, netconfd_server& server) {
    auto path = dir.file("devices.json");
    auto entry = [&](const char* name, const char* extra) {
        return std::string("\"") + name + R"(": {"ip": "127.0.0.1", "port": )" +
               std::to_string(server.port()) +
               R"(, "username": "root", "auth": {"type": "ssh_key", "private_key_path": ")" +
               server.sshd().client_key_path() + "\"}" + extra + "}";
    };
    std::ofstream(path) << "{" << entry("nc", R"(, "transport": "netconf")") << ","
                        << entry("exec", "") << "}";
    return path;
}

TEST(daemon_netconf, a_netconf_router_fails_with_the_rpc_error_and_an_exec_router_runs) {
    netconfd_server server;
    temp_dir dir;
    fanoutd_process d(dir, write_inventory(dir, server), server.sshd().known_hosts_path(),
                      {"--connect-timeout", "10", "--command-timeout", "20"});
    client jobs(d.jobs());

    for (const char* id : {"netconf-1", "netconf-2"}) {
        auto result = expect_reply<job_result>(
            jobs.request(submit_of(id, "show version", {"nc", "exec"}), 60s));
        ASSERT_EQ(result.results.size(), 2u);
        const auto& nc =
            result.results[0].router_name == "nc" ? result.results[0] : result.results[1];
        const auto& exec =
            result.results[0].router_name == "nc" ? result.results[1] : result.results[0];
        EXPECT_EQ(nc.status, router_status::failed) << id;
        ASSERT_TRUE(nc.error) << id;
        EXPECT_EQ(nc.error->kind, error_kind::rpc_error) << id;
        EXPECT_EQ(nc.error->message, "unknown-element: definition not found") << id;
        EXPECT_EQ(nc.transport, "netconf") << id;
        EXPECT_FALSE(nc.exit_status.has_value());
        EXPECT_EQ(exec.status, router_status::success)
            << id << ": " << (exec.error ? exec.error->message : "");
        EXPECT_NE(exec.output.find("Junos"), std::string::npos) << id;
        EXPECT_EQ(exec.transport, "ssh") << id;
    }
    // An <rpc-error> leaves the session in step: the second job reused the pooled one.
    EXPECT_EQ(server.subsystem_sessions(), 1u);
}

}  // namespace
