// The bastion hub's own logic, with fake bastion sessions (no sockets): single-flight opens,
// the failure memo, the caps on channels per session and sessions per bastion, dead sessions
// replaced, multi-hop chains opened over the previous hop's stream.
#include <gtest/gtest.h>

#include <unistd.h>

#include <future>
#include <thread>
#include <vector>

#include "tests/unit/jump_hub_fakes.hpp"

using namespace jump_hub_fakes;

TEST(jump_hub, concurrent_callers_share_one_failed_open_and_later_ones_fail_at_once) {
    fake_opener opener;
    opener.hold = true;
    opener.failure = router_error{error_kind::auth, "authentication failed for user 'u'"};
    auto devices = fleet();
    jump::hub hub(options(8, 4), opener.function(), devices);
    std::atomic<bool> cancelled{false};
    std::vector<std::future<jump::stream_result>> callers;
    for (int i = 0; i < 20; ++i)
        callers.push_back(std::async(std::launch::async,
                                     [&] { return hub.stream(*devices->find("r"), cancelled); }));
    opener.wait_for_calls(1);
    opener.release();
    for (auto& caller : callers) {
        auto r = caller.get();
        ASSERT_TRUE(std::holds_alternative<connect_failure>(r));
        const auto& failure = std::get<connect_failure>(r);
        EXPECT_EQ(failure.error.kind, error_kind::auth);
        EXPECT_EQ(failure.error.message, "bastion b1: authentication failed for user 'u'");
        EXPECT_EQ(failure.stage, connect_stage::setup);  // not retried per router
    }
    EXPECT_EQ(opener.calls, 1);
    auto later = hub.stream(*devices->find("r"), cancelled);
    ASSERT_TRUE(std::holds_alternative<connect_failure>(later));
    EXPECT_EQ(opener.calls, 1);
    auto f = hub.figures();
    EXPECT_EQ(f.failed, 1u);
    EXPECT_EQ(f.memo_failures, 20u);  // 19 waiters and the later caller
    EXPECT_EQ(f.sessions, 0u);
}

TEST(jump_hub, the_memo_expires_and_a_new_open_is_tried) {
    fake_opener opener;
    opener.failure = router_error{error_kind::connect, "cannot connect: Connection refused"};
    auto devices = fleet();
    auto o = options(8, 4);
    o.failure_memo = 100ms;
    jump::hub hub(o, opener.function(), devices);
    std::atomic<bool> cancelled{false};
    EXPECT_TRUE(
        std::holds_alternative<connect_failure>(hub.stream(*devices->find("r"), cancelled)));
    {
        std::lock_guard lock(opener.mutex);
        opener.failure.reset();  // the bastion is back
    }
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    jump::stream_result r = connect_failure{};
    while (std::holds_alternative<connect_failure>(r) && std::chrono::steady_clock::now() < give_up)
        r = hub.stream(*devices->find("r"), cancelled);  // fails at once until the memo expires
    ASSERT_TRUE(std::holds_alternative<int>(r));
    ::close(std::get<int>(r));
    EXPECT_EQ(opener.calls, 2);
}

TEST(jump_hub, each_session_carries_at_most_its_channels_and_sessions_open_as_needed) {
    fake_opener opener;
    auto devices = fleet();
    jump::hub hub(options(3, 4), opener.function(), devices);
    std::atomic<bool> cancelled{false};
    std::vector<int> fds;
    for (int i = 0; i < 10; ++i) fds.push_back(fd_of(hub.stream(*devices->find("r"), cancelled)));
    EXPECT_EQ(opener.calls, 4);  // ceil(10 / 3)
    auto f = hub.figures();
    EXPECT_EQ(f.sessions, 4u);
    EXPECT_EQ(f.channels, 10u);
    EXPECT_EQ(f.opened, 4u);
    for (auto* link : opener.links) EXPECT_LE(link->channels(), 3u);
    EXPECT_EQ(opener.links[0]->targets.front(), "10.0.0.1:22");
    for (int fd : fds) ::close(fd);
}

TEST(jump_hub, at_the_session_cap_callers_wait_for_a_free_channel) {
    fake_opener opener;
    auto devices = fleet();
    jump::hub hub(options(2, 1), opener.function(), devices);
    std::atomic<bool> cancelled{false};
    int a = fd_of(hub.stream(*devices->find("r"), cancelled));
    int b = fd_of(hub.stream(*devices->find("r"), cancelled));
    auto third =
        std::async(std::launch::async, [&] { return hub.stream(*devices->find("r"), cancelled); });
    EXPECT_EQ(third.wait_for(300ms), std::future_status::timeout);  // no third session
    opener.links[0]->end_one();                                     // a router finished
    int c = fd_of(third.get());
    EXPECT_EQ(opener.calls, 1);
    for (int fd : {a, b, c}) ::close(fd);
}

TEST(jump_hub, at_the_caps_a_waiter_has_an_idle_router_session_closed_for_its_channel) {
    fake_opener opener;
    auto devices = fleet();
    jump::hub hub(options(1, 1), opener.function(), devices);
    std::atomic<bool> cancelled{false};
    int idle = fd_of(hub.stream(*devices->find("r"), cancelled));  // then pooled, idle
    std::vector<std::vector<std::string>> asked;
    hub.set_reclaimer([&](const std::vector<std::string>& chain) {
        asked.push_back(chain);
        if (asked.size() > 1) return false;
        opener.links[0]->end_one();  // the pool closed that idle session: its channel ends
        return true;
    });
    auto waiting =
        std::async(std::launch::async, [&] { return hub.stream(*devices->find("r"), cancelled); });
    if (waiting.wait_for(10s) != std::future_status::ready) {
        cancelled = true;  // unblock it, then fail
        waiting.wait();
        FAIL() << "the waiter never got the channel of the idle session";
    }
    int next = fd_of(waiting.get());
    ASSERT_FALSE(asked.empty());
    EXPECT_EQ(asked[0], std::vector<std::string>{"b1"});
    EXPECT_EQ(opener.calls, 1);
    for (int fd : {idle, next}) ::close(fd);
}

TEST(jump_hub, a_cancelled_waiter_stops_waiting) {
    fake_opener opener;
    auto devices = fleet();
    jump::hub hub(options(1, 1), opener.function(), devices);
    std::atomic<bool> cancelled{false}, other{false};
    int a = fd_of(hub.stream(*devices->find("r"), other));
    auto waiting =
        std::async(std::launch::async, [&] { return hub.stream(*devices->find("r"), cancelled); });
    cancelled = true;
    auto r = waiting.get();
    ASSERT_TRUE(std::holds_alternative<connect_failure>(r));
    EXPECT_NE(std::get<connect_failure>(r).error.message.find("cancelled"), std::string::npos);
    ::close(a);
}

TEST(jump_hub, a_dead_session_is_replaced_and_counted) {
    fake_opener opener;
    auto devices = fleet();
    jump::hub hub(options(8, 4), opener.function(), devices);
    std::atomic<bool> cancelled{false};
    ::close(fd_of(hub.stream(*devices->find("r"), cancelled)));
    opener.links[0]->kill();
    ::close(fd_of(hub.stream(*devices->find("r"), cancelled)));
    EXPECT_EQ(opener.calls, 2);
    auto f = hub.figures();
    EXPECT_EQ(f.dropped, 1u);
    EXPECT_EQ(f.sessions, 1u);
}

TEST(jump_hub, a_failed_extra_open_fails_nobody_while_a_session_lives) {
    fake_opener opener;
    auto devices = fleet();
    jump::hub hub(options(1, 2), opener.function(), devices);
    std::atomic<bool> cancelled{false};
    int a = fd_of(hub.stream(*devices->find("r"), cancelled));
    {
        std::lock_guard lock(opener.mutex);
        opener.failure = router_error{error_kind::connect, "MaxStartups"};
    }
    auto second =
        std::async(std::launch::async, [&] { return hub.stream(*devices->find("r"), cancelled); });
    opener.wait_for_calls(2);    // the second session's open failed ...
    opener.links[0]->end_one();  // ... so the caller waits for the first session's channel
    int b = fd_of(second.get());
    EXPECT_EQ(hub.figures().failed, 1u);
    for (int fd : {a, b}) ::close(fd);
}

TEST(jump_hub, a_second_hop_is_opened_over_a_stream_through_the_first) {
    fake_opener opener;
    auto devices = fleet();
    jump::hub hub(options(8, 4), opener.function(), devices);
    std::atomic<bool> cancelled{false};
    ::close(fd_of(hub.stream(*devices->find("r2"), cancelled)));
    ASSERT_EQ(opener.opened_over.size(), 2u);
    EXPECT_EQ(opener.opened_over[0].first, "b1");
    EXPECT_EQ(opener.opened_over[0].second, -1);  // dialled directly
    EXPECT_EQ(opener.opened_over[1].first, "b2");
    EXPECT_GE(opener.opened_over[1].second, 0);  // over b1's channel
    EXPECT_EQ(opener.links[0]->targets, std::vector<std::string>{"10.9.0.2:22"});
    EXPECT_EQ(opener.links[1]->targets, std::vector<std::string>{"10.0.0.2:22"});
    // A router behind b1 alone shares b1's session.
    ::close(fd_of(hub.stream(*devices->find("r"), cancelled)));
    EXPECT_EQ(opener.calls, 2);
}

TEST(jump_hub, a_first_hop_failure_fails_the_chain_with_the_first_hops_name) {
    fake_opener opener;
    opener.failure = router_error{error_kind::host_key, "host key for [10.9.0.1]:22 changed"};
    auto devices = fleet();
    jump::hub hub(options(8, 4), opener.function(), devices);
    std::atomic<bool> cancelled{false};
    auto r = hub.stream(*devices->find("r2"), cancelled);
    ASSERT_TRUE(std::holds_alternative<connect_failure>(r));
    EXPECT_EQ(std::get<connect_failure>(r).error.kind, error_kind::host_key);
    EXPECT_EQ(std::get<connect_failure>(r).error.message,
              "bastion b1: host key for [10.9.0.1]:22 changed");
}

TEST(jump_hub, an_unknown_bastion_fails_with_its_name) {
    fake_opener opener;
    auto devices = fleet();
    jump::hub hub(options(8, 4), opener.function(), devices);
    device r;
    r.name = "x";
    r.ip = "10.0.0.9";
    r.jump = {"nope"};
    std::atomic<bool> cancelled{false};
    auto result = hub.stream(r, cancelled);
    ASSERT_TRUE(std::holds_alternative<connect_failure>(result));
    EXPECT_EQ(std::get<connect_failure>(result).error.message,
              "bastion nope is not in the inventory");
}
