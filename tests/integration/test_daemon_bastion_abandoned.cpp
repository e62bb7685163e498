// Channel opens through a bastion that outlive their caller (fleetsim's slow_forward fault: the
// bastion answers the direct-tcpip open to r2 late): the caller gets its error at once (its
// deadline, or its cancel), and once the late open completes fanoutd closes that channel at
// once, so the bastion's open channels and fanoutd's channel slots return to what they were.
// The slot is held until then, for at most --connect-timeout. Before the fix the channel stayed
// open on the bastion (libssh forgot it) for the bastion session's life.
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

// Polls `done` until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& done, std::chrono::seconds timeout = 30s) {
    const auto give_up = steady::now() + timeout;
    while (!done()) {
        if (steady::now() > give_up) return false;
        std::this_thread::sleep_for(50ms);  // between polls of a condition
    }
    return true;
}

// fleetsim with r1 and r2 behind bastion1, r2 slow_forward by `slow_ms`; fanoutd with `flags`;
// r1 run once, so its pooled session holds one channel: the baseline.
struct slow_bastion {
    slow_bastion(const std::string& slow_ms, args flags)
        : setup(2,
                args{"--bastions", "1", "--fault", "r2=slow_forward", "--slow-forward-ms", slow_ms},
                std::move(flags)),
          jobs(setup.daemon.jobs()) {
        auto first = run("fast", "r1");
        EXPECT_EQ(first.results.at(0).status, router_status::success)
            << (first.results[0].error ? first.results[0].error->message : "");
        before = counts();
        slots_before = slots();
        EXPECT_EQ(before.bastion_channels_open, 1u);
        EXPECT_EQ(slots_before, 1u);
    }

    job_result run(const std::string& id, const std::string& router,
                   std::optional<double> deadline = std::nullopt) {
        auto submit = submit_of(id, "show version", {router});
        submit.deadline = deadline;
        return expect_reply<job_result>(jobs.request(submit, 60s));
    }
    fleet_counts counts() { return setup.routers_served.counts(); }
    // fanoutd's channel slots through the bastion (ping).
    std::uint64_t slots() {
        auto pong = expect_reply<pong_reply>(jobs.request(protocol::ping_request{}));
        if (!pong.bastions) throw std::runtime_error("ping has no bastion figures");
        return pong.bastions->channels;
    }
    bool accepted_late() { return counts().bastion_channels == before.bastion_channels + 1; }

    // Once the bastion accepts the late channel, fanoutd closes it at once: back to r1's
    // channel alone on both sides, over the same bastion session, which still serves r1.
    void expect_late_channel_closed() {
        ASSERT_TRUE(eventually([&] { return accepted_late(); }))
            << "the bastion never accepted the slow channel";
        const bool closed = eventually(
            [&] { return counts().bastion_channels_open == before.bastion_channels_open; });
        const auto after = counts();
        EXPECT_TRUE(closed) << "the late channel stays open on the bastion: "
                            << after.bastion_channels_open << " open, "
                            << before.bastion_channels_open << " before";
        EXPECT_TRUE(eventually([&] { return slots() == slots_before; }))
            << "fanoutd's slot count did not return to " << slots_before;
        EXPECT_EQ(after.bastion_sessions, before.bastion_sessions) << "the same bastion session";
        auto again = run("fast-again", "r1");
        EXPECT_EQ(again.results.at(0).status, router_status::success)
            << (again.results[0].error ? again.results[0].error->message : "");
        EXPECT_EQ(counts().bastion_sessions, before.bastion_sessions);
    }

    fleet_and_daemon setup;
    client jobs;
    fleet_counts before;
    std::uint64_t slots_before = 0;
};

}  // namespace

TEST(daemon_bastion_abandoned, a_late_channel_open_is_closed_once_the_bastion_answers) {
    slow_bastion b("8000", args{"--workers", "4"});
    // r2's open is answered 8 s late; its caller's budget is 2 s.
    const auto start = steady::now();
    auto slow = b.run("slow", "r2", 2.0);
    const double took = seconds_since(start);
    std::printf("[ measured ] r2 behind a bastion answering 8 s late, deadline 2 s: %.2f s\n",
                took);
    const auto& r2 = slow.results.at(0);
    EXPECT_EQ(r2.status, router_status::failed);
    ASSERT_TRUE(r2.error);
    EXPECT_EQ(r2.error->kind, error_kind::timeout) << r2.error->message;
    EXPECT_LT(took, 7.0) << "the caller got its timeout at its deadline, not at the answer";
    // Until the bastion answers, the abandoned open keeps its slot.
    const auto held_slots = b.slots();
    if (!b.accepted_late()) {
        EXPECT_EQ(held_slots, b.slots_before + 1) << "the unanswered open is still counted";
    }
    b.expect_late_channel_closed();
}

TEST(daemon_bastion_abandoned, a_cancelled_caller_leaves_no_channel_behind) {
    slow_bastion b("8000", args{"--workers", "4"});
    auto accepted = expect_reply<protocol::accepted_reply>(
        b.jobs.request(submit_of("slow", "show version", {"r2"}, false)));
    ASSERT_TRUE(eventually([&] { return b.slots() == b.slots_before + 1; }))
        << "r2's channel open never started";
    expect_reply<protocol::status_reply>(b.jobs.request(protocol::cancel_request{"slow"}));
    ASSERT_TRUE(eventually([&] {
        auto status = expect_reply<protocol::status_reply>(
            b.jobs.request(protocol::status_request{accepted.job_id}));
        return status.state == protocol::job_state::cancelled ||
               status.state == protocol::job_state::done;
    })) << "the cancelled job never ended";
    EXPECT_FALSE(b.accepted_late()) << "the cancel ended the job before the bastion answered";
    auto result =
        expect_reply<job_result>(b.jobs.request(protocol::result_request{accepted.job_id}));
    EXPECT_EQ(result.results.at(0).status, router_status::cancelled);
    b.expect_late_channel_closed();
}

TEST(daemon_bastion_abandoned, an_unanswered_open_keeps_its_slot_for_one_connect_timeout) {
    // Slot freed about 1 s (deadline) + 2 s (--connect-timeout) after the request; the bastion
    // answers at 12 s, and the channel is still closed then.
    slow_bastion b("12000", args{"--workers", "4", "--connect-timeout", "2"});
    auto slow = b.run("slow", "r2", 1.0);
    EXPECT_EQ(slow.results.at(0).status, router_status::failed);
    ASSERT_TRUE(eventually([&] { return b.slots() == b.slots_before; }))
        << "the slot of the unanswered open was never freed";
    EXPECT_FALSE(b.accepted_late()) << "the slot was freed by the limit, before the answer";
    b.expect_late_channel_closed();
}

}  // namespace fanout::testing
