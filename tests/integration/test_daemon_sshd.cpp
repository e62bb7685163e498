// fanoutd against Debian's real OpenSSH sshd: a job runs through it, and the strict host key
// policy refuses the server once its host key changes.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

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
    // No session reuse: the connection made before the key change would outlive the old sshd
    // (its per-connection process keeps running) and keep serving with the key it verified.
    fanoutd_process d(
        dir, write_inventory(dir, sshd), sshd.known_hosts_path(),
        {"--connect-timeout", "10", "--command-timeout", "20", "--session-idle", "0"});
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
// (daemon/workers/worker_thread.hpp). Three inventory names for one sshd: they take turns.
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

namespace {

job_result run_on_sshd(client& jobs, const std::string& id, std::vector<std::string> commands) {
    auto s = submit_of(id, "", {"real-sshd"}, true, 20.0);
    s.commands = std::move(commands);
    s.single_command = s.commands.size() == 1;
    return expect_reply<job_result>(jobs.request(s, 60s));
}

void expect_success(const job_result& result) {
    for (const auto& r : result.results)
        EXPECT_EQ(r.status, router_status::success)
            << result.job_id << ": " << (r.error ? r.error->message : std::string());
}

// Distinct client ports in the order their first command arrived.
std::vector<std::string> connections_of(const sshd_server& sshd) {
    std::vector<std::string> ports;
    for (const auto& record : sshd.commands_run())
        if (ports.empty() || ports.back() != record.client_port)
            ports.push_back(record.client_port);
    return ports;
}

}  // namespace

TEST(daemon_sshd_sessions, two_jobs_in_a_row_share_one_connection_kept_alive_by_keepalives) {
    sshd_server sshd;
    temp_dir dir;
    fanoutd_process d(dir, write_inventory(dir, sshd), sshd.known_hosts_path(),
                      {"--session-keepalive", "0.2"});
    client jobs(d.jobs());
    expect_success(run_on_sshd(jobs, "one", {"show version", "show system uptime"}));
    // Several keepalive rounds on the idle session; OpenSSH must answer them and keep it.
    std::this_thread::sleep_for(1s);
    expect_success(run_on_sshd(jobs, "two", {"show version"}));
    auto f = session_figures_of(jobs);
    EXPECT_EQ(f.misses, 1u);
    EXPECT_EQ(f.hits, 1u);
    EXPECT_EQ(f.dropped, 0u);
    EXPECT_EQ(sshd.commands_run().size(), 3u);
    EXPECT_EQ(connections_of(sshd).size(), 1u) << "all three commands on one TCP connection";
}

TEST(daemon_sshd_sessions, a_pooled_connection_that_died_is_replaced_transparently) {
    sshd_server sshd;
    temp_dir dir;
    fanoutd_process d(dir, write_inventory(dir, sshd), sshd.known_hosts_path(),
                      {"--session-keepalive", "0"});
    client jobs(d.jobs());
    expect_success(run_on_sshd(jobs, "before", {"show version"}));
    ASSERT_GT(sshd.drop_connections(), 0);
    auto after = run_on_sshd(jobs, "after", {"show version", "show system uptime"});
    expect_success(after);
    auto f = session_figures_of(jobs);
    EXPECT_EQ(f.misses, 2u);
    EXPECT_EQ(f.dropped, 1u);
    EXPECT_EQ(sshd.commands_run().size(), 3u) << "nothing ran twice";
    EXPECT_EQ(connections_of(sshd).size(), 2u);
}

TEST(daemon_sshd_sessions, keepalives_find_a_dead_idle_connection) {
    sshd_server sshd;
    temp_dir dir;
    fanoutd_process d(dir, write_inventory(dir, sshd), sshd.known_hosts_path(),
                      {"--session-keepalive", "0.2"});
    client jobs(d.jobs());
    expect_success(run_on_sshd(jobs, "before", {"show version"}));
    ASSERT_EQ(session_figures_of(jobs).idle, 1u);
    ASSERT_GT(sshd.drop_connections(), 0);
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (session_figures_of(jobs).open > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    auto f = session_figures_of(jobs);
    EXPECT_EQ(f.open, 0u) << "the reaper closed it without any job touching it";
    EXPECT_EQ(f.dropped, 1u);
    expect_success(run_on_sshd(jobs, "after", {"show version"}));
}

TEST(daemon_sshd_sessions, a_command_whose_connection_dropped_is_never_run_again) {
    sshd_server sshd;
    temp_dir dir;
    fanoutd_process d(dir, write_inventory(dir, sshd), sshd.known_hosts_path());
    client jobs(d.jobs());
    expect_success(run_on_sshd(jobs, "warm", {"show version"}));
    auto dropped = run_on_sshd(jobs, "drop", {"drop", "show version"});
    ASSERT_EQ(dropped.results.size(), 2u);
    EXPECT_EQ(dropped.results[0].status, router_status::failed);
    ASSERT_TRUE(dropped.results[0].error);
    EXPECT_EQ(dropped.results[0].error->kind, error_kind::channel);
    EXPECT_EQ(dropped.results[1].status, router_status::success) << "on a fresh connection";
    int drops = 0;
    for (const auto& record : sshd.commands_run()) drops += record.command == "drop";
    EXPECT_EQ(drops, 1);
    expect_success(run_on_sshd(jobs, "later", {"show version"}));
}

TEST(daemon_sshd_sessions, max_sessions_one_still_serves_every_command) {
    sshd_server sshd({"MaxSessions 1"});
    temp_dir dir;
    fanoutd_process d(dir, write_inventory(dir, sshd), sshd.known_hosts_path());
    client jobs(d.jobs());
    for (int i = 0; i < 3; ++i)
        expect_success(run_on_sshd(jobs, "job" + std::to_string(i),
                                   {"show version", "show system uptime", "show version"}));
    EXPECT_EQ(sshd.commands_run().size(), 9u) << "each command ran exactly once";
    auto f = session_figures_of(jobs);
    // sshd still counts the previous channel when the next open arrives right after it, so
    // it refuses some channels; how many depends on timing. Each refusal costs one fresh
    // connection, which the daemon's figures and sshd's view agree on.
    EXPECT_EQ(connections_of(sshd).size(), f.misses);
    EXPECT_EQ(f.open, 1u);
    EXPECT_EQ(f.misses - f.dropped, 1u);
}

TEST(daemon_sshd_sessions, a_session_where_a_command_timed_out_is_not_reused) {
    sshd_server sshd;
    temp_dir dir;
    fanoutd_process d(dir, write_inventory(dir, sshd), sshd.known_hosts_path());
    client jobs(d.jobs());
    auto s = submit_of("stalls", "", {"real-sshd"}, true, 5.0);
    s.commands = {"sleep 60", "show version"};
    s.single_command = false;
    auto stalled = expect_reply<job_result>(jobs.request(s, 60s));
    ASSERT_EQ(stalled.results.size(), 2u);
    EXPECT_EQ(stalled.results[0].status, router_status::failed);
    ASSERT_EQ(stalled.results[1].status, router_status::success)
        << "same session, next channel: "
        << (stalled.results[1].error ? stalled.results[1].error->message : "");
    EXPECT_EQ(session_figures_of(jobs).open, 0u) << "a timed-out channel may still be streaming";
    expect_success(run_on_sshd(jobs, "next", {"show version"}));
    auto f = session_figures_of(jobs);
    EXPECT_EQ(f.hits, 0u);
    EXPECT_EQ(f.misses, 2u);
}
