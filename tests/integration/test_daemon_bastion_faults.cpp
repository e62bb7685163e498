// Bastion faults (issue 12), with Debian's OpenSSH sshd as the bastion: a bastion that is
// down, silent, refuses our key or shows a changed host key fails every router behind it at
// once, with the right kind and a message naming the bastion, in far less than one connect
// timeout per router; a bastion session killed mid-job fails only the routers whose commands
// were in flight, runs nothing twice, and the next job gets a new bastion session.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>

#include "tests/support/bastion_setup.hpp"
#include "tests/support/fanout_harness.hpp"
#include "tests/support/loopback_port.hpp"
#include "tests/support/sshd_server.hpp"
#include "tests/support/temp_dir.hpp"

using namespace fanout::testing;
using fanout::protocol::error_kind;
using fanout::protocol::job_result;
using fanout::protocol::pong_reply;
using fanout::protocol::router_status;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Every result failed with `kind`, naming the bastion and not the router.
void expect_all_failed(const job_result& r, error_kind kind, const std::string& bastion) {
    for (const auto& x : r.results) {
        EXPECT_EQ(x.status, router_status::failed) << x.router_name;
        ASSERT_TRUE(x.error) << x.router_name;
        EXPECT_EQ(x.error->kind, kind) << x.router_name << ": " << x.error->message;
        EXPECT_NE(x.error->message.find("bastion " + bastion), std::string::npos)
            << x.error->message;
        EXPECT_EQ(x.error->message.find(x.router_name + ":"), std::string::npos)
            << x.error->message;
    }
}

// A fresh ed25519 key pair in `dir` (no bastion knows it); returns the private key's path.
std::string new_key(const temp_dir& dir) {
    run_tool({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.file("id")});
    return dir.file("id");
}

// A loopback listener that never accepts: TCP connects, and then nothing ever answers.
struct silent_listener {
    int fd = -1;
    std::uint16_t port = 0;
    silent_listener() {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 128) != 0)
            throw std::runtime_error("cannot listen");
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~silent_listener() { ::close(fd); }
};

// 50 fleetsim routers behind bastion "jump1" at `port` with `key`; fanoutd with `args`.
struct behind_bastion {
    behind_bastion(std::uint16_t port, const std::string& key, const std::string& bastion_hosts,
                   std::vector<std::string> args)
        : routers(dir, 50),
          daemon(dir,
                 routers_behind(routers.devices_json(), {"jump1"},
                                {{"jump1", "127.0.0.1", port, key}}, dir.file("behind.json")),
                 merged_known_hosts({routers.known_hosts(), bastion_hosts},
                                    dir.file("known_hosts.all")),
                 std::move(args)) {}
    job_result run(const std::string& id, std::chrono::milliseconds timeout = 120s) {
        client jobs(daemon.jobs());
        return expect_reply<job_result>(
            jobs.request(submit_of(id, "show version", router_names(1, 50)), timeout));
    }
    temp_dir dir;
    fleet routers;
    fanoutd_process daemon;
};

}  // namespace

TEST(daemon_bastion_faults, a_bastion_that_is_down_fails_every_router_at_once) {
    temp_dir keys;
    const std::string no_hosts = keys.file("empty_known_hosts");
    std::ofstream(no_hosts) << "";
    const loopback_socket down(
        /*listening=*/false);  // bound, never listening: refused, and no one else's port
    behind_bastion setup(down.port(), new_key(keys), no_hosts, {"--connect-timeout", "5"});
    auto start = std::chrono::steady_clock::now();
    auto result = setup.run("bastion-down");
    std::printf("bastion down: 50 routers failed in %.2f s\n", seconds_since(start));
    ASSERT_EQ(result.results.size(), 50u);
    expect_all_failed(result, error_kind::connect, "jump1");
    EXPECT_LT(seconds_since(start), 30.0);  // 50 x --connect-timeout would be 250 s
    EXPECT_EQ(setup.routers.connections_accepted(), 0u);
}

TEST(daemon_bastion_faults, a_silent_bastion_costs_one_connect_timeout_not_one_per_router) {
    silent_listener silent;
    temp_dir keys;
    const std::string no_hosts = keys.file("empty_known_hosts");
    std::ofstream(no_hosts) << "";
    behind_bastion setup(silent.port, new_key(keys), no_hosts,
                         {"--connect-timeout", "2", "--connect-retries", "0"});
    auto start = std::chrono::steady_clock::now();
    auto result = setup.run("bastion-silent");
    const double took = seconds_since(start);
    std::printf("silent bastion: 50 routers failed in %.2f s (connect timeout 2 s)\n", took);
    ASSERT_EQ(result.results.size(), 50u);
    expect_all_failed(result, error_kind::timeout, "jump1");
    EXPECT_LT(took, 20.0);  // one timeout, shared; 50 x 2 s would be 100 s
    client jobs(setup.daemon.jobs());
    auto pong = expect_reply<pong_reply>(jobs.request(fanout::protocol::ping_request{}));
    ASSERT_TRUE(pong.bastions);
    EXPECT_EQ(pong.bastions->failed, 1u) << "single flight: one open for all 50 routers";
    EXPECT_GE(pong.bastions->memo_failures, 1u);
}

TEST(daemon_bastion_faults, a_bastion_refusing_our_key_fails_with_auth) {
    sshd_server bastion(bastion_sshd_config());
    behind_bastion setup(bastion.port(), bastion.generate_key("stranger"),
                         bastion.known_hosts_path(), {});
    auto start = std::chrono::steady_clock::now();
    auto result = setup.run("bastion-auth");
    std::printf("bastion refusing auth: 50 routers failed in %.2f s\n", seconds_since(start));
    ASSERT_EQ(result.results.size(), 50u);
    expect_all_failed(result, error_kind::auth, "jump1");
    EXPECT_EQ(setup.routers.connections_accepted(), 0u);
}

TEST(daemon_bastion_faults, a_bastion_with_a_changed_host_key_fails_with_host_key) {
    sshd_server bastion(bastion_sshd_config());
    bastion.replace_host_key();  // the known_hosts file keeps the old key
    behind_bastion setup(bastion.port(), bastion.client_key_path(), bastion.known_hosts_path(), {});
    auto start = std::chrono::steady_clock::now();
    auto result = setup.run("bastion-key");
    std::printf("bastion with a changed key: 50 routers failed in %.2f s\n", seconds_since(start));
    ASSERT_EQ(result.results.size(), 50u);
    expect_all_failed(result, error_kind::host_key, "jump1");
    EXPECT_EQ(bastion.logins(), 0u) << "no credentials offered to an unverified bastion";
}

namespace {

// N routers on a second sshd (its ForceCommand logs every command, so a test can see that
// none ran twice), all behind an sshd bastion `jump1`, and a fanoutd with `flags`.
struct routers_behind_sshd_bastion {
    sshd_server bastion{bastion_sshd_config()};
    sshd_server router;
    temp_dir dir;
    std::optional<fanoutd_process> daemon;

    routers_behind_sshd_bastion(int routers, std::vector<std::string> flags) {
        std::string entries = "{";
        for (int i = 1; i <= routers; ++i)
            entries +=
                std::string(i > 1 ? "," : "") + "\"r" + std::to_string(i) +
                R"(": {"ip": "127.0.0.1", "port": )" + std::to_string(router.port()) +
                R"(, "username": "root", "auth": {"type": "ssh_key", "private_key_path": ")" +
                router.client_key_path() + R"("}})";
        std::ofstream(dir.file("routers.json")) << entries + "}";
        auto inventory =
            routers_behind(dir.file("routers.json"), {"jump1"},
                           {{"jump1", "127.0.0.1", bastion.port(), bastion.client_key_path()}},
                           dir.file("behind.json"));
        auto known_hosts = merged_known_hosts(
            {router.known_hosts_path(), bastion.known_hosts_path()}, dir.file("known_hosts.all"));
        daemon.emplace(dir, inventory, known_hosts, std::move(flags));
    }

    // How many times the routers' sshd has run `command` so far.
    long runs_of(const std::string& command) const {
        auto run = router.commands_run();
        return std::count_if(run.begin(), run.end(),
                             [&](const auto& c) { return c.command == command; });
    }

    // Submits `command` to every router without waiting, and returns once all of them run it.
    std::string start_on_all(client& jobs, const std::string& job_id, const std::string& command,
                             int routers) const {
        auto accepted = expect_reply<fanout::protocol::accepted_reply>(
            jobs.request(submit_of(job_id, command, router_names(1, routers), false)));
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (runs_of(command) < routers) {
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << "only " << runs_of(command) << " routers started " << command;
                break;
            }
        }
        return accepted.job_id;
    }
};

// Polls `status` until the job is done; fails the test past `limit_s` after `fault`.
job_result wait_done(client& jobs, const std::string& job_id,
                     std::chrono::steady_clock::time_point fault, double limit_s) {
    for (;;) {
        auto status = expect_reply<fanout::protocol::status_reply>(
            jobs.request(fanout::protocol::status_request{job_id}));
        if (status.state == fanout::protocol::job_state::done) break;
        if (seconds_since(fault) > limit_s) {
            ADD_FAILURE() << "job " << job_id << " not done " << limit_s << " s after the fault";
            break;
        }
    }
    return expect_reply<job_result>(jobs.request(fanout::protocol::result_request{job_id}));
}

}  // namespace

TEST(daemon_bastion_faults, a_bastion_session_killed_mid_job_fails_only_the_commands_in_flight) {
    routers_behind_sshd_bastion site(8,
                                     {"--max-sessions-per-router", "8", "--command-timeout", "60"});
    client jobs(site.daemon->jobs());
    auto job_id = site.start_on_all(jobs, "in-flight", "sleep 20", 8);
    ASSERT_FALSE(HasFailure()) << "the routers never all started";

    auto fault = std::chrono::steady_clock::now();
    ASSERT_GT(site.bastion.drop_connections(), 0);
    auto killed = wait_done(jobs, job_id, fault, 60.0);
    std::printf("bastion session killed: in-flight routers failed %.2f s after the fault\n",
                seconds_since(fault));
    ASSERT_EQ(killed.results.size(), 8u);
    for (const auto& x : killed.results) {
        EXPECT_EQ(x.status, router_status::failed) << x.router_name;
        ASSERT_TRUE(x.error);
        EXPECT_EQ(x.error->kind, error_kind::channel) << x.error->message;
    }
    EXPECT_LT(seconds_since(fault), 15.0) << "well before the commands' 20 s";
    EXPECT_EQ(site.runs_of("sleep 20"), 8) << "a command that was sent never runs again";

    // The next job reconnects through a new bastion session.
    const auto logins_before = site.bastion.logins();
    auto next = expect_reply<job_result>(
        jobs.request(submit_of("after-drop", "show version", router_names(1, 8)), 120s));
    for (const auto& x : next.results)
        EXPECT_EQ(x.status, router_status::success)
            << x.router_name << ": " << (x.error ? x.error->message : "");
    EXPECT_GT(site.bastion.logins(), logins_before);
    auto pong = expect_reply<pong_reply>(jobs.request(fanout::protocol::ping_request{}));
    ASSERT_TRUE(pong.bastions);
    EXPECT_GE(pong.bastions->dropped, 1u);
    EXPECT_EQ(site.runs_of("sleep 20"), 8);
}

// A bastion that goes silent mid-job (frozen: its TCP connection stays up, nothing answers) is
// found dead by its unanswered keepalives, not by the routers' command timeouts or the kernel's
// retransmissions: the commands in flight fail within a few keepalive intervals.
TEST(daemon_bastion_faults, a_bastion_frozen_mid_job_is_found_dead_by_its_keepalives) {
    routers_behind_sshd_bastion site(4, {"--max-sessions-per-router", "4", "--command-timeout",
                                         "120", "--session-keepalive", "1"});
    client jobs(site.daemon->jobs());
    auto job_id = site.start_on_all(jobs, "frozen", "sleep 60", 4);
    ASSERT_FALSE(HasFailure()) << "the routers never all started";

    auto fault = std::chrono::steady_clock::now();
    ASSERT_GT(site.bastion.freeze_connections(), 0);
    auto frozen = wait_done(jobs, job_id, fault, 40.0);
    std::printf("bastion frozen: in-flight routers failed %.2f s after the fault\n",
                seconds_since(fault));
    for (const auto& x : frozen.results) {
        EXPECT_EQ(x.status, router_status::failed) << x.router_name;
        ASSERT_TRUE(x.error);
        EXPECT_EQ(x.error->kind, error_kind::channel) << x.error->message;
    }
    site.bastion.drop_connections();  // the frozen processes
}
