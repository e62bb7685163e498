// A channel open through a bastion that outlives its caller's budget (fleetsim's slow_forward
// fault: the bastion answers the direct-tcpip open to r2 8 s late): the caller gets its timeout
// at the deadline, and once the late open completes fanoutd closes that channel at once, so
// the bastion's open channels and fanoutd's channel slots return to what they were. Before the
// fix the channel stayed open on the bastion (libssh forgot it) for the session's life.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

#include "tests/support/fanout_harness.hpp"

namespace fanout::testing {
namespace {

using protocol::error_kind;
using protocol::job_result;
using protocol::pong_reply;
using protocol::router_status;
using steady = std::chrono::steady_clock;

double seconds_since(steady::time_point start) {
    return std::chrono::duration<double>(steady::now() - start).count();
}

std::uint64_t channel_slots(client& jobs) {
    auto pong = expect_reply<pong_reply>(jobs.request(protocol::ping_request{}));
    if (!pong.bastions) throw std::runtime_error("ping has no bastion figures");
    return pong.bastions->channels;
}

// Polls `done` until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& done, std::chrono::seconds timeout = 30s) {
    const auto give_up = steady::now() + timeout;
    while (!done()) {
        if (steady::now() > give_up) return false;
        std::this_thread::sleep_for(50ms);  // between polls of a condition
    }
    return true;
}

job_result run(client& jobs, const std::string& id, const std::string& router,
               std::optional<double> deadline = std::nullopt) {
    auto submit = submit_of(id, "show version", {router});
    submit.deadline = deadline;
    return expect_reply<job_result>(jobs.request(submit, 60s));
}

}  // namespace

TEST(daemon_bastion_abandoned, a_late_channel_open_is_closed_once_the_bastion_answers) {
    fleet_and_daemon setup(
        2, args{"--bastions", "1", "--fault", "r2=slow_forward", "--slow-forward-ms", "8000"},
        args{"--workers", "4"});
    client jobs(setup.daemon.jobs());

    // r1 through the bastion: its pooled session keeps one channel open.
    auto first = run(jobs, "fast", "r1");
    ASSERT_EQ(first.results.size(), 1u);
    ASSERT_EQ(first.results[0].status, router_status::success)
        << (first.results[0].error ? first.results[0].error->message : "");
    const auto before = setup.routers_served.counts();
    const auto slots_before = channel_slots(jobs);
    EXPECT_EQ(before.bastion_channels_open, 1u);
    EXPECT_EQ(slots_before, 1u);

    // r2's open is answered 8 s late; its caller's budget is 2 s.
    const auto start = steady::now();
    auto slow = run(jobs, "slow", "r2", 2.0);
    const double took = seconds_since(start);
    std::printf("[ measured ] r2 behind a bastion answering 8 s late, deadline 2 s: %.2f s\n",
                took);
    ASSERT_EQ(slow.results.size(), 1u);
    const auto& r2 = slow.results[0];
    EXPECT_EQ(r2.status, router_status::failed);
    ASSERT_TRUE(r2.error);
    EXPECT_EQ(r2.error->kind, error_kind::timeout) << r2.error->message;
    EXPECT_LT(took, 7.0) << "the caller got its timeout at its deadline, not at the answer";
    // Until the bastion answers, the abandoned open keeps its slot.
    const auto held_slots = channel_slots(jobs);
    if (setup.routers_served.counts().bastion_channels == before.bastion_channels) {
        EXPECT_EQ(held_slots, slots_before + 1) << "the unanswered open is still counted";
    }

    // The bastion accepts the channel 8 s after the request ...
    ASSERT_TRUE(eventually([&] {
        return setup.routers_served.counts().bastion_channels == before.bastion_channels + 1;
    })) << "the bastion never accepted the slow channel";
    // ... and fanoutd closes it at once: back to r1's channel alone, on both sides.
    const bool closed = eventually([&] {
        return setup.routers_served.counts().bastion_channels_open == before.bastion_channels_open;
    });
    const auto after = setup.routers_served.counts();
    EXPECT_TRUE(closed) << "the late channel stays open on the bastion: "
                        << after.bastion_channels_open << " open, " << before.bastion_channels_open
                        << " before";
    EXPECT_TRUE(eventually([&] { return channel_slots(jobs) == slots_before; }))
        << "fanoutd's slot count did not return to " << slots_before;
    EXPECT_EQ(after.bastion_sessions, before.bastion_sessions) << "the same bastion session";

    // The session is healthy: r1 still answers over it.
    auto again = run(jobs, "fast-again", "r1");
    ASSERT_EQ(again.results.size(), 1u);
    EXPECT_EQ(again.results[0].status, router_status::success)
        << (again.results[0].error ? again.results[0].error->message : "");
    EXPECT_EQ(setup.routers_served.counts().bastion_sessions, before.bastion_sessions);
}

}  // namespace fanout::testing
