// fanoutctl as a client, against fanoutd and against nothing: a missing daemon is known within
// seconds (read-only requests fail fast, run keeps its retries); flags beat the environment,
// which beats the config file; --json errors are JSON on stdout with the usual exit codes; a
// mistyped subcommand is named with the valid ones; status and cancel exit 1 unless the job
// ended with every router successful, and cancel prints the state once the cancel took effect;
// a resubmitted job id says that the answer is the old one.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/fanout_harness.hpp"
#include "tests/support/temp_dir.hpp"

using namespace fanout::testing;
namespace protocol = fanout::protocol;

namespace {

using ctl_run = finished_run;

// fanoutctl under `env` (VAR=value words, or -u VAR), with `arguments`; one stream captured.
ctl_run ctl(std::vector<std::string> env, std::vector<std::string> arguments,
            child_process::capture which = child_process::capture::stdout_stream) {
    // Nothing of the developer's own setup leaks in: no FANOUT_* variable, no config file.
    static const temp_dir no_config;
    std::vector<std::string> argv = {"/usr/bin/env"};
    for (const char* variable :
         {"FANOUT_JOBS", "FANOUT_RESULTS", "FANOUT_REQUEST_TIMEOUT", "FANOUT_RETRIES",
          "FANOUT_CURVE_SERVER_KEY", "FANOUT_CURVE_CLIENT_KEY"})
        argv.insert(argv.end(), {"-u", variable});
    argv.push_back("XDG_CONFIG_HOME=" + no_config.path());  // a test's own `env` may override
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(FANOUTCTL_BIN);
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_to_end(std::move(argv), which, 60s);
}

constexpr auto stderr_stream = child_process::capture::stderr_stream;

TEST(fanoutctl_client, a_missing_daemon_is_known_within_three_seconds) {
    temp_dir dir;
    const auto nowhere = "ipc://" + dir.file("no-daemon.sock");
    const std::vector<std::string> no_config = {"XDG_CONFIG_HOME=" + dir.path()};
    for (std::string query : {"ping", "routers"}) {
        auto run = ctl(no_config, {"--jobs", nowhere, query}, stderr_stream);
        EXPECT_EQ(run.code, 3) << query << ": " << run.text();
        // One 2 s attempt (the message says so); the bound on the clock is loose for loaded
        // CI machines, the message is exact.
        EXPECT_LT(run.took, 6s) << query << " took too long";
        EXPECT_TRUE(run.has("no reply from fanoutd at " + nowhere + " within 2s")) << run.text();
        EXPECT_FALSE(run.has("retrying")) << run.text();
    }
    auto status = ctl(no_config, {"--jobs", nowhere, "status", "some-job"}, stderr_stream);
    EXPECT_EQ(status.code, 3) << status.text();
    EXPECT_LT(status.took, 6s);
    // A submit keeps its Lazy Pirate retries: a lost reply matters there.
    auto run =
        ctl(no_config,
            {"--jobs", nowhere, "--request-timeout", "0.2", "run", "-r", "r1", "show", "version"},
            stderr_stream);
    EXPECT_EQ(run.code, 3) << run.text();
    EXPECT_EQ(std::count_if(run.lines.begin(), run.lines.end(),
                            [](const std::string& l) { return l.find("retrying") != l.npos; }),
              3)
        << run.text();
}

TEST(fanoutctl_client, flags_beat_the_environment_which_beats_the_config_file) {
    temp_dir dir;
    std::filesystem::create_directories(dir.file("fanout"));
    std::ofstream(dir.file("fanout/fanoutctl.conf"))
        << "jobs = \"ipc://" << dir.file("from-config") << "\"\nrequest-timeout = 0.3\n";
    const auto config = "XDG_CONFIG_HOME=" + dir.path();
    const auto env = "FANOUT_JOBS=ipc://" + dir.file("from-env");
    auto endpoint_used = [&](std::vector<std::string> env_words, std::vector<std::string> flags) {
        flags.push_back("ping");
        auto run = ctl(env_words, flags, stderr_stream);
        EXPECT_EQ(run.code, 3) << run.text();
        for (std::string source : {"from-config", "from-env", "from-flag"})
            if (run.has(dir.file(source) + " within 0.3s")) return source;
        return "none: " + run.text();
    };
    EXPECT_EQ(endpoint_used({config}, {}), "from-config");
    EXPECT_EQ(endpoint_used({config, env}, {}), "from-env");
    EXPECT_EQ(endpoint_used({config, env}, {"--jobs", "ipc://" + dir.file("from-flag")}),
              "from-flag");
    // An explicit config file that does not exist, a misspelt key in one, and an unusable
    // variable are errors naming what is wrong, not silence.
    auto missing = ctl({config}, {"--config", dir.file("absent.conf"), "ping"}, stderr_stream);
    EXPECT_EQ(missing.code, 2) << missing.text();
    std::ofstream(dir.file("typo.conf")) << "request_timeout = 0.3\n";
    auto typo = ctl({}, {"--config", dir.file("typo.conf"), "ping"}, stderr_stream);
    EXPECT_EQ(typo.code, 2) << typo.text();
    EXPECT_TRUE(typo.has("request_timeout")) << typo.text();
    auto bad_env = ctl({"FANOUT_RETRIES=abc"}, {"--retries", "1", "ping"}, stderr_stream);
    EXPECT_EQ(bad_env.code, 2) << bad_env.text();
    EXPECT_TRUE(bad_env.has("FANOUT_RETRIES must be 0-100, got 'abc'")) << bad_env.text();
}

TEST(fanoutctl_client, a_mistyped_subcommand_is_named_with_the_valid_ones) {
    auto run = ctl({}, {"stauts", "job-1"}, stderr_stream);
    EXPECT_EQ(run.code, 2);
    EXPECT_TRUE(run.has("unknown subcommand 'stauts' (did you mean status?)")) << run.text();
    EXPECT_TRUE(run.has("subcommands: run, status, result, cancel, routers, ping")) << run.text();
}

TEST(fanoutctl_client, json_errors_are_json_on_stdout_with_the_same_exit_codes) {
    temp_dir dir;
    auto error_of = [](const ctl_run& run) {
        EXPECT_EQ(run.lines.size(), 1u) << run.text();
        return nlohmann::json::parse(run.lines.at(0));
    };
    auto nowhere = ctl({}, {"--jobs", "ipc://" + dir.file("none"), "ping", "--json"});
    EXPECT_EQ(nowhere.code, 3);
    auto error = error_of(nowhere);
    EXPECT_EQ(error.at("type"), "error");
    EXPECT_EQ(error.at("code"), "no_reply");
    auto typo = ctl({}, {"--json", "pnig"});
    EXPECT_EQ(typo.code, 2);
    EXPECT_EQ(error_of(typo).at("code"), "usage");
    EXPECT_NE(error_of(typo).at("message").get<std::string>().find("did you mean ping"),
              std::string::npos);

    fleet_and_daemon fleet(2, {});
    auto unknown = ctl({}, {"--jobs", fleet.daemon.jobs(), "status", "no-such-job", "--json"});
    EXPECT_EQ(unknown.code, 2);
    EXPECT_EQ(error_of(unknown).at("code"), "not_found");
}

TEST(fanoutctl_client, status_and_cancel_exit_1_unless_every_router_succeeded) {
    // r3 refuses every password; r4 never finishes its authentication.
    fleet_and_daemon fleet(4, {"--fault", "r3=auth_fail", "--fault", "r4=hang_auth"});
    client jobs(fleet.daemon.jobs());
    const std::vector<std::string> at = {"--jobs", fleet.daemon.jobs(), "--results",
                                         fleet.daemon.results()};
    auto query = [&](std::vector<std::string> words) {
        words.insert(words.begin(), at.begin(), at.end());
        return ctl({}, words);
    };
    expect_reply<protocol::job_result>(
        jobs.request(submit_of("clean", "show version", {"r1", "r2"})));
    expect_reply<protocol::job_result>(
        jobs.request(submit_of("one-bad", "show version", {"r1", "r3"})));
    EXPECT_EQ(query({"status", "clean"}).code, 0);
    auto bad = query({"status", "one-bad"});
    EXPECT_EQ(bad.code, 1) << bad.text();
    EXPECT_TRUE(bad.has("job one-bad  done")) << bad.text();

    expect_reply<protocol::accepted_reply>(
        jobs.request(submit_of("stuck", "show version", {"r4"}, false, 120)));
    auto running = query({"status", "stuck"});
    EXPECT_EQ(running.code, 1) << running.text();
    EXPECT_TRUE(running.has("job stuck  running")) << running.text();
    // cancel prints the job once the cancel took effect: r4 was in flight, and is aborted.
    auto cancel = query({"cancel", "stuck"});
    EXPECT_EQ(cancel.code, 1) << cancel.text();
    EXPECT_TRUE(cancel.has("job stuck  cancelled")) << cancel.text();
}

TEST(fanoutctl_client, a_resubmitted_job_id_says_it_is_the_old_answer) {
    fleet_and_daemon fleet(2, {});
    const std::vector<std::string> at = {"--jobs", fleet.daemon.jobs(), "--results",
                                         fleet.daemon.results()};
    auto run = [&](std::vector<std::string> words) {
        words.insert(words.begin(), at.begin(), at.end());
        return ctl({}, words, stderr_stream);
    };
    const std::vector<std::string> job = {"run",   "--job-id", "uptime-check", "-r",
                                          "r1,r2", "show",     "system",       "uptime"};
    auto first = run(job);
    EXPECT_EQ(first.code, 0) << first.text();
    EXPECT_FALSE(first.has("already ran")) << first.text();
    auto again = run(job);
    EXPECT_EQ(again.code, 0) << again.text();
    EXPECT_TRUE(again.has("fanoutctl: job uptime-check: already ran at ")) << again.text();
    EXPECT_TRUE(again.has("showing its results (use a new --job-id to run again)")) << again.text();

    // On the wire: `first_accepted_at` only in answers to a resubmit, `wait: true` ones too.
    client jobs(fleet.daemon.jobs());
    auto fresh = expect_reply<protocol::job_result>(
        jobs.request(submit_of("waited", "show version", {"r1"}, true)));
    EXPECT_TRUE(fresh.first_accepted_at.empty());
    auto old = expect_reply<protocol::job_result>(
        jobs.request(submit_of("waited", "show version", {"r1"}, true)));
    EXPECT_EQ(old.first_accepted_at.size(), 24u) << old.first_accepted_at;  // ISO 8601, ms, Z
    auto accepted = expect_reply<protocol::accepted_reply>(
        jobs.request(submit_of("waited", "show version", {"r1"}, false)));
    EXPECT_EQ(accepted.first_accepted_at, old.first_accepted_at);
}

}  // namespace
