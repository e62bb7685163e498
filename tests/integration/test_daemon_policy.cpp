// The command policy through a real fanoutd and a real fleet: a forbidden job is refused
// whole with forbidden_command and nothing reaches any router (the fleet's own log proves it),
// fanoutctl reports it with exit code 2, allow lists work end to end, and a bad policy file
// stops fanoutd at start-up with exit code 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::error_code;
using fanout::protocol::job_result;

namespace {

// fleetsim --verbose logs every authentication and exec on stderr; merge it into the captured
// stdout so the test can read it after the "ready" line.
std::unique_ptr<child_process> logging_fleet(const temp_dir& dir, int routers) {
    auto fleet = std::make_unique<child_process>(std::vector<std::string>{
        "/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", FLEETSIM_BIN, "--routers",
        std::to_string(routers), "--out-dir", dir.path(), "--verbose"});
    fleet->wait_for_line("ready", 60s);
    return fleet;
}

std::size_t lines_containing(const child_process& p, std::string_view needle) {
    const auto& lines = p.lines();
    return std::count_if(lines.begin(), lines.end(),
                         [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

fanout::protocol::submit_request submit_commands(std::string job_id,
                                                 std::vector<std::string> commands,
                                                 std::vector<std::string> routers) {
    auto s = submit_of(std::move(job_id), "", std::move(routers), true);
    s.commands = std::move(commands);
    s.single_command = false;
    return s;
}

std::string write_file(const temp_dir& dir, const std::string& name, const std::string& text) {
    std::ofstream(dir.file(name)) << text;
    return dir.file(name);
}

}  // namespace

TEST(daemon_policy, a_forbidden_job_is_refused_whole_and_never_reaches_a_router) {
    temp_dir dir;
    auto fleet = logging_fleet(dir, 2);
    // One worker: had the refused job been queued, its tasks would run before the marker's.
    fanoutd_process daemon(dir, dir.file("devices.json"), dir.file("known_hosts"),
                           args{"--workers", "1"});
    client jobs(daemon.jobs());

    // The first command is harmless; the second, an abbreviated reboot, sinks the whole job.
    auto refused = expect_error(
        jobs.request(submit_commands("evil-1", {"show version", "req sys reb"}, {"r1", "r2"})));
    EXPECT_EQ(refused.code, error_code::forbidden_command);
    EXPECT_EQ(refused.job_id, "evil-1");
    EXPECT_NE(refused.message.find("commands[1] `req sys reb`"), std::string::npos)
        << refused.message;
    EXPECT_NE(refused.message.find("deny request (system|vmhost) (reboot"), std::string::npos)
        << refused.message;
    EXPECT_EQ(expect_error(jobs.request(fanout::protocol::status_request{"evil-1"})).code,
              error_code::not_found);

    for (const char* command : {"configure private", "start shell", "show version; req sys reb",
                                "show configuration | save /var/tmp/c"}) {
        auto e = expect_error(jobs.request(submit_of("evil-2", command, {"r1"}, false)));
        EXPECT_EQ(e.code, error_code::forbidden_command) << command;
    }
    // A forbidden command with unknown routers is still forbidden_command (checked first).
    EXPECT_EQ(expect_error(jobs.request(submit_of("", "req sys halt", {"r9"}))).code,
              error_code::forbidden_command);

    auto marker = expect_reply<job_result>(
        jobs.request(submit_of("marker", "show system uptime", {"r1"}, true)));
    EXPECT_EQ(marker.summary.successful, 1u);
    fleet->wait_for_line("exec 'show system uptime'", 30s);
    // The marker's connection is the only one the fleet ever saw, its command the only exec.
    EXPECT_EQ(lines_containing(*fleet, "authenticated by"), 1u);
    EXPECT_EQ(lines_containing(*fleet, "exec '"), 1u);
    EXPECT_EQ(lines_containing(*fleet, "req"), 0u);
    auto pong =
        expect_reply<fanout::protocol::pong_reply>(jobs.request(fanout::protocol::ping_request{}));
    EXPECT_EQ(pong.queued_jobs + pong.running_jobs, 0u);
}

TEST(daemon_policy, fanoutctl_prints_forbidden_command_and_exits_2) {
    temp_dir dir;
    fleet routers(dir, 1);
    fanoutd_process daemon(dir, routers.devices_json(), routers.known_hosts());
    child_process ctl({FANOUTCTL_BIN, "--jobs", daemon.jobs(), "--results", daemon.results(), "run",
                       "--no-progress", "-r", "r1", "REQUEST SYSTEM REBOOT"},
                      child_process::capture::stderr_stream);
    ctl.drain(30s);
    EXPECT_EQ(ctl.wait(30s), 2);
    ASSERT_FALSE(ctl.lines().empty());
    EXPECT_EQ(ctl.lines()[0].rfind("error forbidden_command: command `REQUEST SYSTEM REBOOT`", 0),
              0u)
        << ctl.lines()[0];
}

TEST(daemon_policy, an_allow_list_file_lets_only_its_commands_through) {
    temp_dir dir;
    fleet routers(dir, 1);
    auto policy =
        write_file(dir, "policy.conf", "# read-only\nallow show ...\nallow | (match|count) ...\n");
    fanoutd_process daemon(dir, routers.devices_json(), routers.known_hosts(),
                           args{"--command-policy", policy});
    client jobs(daemon.jobs());
    auto ok = expect_reply<job_result>(jobs.request(submit_of("", "show version | count", {"r1"})));
    EXPECT_EQ(ok.results.size(), 1u);
    expect_reply<job_result>(jobs.request(submit_of("", "sh ver", {"r1"})));
    for (const char* command :
         {"s ver", "ping 10.0.0.1", "show version | display xml", "request system reboot"}) {
        auto e = expect_error(jobs.request(submit_of("", command, {"r1"})));
        EXPECT_EQ(e.code, error_code::forbidden_command) << command;
    }
    auto e = expect_error(jobs.request(submit_of("", "ping 10.0.0.1", {"r1"})));
    EXPECT_NE(e.message.find("no allow rule"), std::string::npos) << e.message;
}

TEST(daemon_policy, a_missing_or_invalid_policy_file_stops_fanoutd_with_exit_2) {
    temp_dir dir;
    auto bad = write_file(dir, "bad.conf", "deny show\nallow show ... version\n");
    struct case_t {
        std::string file, expected;
    };
    for (const auto& c : {case_t{dir.file("missing.conf"), "missing.conf: cannot open"},
                          case_t{bad, "bad.conf:2: `...` may only end a rule"}}) {
        child_process daemon({FANOUTD_BIN, "--inventory", FANOUT_SOURCE_DIR "/no-such-devices.json",
                              "--command-policy", c.file, "--jobs", "ipc://" + dir.file("j"),
                              "--results", "ipc://" + dir.file("r")},
                             child_process::capture::stderr_stream);
        daemon.drain(30s);
        EXPECT_EQ(daemon.wait(30s), 2);
        EXPECT_EQ(lines_containing(daemon, "invalid --command-policy"), 1u) << c.file;
        EXPECT_EQ(lines_containing(daemon, c.expected), 1u) << c.expected;
    }
}
