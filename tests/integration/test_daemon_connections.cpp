// Connection behaviour end to end against fleetsim: connect retries and what is never retried,
// the per-router session cap across jobs, and per-router SSH algorithm lists reaching libssh.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::error_kind;
using fanout::protocol::job_result;
using fanout::protocol::router_result;
using fanout::protocol::router_status;

namespace {

constexpr double backoff = 2.0;  // --connect-backoff: retry k waits 2^k × [1, 3) s
constexpr int latency_ms = 500;

// r1 healthy; r2 refuses; r3 rejects the password; r4..r7 healthy but with their own "ssh"
// lists in devices.json: r4 and r7 share algorithms with the fleet, r5 and r6 do not.
std::string write_inventory(const temp_dir& dir, const std::string& fleet_devices) {
    nlohmann::json doc;
    std::ifstream(fleet_devices) >> doc;
    doc["r4"]["ssh"] = {{"kex_algorithms", "ecdh-sha2-nistp256"}};
    doc["r5"]["ssh"] = {{"kex_algorithms", "diffie-hellman-group16-sha512"}};  // fleet: no
    doc["r6"]["ssh"] = {{"ciphers", "aes192-ctr"}};                            // fleet: no
    doc["r7"]["ssh"] = {{"ciphers", "aes256-ctr"}, {"macs", "hmac-sha2-512"}};
    auto path = dir.file("devices-ssh.json");
    std::ofstream(path) << doc.dump(2);
    return path;
}

struct setup {
    temp_dir dir;
    fleet routers{dir, 7,
                  args{"--latency-ms", std::to_string(latency_ms), "--fault", "r2=refuse",
                       "--fault", "r3=auth_fail"}};
    std::string inventory = write_inventory(dir, routers.devices_json());
    fanoutd_process daemon{dir, inventory, routers.known_hosts(),
                           args{"--connect-backoff", std::to_string(backoff), "--workers", "16"}};
};

class daemon_connections : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { setup_ = std::make_unique<setup>(); }
    static void TearDownTestSuite() { setup_.reset(); }

    static router_result run_one(const std::string& router) {
        client jobs(setup_->daemon.jobs());
        auto aggregate =
            expect_reply<job_result>(jobs.request(submit_of("", "show version", {router}), 60s));
        return aggregate.results.at(0);
    }

    static inline std::unique_ptr<setup> setup_;
};

}  // namespace

TEST_F(daemon_connections, a_refused_connect_is_retried_twice_with_backoff) {
    auto r = run_one("r2");
    EXPECT_EQ(r.status, router_status::failed);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->kind, error_kind::connect);
    EXPECT_NE(r.error->message.find("(after 3 attempts)"), std::string::npos) << r.error->message;
    // Waits of 2 s and 4 s, each scaled by 0.5-1.5: at least 3 s, at most 9 s, plus connects.
    EXPECT_GE(r.execution_duration, 0.5 * (backoff + 2 * backoff));
    EXPECT_LE(r.execution_duration, 1.5 * (backoff + 2 * backoff) + 5.0);
}

TEST_F(daemon_connections, an_auth_failure_is_not_retried) {
    auto r = run_one("r3");
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->kind, error_kind::auth);
    EXPECT_EQ(r.error->message.find("attempts"), std::string::npos) << r.error->message;
    EXPECT_LT(r.execution_duration, 0.5 * backoff) << "a retry would have waited at least 1 s";
}

TEST_F(daemon_connections, per_router_algorithms_reach_libssh) {
    client jobs(setup_->daemon.jobs());
    auto aggregate = expect_reply<job_result>(
        jobs.request(submit_of("algorithms", "show version", {"r4", "r5", "r6", "r7"}), 60s));
    ASSERT_EQ(aggregate.results.size(), 4u);
    const auto& ecdh = aggregate.results[0];
    EXPECT_EQ(ecdh.status, router_status::success) << (ecdh.error ? ecdh.error->message : "");
    EXPECT_EQ(aggregate.results[3].status, router_status::success)
        << (aggregate.results[3].error ? aggregate.results[3].error->message : "");
    for (const auto* r : {&aggregate.results[1], &aggregate.results[2]}) {
        SCOPED_TRACE(r->router_name);
        EXPECT_EQ(r->status, router_status::failed);
        ASSERT_TRUE(r->error);
        EXPECT_EQ(r->error->kind, error_kind::connect);
        EXPECT_NE(r->error->message.find("no SSH algorithm in common"), std::string::npos)
            << r->error->message;
        EXPECT_EQ(r->error->message.find("attempts"), std::string::npos)
            << "a negotiation failure is not retried: " << r->error->message;
    }
    EXPECT_NE(aggregate.results[1].error->message.find("diffie-hellman-group16-sha512"),
              std::string::npos)
        << "the message shows the lists that did not match";
}

TEST_F(daemon_connections, jobs_on_one_router_take_turns_with_one_session_per_router) {
    constexpr int jobs_count = 5;
    std::vector<std::unique_ptr<client>> clients;
    for (int i = 0; i < jobs_count; ++i) {
        clients.push_back(std::make_unique<client>(setup_->daemon.jobs()));
        clients.back()->send_frames({fanout::protocol::encode_request(
            submit_of("turn-" + std::to_string(i), "show version", {"r1"}))});
    }
    std::vector<router_result> results;
    for (auto& c : clients) {
        auto body = c->receive(60s);
        ASSERT_TRUE(body) << "no job_result in time";
        auto decoded = fanout::protocol::decode_reply(*body);
        ASSERT_EQ(decoded.index(), 0u);
        results.push_back(expect_reply<job_result>(std::get<0>(decoded)).results.at(0));
    }
    // ISO-8601 UTC strings of one format compare like the times they name.
    std::sort(results.begin(), results.end(),
              [](const auto& a, const auto& b) { return a.start_time < b.start_time; });
    for (std::size_t i = 0; i < results.size(); ++i) {
        EXPECT_EQ(results[i].status, router_status::success);
        if (i > 0) {
            EXPECT_GE(results[i].start_time, results[i - 1].end_time)
                << "two sessions on r1 overlapped: " << results[i - 1].job_id << " and "
                << results[i].job_id;
        }
    }
    double total = 0;
    for (const auto& r : results) total += r.execution_duration;
    EXPECT_GE(total, jobs_count * latency_ms / 1000.0);
}

TEST(daemon_connections_startup, an_algorithm_libssh_does_not_know_stops_fanoutd_with_exit_2) {
    temp_dir dir;
    auto path = dir.file("devices.json");
    std::ofstream(path) << R"({"r1": {"ip": "127.0.0.1", "username": "u", "password": "p",
                                      "ssh": {"kex_algorithms": "curve25519-sha256,kex-typo"}}})";
    child_process daemon(
        {FANOUTD_BIN, "--inventory", path, "--known-hosts", dir.file("kh"), "--jobs",
         "ipc://" + dir.file("j"), "--results", "ipc://" + dir.file("r")},
        child_process::capture::stderr_stream);
    auto line = daemon.wait_for_line("invalid inventory", 30s);
    EXPECT_NE(line.find("router 'r1': field 'ssh.kex_algorithms': 'kex-typo'"), std::string::npos)
        << line;
    EXPECT_EQ(daemon.wait(30s), 2);
}

// A second fanoutd on the same ipc:// path is refused, as tcp's "Address already in use" is,
// instead of taking the socket file over and orphaning the first; a stale socket file left by
// a killed fanoutd is no obstacle.
TEST(daemon_connections_startup, a_second_fanoutd_on_a_live_ipc_path_is_refused) {
    temp_dir dir;
    fleet routers(dir, 1);
    fanoutd_process first(dir, routers.devices_json(), routers.known_hosts());
    auto second_on = [&](const std::string& jobs, const std::string& results) {
        return std::make_unique<child_process>(
            std::vector<std::string>{FANOUTD_BIN, "--inventory", routers.devices_json(),
                                     "--known-hosts", routers.known_hosts(), "--jobs", jobs,
                                     "--results", results},
            child_process::capture::stderr_stream);
    };
    auto second = second_on(first.jobs(), "ipc://" + dir.file("other-results.sock"));
    auto line = second->wait_for_line("cannot start", 30s);
    EXPECT_NE(line.find(first.jobs() + " is in use by another process"), std::string::npos) << line;
    EXPECT_EQ(second->wait(30s), 1);
    auto third = second_on("ipc://" + dir.file("other-jobs.sock"), first.results());
    line = third->wait_for_line("cannot start", 30s);
    EXPECT_NE(line.find(first.results() + " is in use by another process"), std::string::npos)
        << line;
    EXPECT_EQ(third->wait(30s), 1);
    // The first one still owns its sockets.
    client jobs(first.jobs());
    expect_reply<fanout::protocol::pong_reply>(jobs.request(fanout::protocol::ping_request{}, 10s));

    // Killed, it leaves its socket files behind: a new fanoutd binds them.
    first.process().stop(SIGKILL);
    auto replacement = second_on(first.jobs(), first.results());
    client again(first.jobs());
    expect_reply<fanout::protocol::pong_reply>(
        again.request(fanout::protocol::ping_request{}, 30s));
}
