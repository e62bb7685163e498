// fanoutd with junos-mcp-server's `ssh_config` key: a job reaches a fleetsim router only
// through the file's ProxyCommand, whose child ends with its session and never outlives
// fanoutd (kill -9); a missing or refused file stops fanoutd at start and is refused at
// SIGHUP (the old inventory stays), naming the router and the file.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::job_result;
using fanout::protocol::routers_reply;
using fanout::protocol::routers_request;

namespace {

const char* behind = "r1.behind.bastion.invalid";  // no resolver knows it: only the file does

// The children of `parent` whose program's path holds `program` (nc: netcat-openbsd).
std::set<pid_t> proxy_children(pid_t parent, const std::string& program = "nc.openbsd") {
    std::set<pid_t> out;
    std::string tasks = "/proc/" + std::to_string(parent) + "/task";
    DIR* dir = ::opendir(tasks.c_str());
    if (!dir) return out;
    while (auto* t = ::readdir(dir)) {
        if (t->d_name[0] == '.') continue;
        std::ifstream in(tasks + "/" + t->d_name + "/children");
        pid_t pid;
        while (in >> pid) {
            char exe[256] = {};
            auto n =
                ::readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), exe, sizeof exe - 1);
            if (n > 0 &&
                std::string(exe, static_cast<std::size_t>(n)).find(program) != std::string::npos)
                out.insert(pid);
        }
    }
    ::closedir(dir);
    return out;
}

// Gone, or a zombie its new parent has yet to reap: either way no longer running.
bool ended(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("State:", 0) == 0) return line.find('Z') != std::string::npos;
    return true;
}

template <class Done>
bool eventually(Done done, std::chrono::milliseconds timeout = 30s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(10ms);  // a poll interval, not synchronisation
    }
    return done();
}

bool file_holds(const std::string& path, const std::string& needle) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str().find(needle) != std::string::npos;
}

// fleetsim's devices.json with r1 moved behind `config` (its other routers as they are).
std::string inventory_behind(const temp_dir& dir, const fleet& routers, const std::string& config,
                             const std::string& name = "devices-behind.json") {
    std::ifstream in(routers.devices_json());
    auto devices = nlohmann::json::parse(in);
    devices["r1"]["ip"] = behind;
    devices["r1"]["ssh_config"] = config;
    auto path = dir.file(name);
    std::ofstream(path, std::ios::trunc) << devices.dump(2);
    return path;
}

std::string proxy_command_file(const temp_dir& dir) {
    auto path = dir.file("jump.cfg");
    // As junos-mcp-server's devices-template.json users write them.
    std::ofstream(path) << "Host " << behind << "\n"
                        << "  HostName 127.0.0.1\n"
                        << "  ProxyCommand nc %h %p\n"
                        << "  StrictHostKeyChecking no\n"
                        << "  UserKnownHostsFile /dev/null\n";
    return path;
}

}  // namespace

TEST(daemon_ssh_config, a_job_goes_through_the_proxy_command_which_ends_with_the_session) {
    temp_dir dir;
    fleet routers(dir, 2);
    auto log = dir.file("fanoutd.log");
    fanoutd_process d(dir, inventory_behind(dir, routers, proxy_command_file(dir)),
                      routers.known_hosts(), {"--session-idle", "0"}, {std::nullopt, log});
    EXPECT_TRUE(file_holds(log, "sets StrictHostKeyChecking: ignored"));
    EXPECT_TRUE(file_holds(log, "router 'r1': ssh_config '" + dir.file("jump.cfg") +
                                    "' sets UserKnownHostsFile: ignored"));
    client jobs(d.jobs());
    auto done = expect_reply<job_result>(jobs.request(submit_of("", "show version", {"r1", "r2"})));
    EXPECT_EQ(done.summary.successful, 2u);
    // --session-idle 0: the session closes after the job, and its ProxyCommand with it.
    EXPECT_TRUE(eventually([&] { return proxy_children(d.process().pid()).empty(); }));
}

TEST(daemon_ssh_config, the_proxy_command_never_outlives_fanoutd_even_after_kill_9) {
    temp_dir dir;
    fleet routers(dir, 1);
    // A ProxyCommand that would outlive its stream: once nc ends (its stdio gone with fanoutd),
    // the shell becomes a long sleep. Only PR_SET_PDEATHSIG ends it with fanoutd.
    auto config = dir.file("sticky.cfg");
    std::ofstream(config) << "Host " << behind << "\n"
                          << "  HostName 127.0.0.1\n"
                          << "  ProxyCommand /bin/sh -c 'nc %h %p; exec sleep 300'\n";
    fanoutd_process d(dir, inventory_behind(dir, routers, config), routers.known_hosts(),
                      {"--session-idle", "600"});
    client jobs(d.jobs());
    auto done = expect_reply<job_result>(jobs.request(submit_of("", "show version", {"r1"})));
    ASSERT_EQ(done.summary.successful, 1u);
    std::set<pid_t> pooled;
    ASSERT_TRUE(eventually([&] {
        return !(pooled = proxy_children(d.process().pid(), "/dash")).empty();
    })) << "the pooled session keeps its ProxyCommand";
    EXPECT_EQ(d.process().stop(SIGKILL), 128 + SIGKILL);
    for (pid_t pid : pooled) EXPECT_TRUE(eventually([&] { return ended(pid); })) << pid;
}

TEST(daemon_ssh_config, a_missing_or_refused_file_stops_fanoutd_at_start_naming_router_and_file) {
    temp_dir dir;
    fleet routers(dir, 1);
    auto refused = dir.file("refused.cfg");
    std::ofstream(refused) << "Host *\n  Match\n";
    for (const auto& [file, why] : std::vector<std::pair<std::string, std::string>>{
             {dir.file("missing.cfg"), "cannot be read"}, {refused, "refused by libssh"}}) {
        SCOPED_TRACE(file);
        child_process daemon({FANOUTD_BIN, "--inventory", inventory_behind(dir, routers, file),
                              "--known-hosts", routers.known_hosts(), "--jobs",
                              "ipc://" + dir.file("j"), "--results", "ipc://" + dir.file("r")},
                             child_process::capture::stderr_stream);
        auto line = daemon.wait_for_line("invalid inventory", 30s);
        EXPECT_NE(line.find("router 'r1': ssh_config '" + file + "'"), std::string::npos) << line;
        EXPECT_NE(line.find(why), std::string::npos) << line;
        EXPECT_EQ(daemon.wait(30s), 2);
    }
}

TEST(daemon_ssh_config, sighup_refuses_a_bad_file_and_keeps_the_old_inventory) {
    temp_dir dir;
    fleet routers(dir, 2);
    auto inventory = dir.file("inventory.json");  // fleetsim's devices.json stays whole
    {
        std::ifstream in(routers.devices_json());
        auto devices = nlohmann::json::parse(in);
        devices.erase("r2");
        std::ofstream(inventory) << devices.dump(2);
    }
    auto log = dir.file("fanoutd.log");
    fanoutd_process d(dir, inventory, routers.known_hosts(), {}, {std::nullopt, log});
    client jobs(d.jobs());
    auto served = [&] {
        return expect_reply<routers_reply>(jobs.request(routers_request{})).routers.size();
    };
    ASSERT_EQ(served(), 1u);

    // r2 added, r1 behind a file that does not exist.
    auto missing = dir.file("missing.cfg");
    std::filesystem::copy_file(inventory_behind(dir, routers, missing, "next.json"), inventory,
                               std::filesystem::copy_options::overwrite_existing);
    ASSERT_EQ(::kill(d.process().pid(), SIGHUP), 0);
    ASSERT_TRUE(eventually([&] { return file_holds(log, "SIGHUP: invalid inventory"); }));
    EXPECT_TRUE(file_holds(log, "router 'r1': ssh_config '" + missing + "' cannot be read"));
    EXPECT_EQ(served(), 1u) << "the old inventory stays";
    auto done = expect_reply<job_result>(jobs.request(submit_of("", "show version", {"r1"})));
    EXPECT_EQ(done.summary.successful, 1u);

    // The file appears: the next SIGHUP takes the new inventory.
    std::filesystem::copy_file(proxy_command_file(dir), missing);
    ASSERT_EQ(::kill(d.process().pid(), SIGHUP), 0);
    ASSERT_TRUE(eventually([&] { return served() == 2u; }));
    done = expect_reply<job_result>(jobs.request(submit_of("", "show version", {"r1", "r2"})));
    EXPECT_EQ(done.summary.successful, 2u);
}
