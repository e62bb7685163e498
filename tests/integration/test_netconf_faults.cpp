// The NETCONF session's fault handling, against a scripted `netconf` subsystem on Debian's sshd:
// no hello, a hang in an RPC, a bad chunk header, a chunk announcing more bytes than arrive, a
// reply to another message-id, an oversized reply, a warning beside a good reply. Each fault
// gives the documented result, and a session left out of step is never alive() again.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>

#include "daemon/ssh/transport.hpp"
#include "tests/support/open_connection.hpp"
#include "tests/support/sshd_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace fanout::daemon {
namespace {

using namespace std::chrono_literals;
using protocol::error_kind;
using protocol::router_error;
using protocol::router_status;

const std::atomic<bool> not_cancelled{false};

// A base:1.1 server: its hello, then it reads up to our first chunk header ('#': the client
// hello has none) and does `fault`; `cat` then holds the channel open until we close it.
constexpr const char* script_head = R"sh(
printf '%s]]>]]>' '<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities><session-id>7</session-id></hello>'
IFS= read -r -d '#' _
)sh";

// `body` as one chunked message.
std::string chunk(const std::string& body) {
    return "printf '\\n#%d\\n%s\\n##\\n' " + std::to_string(body.size()) + " '" + body + "'\n";
}

const std::string reply_ok_1 =
    R"(<rpc-reply message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">)"
    R"(<output>up 3 days</output></rpc-reply>)";

class netconf_fault_test : public ::testing::Test {
  protected:
    // sshd runs the script written by serve() as its netconf subsystem.
    void serve(const std::string& fault, bool hello = true) {
        std::ofstream(scripts.file("netconf-fault.sh"))
            << (hello ? script_head : "") << fault << "\ncat >/dev/null\n";
    }
    device target() const {
        return testing::sshd_device(server, "fake", server.client_key_path(),
                                    transport_kind::netconf);
    }
    std::variant<ssh_connection, router_error> open(std::size_t max_output = 8u << 20) {
        transport_options options;
        options.connect_timeout = 2s;
        options.known_hosts = server.known_hosts_path();
        options.max_output_bytes = max_output;
        return ssh_connection::open(target(), options, not_cancelled);
    }
    ssh_connection open_ok(std::size_t max_output = 8u << 20) {
        auto opened = open(max_output);
        if (auto* error = std::get_if<router_error>(&opened))
            throw std::runtime_error("open failed: " + error->message);
        return std::move(std::get<ssh_connection>(opened));
    }

    testing::temp_dir scripts;
    testing::sshd_server server{
        {"Subsystem netconf /bin/bash " + scripts.file("netconf-fault.sh")}};
};

TEST_F(netconf_fault_test, a_good_reply_is_the_output_and_the_session_stays) {
    serve(chunk(reply_ok_1));
    auto connection = open_ok();
    auto out = connection.run("show system uptime", 5s, not_cancelled);
    EXPECT_EQ(out.status, router_status::success);
    EXPECT_EQ(out.output, "up 3 days");
    EXPECT_TRUE(connection.alive());
}

TEST_F(netconf_fault_test, no_hello_is_a_connect_timeout) {
    serve("", false);
    auto opened = open();
    ASSERT_TRUE(std::holds_alternative<router_error>(opened));
    const auto& error = std::get<router_error>(opened);
    EXPECT_EQ(error.kind, error_kind::timeout);
    EXPECT_NE(error.message.find("NETCONF hello"), std::string::npos) << error.message;
}

TEST_F(netconf_fault_test, a_hang_in_an_rpc_times_out_and_ends_the_session) {
    serve("");
    auto connection = open_ok();
    auto started = std::chrono::steady_clock::now();
    auto out = connection.run("show version", 1s, not_cancelled);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    EXPECT_EQ(out.status, router_status::failed);
    ASSERT_TRUE(out.error);
    EXPECT_EQ(out.error->kind, error_kind::timeout);
    EXPECT_EQ(out.error->message, "command timed out after 1000 ms waiting for the rpc-reply");
    EXPECT_TRUE(out.started);
    EXPECT_FALSE(connection.alive());
}

TEST_F(netconf_fault_test, a_cancel_in_an_rpc_is_cancelled_and_ends_the_session) {
    serve("");
    auto connection = open_ok();
    const std::atomic<bool> cancelled{true};
    auto out = connection.run("show version", 5s, cancelled);
    EXPECT_EQ(out.status, router_status::cancelled);
    EXPECT_FALSE(connection.alive());
}

TEST_F(netconf_fault_test, a_bad_chunk_header_is_a_channel_error) {
    serve("printf '\\n#12x\\n'\n");
    auto connection = open_ok();
    auto out = connection.run("show version", 5s, not_cancelled);
    EXPECT_EQ(out.status, router_status::failed);
    ASSERT_TRUE(out.error);
    EXPECT_EQ(out.error->kind, error_kind::channel);
    EXPECT_NE(out.error->message.find("broken NETCONF frame"), std::string::npos)
        << out.error->message;
    EXPECT_FALSE(connection.alive());
}

TEST_F(netconf_fault_test, a_chunk_announcing_more_than_arrives_times_out) {
    serve("printf '\\n#5000\\n<rpc-reply message-id=\"1\">'\n");
    auto connection = open_ok();
    auto out = connection.run("show version", 1s, not_cancelled);
    ASSERT_TRUE(out.error);
    EXPECT_EQ(out.error->kind, error_kind::timeout);
    EXPECT_FALSE(connection.alive());
}

TEST_F(netconf_fault_test, a_reply_to_another_message_id_is_a_channel_error) {
    serve(chunk(R"(<rpc-reply message-id="99" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">)"
                R"(<ok/></rpc-reply>)"));
    auto connection = open_ok();
    auto out = connection.run("show version", 5s, not_cancelled);
    ASSERT_TRUE(out.error);
    EXPECT_EQ(out.error->kind, error_kind::channel);
    EXPECT_FALSE(connection.alive());
}

TEST_F(netconf_fault_test, an_oversized_reply_is_truncated_at_the_cap_and_ends_the_session) {
    // 2 x 1024 + 64 KiB of raw reply is the most the session reads for a cap of 1024.
    serve("printf '\\n#200000\\n'; head -c 200000 /dev/zero | tr '\\0' x\n");
    auto connection = open_ok(1024);
    auto out = connection.run("show version", 5s, not_cancelled);
    EXPECT_EQ(out.status, router_status::success);
    EXPECT_TRUE(out.truncated);
    EXPECT_EQ(out.output.size(), 1024u);
    EXPECT_EQ(out.output.rfind("\n#200000\nxxx", 0), 0u);
    EXPECT_FALSE(connection.alive());
}

TEST_F(netconf_fault_test, a_chunk_larger_than_the_decoder_holds_is_still_cut_at_the_cap) {
    // One chunk over the decoder's own limit (at least 1 MiB, for hellos): refused at its
    // header, and still the output is the reply's first max_output_bytes raw bytes.
    serve("printf '\\n#3000000\\n'; head -c 3000000 /dev/zero | tr '\\0' x\n");
    auto connection = open_ok(1024);
    auto out = connection.run("show version", 5s, not_cancelled);
    EXPECT_EQ(out.status, router_status::success) << (out.error ? out.error->message : "");
    EXPECT_TRUE(out.truncated);
    EXPECT_EQ(out.output.size(), 1024u);
    EXPECT_EQ(out.output.rfind("\n#3000000\nxxx", 0), 0u);
    EXPECT_FALSE(connection.alive());
}

TEST_F(netconf_fault_test, a_warning_beside_the_output_is_success) {
    serve(chunk(R"(<rpc-reply message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">)"
                R"(<rpc-error><error-severity>warning</error-severity><error-message>)"
                R"(statement not found</error-message></rpc-error><output>ok text</output>)"
                R"(</rpc-reply>)"));
    auto connection = open_ok();
    auto out = connection.run("show version", 5s, not_cancelled);
    EXPECT_EQ(out.status, router_status::success);
    EXPECT_EQ(out.output, "ok text");
    EXPECT_TRUE(connection.alive());
}

}  // namespace
}  // namespace fanout::daemon
