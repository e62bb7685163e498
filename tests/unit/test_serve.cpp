// serve(), the worker's safety rules, with in-memory sessions whose every command outcome the
// test scripts: a command that never reached the router is retried once on a fresh
// connection, one that may have been sent never runs again, and only clean sessions are kept.
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/ssh/session_pool.hpp"
#include "daemon/workers/serve.hpp"
#include "tests/support/numbered_inventory.hpp"

namespace fanout::daemon {
namespace {

namespace p = protocol;
using namespace std::chrono_literals;

// What every fake router saw, and what its next commands will do.
struct fake_fleet {
    std::deque<command_outcome> script;    // outcomes of the next commands, in order
    std::vector<std::string> sent;         // commands that reached a router (outcome.started)
    int connections = 0;                   // sessions opened
    bool refuse = false;                   // the next open fails with kind connect
    bool dies_after_each_command = false;  // alive() turns false after every command
    // Issue 13: the timeouts run() was given; `stall`: run() waits out its timeout, as a router
    // that never answers, and times out.
    std::vector<std::chrono::milliseconds> timeouts;
    bool stall = false;
    std::vector<router_limits> limits;  // what each open was given
};

class scripted_session {
  public:
    explicit scripted_session(fake_fleet* fleet) : fleet_(fleet) {}
    bool usable() { return alive_; }
    bool alive() const { return alive_; }
    void send_keepalive() {}
    command_outcome run(const std::string& command, std::chrono::milliseconds timeout,
                        const std::atomic<bool>&, p::output_format = p::output_format::text) {
        fleet_->timeouts.push_back(timeout);
        command_outcome outcome;
        if (fleet_->stall) {
            std::this_thread::sleep_for(timeout);  // the router under test, not synchronisation
            outcome.started = true;
            outcome.error = p::router_error{p::error_kind::timeout, "command timed out"};
            fleet_->sent.push_back(command);
            return outcome;
        }
        outcome.status = p::router_status::success;
        outcome.started = true;
        outcome.output = "ok";
        if (!fleet_->script.empty()) {
            outcome = fleet_->script.front();
            fleet_->script.pop_front();
        }
        if (outcome.started) fleet_->sent.push_back(command);
        if (fleet_->dies_after_each_command) alive_ = false;
        return outcome;
    }

  private:
    fake_fleet* fleet_;
    bool alive_ = true;
};

using pool_type = basic_session_pool<scripted_session>;

command_outcome not_started() {
    command_outcome o;
    o.error = p::router_error{p::error_kind::channel, "channel open refused"};
    return o;
}
command_outcome failed_after_send(p::error_kind kind) {
    command_outcome o = not_started();
    o.error->kind = kind;
    o.error->message = "dropped";
    o.started = true;
    return o;
}

struct recording_sink : result_sink {
    std::vector<p::router_result> results;
    void router_result_ready(const p::router_result& r) override { results.push_back(r); }
    void job_ended(std::shared_ptr<const p::job_result>) override {}
};

struct serve_test : ::testing::Test {
    fake_fleet fleet;
    recording_sink sink;
    scheduler tasks{scheduler_limits{}, sink};
    pool_type sessions{session_pool_options{300s, 16, 0ms},
                       [this](const device&, const std::atomic<bool>&,
                              const router_limits& limits) -> pool_type::open_result {
                           fleet.limits.push_back(limits);
                           if (fleet.refuse)
                               return p::router_error{p::error_kind::connect, "refused"};
                           ++fleet.connections;
                           return scripted_session(&fleet);
                       }};
    std::shared_ptr<const inventory> devices = test::numbered_inventory(1);

    // Submits one job on r1 with `commands` and serves its only task, as a worker would.
    void run(std::vector<std::string> commands, bool cancel_first = false,
             p::output_format format = p::output_format::text,
             std::optional<std::chrono::milliseconds> deadline = std::nullopt,
             std::chrono::milliseconds timeout = 60s) {
        job_spec spec;
        spec.format = format;
        spec.deadline = deadline;
        spec.timeout = timeout;
        spec.commands = std::move(commands);
        spec.single_command = spec.commands.size() == 1;
        spec.devices = devices;
        spec.routers = {devices->find("r1")};
        auto accepted = std::get<p::accepted_reply>(tasks.submit(std::move(spec)));
        auto task = tasks.next_task();
        ASSERT_TRUE(task);
        if (cancel_first) tasks.cancel(accepted.job_id);  // after the worker took the router
        serve(*task, tasks, sessions);
        tasks.task_finished(*task);
    }
    p::router_status status(std::size_t i) const { return sink.results.at(i).status; }
};

TEST_F(serve_test, every_command_gets_one_result_and_a_clean_session_is_kept) {
    run({"show version", "show chassis hardware"});
    ASSERT_EQ(sink.results.size(), 2u);
    EXPECT_EQ(status(0), p::router_status::success);
    EXPECT_EQ(fleet.sent, (std::vector<std::string>{"show version", "show chassis hardware"}));
    EXPECT_EQ(sessions.figures().idle, 1u);
    run({"show version"});
    EXPECT_EQ(fleet.connections, 1) << "the kept session serves the next job";
}

TEST_F(serve_test, results_say_which_transport_ran_them_or_tried_to) {
    fleet.refuse = true;
    run({"show version"});
    ASSERT_EQ(sink.results.size(), 1u);
    EXPECT_EQ(status(0), p::router_status::failed);
    EXPECT_EQ(sink.results[0].transport, "ssh");
    fleet.refuse = false;
    run({"show version"});
    ASSERT_EQ(sink.results.size(), 2u);
    EXPECT_EQ(sink.results[1].transport, "ssh");
}

// NETCONF (issue 11): port 830 makes r1 a netconf router. The command goes unchanged (the
// format is the session's <command format=...>, not ` | display json`), and an <rpc-error>
// leaves the session clean, so it is kept.
TEST_F(serve_test,
       a_netconf_router_gets_the_command_as_written_and_an_rpc_error_keeps_the_session) {
    devices = std::make_shared<const inventory>(inventory::parse(
        R"({"r1": {"ip": "127.0.0.1", "port": 830, "username": "u", "password": "p"}})"));
    command_outcome refused;
    refused.started = true;
    refused.error = p::router_error{p::error_kind::rpc_error, "unknown-element: command"};
    fleet.script = {refused};
    run({"show version"}, false, p::output_format::json);
    ASSERT_EQ(sink.results.size(), 1u);
    EXPECT_EQ(fleet.sent, (std::vector<std::string>{"show version"}));
    EXPECT_EQ(sink.results[0].transport, "netconf");
    EXPECT_EQ(status(0), p::router_status::failed);
    EXPECT_EQ(sink.results[0].error->kind, p::error_kind::rpc_error);
    EXPECT_EQ(sessions.figures().idle, 1u);
}

TEST_F(serve_test, a_command_that_never_reached_the_router_is_retried_once_on_a_new_connection) {
    fleet.script = {not_started()};
    run({"show version"});
    ASSERT_EQ(sink.results.size(), 1u);
    EXPECT_EQ(status(0), p::router_status::success);
    EXPECT_EQ(fleet.connections, 2);
    EXPECT_EQ(fleet.sent.size(), 1u);
}

TEST_F(serve_test, the_retry_happens_only_once) {
    fleet.script = {not_started(), not_started()};
    run({"show version"});
    EXPECT_EQ(status(0), p::router_status::failed);
    EXPECT_EQ(sink.results[0].error->kind, p::error_kind::channel);
    EXPECT_EQ(fleet.connections, 2);
}

TEST_F(serve_test, a_command_that_may_have_been_sent_is_never_run_again) {
    fleet.script = {failed_after_send(p::error_kind::channel)};
    run({"show version", "show interfaces"});
    ASSERT_EQ(sink.results.size(), 2u);
    EXPECT_EQ(status(0), p::router_status::failed);
    EXPECT_EQ(std::count(fleet.sent.begin(), fleet.sent.end(), "show version"), 1);
    EXPECT_EQ(sessions.figures().idle, 0u) << "a dropped channel leaves the session unclean";
}

TEST_F(serve_test, a_timeout_or_truncation_closes_the_session_but_an_exit_status_keeps_it) {
    fleet.script = {failed_after_send(p::error_kind::timeout)};
    run({"show log messages"});
    EXPECT_EQ(sessions.figures().idle, 0u);
    command_outcome truncated;
    truncated.status = p::router_status::success;
    truncated.started = true;
    truncated.truncated = true;
    fleet.script = {truncated};
    run({"show log messages"});
    EXPECT_EQ(sessions.figures().idle, 0u);
    fleet.script = {failed_after_send(p::error_kind::exit_status)};
    run({"show nonsense"});
    EXPECT_EQ(sessions.figures().idle, 1u);
}

TEST_F(serve_test, a_session_that_died_between_commands_is_replaced_before_the_next) {
    fleet.dies_after_each_command = true;
    run({"show version", "show uptime"});
    EXPECT_EQ(status(1), p::router_status::success);
    EXPECT_EQ(fleet.connections, 2);
    EXPECT_EQ(fleet.sent.size(), 2u);
}

TEST_F(serve_test, a_refused_connection_fails_every_command_with_its_error) {
    fleet.refuse = true;
    run({"show version", "show uptime"});
    ASSERT_EQ(sink.results.size(), 2u);
    for (const auto& r : sink.results) {
        EXPECT_EQ(r.status, p::router_status::failed);
        EXPECT_EQ(r.error->kind, p::error_kind::connect);
    }
    EXPECT_TRUE(fleet.sent.empty());
}

TEST_F(serve_test, a_cancelled_job_opens_nothing_and_records_cancelled) {
    run({"show version", "show uptime"}, /*cancel_first=*/true);
    ASSERT_EQ(sink.results.size(), 2u);
    for (const auto& r : sink.results) EXPECT_EQ(r.status, p::router_status::cancelled);
    EXPECT_EQ(fleet.connections, 0);
}

}  // namespace
}  // namespace fanout::daemon

namespace fanout::daemon {
namespace {

// Issue 13: the deadline reaches the connect as router_limits, caps each command's timeout, and
// a timeout it caused, or a command it leaves no time for, fails with kind timeout naming it.
TEST_F(serve_test, the_deadline_reaches_the_connect_and_caps_the_command_timeout) {
    run({"show version"}, false, p::output_format::text, 5000ms);
    ASSERT_EQ(fleet.limits.size(), 1u);
    ASSERT_TRUE(fleet.limits[0].deadline);
    EXPECT_EQ(fleet.limits[0].deadline_length, 5000ms);
    EXPECT_EQ(fleet.limits[0].timeout, 60s);
    ASSERT_EQ(fleet.timeouts.size(), 1u);
    EXPECT_LE(fleet.timeouts[0], 5000ms) << "min(timeout, deadline left)";
    EXPECT_GT(fleet.timeouts[0], 4000ms);
    EXPECT_EQ(status(0), p::router_status::success);
}

TEST_F(serve_test, without_a_deadline_commands_keep_the_job_timeout) {
    run({"show version"}, false, p::output_format::text, std::nullopt, 7s);
    ASSERT_EQ(fleet.limits.size(), 1u);
    EXPECT_FALSE(fleet.limits[0].deadline);
    EXPECT_EQ(fleet.limits[0].timeout, 7s) << "the connect budget comes from the timeout";
    EXPECT_EQ(fleet.timeouts.at(0), 7s);
}

TEST_F(serve_test, a_deadline_that_expires_mid_command_fails_it_and_the_rest_as_timeout) {
    fleet.stall = true;
    run({"show version", "show chassis hardware"}, false, p::output_format::text, 200ms);
    ASSERT_EQ(sink.results.size(), 2u);
    for (const auto& r : sink.results) {
        EXPECT_EQ(r.status, p::router_status::failed);
        ASSERT_TRUE(r.error);
        EXPECT_EQ(r.error->kind, p::error_kind::timeout);
        EXPECT_NE(r.error->message.find("deadline of 0.2 s hit during command"), std::string::npos)
            << r.error->message;
    }
    EXPECT_EQ(fleet.sent, (std::vector<std::string>{"show version"}))
        << "no command starts after the deadline";
    EXPECT_NE(sink.results[1].error->message.find("before command 2 started"), std::string::npos)
        << sink.results[1].error->message;
}

TEST_F(serve_test, a_timeout_the_deadline_did_not_cause_keeps_its_own_message) {
    fleet.stall = true;
    run({"show version"}, false, p::output_format::text, 60s, 100ms);
    ASSERT_EQ(sink.results.size(), 1u);
    EXPECT_EQ(sink.results[0].error->message, "command timed out");
}

}  // namespace
}  // namespace fanout::daemon
