// fanoutctl's job-to-job commands against fleetsim and fanoutd (issue 13): `diff JOB_A JOB_B`
// (changes grouped by node set, status changes, routers in one job only, exit codes, --json),
// `run --failed-from JOB` (exactly the failed routers, JOB's commands or others, -x, nothing to
// run), and the notice on a resubmit of a job id still running.
//
// The fleet changes between the two diffed jobs without restarting fanoutd: two fleetsims run
// side by side, and a SIGHUP swaps r2, r3 and r5 of the inventory to the second one's routers
// (r2 and r3 add a stderr warning, r5 refuses every password) and drops r8.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
namespace protocol = fanout::protocol;
using names = std::set<std::string>;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

nlohmann::json read_json(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

struct two_fleets {
    two_fleets()
        : before(dir, 8),
          after(other_dir, 8,
                {"--fault", "r2=stderr_output", "--fault", "r3=stderr_output", "--fault",
                 "r5=auth_fail"}),
          daemon(dir, write_inventory(false), both_known_hosts()) {}

    // Before: r1-r8 of `before`. After: r1-r7, with r2, r3 and r5 from `after`.
    std::string write_inventory(bool changed) {
        auto devices = read_json(before.devices_json());
        if (changed) {
            const auto other = read_json(after.devices_json());
            for (const char* name : {"r2", "r3", "r5"}) devices[name] = other.at(name);
            devices.erase("r8");
        }
        const auto path = dir.file("inventory.json");
        std::ofstream(path + ".new") << devices.dump(2);
        std::rename((path + ".new").c_str(), path.c_str());
        return path;
    }

    std::string both_known_hosts() {
        const auto path = dir.file("both_known_hosts");
        std::ofstream(path) << read_file(before.known_hosts()) << read_file(after.known_hosts());
        return path;
    }

    temp_dir dir, other_dir;
    fleet before, after;
    fanoutd_process daemon;
};

two_fleets* setup = nullptr;

using ctl_run = finished_run;

std::vector<std::string> ctl_argv(const std::string& jobs, const std::string& results,
                                  const std::vector<std::string>& arguments) {
    std::vector<std::string> argv = {FANOUTCTL_BIN, "--jobs", jobs, "--results", results};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return argv;
}

ctl_run ctl(std::vector<std::string> arguments,
            child_process::capture which = child_process::capture::stdout_stream) {
    return run_to_end(ctl_argv(setup->daemon.jobs(), setup->daemon.results(), arguments), which);
}

names routers_of(const ctl_run& run) {
    names out;
    for (const auto& line : run.lines) {
        auto object = nlohmann::json::parse(line);
        if (object.at("type") == "router_result") out.insert(object.at("router_name"));
    }
    return out;
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline)
        if (done()) return true;
    return false;
}

class fanoutctl_clientops : public ::testing::Test {
  protected:
    // diff-a: r1-r8 before the change; diff-b: r1-r7 after it (r5 fails).
    static void SetUpTestSuite() {
        setup = new two_fleets;
        auto a = ctl({"run", "-r", "r[1-8]", "--job-id", "diff-a", "--json", "show", "version"});
        ASSERT_EQ(a.code, 0) << a.text();
        setup->write_inventory(true);
        ASSERT_EQ(::kill(setup->daemon.process().pid(), SIGHUP), 0);
        client jobs(setup->daemon.jobs());
        ASSERT_TRUE(eventually(
            [&] {
                auto reply = jobs.request(protocol::routers_request{});
                return expect_reply<protocol::routers_reply>(reply).routers.size() == 7;
            },
            30s));
        auto b = ctl({"run", "-r", "r[1-7]", "--job-id", "diff-b", "--json", "show", "version"});
        ASSERT_EQ(b.code, 1) << b.text();
    }
    static void TearDownTestSuite() {
        delete setup;
        setup = nullptr;
    }
};

TEST_F(fanoutctl_clientops, diff_groups_changes_by_node_set_and_exits_1) {
    auto run = ctl({"diff", "diff-a", "diff-b"});
    EXPECT_EQ(run.code, 1) << run.text();
    EXPECT_TRUE(run.has("--- job diff-a")) << run.text();
    EXPECT_TRUE(run.has("+++ job diff-b")) << run.text();
    // r2 and r3 changed the same way: one group, one diff.
    EXPECT_TRUE(run.has("r[2-3] (2)  [show version]  output changed")) << run.text();
    EXPECT_TRUE(run.has("+stderr: warning: could not connect to re1")) << run.text();
    EXPECT_TRUE(run.has("r5 (1)  [show version]  ok -> FAILED (auth: ")) << run.text();
    EXPECT_TRUE(run.has("only in diff-a: r8 (1)")) << run.text();
    EXPECT_TRUE(run.has("unchanged: r[1,4,6-7] (4)")) << run.text();
    EXPECT_TRUE(run.has("3 changed, 4 unchanged, 1 only in diff-a, 0 only in diff-b"))
        << run.text();
    // r5's old output is shown removed, under its heading.
    const auto text = run.text();
    const auto r5 = text.find("r5 (1)");
    ASSERT_NE(r5, std::string::npos);
    EXPECT_NE(text.find("\n-Hostname: r5", r5), std::string::npos) << text;
}

TEST_F(fanoutctl_clientops, diff_of_a_job_with_itself_is_empty_and_exits_0) {
    auto run = ctl({"diff", "diff-a", "diff-a"});
    EXPECT_EQ(run.code, 0) << run.text();
    EXPECT_TRUE(run.has("unchanged: r[1-8] (8)")) << run.text();
    EXPECT_TRUE(run.has("0 changed, 8 unchanged")) << run.text();
}

TEST_F(fanoutctl_clientops, diff_json_lists_groups_and_exits_like_text) {
    auto run = ctl({"diff", "--json", "diff-a", "diff-b"});
    EXPECT_EQ(run.code, 1) << run.text();
    ASSERT_EQ(run.lines.size(), 1u) << run.text();
    auto diff = nlohmann::json::parse(run.lines[0]);
    EXPECT_EQ(diff.at("type"), "diff");
    EXPECT_EQ(diff.at("changed"), true);
    names sets;
    for (const auto& g : diff.at("groups")) sets.insert(g.at("node_set"));
    EXPECT_EQ(sets, (names{"r[2-3]", "r5"}));
    EXPECT_EQ(diff.at("only_in_a"), nlohmann::json::array({"r8"}));
    EXPECT_EQ(diff.at("unchanged").size(), 4u);
}

TEST_F(fanoutctl_clientops, diff_of_an_unknown_job_exits_2) {
    auto run = ctl({"diff", "diff-a", "no-such-job"}, child_process::capture::stderr_stream);
    EXPECT_EQ(run.code, 2) << run.text();
    EXPECT_TRUE(run.has("not_found")) << run.text();
}

TEST_F(fanoutctl_clientops, failed_from_runs_exactly_the_failed_routers) {
    auto run = ctl({"run", "--failed-from", "diff-b", "--json"});
    EXPECT_EQ(run.code, 1) << run.text();  // r5 still refuses its password
    EXPECT_EQ(routers_of(run), names{"r5"});
    for (const auto& line : run.lines) {
        auto object = nlohmann::json::parse(line);
        if (object.at("type") == "router_result") {
            EXPECT_EQ(object.at("command"), "show version");
        }
    }
}

TEST_F(fanoutctl_clientops, failed_from_takes_other_commands_when_given) {
    auto run = ctl({"run", "--failed-from", "diff-b", "--json", "show", "system", "uptime"});
    EXPECT_EQ(routers_of(run), names{"r5"}) << run.text();
    EXPECT_TRUE(std::any_of(run.lines.begin(), run.lines.end(), [](const std::string& l) {
        return l.find("\"command\":\"show system uptime\"") != std::string::npos;
    })) << run.text();
}

TEST_F(fanoutctl_clientops, failed_from_with_nothing_to_run_exits_0) {
    auto clean = ctl({"run", "--failed-from", "diff-a"}, child_process::capture::stderr_stream);
    EXPECT_EQ(clean.code, 0) << clean.text();
    EXPECT_TRUE(clean.has("job diff-a: no router failed or was cancelled; nothing to run"))
        << clean.text();
    auto excluded =
        ctl({"run", "--failed-from", "diff-b", "-x", "r5"}, child_process::capture::stderr_stream);
    EXPECT_EQ(excluded.code, 0) << excluded.text();
    EXPECT_TRUE(excluded.has("nothing to run")) << excluded.text();
}

TEST_F(fanoutctl_clientops, failed_from_refuses_r_and_unknown_jobs) {
    auto with_r = ctl({"run", "--failed-from", "diff-b", "-r", "r1", "show", "version"},
                      child_process::capture::stderr_stream);
    EXPECT_EQ(with_r.code, 2) << with_r.text();
    EXPECT_TRUE(with_r.has("does not combine with -r")) << with_r.text();
    auto unknown =
        ctl({"run", "--failed-from", "no-such-job"}, child_process::capture::stderr_stream);
    EXPECT_EQ(unknown.code, 2) << unknown.text();
}

// A second `run` with the job id of a job still running says so, and follows it; once the job
// has ended, the same resubmit says it already ran.
TEST(fanoutctl_resubmit, a_job_still_running_is_followed_not_shown_as_old) {
    fleet_and_daemon f(2, {"--fault", "r2=hang_auth"});
    const std::vector<std::string> run = {"run",    "-r",        "r[1-2]", "--job-id",
                                          "slow-1", "--timeout", "120",    "--no-progress",
                                          "show",   "version"};
    child_process first(ctl_argv(f.daemon.jobs(), f.daemon.results(), run),
                        child_process::capture::stderr_stream);
    client jobs(f.daemon.jobs());
    ASSERT_TRUE(eventually(
        [&] {
            auto reply = jobs.request(protocol::status_request{"slow-1"});
            auto* status = std::get_if<protocol::status_reply>(&reply);
            return status && status->completed == 1;  // r1 answered, r2 hangs
        },
        60s));
    child_process second(ctl_argv(f.daemon.jobs(), f.daemon.results(), run),
                         child_process::capture::stderr_stream);
    const auto notice = second.wait_for_line("job slow-1: already", 60s);
    EXPECT_NE(notice.find("job slow-1: already submitted at "), std::string::npos) << notice;
    EXPECT_NE(notice.find("; still running, following it"), std::string::npos) << notice;

    expect_reply<protocol::status_reply>(jobs.request(protocol::cancel_request{"slow-1"}));
    EXPECT_EQ(second.wait(60s).value_or(-1), 1);
    EXPECT_EQ(first.wait(60s).value_or(-1), 1);

    child_process third(ctl_argv(f.daemon.jobs(), f.daemon.results(), run),
                        child_process::capture::stderr_stream);
    const auto old = third.wait_for_line("job slow-1: already", 60s);
    EXPECT_NE(old.find("job slow-1: already ran at "), std::string::npos) << old;
    EXPECT_NE(old.find("showing its results"), std::string::npos) << old;
    EXPECT_EQ(third.wait(60s).value_or(-1), 1);
}

}  // namespace
