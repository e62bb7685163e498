// fanoutctl's operator habits against fleetsim and fanoutd: node sets, globs, groups and
// exclusions in -r/-x, --routers-file - with comments, unquoted words as one command, "did you
// mean", --collapse (run and result), --prefix, --out-dir, --brief with the router's own error
// text, summaries counting routers apart from results, a cancelled job's status.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
namespace protocol = fanout::protocol;
using names = std::set<std::string>;

namespace {

// r1..r12; r5 refuses every password, r12 never answers a command. Groups: core r1-r4,
// lab r3-r6, edge r9-r10.
struct operator_fleet {
    operator_fleet()
        : routers(dir, 12, {"--fault", "r5=auth_fail", "--fault", "r12=hang_auth"}),
          daemon(dir, add_groups(routers.devices_json(), dir.file("grouped.json")),
                 routers.known_hosts()) {}

    static std::string add_groups(const std::string& from, const std::string& to) {
        std::ifstream in(from);
        auto devices = nlohmann::json::parse(in);
        const auto join = [&](int first, int last, const std::string& group) {
            for (int i = first; i <= last; ++i)
                devices["r" + std::to_string(i)]["groups"].push_back(group);
        };
        join(1, 4, "core");
        join(3, 6, "lab");
        join(9, 10, "edge");
        std::ofstream(to) << devices.dump();
        return to;
    }

    temp_dir dir;
    fleet routers;
    fanoutd_process daemon;
};

operator_fleet* setup = nullptr;

using ctl_run = finished_run;

// fanoutctl with `arguments` (after the endpoints); one stream captured; `input` on stdin.
ctl_run ctl(std::vector<std::string> arguments,
            child_process::capture which = child_process::capture::stdout_stream,
            const std::string& input = "") {
    const auto stdin_file = setup->dir.file("stdin.txt");
    std::ofstream(stdin_file) << input;
    std::vector<std::string> argv = {"/bin/sh",
                                     "-c",
                                     "f=$1; shift; exec \"$@\" < \"$f\"",
                                     "sh",
                                     stdin_file,
                                     FANOUTCTL_BIN,
                                     "--jobs",
                                     setup->daemon.jobs(),
                                     "--results",
                                     setup->daemon.results()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_to_end(std::move(argv), which, 60s);
}

// The routers of the router_result lines of `run --json`.
names routers_of(const ctl_run& run) {
    names out;
    for (const auto& line : run.lines) {
        auto object = nlohmann::json::parse(line);
        if (object.at("type") == "router_result") out.insert(object.at("router_name"));
    }
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class fanoutctl_operators : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { setup = new operator_fleet; }
    static void TearDownTestSuite() {
        delete setup;
        setup = nullptr;
    }
};

TEST_F(fanoutctl_operators, node_sets_exclusions_and_unquoted_words) {
    auto run = ctl({"run", "-r", "r[1-4],r[10-11]", "-x", "r2", "--json", "show", "version"});
    EXPECT_EQ(run.code, 0) << run.text();
    EXPECT_EQ(routers_of(run), (names{"r1", "r3", "r4", "r10", "r11"}));
    auto last = nlohmann::json::parse(run.lines.back());
    EXPECT_EQ(last.at("summary").at("command"), "show version") << "the words are one command";

    auto huge = ctl({"run", "-r", "r[1-100000000]", "show", "version"},
                    child_process::capture::stderr_stream);
    EXPECT_EQ(huge.code, 2);
    EXPECT_TRUE(huge.has("r[1-100000000]: more than 200000 names")) << huge.text();

    auto several = ctl({"run", "-r", "r1", "show version", "show system uptime"},
                       child_process::capture::stderr_stream);
    EXPECT_EQ(several.code, 2);
    EXPECT_TRUE(several.has("with -c each")) << several.text();
}

TEST_F(fanoutctl_operators, globs_and_groups_come_from_the_inventory) {
    EXPECT_EQ(routers_of(ctl({"run", "-r", "@core", "-x", "@lab", "--json", "show", "version"})),
              (names{"r1", "r2"}));
    EXPECT_EQ(routers_of(ctl({"run", "-r", "r1*", "-x", "r12", "--json", "show", "version"})),
              (names{"r1", "r10", "r11"}));
    EXPECT_EQ(routers_of(ctl({"run", "-r", "@edge,r?", "-x", "r[1-8]", "--json", "show version"})),
              (names{"r9", "r10"}));

    auto unknown_group =
        ctl({"run", "-r", "@spine", "show", "version"}, child_process::capture::stderr_stream);
    EXPECT_EQ(unknown_group.code, 2);
    EXPECT_TRUE(unknown_group.has("groups: core, edge, lab")) << unknown_group.text();

    auto listed = ctl({"routers", "--json"});
    ASSERT_EQ(listed.code, 0);
    auto reply = nlohmann::json::parse(listed.lines.at(0));
    for (const auto& r : reply.at("routers")) {
        if (r.at("name") == "r3") {
            EXPECT_EQ(r.at("groups"), (nlohmann::json{"core", "lab"}));
        }
        if (r.at("name") == "r7") {
            EXPECT_FALSE(r.contains("groups"));
        }
    }
}

TEST_F(fanoutctl_operators, routers_file_from_stdin_with_comments) {
    auto run = ctl({"run", "--routers-file", "-", "--json", "show", "version"},
                   child_process::capture::stdout_stream,
                   "r1   # the first\n# r2 is out\nr3\n\nr4#not-a-comment-so-unknown\n");
    EXPECT_EQ(run.code, 2) << "r4#not-a-comment-so-unknown is a name fanoutd does not know";
    run = ctl({"run", "--routers-file", "-", "--json", "show", "version"},
              child_process::capture::stdout_stream, "r1   # the first\n# r2 is out\nr3\n");
    EXPECT_EQ(run.code, 0);
    EXPECT_EQ(routers_of(run), (names{"r1", "r3"}));
}

TEST_F(fanoutctl_operators, unknown_names_are_refused_whole_with_suggestions) {
    auto run =
        ctl({"run", "-r", "R1,r99,r3", "show", "version"}, child_process::capture::stderr_stream);
    EXPECT_EQ(run.code, 2);
    EXPECT_TRUE(run.has("error unknown_routers")) << run.text();
    EXPECT_TRUE(run.has("  R1: did you mean r1?")) << run.text();
    EXPECT_TRUE(run.has("  r99: did you mean r9?")) << run.text();
}

TEST_F(fanoutctl_operators, collapse_groups_identical_outputs_under_folded_node_sets) {
    auto run = ctl({"run", "-r", "all", "-x", "r12", "--collapse", "--job-id", "collapsed",
                    "--no-progress", "show", "foo"});
    EXPECT_EQ(run.code, 1);
    const auto text = run.text();
    EXPECT_NE(text.find("\nr[1-4,6-11] (10)  FAILED  exit_status: exit status 1: error: syntax "
                        "error, expecting <command>: foo\n----------------\nerror: syntax error, "
                        "expecting <command>: foo\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\nr5 (1)  FAILED  auth: authentication failed"), std::string::npos)
        << text;
    EXPECT_LT(std::count(text.begin(), text.end(), '\n'), 18) << "once per group:\n" << text;
    EXPECT_EQ(text.find("failed routers"), std::string::npos) << "the groups say it already";

    auto again = ctl({"result", "collapsed", "--collapse", "--brief"});
    EXPECT_EQ(again.code, 1);
    EXPECT_TRUE(again.has("r[1-4,6-11] (10)  FAILED  exit_status")) << again.text();
}

TEST_F(fanoutctl_operators, prefix_puts_the_router_before_every_line) {
    auto run = ctl({"run", "-r", "r1,r2", "--prefix", "--no-progress", "show", "version"});
    EXPECT_EQ(run.code, 0);
    EXPECT_TRUE(run.has("r1: Hostname: r1")) << run.text();
    EXPECT_TRUE(run.has("r2: Model: mx960")) << run.text();
    auto errors = ctl({"run", "-r", "r5", "--prefix", "--no-progress", "show", "version"},
                      child_process::capture::stderr_stream);
    EXPECT_EQ(errors.code, 1);
    EXPECT_TRUE(errors.has("r5: FAILED auth: authentication failed")) << errors.text();
}

TEST_F(fanoutctl_operators, out_dir_writes_one_file_per_router_and_the_aggregate) {
    const auto out = setup->dir.file("out/ver");
    auto run = ctl({"run", "-r", "r1,r5", "--out-dir", out, "--no-progress", "show", "version"});
    EXPECT_EQ(run.code, 1);
    EXPECT_NE(read_file(out + "/r1").find("Hostname: r1\n"), std::string::npos);
    EXPECT_FALSE(std::ifstream(out + "/r1.err").good());
    EXPECT_NE(read_file(out + "/r5.err").find("fanoutctl: FAILED auth: authentication failed"),
              std::string::npos);
    auto job = nlohmann::json::parse(read_file(out + "/job.json"));
    EXPECT_EQ(job.at("results").size(), 2u);
}

TEST_F(fanoutctl_operators, brief_shows_the_routers_error_text_and_summaries_count_routers) {
    auto brief = ctl({"run", "-r", "r1", "--brief", "--no-progress", "show", "foo"});
    EXPECT_EQ(brief.code, 1);
    EXPECT_TRUE(brief.has("exit status 1: error: syntax error, expecting <command>: foo"))
        << brief.text();

    auto three = ctl({"run", "-r", "r1,r5", "--brief", "--no-progress", "-c", "show version", "-c",
                      "show system uptime", "-c", "show interfaces terse"});
    EXPECT_EQ(three.code, 1);
    EXPECT_TRUE(three.has("routers   2 (1 ok, 1 failed, 0 cancelled)")) << three.text();
    EXPECT_TRUE(three.has("results   6 (3 ok, 3 failed, 0 cancelled)")) << three.text();
    EXPECT_TRUE(three.has("failed routers (1, 3 results):")) << three.text();
}

TEST_F(fanoutctl_operators, a_cancelled_jobs_status_shows_its_cancelled_count) {
    client jobs(setup->daemon.jobs());
    expect_reply<protocol::accepted_reply>(
        jobs.request(submit_of("to-cancel", "show version", {"r12", "r11"}, false, 120)));
    expect_reply<protocol::status_reply>(jobs.request(protocol::cancel_request{"to-cancel"}));
    // In-flight routers are aborted, not waited for: the job ends soon after the cancel.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (expect_reply<protocol::status_reply>(jobs.request(protocol::status_request{"to-cancel"}))
               .state != protocol::job_state::cancelled)
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the job never ended cancelled";
    auto status = ctl({"status", "to-cancel"});
    EXPECT_TRUE(status.has("job to-cancel  cancelled")) << status.text();
    // The table pads its labels to the longest one shown, so the gap's width is not fixed.
    const auto row = [&](const std::string& value) {
        const std::regex pattern("^  cancelled +" + value + "$");
        return std::any_of(status.lines.begin(), status.lines.end(),
                           [&](const std::string& l) { return std::regex_search(l, pattern); });
    };
    EXPECT_TRUE(row("[0-9]+")) << status.text();
    auto json = ctl({"status", "to-cancel", "--json"});
    auto reply = nlohmann::json::parse(json.lines.at(0));
    const auto cancelled = reply.at("completed").get<int>() - reply.at("successful").get<int>() -
                           reply.at("failed").get<int>();
    EXPECT_GE(cancelled, 1);
    EXPECT_TRUE(row(std::to_string(cancelled))) << status.text();
}

}  // namespace
