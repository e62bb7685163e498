// Unit tests of fanoutctl's pure parts: text and JSON rendering, progress and summary,
// job id generation, result de-duplication and exit codes (router lists: test_fanoutctl_select).
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/job_id.hpp"
#include "tools/fanoutctl/render_json.hpp"
#include "tools/fanoutctl/render_text.hpp"
#include "tools/fanoutctl/result_tracker.hpp"
#include "tools/fanoutctl/text_table.hpp"

namespace {

using namespace fanout;
using namespace fanout::ctl;
using protocol::error_kind;
using protocol::router_status;

protocol::router_result make_result(std::string router, router_status status,
                                    std::uint32_t command_index = 0) {
    protocol::router_result r;
    r.job_id = "job-1";
    r.router_name = std::move(router);
    r.command = "show version";
    r.command_index = command_index;
    r.status = status;
    r.execution_duration = 0.532;
    r.start_time = "2026-11-26T10:00:00.000Z";
    r.end_time = "2026-11-26T10:00:00.532Z";
    r.seq = 7;
    if (status == router_status::success) {
        r.output = "\nHostname: r1\r\nModel: mx960\r\nJunos: 21.4R3\n\n";
        r.exit_status = 0;
    }
    return r;
}

protocol::job_result make_job(std::vector<protocol::router_result> results) {
    protocol::job_result job;
    job.job_id = "job-1";
    job.state = protocol::job_state::done;
    job.summary.commands = {"show version"};
    job.summary.total_routers = results.size();
    job.summary.total = results.size();
    for (const auto& r : results) {
        if (r.status == router_status::success) ++job.summary.successful;
        if (r.status == router_status::failed) ++job.summary.failed;
        if (r.status == router_status::cancelled) ++job.summary.cancelled;
    }
    job.summary.total_duration = 1.5;
    job.results = std::move(results);
    return job;
}

// ---- text: one result ----

TEST(FanoutctlText, BriefSuccessIsOneAlignedLineWithTheFirstOutputLine) {
    const auto line = format_router_result(make_result("r1", router_status::success),
                                           {.name_width = 4, .brief = true});
    EXPECT_EQ(line, "r1    ok           0.532s  Hostname: r1\n");
}

TEST(FanoutctlText, FullSuccessIndentsEveryOutputLineAndStderr) {
    auto r = make_result("r1", router_status::success);
    r.stderr_output = "warning: something\n";
    const auto text = format_router_result(r, {.name_width = 2});
    EXPECT_EQ(text,
              "r1  ok           0.532s\n"
              "    Hostname: r1\n"
              "    Model: mx960\n"
              "    Junos: 21.4R3\n"
              "    stderr: warning: something\n");
}

TEST(FanoutctlText, FailureShowsErrorKindAndMessage) {
    auto r = make_result("edge-7", router_status::failed);
    r.error = protocol::router_error{error_kind::timeout, "no answer within 5s\nmore detail"};
    r.execution_duration = 5.0012;
    const auto line = format_router_result(r, {.name_width = 6, .brief = true});
    EXPECT_EQ(line, "edge-7  FAILED       5.001s  timeout: no answer within 5s\n");
}

TEST(FanoutctlText, FailureWithoutErrorObjectShowsTheExitStatus) {
    auto r = make_result("r2", router_status::failed);
    r.exit_status = 1;
    r.output = "error: syntax error\n";
    const auto text = format_router_result(r, {.name_width = 2});
    EXPECT_EQ(text,
              "r2  FAILED       0.532s  exit status 1: error: syntax error\n"
              "    error: syntax error\n");
}

TEST(FanoutctlText, BriefFailureShowsTheRoutersOwnErrorText) {
    auto r = make_result("r2", router_status::failed);
    r.exit_status = 1;
    r.error = protocol::router_error{error_kind::exit_status, "exit status 1"};
    r.output = "\n                 ^\nerror: syntax error, expecting <command>: foo\n";
    EXPECT_EQ(format_router_result(r, {.name_width = 2, .brief = true}),
              "r2  FAILED       0.532s  exit_status: exit status 1: error: syntax error, "
              "expecting <command>: foo\n");
    r.output = "";
    r.stderr_output = "permission denied\n";
    EXPECT_EQ(failure_message(r), "exit status 1: permission denied");
    r.error = protocol::router_error{error_kind::timeout, "no answer within 5s"};
    EXPECT_EQ(failure_message(r), "no answer within 5s") << "only a router's own answer";
}

TEST(FanoutctlText, TruncatedOutputIsMarked) {
    auto r = make_result("r1", router_status::success);
    r.truncated = true;
    EXPECT_EQ(format_router_result(r, {.name_width = 2, .brief = true}),
              "r1  ok           0.532s  Hostname: r1  [output truncated]\n");
    EXPECT_NE(format_router_result(r, {}).find("[output truncated]"), std::string::npos);
}

TEST(FanoutctlText, CancelledShowsItsWordAndReason) {
    auto r = make_result("r3", router_status::cancelled);
    r.execution_duration = 0;
    r.error = protocol::router_error{error_kind::internal, "job cancelled"};
    EXPECT_EQ(format_router_result(r, {.name_width = 2, .brief = true}),
              "r3  cancelled    0.000s  internal: job cancelled\n");
}

TEST(FanoutctlText, MultiCommandJobsNameTheCommand) {
    auto r = make_result("r1", router_status::success, 1);
    r.command = "show system uptime";
    const auto text = format_router_result(r, {.name_width = 2, .show_command = true});
    EXPECT_EQ(text.substr(0, text.find('\n')), "r1  ok           0.532s  [show system uptime]");
}

TEST(FanoutctlText, RouterOutputCannotSendTerminalEscapes) {
    auto r = make_result("r1", router_status::success);
    r.output = "evil\x1b[2Jline\x07\n";
    const auto text = format_router_result(r, {});
    EXPECT_EQ(text.find('\x1b'), std::string::npos);
    EXPECT_EQ(text.find('\x07'), std::string::npos);
    EXPECT_NE(text.find("    evil?[2Jline?\n"), std::string::npos);
}

TEST(FanoutctlText, SecondsHaveMillisecondPrecision) {
    EXPECT_EQ(format_seconds(0.5324), "0.532s");
    EXPECT_EQ(format_seconds(12), "12.000s");
}

// ---- text: progress, summary, tables ----

TEST(FanoutctlText, ProgressLinePadsDoneToTheWidthOfTotal) {
    EXPECT_EQ(format_progress({.done = 37, .total = 50, .failed = 2}, 1.44),
              "[37/50 done, 2 failed, 1.4s elapsed]");
    EXPECT_EQ(format_progress({.done = 7, .total = 250, .failed = 0}, 0),
              "[  7/250 done, 0 failed, 0.0s elapsed]");
    EXPECT_EQ(format_progress({.done = 5, .total = 9, .failed = 1, .cancelled = 3}, 2),
              "[5/9 done, 1 failed, 3 cancelled, 2.0s elapsed]");
}

TEST(FanoutctlText, TheProgressLineNamesPendingRoutersNearTheEnd) {
    EXPECT_EQ(format_waiting({"r21", "r50", "r100"}, 3), " waiting: r21, r50, r100");
    EXPECT_EQ(format_waiting({"a", "b", "c", "d", "e", "f", "g"}, 7),
              " waiting: a, b, c, d, e +2 more");
    EXPECT_EQ(format_waiting({"a"}, most_waiting_shown + 1), "") << "too many to be worth naming";
    EXPECT_EQ(format_waiting({}, 0), "");
    EXPECT_EQ(format_waiting({"r\x1b[2J"}, 1), " waiting: r?[2J") << "terminal-safe";
}

TEST(FanoutctlText, SummaryTableCountsEveryOutcome) {
    auto failed = make_result("r2", router_status::failed);
    failed.error = protocol::router_error{error_kind::connect, "connection refused"};
    auto cancelled = make_result("r3", router_status::cancelled);
    const auto job = make_job({make_result("r1", router_status::success), failed, cancelled,
                               make_result("r4", router_status::success)});
    EXPECT_EQ(format_job_summary(job),
              "job job-1  done\n"
              "  command   show version\n"
              "  routers   4 (2 ok, 1 failed, 1 cancelled)\n"
              "  results   4 (2 ok, 1 failed, 1 cancelled)\n"
              "  duration  1.500s\n");
}

TEST(FanoutctlText, SummaryAndStatusShowTheDeadline) {
    auto job = make_job({make_result("r1", router_status::success)});
    EXPECT_EQ(format_job_summary(job).find("deadline"), std::string::npos) << "none: no row";
    job.summary.deadline = 30.0;
    EXPECT_NE(format_job_summary(job).find("  deadline  30s per router\n"), std::string::npos)
        << format_job_summary(job);
    protocol::status_reply status{"j", protocol::job_state::running, 4, 1, 1, 0};
    EXPECT_EQ(format_status(status).find("deadline"), std::string::npos);
    status.deadline = 0.5;
    EXPECT_NE(format_status(status).find("  deadline    0.5s per router\n"), std::string::npos)
        << format_status(status);
    EXPECT_EQ(to_json(job)["summary"]["deadline"], 30.0);
    EXPECT_EQ(to_json(status)["deadline"], 0.5);
}

TEST(FanoutctlText, OneBadRouterWithThreeCommandsIsOneFailedRouter) {
    std::vector<protocol::router_result> results;
    for (std::uint32_t c = 0; c < 3; ++c) {
        results.push_back(make_result("r1", router_status::success, c));
        auto bad = make_result("r2", router_status::failed, c);
        bad.error = protocol::router_error{error_kind::auth, "authentication failed"};
        results.push_back(bad);
    }
    results.push_back(make_result("r3", router_status::cancelled, 0));
    results.push_back(make_result("r3", router_status::success, 1));
    auto job = make_job(results);
    job.summary.commands = {"show version", "show a", "show b"};
    job.summary.total_routers = 3;
    const auto counts = count_routers(job);
    EXPECT_EQ(counts.ok, 1u);
    EXPECT_EQ(counts.failed, 1u);
    EXPECT_EQ(counts.cancelled, 1u);
    const auto summary = format_job_summary(job);
    EXPECT_NE(summary.find("  routers   3 (1 ok, 1 failed, 1 cancelled)\n"), std::string::npos)
        << summary;
    EXPECT_NE(summary.find("  results   8 (4 ok, 3 failed, 1 cancelled)\n"), std::string::npos)
        << summary;
    EXPECT_EQ(format_failed_table(job),
              "failed routers (1, 3 results):\n"
              "  ROUTER  COMMAND       ERROR  MESSAGE\n"
              "  r2      show version  auth   authentication failed\n");
}

TEST(FanoutctlText, StatusShowsTheCancelledCount) {
    protocol::status_reply status{"j", protocol::job_state::cancelled, 10, 10, 3, 1};
    EXPECT_EQ(format_status(status),
              "job j  cancelled\n"
              "  total       10\n"
              "  completed   10\n"
              "  successful  3\n"
              "  failed      1\n"
              "  cancelled   6\n");
    status.state = protocol::job_state::done;
    status.completed = 4;
    EXPECT_EQ(format_status(status).find("cancelled"), std::string::npos);
}

TEST(FanoutctlText, FailedTableListsOnlyFailuresWithTheirKinds) {
    auto auth = make_result("r2", router_status::failed);
    auth.error = protocol::router_error{error_kind::auth, "authentication failed"};
    auto exit_status = make_result("r5", router_status::failed);
    exit_status.exit_status = 1;
    auto cancelled = make_result("r3", router_status::cancelled);
    const auto job =
        make_job({make_result("r1", router_status::success), auth, cancelled, exit_status});
    EXPECT_EQ(format_failed_table(job),
              "failed routers (2):\n"
              "  ROUTER  ERROR  MESSAGE\n"
              "  r2      auth   authentication failed\n"
              "  r5      -      exit status 1\n");
    EXPECT_EQ(format_failed_table(make_job({make_result("r1", router_status::success), cancelled})),
              "");
}

TEST(FanoutctlText, RoutersTableShowsNoSecretsAndAlignsPorts) {
    protocol::routers_reply reply;
    reply.routers = {{"r1", "127.0.0.1", 20001, "admin"}, {"core-22", "10.0.0.2", 22, "ops"}};
    EXPECT_EQ(format_routers_table(reply),
              "NAME     IP          PORT  USERNAME\n"
              "r1       127.0.0.1  20001  admin\n"
              "core-22  10.0.0.2      22  ops\n"
              "(2 routers)\n");
    reply.routers[1].groups = {"core", "lon"};
    EXPECT_EQ(format_routers_table(reply),
              "NAME     IP          PORT  USERNAME  GROUPS\n"
              "r1       127.0.0.1  20001  admin\n"
              "core-22  10.0.0.2      22  ops       core,lon\n"
              "(2 routers)\n");
    EXPECT_EQ(to_json(reply)["routers"][1]["groups"].dump(), R"(["core","lon"])");
    EXPECT_FALSE(to_json(reply)["routers"][0].contains("groups"));
}

TEST(FanoutctlText, ErrorReplyNamesCodeAndOffendingRouters) {
    protocol::error_reply error;
    error.code = protocol::error_code::unknown_routers;
    error.message = "2 routers are not in the inventory";
    error.routers = {"r98", "r99"};
    EXPECT_EQ(format_error_reply(error),
              "error unknown_routers: 2 routers are not in the inventory\n"
              "  routers (2): r98, r99\n");
}

TEST(FanoutctlText, TableHasNoTrailingBlanks) {
    text_table table({false, true});
    table.add_row({"a", "1"});
    table.add_row({"long", "100"});
    table.add_row({"x"});
    EXPECT_EQ(table.render(">"), ">a       1\n>long  100\n>x\n");
}

// ---- JSON ----

TEST(FanoutctlJson, RouterResultHasEveryProtocolFieldInWireOrder) {
    auto r = make_result("r1", router_status::success);
    const auto j = to_json(r);
    std::vector<std::string> keys;
    for (const auto& item : j.items()) keys.push_back(item.key());
    EXPECT_EQ(keys,
              (std::vector<std::string>{"type", "job_id", "router_name", "command", "command_index",
                                        "status", "output", "stderr", "exit_status", "truncated",
                                        "execution_duration", "start_time", "end_time", "seq"}));
    EXPECT_EQ(j["type"], "router_result");
    EXPECT_EQ(j["status"], "success");
    EXPECT_EQ(j["exit_status"], 0);
    EXPECT_EQ(j["execution_duration"], 0.532);
    EXPECT_EQ(j["seq"], 7);
    EXPECT_EQ(j["truncated"], false);
}

TEST(FanoutctlJson, FailedResultHasNullExitStatusAndAnErrorObject) {
    auto r = make_result("r2", router_status::failed);
    r.error = protocol::router_error{error_kind::host_key, "host key mismatch"};
    const auto j = to_json(r);
    ASSERT_TRUE(j.contains("exit_status"));
    EXPECT_TRUE(j["exit_status"].is_null());
    EXPECT_EQ(j["status"], "failed");
    EXPECT_EQ(j["error"], (ordered_json{{"kind", "host_key"}, {"message", "host key mismatch"}}));
    const auto line = json_line(j);
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);  // one object per line
}

TEST(FanoutctlJson, InvalidUtf8OutputIsReplacedNotFatal) {
    auto r = make_result("r1", router_status::success);
    r.output = "ok \xff\xfe bytes";
    const auto line = json_line(to_json(r));
    EXPECT_EQ(nlohmann::json::parse(line)["output"], "ok \xEF\xBF\xBD\xEF\xBF\xBD bytes");
}

TEST(FanoutctlJson, JobResultCarriesSummaryAndResultsInOrder) {
    auto failed = make_result("r2", router_status::failed);
    failed.error = protocol::router_error{error_kind::timeout, "timed out"};
    const auto j = to_json(make_job({make_result("r1", router_status::success), failed}));
    EXPECT_EQ(j["type"], "job_result");
    EXPECT_EQ(j["job_id"], "job-1");
    EXPECT_EQ(j["state"], "done");
    EXPECT_EQ(j["summary"], (ordered_json{{"command", "show version"},
                                          {"total_routers", 2},
                                          {"total", 2},
                                          {"successful", 1},
                                          {"failed", 1},
                                          {"cancelled", 0},
                                          {"total_duration", 1.5}}));
    ASSERT_EQ(j["results"].size(), 2u);
    EXPECT_EQ(j["results"][0]["router_name"], "r1");
    EXPECT_EQ(j["results"][1]["error"]["kind"], "timeout");
}

TEST(FanoutctlJson, MultiCommandSummaryUsesCommands) {
    auto job = make_job({});
    job.summary.commands = {"show version", "show system uptime"};
    job.summary.single_command = false;
    const auto j = to_json(job);
    EXPECT_FALSE(j["summary"].contains("command"));
    EXPECT_EQ(j["summary"]["commands"][1], "show system uptime");
    EXPECT_TRUE(j["results"].is_array());
}

TEST(FanoutctlJson, RepliesUseWireNames) {
    protocol::status_reply status{"job-1", protocol::job_state::running, 50, 37, 35, 2};
    EXPECT_EQ(to_json(status), (ordered_json{{"type", "status"},
                                             {"job_id", "job-1"},
                                             {"state", "running"},
                                             {"total", 50},
                                             {"completed", 37},
                                             {"successful", 35},
                                             {"failed", 2}}));
    protocol::error_reply error{protocol::error_code::not_found, "no such job", "x", {}};
    EXPECT_EQ(to_json(error), (ordered_json{{"type", "error"},
                                            {"code", "not_found"},
                                            {"message", "no such job"},
                                            {"job_id", "x"}}));
    protocol::routers_reply routers;
    routers.routers = {{"r1", "127.0.0.1", 2201, "admin"}};
    EXPECT_EQ(
        to_json(routers)["routers"][0],
        (ordered_json{{"name", "r1"}, {"ip", "127.0.0.1"}, {"port", 2201}, {"username", "admin"}}));
}

TEST(FanoutctlJson, PongCarriesSessionFiguresWhenTheDaemonSendsThem) {
    protocol::pong_reply pong{"1.0.0", 8, 1, 0, 1, 2.5, std::nullopt};
    EXPECT_FALSE(to_json(pong).contains("sessions"));
    pong.sessions = protocol::session_figures{3, 2, 40, 5, 1, 0, 7, std::nullopt};
    EXPECT_EQ(to_json(pong)["sessions"], (ordered_json{{"open", 3},
                                                       {"idle", 2},
                                                       {"hits", 40},
                                                       {"misses", 5},
                                                       {"dropped", 1},
                                                       {"evicted", 0},
                                                       {"expired", 7}}))
        << "no `reopened` from a daemon that does not send it";
    pong.sessions->reopened = 4;
    EXPECT_EQ(to_json(pong)["sessions"]["reopened"], 4);
}

TEST(FanoutctlText, PongShowsTheSessionPool) {
    protocol::pong_reply pong{"1.0.0", 8, 1, 0, 1, 2.5, std::nullopt};
    EXPECT_EQ(format_pong(pong).find("sessions"), std::string::npos);
    pong.sessions = protocol::session_figures{3, 2, 40, 5, 1, 0, 7, std::nullopt};
    EXPECT_NE(format_pong(pong).find(
                  "3 open, 2 idle, 40 hits, 5 misses, 1 dropped, 0 evicted, 7 expired\n"),
              std::string::npos)
        << format_pong(pong);
    pong.sessions->reopened = 4;
    EXPECT_NE(format_pong(pong).find("0 evicted, 7 expired, 4 reopened after eviction\n"),
              std::string::npos)
        << format_pong(pong);
}

// ---- job ids ----

const std::regex job_id_charset("[A-Za-z0-9_:-]{1,64}");  // no dot: PROTOCOL.md, topics

TEST(FanoutctlJobId, GeneratedIdsUseTheProtocolCharset) {
    EXPECT_EQ(make_job_id("ops-host", 4242, 1700000000123), "ctl-ops-host-4242-1700000000123");
    EXPECT_TRUE(std::regex_match(generate_job_id(), job_id_charset));
}

TEST(FanoutctlJobId, OddHostnamesAreReducedAndLongOnesShortened) {
    const auto odd = make_job_id("host name/with*stuff\xc3\xa9", 1, 2);
    EXPECT_TRUE(std::regex_match(odd, job_id_charset)) << odd;
    EXPECT_EQ(odd.rfind("ctl-host-name-with-stuff", 0), 0u);
    const auto long_id = make_job_id(std::string(200, 'h'), 4194304, 1700000000123);
    EXPECT_EQ(long_id.size(), 64u);
    EXPECT_TRUE(std::regex_match(long_id, job_id_charset));
    EXPECT_TRUE(long_id.ends_with("-4194304-1700000000123"));  // the unique part survives
    EXPECT_TRUE(std::regex_match(make_job_id("", 1, 2), job_id_charset));
}

TEST(FanoutctlJobId, AnFqdnHostnameGivesAnIdWithoutDots) {
    EXPECT_EQ(make_job_id("ops1.lon.example.net", 7, 8), "ctl-ops1-lon-example-net-7-8");
}

// ---- de-duplication and exit codes ----

TEST(FanoutctlTracker, EachResultIsAcceptedOnceFromEitherPath) {
    result_tracker tracker(4);
    EXPECT_TRUE(tracker.add(make_result("r1", router_status::success)));
    EXPECT_FALSE(tracker.add(make_result("r1", router_status::success)));
    EXPECT_TRUE(tracker.add(make_result("r1", router_status::success, 1)));
    auto failed = make_result("r2", router_status::failed);
    const auto job = make_job({make_result("r1", router_status::success), failed,
                               make_result("r1", router_status::success, 1),
                               make_result("r3", router_status::cancelled)});
    const auto unseen = tracker.take_unseen(job);
    ASSERT_EQ(unseen.size(), 2u);
    EXPECT_EQ(unseen[0].router_name, "r2");
    EXPECT_EQ(unseen[1].router_name, "r3");
    const auto c = tracker.counts();
    EXPECT_EQ(c.done, 4u);
    EXPECT_EQ(c.failed, 1u);
    EXPECT_EQ(c.cancelled, 1u);
    EXPECT_TRUE(tracker.all_seen());
    EXPECT_TRUE(tracker.take_unseen(job).empty());
}

TEST(FanoutctlTracker, PendingRoutersAreThoseWithoutEveryResultInRequestOrder) {
    result_tracker tracker(6);
    tracker.expect_routers({"r3", "r1", "r2"}, 2);
    tracker.add(make_result("r1", router_status::success));
    tracker.add(make_result("r1", router_status::failed, 1));
    tracker.add(make_result("r2", router_status::success));
    std::size_t count = 0;
    EXPECT_EQ(tracker.pending(10, count), (std::vector<std::string>{"r3", "r2"}));
    EXPECT_EQ(count, 2u);
    EXPECT_EQ(tracker.pending(1, count), (std::vector<std::string>{"r3"}));
    EXPECT_EQ(count, 2u) << "the count is of all pending routers, not of the names returned";
}

TEST(FanoutctlTracker, DaemonCountCanRunAheadOfTheStream) {
    result_tracker tracker(10);
    tracker.add(make_result("r1", router_status::success));
    tracker.note_daemon_completed(6);
    EXPECT_EQ(tracker.counts().done, 6u);
    EXPECT_FALSE(tracker.all_seen());  // still waiting for the results themselves
}

TEST(FanoutctlExitCode, ZeroOnlyWhenEveryRouterSucceeded) {
    EXPECT_EQ(job_exit_code(make_job({make_result("r1", router_status::success)})), 0);
    EXPECT_EQ(job_exit_code(make_job({make_result("r1", router_status::success),
                                      make_result("r2", router_status::failed)})),
              1);
    EXPECT_EQ(job_exit_code(make_job({make_result("r1", router_status::cancelled)})), 1);
    auto cancelled_job = make_job({make_result("r1", router_status::success)});
    cancelled_job.state = protocol::job_state::cancelled;
    EXPECT_EQ(job_exit_code(cancelled_job), 1);
}

}  // namespace
