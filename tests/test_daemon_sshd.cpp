// fanoutd against Debian's real OpenSSH sshd: a job runs through it, and the strict host key
// policy refuses the server once its host key changes.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/fanout_harness.hpp"
#include "tests/support/sshd_server.hpp"

using namespace fanout::testing;
using fanout::protocol::error_kind;
using fanout::protocol::job_result;
using fanout::protocol::router_status;

namespace {

std::string write_inventory(const temp_dir& dir, const sshd_server& sshd) {
    auto path = dir.file("devices.json");
    std::ofstream(path)
        << R"({"real-sshd": {"ip": "127.0.0.1", "port": )" << sshd.port()
        << R"(, "username": "root", "auth": {"type": "ssh_key", "private_key_path": ")"
        << sshd.client_key_path() << R"("}}})";
    return path;
}

}  // namespace

TEST(daemon_sshd, runs_a_job_through_openssh_then_refuses_a_changed_host_key) {
    sshd_server sshd;
    temp_dir dir;
    fanoutd_process d(dir, write_inventory(dir, sshd), sshd.known_hosts_path(),
                      {"--connect-timeout", "10", "--command-timeout", "20"});
    client jobs(d.jobs());

    fanout::protocol::submit_request s = submit_of("via-openssh", "", {"real-sshd"});
    s.commands = {"show version", "show bogus"};
    s.single_command = false;
    auto first = expect_reply<job_result>(jobs.request(s, 60s));
    ASSERT_EQ(first.results.size(), 2u);
    EXPECT_EQ(first.results[0].status, router_status::success)
        << (first.results[0].error ? first.results[0].error->message : "");
    EXPECT_EQ(first.results[0].exit_status, 0);
    EXPECT_NE(first.results[0].output.find("Junos"), std::string::npos) << first.results[0].output;
    EXPECT_EQ(first.results[1].status, router_status::failed);
    ASSERT_TRUE(first.results[1].error);
    EXPECT_EQ(first.results[1].error->kind, error_kind::exit_status);
    EXPECT_EQ(first.results[1].exit_status, 1);
    EXPECT_FALSE(first.results[1].stderr_output.empty());

    sshd.replace_host_key();
    auto second = expect_reply<job_result>(
        jobs.request(submit_of("after-key-change", "show version", {"real-sshd"}), 60s));
    ASSERT_EQ(second.results.size(), 1u);
    const auto& refused = second.results[0];
    EXPECT_EQ(refused.status, router_status::failed);
    ASSERT_TRUE(refused.error);
    EXPECT_EQ(refused.error->kind, error_kind::host_key);
    EXPECT_NE(refused.error->message.find(sshd.host_key_fingerprint()), std::string::npos)
        << "the message shows the new key's fingerprint: " << refused.error->message;
    EXPECT_TRUE(refused.output.empty()) << "nothing ran on an unverified server";
}

// The costliest key exchanges (8192-bit diffie-hellman) and non-default ciphers and MACs,
// chosen per router in devices.json, reach OpenSSH and run on the workers' small stacks
// (daemon/worker_thread.hpp). Three inventory names for one sshd: they take turns.
TEST(daemon_sshd, per_router_algorithms_work_against_openssh_on_small_worker_stacks) {
    sshd_server sshd;
    temp_dir dir;
    auto path = dir.file("devices.json");
    auto entry = [&](const char* name, const char* ssh) {
        return std::string("\"") + name + R"(": {"ip": "127.0.0.1", "port": )" +
               std::to_string(sshd.port()) +
               R"(, "username": "root", "auth": {"type": "ssh_key", "private_key_path": ")" +
               sshd.client_key_path() + R"("}, "ssh": )" + ssh + "}";
    };
    std::ofstream(path) << "{"
                        << entry("dh18", R"({"kex_algorithms": "diffie-hellman-group18-sha512"})")
                        << ","
                        << entry("dh16", R"({"kex_algorithms": "diffie-hellman-group16-sha512",
                                             "ciphers": "aes256-ctr", "macs": "hmac-sha2-512"})")
                        << "," << entry("gcm", R"({"ciphers": "aes128-gcm@openssh.com",
                                            "macs": "hmac-sha2-256-etm@openssh.com"})")
                        << "}";
    fanoutd_process d(dir, path, sshd.known_hosts_path(),
                      {"--connect-timeout", "20", "--command-timeout", "20"});
    client jobs(d.jobs());
    auto result = expect_reply<job_result>(
        jobs.request(submit_of("algorithms", "show version", {"dh18", "dh16", "gcm"}), 120s));
    ASSERT_EQ(result.results.size(), 3u);
    for (const auto& r : result.results) {
        EXPECT_EQ(r.status, router_status::success)
            << r.router_name << ": " << (r.error ? r.error->message : "");
        EXPECT_NE(r.output.find("Junos"), std::string::npos) << r.router_name;
    }
}
