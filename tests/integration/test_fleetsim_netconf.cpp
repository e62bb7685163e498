// fleetsim's NETCONF from C++ with plain libssh (a test-only client and framing): the host key
// of a netconf-only router checked against fleetsim's known_hosts, the subsystem's hello, a
// chunked <command>, and the counts a session-reuse test reads through fleet::counts() (one
// connection and one NETCONF session for two rpcs on one channel).
#include <gtest/gtest.h>
#include <libssh/libssh.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/fanout_harness.hpp"

namespace fanout::testing {
namespace {

struct ssh_deleter {
    void operator()(ssh_session s) const {
        ssh_disconnect(s);
        ssh_free(s);
    }
};
using session_ptr = std::unique_ptr<ssh_session_struct, ssh_deleter>;

// A netconf channel on a new authenticated session; fails the test on any error.
class netconf_client {
  public:
    netconf_client(const nlohmann::json& entry, const std::string& known_hosts)
        : session_(ssh_new()) {
        const std::string host = entry["ip"], user = entry["username"];
        const int port = entry["port"];
        const int process_config = 0;
        ssh_options_set(session_.get(), SSH_OPTIONS_PROCESS_CONFIG, &process_config);
        ssh_options_set(session_.get(), SSH_OPTIONS_HOST, host.c_str());
        ssh_options_set(session_.get(), SSH_OPTIONS_PORT, &port);
        ssh_options_set(session_.get(), SSH_OPTIONS_USER, user.c_str());
        ssh_options_set(session_.get(), SSH_OPTIONS_KNOWNHOSTS, known_hosts.c_str());
        long timeout_s = 10;
        ssh_options_set(session_.get(), SSH_OPTIONS_TIMEOUT, &timeout_s);
        EXPECT_EQ(ssh_connect(session_.get()), SSH_OK) << ssh_get_error(session_.get());
        EXPECT_EQ(ssh_session_is_known_server(session_.get()), SSH_KNOWN_HOSTS_OK);
        const std::string password = entry["auth"]["password"];
        EXPECT_EQ(ssh_userauth_password(session_.get(), nullptr, password.c_str()),
                  SSH_AUTH_SUCCESS);
        channel_ = ssh_channel_new(session_.get());
        EXPECT_EQ(ssh_channel_open_session(channel_), SSH_OK);
        EXPECT_EQ(ssh_channel_request_subsystem(channel_, "netconf"), SSH_OK);
    }
    ~netconf_client() { ssh_channel_free(channel_); }

    // Everything up to `marker` (dropped), within 10 s.
    std::string until(const std::string& marker) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        std::size_t at;
        while ((at = buffer_.find(marker)) == std::string::npos) {
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << "no " << marker << " in " << buffer_;
                return {};
            }
            char bytes[4096];
            int n = ssh_channel_read_timeout(channel_, bytes, sizeof bytes, 0, 500);
            if (n < 0 || (n == 0 && ssh_channel_is_eof(channel_))) {
                ADD_FAILURE() << "EOF before " << marker;
                return {};
            }
            buffer_.append(bytes, static_cast<std::size_t>(n));
        }
        std::string message = buffer_.substr(0, at);
        buffer_.erase(0, at + marker.size());
        return message;
    }

    void send(const std::string& bytes) {
        EXPECT_EQ(ssh_channel_write(channel_, bytes.data(), bytes.size()),
                  static_cast<int>(bytes.size()));
    }

    // One base:1.1 message in one chunk.
    void send_chunked(const std::string& message) {
        send("\n#" + std::to_string(message.size()) + "\n" + message + "\n##\n");
    }

  private:
    session_ptr session_;
    ssh_channel channel_ = nullptr;
    std::string buffer_;
};

TEST(fleetsim_netconf, a_libssh_client_gets_hello_and_replies_and_the_counts_follow) {
    temp_dir dir;
    fleet routers(dir, 2, {"--netconf-only", "r2"});
    const auto devices = nlohmann::json::parse(std::ifstream(routers.devices_json()));
    ASSERT_EQ(devices["r2"]["transport"], "netconf");
    const fleet_counts before = routers.counts();
    {
        netconf_client client(devices["r2"], routers.known_hosts());
        const std::string hello = client.until("]]>]]>");
        EXPECT_NE(hello.find("urn:ietf:params:netconf:base:1.1"), std::string::npos) << hello;
        EXPECT_NE(hello.find("<session-id>"), std::string::npos) << hello;
        client.send(
            "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities><capability>"
            "urn:ietf:params:netconf:base:1.1</capability></capabilities></hello>]]>]]>");
        for (const char* id : {"101", "102"}) {
            client.send_chunked(std::string("<rpc message-id=\"") + id +
                                "\"><command format=\"text\">show version</command></rpc>");
            const std::string reply = client.until("\n##\n");
            EXPECT_NE(reply.find(std::string("message-id=\"") + id + "\""), std::string::npos);
            EXPECT_NE(reply.find("Hostname: r2\n"), std::string::npos) << reply;
        }
    }
    const fleet_counts after = routers.counts();
    EXPECT_EQ(after.connections - before.connections, 1u);
    EXPECT_EQ(after.netconf_sessions - before.netconf_sessions, 1u);
    EXPECT_EQ(after.netconf_rpcs - before.netconf_rpcs, 2u);
    EXPECT_EQ(routers.connections_accepted(), after.connections);  // the old reader still works
}

}  // namespace
}  // namespace fanout::testing
