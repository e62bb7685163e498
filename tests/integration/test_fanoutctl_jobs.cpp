// Finding jobs again (issue 13), against fleetsim and a real fanoutd: `fanoutctl jobs` lists
// active and kept jobs newest first within its limit; `follow` attaches to a running job and
// prints every router exactly once (results from before it attached and after); `watch`
// streams every result of every job; with --state-dir, ended jobs stay listed and fetchable
// after a restart, and go after --keep-seconds.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/fanout_harness.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/watch_sync.hpp"

using namespace fanout::testing;
namespace protocol = fanout::protocol;
using nlohmann::json;

namespace {

using ctl_run = finished_run;

ctl_run ctl(const fanoutd_process& daemon, std::vector<std::string> arguments,
            child_process::capture which = child_process::capture::stdout_stream) {
    std::vector<std::string> argv = {FANOUTCTL_BIN, "--jobs", daemon.jobs(), "--results",
                                     daemon.results()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_to_end(std::move(argv), which);
}

json jobs_json(const fanoutd_process& daemon, std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"jobs", "--json"});
    auto run = ctl(daemon, extra);
    EXPECT_EQ(run.code, 0) << run.text();
    if (run.lines.size() != 1) throw std::runtime_error("jobs --json: " + run.text());
    return json::parse(run.lines.front());
}

std::vector<std::string> listed_ids(const json& reply) {
    std::vector<std::string> ids;
    for (const auto& j : reply.at("jobs")) ids.push_back(j.at("job_id").get<std::string>());
    return ids;
}

// Polls `status` until `done` says yes; fails the test after `timeout`.
template <typename Condition>
protocol::status_reply wait_status(client& jobs, const std::string& id, Condition done,
                                   std::chrono::seconds timeout = 60s) {
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto status =
            expect_reply<protocol::status_reply>(jobs.request(protocol::status_request{id}));
        if (done(status)) return status;
        if (std::chrono::steady_clock::now() > give_up)
            throw std::runtime_error("job " + id + " never reached the expected state");
        std::this_thread::sleep_for(20ms);  // a poll interval, not synchronisation
    }
}

protocol::submit_request background(std::string id, std::vector<std::string> routers) {
    return submit_of(std::move(id), "show version", std::move(routers), /*wait=*/false);
}

}  // namespace

TEST(fanoutctl_jobs, lists_active_and_kept_jobs_newest_first_within_the_limit) {
    // r3 answers after 60 s: the second job stays running while we look.
    fleet_and_daemon setup(3, args{"--slow-every", "3:60000"});
    client jobs(setup.daemon.jobs());
    expect_reply<protocol::job_result>(
        jobs.request(submit_of("ended", "show version", {"r1", "r2"})));
    expect_reply<protocol::accepted_reply>(jobs.request(background("running", router_names(1, 3))));
    wait_status(jobs, "running", [](const auto& s) { return s.completed == 2; });

    auto all = jobs_json(setup.daemon);
    ASSERT_EQ(listed_ids(all), (std::vector<std::string>{"running", "ended"})) << all.dump();
    EXPECT_EQ(all.at("matched"), 2);
    EXPECT_EQ(all.at("more"), false);
    const auto& running = all.at("jobs").at(0);
    EXPECT_EQ(running.at("state"), "running");
    EXPECT_EQ(running.at("total_routers"), 3);
    EXPECT_EQ(running.at("completed"), 2);
    EXPECT_EQ(running.at("command"), "show version");
    EXPECT_EQ(all.at("jobs").at(1).at("state"), "done");

    auto newest = jobs_json(setup.daemon, {"--limit", "1"});
    EXPECT_EQ(listed_ids(newest), (std::vector<std::string>{"running"}));
    EXPECT_EQ(newest.at("matched"), 2);
    EXPECT_EQ(newest.at("more"), true);
    auto text = ctl(setup.daemon, {"jobs", "--limit", "1"});
    EXPECT_EQ(text.code, 0);
    EXPECT_NE(text.text().find("the newest 1 of 2 jobs"), std::string::npos) << text.text();
    EXPECT_EQ(listed_ids(jobs_json(setup.daemon, {"--state", "done"})),
              (std::vector<std::string>{"ended"}));

    // Ctrl-C stops following a job; it does not cancel it.
    child_process follow({FANOUTCTL_BIN, "--jobs", setup.daemon.jobs(), "--results",
                          setup.daemon.results(), "follow", "running", "--brief"});
    follow.wait_for_line("r2 ");  // r1 and r2 from replay; r3 is 60 s away
    EXPECT_EQ(follow.stop(SIGINT), 130);
    EXPECT_EQ(
        expect_reply<protocol::status_reply>(jobs.request(protocol::status_request{"running"}))
            .state,
        protocol::job_state::running);

    expect_reply<protocol::status_reply>(jobs.request(protocol::cancel_request{"running"}));
    wait_status(jobs, "running",
                [](const auto& s) { return s.state == protocol::job_state::cancelled; });
    auto cancelled = jobs_json(setup.daemon, {"--state", "cancelled"});
    ASSERT_EQ(listed_ids(cancelled), (std::vector<std::string>{"running"}));
    EXPECT_EQ(cancelled.at("jobs").at(0).at("cancelled"), 1);
}

TEST(fanoutctl_jobs, follow_prints_every_router_exactly_once_across_replay_and_live) {
    // r1..r5 answer at once, r6 after 5 s: follow attaches between the two.
    fleet_and_daemon setup(6, args{"--slow-every", "6:5000"});
    client jobs(setup.daemon.jobs());
    expect_reply<protocol::accepted_reply>(
        jobs.request(background("followed", router_names(1, 6))));
    wait_status(jobs, "followed", [](const auto& s) { return s.completed >= 5; });

    auto followed = ctl(setup.daemon, {"follow", "followed", "--json"});
    EXPECT_EQ(followed.code, 0) << followed.text();  // as run: every router succeeded
    std::map<std::string, int> seen;
    ASSERT_FALSE(followed.lines.empty());
    for (std::size_t i = 0; i + 1 < followed.lines.size(); ++i) {
        auto line = json::parse(followed.lines[i]);
        EXPECT_EQ(line.at("type"), "router_result") << followed.lines[i];
        ++seen[line.at("router_name").get<std::string>()];
    }
    auto last = json::parse(followed.lines.back());
    EXPECT_EQ(last.at("type"), "job_result");
    EXPECT_EQ(last.at("summary").at("successful"), 6);
    std::map<std::string, int> once;
    for (const auto& name : router_names(1, 6)) once[name] = 1;
    EXPECT_EQ(seen, once) << followed.text();

    // An ended job prints at once, as `run` would have, with run's exit code; text mode too.
    auto again = ctl(setup.daemon, {"follow", "followed", "--brief"});
    EXPECT_EQ(again.code, 0) << again.text();
    for (const auto& name : router_names(1, 6)) {
        const auto count =
            std::count_if(again.lines.begin(), again.lines.end(),
                          [&](const std::string& l) { return l.rfind(name + " ", 0) == 0; });
        EXPECT_EQ(count, 1) << name << " in\n" << again.text();
    }
    auto unknown =
        ctl(setup.daemon, {"follow", "no-such-job"}, child_process::capture::stderr_stream);
    EXPECT_EQ(unknown.code, 2) << unknown.text();
    EXPECT_NE(unknown.text().find("not_found"), std::string::npos) << unknown.text();
}

TEST(fanoutctl_jobs, watch_streams_every_result_of_every_job_until_ctrl_c) {
    fleet_and_daemon setup(3, args{});
    client jobs(setup.daemon.jobs());
    child_process watch({FANOUTCTL_BIN, "--results", setup.daemon.results(), "watch", "--json"});
    ASSERT_TRUE(sync_watch(jobs, watch, [](const std::string& id) {
        return "\"job_id\":\"" + id + "\"";
    })) << "watch never received a result";
    expect_reply<protocol::job_result>(jobs.request(submit_of("a", "show version", {"r1", "r2"})));
    expect_reply<protocol::job_result>(jobs.request(submit_of("b", "show version", {"r2", "r3"})));
    watch.wait_for_line("\"type\":\"job_result\",\"job_id\":\"b\"", 30s);
    std::map<std::string, int> results;  // "job router" -> lines
    for (const auto& line : watch.lines()) {
        auto object = json::parse(line);
        const auto job = object.at("job_id").get<std::string>();
        if (job != "a" && job != "b") continue;
        if (object.at("type") == "router_result")
            ++results[job + " " + object.at("router_name").get<std::string>()];
        else
            EXPECT_FALSE(object.contains("results")) << "job lines carry the summary only";
    }
    EXPECT_EQ(results,
              (std::map<std::string, int>{{"a r1", 1}, {"a r2", 1}, {"b r2", 1}, {"b r3", 1}}));
    EXPECT_EQ(watch.stop(SIGINT), 0) << "Ctrl-C is how watch ends";
}

TEST(fanoutctl_jobs, kept_jobs_survive_a_restart_and_go_after_keep_seconds) {
    temp_dir dir;
    fleet routers_served(dir, 2);
    const auto start = [&](std::string keep_seconds) {
        return std::make_unique<fanoutd_process>(
            dir, routers_served.devices_json(), routers_served.known_hosts(),
            args{"--state-dir", dir.file("state"), "--keep-seconds", keep_seconds});
    };
    {
        auto first = start("3600");
        client jobs(first->jobs());
        expect_reply<protocol::job_result>(
            jobs.request(submit_of("yesterday", "show version", {"r1", "r2"})));
        EXPECT_EQ(first->process().stop(SIGTERM), 0);
    }
    const auto restarted_at = std::chrono::steady_clock::now();
    {
        auto second = start("10");
        auto listed = jobs_json(*second);
        ASSERT_EQ(listed_ids(listed), (std::vector<std::string>{"yesterday"})) << listed.dump();
        EXPECT_EQ(listed.at("jobs").at(0).at("state"), "done");
        EXPECT_EQ(listed.at("jobs").at(0).at("successful"), 2);
        auto result = ctl(*second, {"result", "yesterday", "--json"});
        EXPECT_EQ(result.code, 0) << result.text();
        auto replayed = ctl(*second, {"replay", "--since", "0", "--job", "yesterday", "--json"});
        EXPECT_EQ(replayed.code, 0);
        EXPECT_EQ(replayed.lines.size(), 2u) << replayed.text();

        // --keep-seconds 10 counts from the job's end, across the restart: wait for it to go.
        client jobs(second->jobs());
        const auto give_up = std::chrono::steady_clock::now() + 90s;
        while (!std::holds_alternative<protocol::error_reply>(
                   jobs.request(protocol::status_request{"yesterday"})) &&
               std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(200ms);  // a poll interval, not synchronisation
        EXPECT_EQ(expect_error(jobs.request(protocol::status_request{"yesterday"})).code,
                  protocol::error_code::not_found);
        EXPECT_GE(std::chrono::steady_clock::now() - restarted_at, 5s)
            << "expired long before --keep-seconds";
        EXPECT_TRUE(jobs_json(*second).at("jobs").empty());
        EXPECT_EQ(second->process().stop(SIGTERM), 0);
    }
    auto third = start("3600");  // an expired job stays gone, whatever the new setting
    EXPECT_TRUE(jobs_json(*third).at("jobs").empty());
}
