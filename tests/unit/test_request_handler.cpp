// The request handler, without ZeroMQ: every request type from its encoded body to its encoded
// answer, against a real scheduler with no workers (nothing here opens a socket).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "daemon/api/request_handler.hpp"
#include "fanout/version.hpp"
#include "protocol/codec.hpp"
#include "tests/support/numbered_inventory.hpp"

namespace fanout::daemon {
namespace {

namespace p = protocol;

struct null_sink : result_sink {
    void router_result_ready(const p::router_result&) override {}
    void job_ended(std::shared_ptr<const p::job_result>) override {}
};

struct handler_test : ::testing::Test {
    null_sink sink;
    scheduler tasks{scheduler_limits{}, sink, nullptr, node_identity{"node-a", "tcp://a:5555"}};
    request_handler handler{
        request_settings{{}, std::chrono::milliseconds(7000), 64, "node-a", "tcp://a:5555"}, tasks,
        test::numbered_inventory(3),
        std::make_shared<const command_policy>(command_policy::builtin()),
        daemon_gauges{[] { return std::size_t{5}; },
                      [] { return p::session_figures{2, 1, 10, 3, 0, 0, 0, 4}; }}};

    // Sends `r` and decodes the reply it gets at once.
    p::reply ask(const p::request& r) {
        auto answer = handler.handle(p::encode_request(r));
        EXPECT_TRUE(answer.wait_for.empty());
        auto decoded = p::decode_reply(answer.reply);
        EXPECT_TRUE(std::holds_alternative<p::reply>(decoded)) << "undecodable reply";
        return std::get<p::reply>(decoded);
    }
    static p::submit_request submit(std::vector<std::string> routers,
                                    std::string command = "show version") {
        p::submit_request s;
        s.commands = {std::move(command)};
        s.routers = std::move(routers);
        return s;
    }
    template <class T>
    static T as(const p::reply& r) {
        EXPECT_TRUE(std::holds_alternative<T>(r)) << "reply alternative " << r.index();
        return std::holds_alternative<T>(r) ? std::get<T>(r) : T{};
    }
};

TEST_F(handler_test, an_undecodable_body_is_bad_request) {
    auto answer = handler.handle("\xc1 not msgpack");
    auto reply = std::get<p::reply>(p::decode_reply(answer.reply));
    EXPECT_EQ(as<p::error_reply>(reply).code, p::error_code::bad_request);
}

TEST_F(handler_test, submit_is_accepted_with_the_owner_and_the_default_timeout) {
    auto accepted = as<p::accepted_reply>(ask(submit({"r1", "r2"})));
    EXPECT_EQ(accepted.total, 2u);
    EXPECT_EQ(accepted.node, "node-a");
    EXPECT_EQ(accepted.control_endpoint, "tcp://a:5555");
    auto task = tasks.next_task();
    ASSERT_TRUE(task);
    EXPECT_EQ(task->owner->timeout, std::chrono::milliseconds(7000));
}

TEST_F(handler_test, unknown_routers_are_named_and_nothing_is_submitted) {
    auto error = as<p::error_reply>(ask(submit({"r1", "r9", "nope"})));
    EXPECT_EQ(error.code, p::error_code::unknown_routers);
    EXPECT_EQ(error.routers, (std::vector<std::string>{"r9", "nope"}));
    EXPECT_EQ(tasks.stats().queued_jobs, 0u);
}

TEST_F(handler_test, a_forbidden_command_is_refused_before_the_inventory_is_looked_at) {
    auto error = as<p::error_reply>(ask(submit({"r9"}, "request system reboot")));
    EXPECT_EQ(error.code, p::error_code::forbidden_command);
    EXPECT_NE(error.message.find("request system reboot"), std::string::npos);
    EXPECT_EQ(tasks.stats().queued_jobs, 0u);
}

TEST_F(handler_test, a_replaced_policy_and_inventory_apply_to_the_next_request) {
    handler.replace_inventory(test::numbered_inventory(10));
    EXPECT_EQ(as<p::accepted_reply>(ask(submit({"r9"}))).total, 1u);
    handler.replace_command_policy(
        std::make_shared<const command_policy>(command_policy::parse("deny show ...\n", "test")));
    EXPECT_EQ(as<p::error_reply>(ask(submit({"r1"}))).code, p::error_code::forbidden_command);
}

TEST_F(handler_test, status_cancel_and_result_find_the_job_or_answer_not_found) {
    auto accepted = as<p::accepted_reply>(ask(submit({"r1"})));
    EXPECT_EQ(as<p::status_reply>(ask(p::status_request{accepted.job_id})).state,
              p::job_state::queued);
    EXPECT_EQ(as<p::status_reply>(ask(p::result_request{accepted.job_id})).job_id, accepted.job_id);
    EXPECT_EQ(as<p::status_reply>(ask(p::cancel_request{accepted.job_id})).state,
              p::job_state::cancelled);
    EXPECT_EQ(as<p::job_result>(ask(p::result_request{accepted.job_id})).job_id, accepted.job_id);
    for (const p::request& r :
         {p::request(p::status_request{"nope"}), p::request(p::cancel_request{"nope"}),
          p::request(p::result_request{"nope"})})
        EXPECT_EQ(as<p::error_reply>(ask(r)).code, p::error_code::not_found);
}

TEST_F(handler_test, wait_true_defers_until_the_job_ends_then_a_resubmit_answers_at_once) {
    auto s = submit({"r1"});
    s.job_id = "job-w";
    s.wait = true;
    auto first = handler.handle(p::encode_request(s));
    EXPECT_TRUE(first.reply.empty());
    EXPECT_EQ(first.wait_for, "job-w");
    tasks.cancel("job-w");  // the job ends; its job_result is now what a resubmit gets
    auto again = handler.handle(p::encode_request(s));
    ASSERT_TRUE(again.wait_for.empty());
    auto published = p::decode_published(again.reply);
    ASSERT_TRUE(std::holds_alternative<p::job_result>(published));
    EXPECT_EQ(std::get<p::job_result>(published).job_id, "job-w");
}

TEST_F(handler_test, replay_of_an_unknown_job_is_not_found) {
    p::replay_request r;
    r.job_id = "nope";
    EXPECT_EQ(as<p::error_reply>(ask(r)).code, p::error_code::not_found);
    EXPECT_TRUE(std::holds_alternative<p::replay_reply>(ask(p::replay_request{})));
}

TEST_F(handler_test, pong_reports_the_daemon_and_its_gauges) {
    ask(submit({"r1"}));
    auto pong = as<p::pong_reply>(ask(p::ping_request{}));
    EXPECT_EQ(pong.version, std::string(fanout_version));
    EXPECT_EQ(pong.workers, 64u);
    EXPECT_EQ(pong.busy_workers, 5u);
    EXPECT_EQ(pong.queued_jobs, 1u);
    ASSERT_TRUE(pong.sessions);
    EXPECT_EQ(pong.sessions->hits, 10u);
    EXPECT_EQ(pong.sessions->reopened, 4u);
    EXPECT_EQ(pong.node, "node-a");
    EXPECT_EQ(pong.control_endpoint, "tcp://a:5555");
}

TEST_F(handler_test, routers_lists_the_inventory_without_secrets) {
    auto routers = as<p::routers_reply>(ask(p::routers_request{}));
    ASSERT_EQ(routers.routers.size(), 3u);
    EXPECT_EQ(routers.routers[0].name, "r1");
    EXPECT_EQ(routers.routers[0].port, 1001);
    auto body = handler.handle(p::encode_request(p::routers_request{})).reply;
    EXPECT_EQ(body.find("\xa1p"), std::string::npos) << "the password must not be sent";
    EXPECT_TRUE(routers.routers[0].groups.empty());
}

TEST_F(handler_test, routers_carries_each_routers_groups) {
    handler.replace_inventory(std::make_shared<const inventory>(inventory::parse(
        R"({"r1": {"ip": "10.0.0.1", "username": "u", "password": "p", "groups": ["core", "lon"]},
            "r2": {"ip": "10.0.0.2", "username": "u", "password": "p"}})")));
    auto routers = as<p::routers_reply>(ask(p::routers_request{}));
    ASSERT_EQ(routers.routers.size(), 2u);
    EXPECT_EQ(routers.routers[0].groups, (std::vector<std::string>{"core", "lon"}));
    EXPECT_TRUE(routers.routers[1].groups.empty());
}

TEST_F(handler_test, a_bastion_is_no_job_target_and_routers_does_not_list_it) {
    handler.replace_inventory(std::make_shared<const inventory>(inventory::parse(
        R"({"jump1": {"ip": "10.9.0.1", "username": "u", "password": "p", "role": "bastion"},
            "r1": {"ip": "10.0.0.1", "username": "u", "password": "p", "jump": ["jump1"]}})")));
    auto routers = as<p::routers_reply>(ask(p::routers_request{}));
    ASSERT_EQ(routers.routers.size(), 1u);
    EXPECT_EQ(routers.routers[0].name, "r1");
    auto error = as<p::error_reply>(ask(submit({"r1", "jump1"})));
    EXPECT_EQ(error.code, p::error_code::unknown_routers);
    EXPECT_EQ(error.routers, (std::vector<std::string>{"jump1"}));
    EXPECT_EQ(error.message,
              "1 router(s) not found in the inventory ('jump1' is a bastion, which jobs cannot "
              "target); the job was rejected");
    EXPECT_EQ(tasks.stats().queued_jobs, 0u);
    EXPECT_EQ(as<p::accepted_reply>(ask(submit({"r1"}))).total, 1u);
}

}  // namespace
}  // namespace fanout::daemon
