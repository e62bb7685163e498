// SIGHUP re-reads the inventory and the command policy: new jobs see the new one, accepted jobs
// keep the one they were accepted with, a bad file keeps the old one; readiness, reloads and
// shutdown reach $NOTIFY_SOCKET as systemd's notify protocol.
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::accepted_reply;
using fanout::protocol::cancel_request;
using fanout::protocol::error_code;
using fanout::protocol::job_result;
using fanout::protocol::job_state;
using fanout::protocol::router_status;
using fanout::protocol::routers_reply;
using fanout::protocol::routers_request;
using fanout::protocol::status_reply;
using fanout::protocol::status_request;

namespace {

nlohmann::json read_json(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

// Writes the entries of `fleet_devices` named in `names` as a devices.json at `path`.
void write_inventory(const std::string& path, const nlohmann::json& fleet_devices,
                     const std::vector<std::string>& names) {
    nlohmann::json subset = nlohmann::json::object();
    for (const auto& n : names) subset[n] = fleet_devices.at(n);
    std::ofstream(path, std::ios::trunc) << subset.dump(2);
}

std::vector<std::string> served_routers(client& jobs) {
    auto reply = jobs.request(routers_request{});
    std::vector<std::string> names;
    for (const auto& r : expect_reply<routers_reply>(reply).routers) names.push_back(r.name);
    return names;
}

// Polls `done` (each call is a round trip to fanoutd) until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline)
        if (done()) return true;
    return false;
}

job_result job_result_of(const std::optional<std::string>& body) {
    if (!body) throw std::runtime_error("no job_result in time");
    auto decoded = fanout::protocol::decode_reply(*body);
    return expect_reply<job_result>(std::get<0>(decoded));
}

// A unix datagram socket standing in for systemd's $NOTIFY_SOCKET.
class notify_listener {
  public:
    explicit notify_listener(std::string path) : path_(std::move(path)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw std::runtime_error("cannot bind " + path_);
    }
    ~notify_listener() { ::close(fd_); }
    const std::string& path() const { return path_; }

    // The next datagram, or nullopt after `timeout`.
    std::optional<std::string> next(std::chrono::milliseconds timeout = 30s) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
        char buf[4096];
        auto n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0) return std::nullopt;
        return std::string(buf, static_cast<std::size_t>(n));
    }

  private:
    std::string path_;
    int fd_ = -1;
};

// Starts fanoutd with $NOTIFY_SOCKET set for it alone.
std::unique_ptr<fanoutd_process> start_notifying(const temp_dir& dir, const notify_listener& n,
                                                 const std::string& inventory,
                                                 const std::string& known_hosts, args extra = {}) {
    ::setenv("NOTIFY_SOCKET", n.path().c_str(), 1);
    auto d = std::make_unique<fanoutd_process>(dir, inventory, known_hosts, std::move(extra));
    ::unsetenv("NOTIFY_SOCKET");
    return d;
}

bool contains(const std::optional<std::string>& message, std::string_view what) {
    return message && message->find(what) != std::string::npos;
}

}  // namespace

TEST(daemon_reload, sighup_swaps_the_inventory_for_new_jobs_only) {
    temp_dir dir;
    // r1 never finishes authenticating: a job on it holds the single worker until cancelled.
    fleet routers(dir, 5, {"--fault", "r1=hang_auth"});
    auto fleet_devices = read_json(routers.devices_json());
    auto inventory = dir.file("inventory.json");
    write_inventory(inventory, fleet_devices, {"r1", "r2", "r3", "r4"});
    fanoutd_process d(dir, inventory, routers.known_hosts(),
                      {"--workers", "1", "--connect-timeout", "600", "--command-timeout", "600"});
    client jobs(d.jobs());
    ASSERT_EQ(served_routers(jobs), (std::vector<std::string>{"r1", "r2", "r3", "r4"}));

    expect_reply<accepted_reply>(jobs.request(submit_of("holder", "show version", {"r1"}, false)));
    client before_waiter(d.jobs());
    before_waiter.send_frames({fanout::protocol::encode_request(
        submit_of("accepted-before", "show version", {"r2", "r3"}, true))});
    ASSERT_TRUE(eventually(
        [&] {
            return std::holds_alternative<status_reply>(
                jobs.request(status_request{"accepted-before"}));
        },
        30s));

    // Remove r2, add r5, reload.
    write_inventory(inventory, fleet_devices, {"r1", "r3", "r4", "r5"});
    ASSERT_EQ(::kill(d.process().pid(), SIGHUP), 0);
    ASSERT_TRUE(eventually(
        [&] {
            return served_routers(jobs) == std::vector<std::string>{"r1", "r3", "r4", "r5"};
        },
        30s));

    // The job accepted before the reload is still waiting for the worker, r2 included.
    EXPECT_EQ(expect_reply<status_reply>(jobs.request(status_request{"accepted-before"})).state,
              job_state::queued);
    auto refused =
        expect_error(jobs.request(submit_of("names-removed", "show version", {"r2", "r3"})));
    EXPECT_EQ(refused.code, error_code::unknown_routers);
    EXPECT_EQ(refused.routers, std::vector<std::string>{"r2"});
    client after_waiter(d.jobs());
    after_waiter.send_frames(
        {fanout::protocol::encode_request(submit_of("names-added", "show version", {"r5"}, true))});

    expect_reply<status_reply>(jobs.request(cancel_request{"holder"}));
    auto before = job_result_of(before_waiter.receive(120s));
    EXPECT_EQ(before.state, job_state::done);
    ASSERT_EQ(before.results.size(), 2u);
    EXPECT_EQ(before.results[0].router_name, "r2");
    EXPECT_EQ(before.results[0].status, router_status::success);
    EXPECT_EQ(before.results[1].status, router_status::success);
    auto after = job_result_of(after_waiter.receive(120s));
    EXPECT_EQ(after.state, job_state::done);
    EXPECT_EQ(after.summary.successful, 1u);
    EXPECT_TRUE(d.process().running());
}

TEST(daemon_reload, a_bad_inventory_keeps_the_old_one_and_systemd_hears_every_state) {
    temp_dir dir;
    fleet routers(dir, 3);
    auto inventory = dir.file("inventory.json");
    write_inventory(inventory, read_json(routers.devices_json()), {"r1", "r2", "r3"});
    notify_listener systemd(dir.file("notify.sock"));
    auto d = start_notifying(dir, systemd, inventory, routers.known_hosts());
    auto ready = systemd.next();
    ASSERT_TRUE(contains(ready, "READY=1")) << ready.value_or("(nothing)");
    EXPECT_TRUE(contains(ready, "3 routers"));
    client jobs(d->jobs());

    const std::vector<std::string> bad_files{
        "{ \"r1\": ",                                    // not JSON
        R"({"r1": {"ip": "127.0.0.1", "port": "22"}})",  // no username, port not an integer
        "{}",                                            // no routers
    };
    for (const auto& bad : bad_files) {
        SCOPED_TRACE(bad);
        std::ofstream(inventory, std::ios::trunc) << bad;
        ASSERT_EQ(::kill(d->process().pid(), SIGHUP), 0);
        auto reloading = systemd.next();
        EXPECT_TRUE(contains(reloading, "RELOADING=1")) << reloading.value_or("(nothing)");
        EXPECT_TRUE(contains(reloading, "MONOTONIC_USEC="));
        // READY=1 again means the reload is over, whatever its outcome.
        ASSERT_TRUE(contains(systemd.next(), "READY=1"));
        EXPECT_EQ(served_routers(jobs), (std::vector<std::string>{"r1", "r2", "r3"}));
        auto done =
            expect_reply<job_result>(jobs.request(submit_of("", "show version", {"r3"}, true)));
        EXPECT_EQ(done.summary.successful, 1u);
    }
    // Deleted: the same.
    std::remove(inventory.c_str());
    ASSERT_EQ(::kill(d->process().pid(), SIGHUP), 0);
    ASSERT_TRUE(contains(systemd.next(), "RELOADING=1"));
    ASSERT_TRUE(contains(systemd.next(), "READY=1"));
    EXPECT_EQ(served_routers(jobs).size(), 3u);

    EXPECT_EQ(d->process().stop(SIGTERM, 60s), 0);
    EXPECT_TRUE(contains(systemd.next(5s), "STOPPING=1"));
}

// The --command-policy file is re-read too: a valid one applies to the next submit, an invalid
// one keeps the policy in force.
TEST(daemon_reload, sighup_reloads_the_command_policy_and_keeps_it_when_the_file_is_bad) {
    temp_dir dir;
    fleet routers(dir, 1);
    auto policy = dir.file("policy.conf");
    std::ofstream(policy) << "deny show system uptime\n";
    notify_listener systemd(dir.file("notify.sock"));
    auto d = start_notifying(dir, systemd, routers.devices_json(), routers.known_hosts(),
                             {"--command-policy", policy});
    ASSERT_TRUE(contains(systemd.next(), "READY=1"));
    client jobs(d->jobs());
    auto reload = [&] {
        ASSERT_EQ(::kill(d->process().pid(), SIGHUP), 0);
        ASSERT_TRUE(contains(systemd.next(), "RELOADING=1"));
        ASSERT_TRUE(contains(systemd.next(), "READY=1"));
    };
    auto uptime_code = [&]() -> std::optional<error_code> {
        auto reply = jobs.request(submit_of("", "show system uptime", {"r1"}, true));
        if (auto* error = std::get_if<fanout::protocol::error_reply>(&reply)) return error->code;
        EXPECT_EQ(expect_reply<job_result>(reply).summary.successful, 1u);
        return std::nullopt;
    };
    EXPECT_EQ(uptime_code(), error_code::forbidden_command);

    std::ofstream(policy, std::ios::trunc) << "deny show version\n";
    reload();
    EXPECT_EQ(uptime_code(), std::nullopt) << "allowed by the new file";
    EXPECT_EQ(expect_error(jobs.request(submit_of("", "sh ver", {"r1"}, true))).code,
              error_code::forbidden_command);

    std::ofstream(policy, std::ios::trunc) << "deny (show\n";  // unbalanced: invalid
    reload();
    EXPECT_EQ(expect_error(jobs.request(submit_of("", "show version", {"r1"}, true))).code,
              error_code::forbidden_command)
        << "the previous policy stays in force";
    EXPECT_EQ(uptime_code(), std::nullopt);
}
