// Session reuse end to end against fleetsim: a repeated job reuses every router's session
// (ping's session figures show hits, no new misses), a router that allows one channel per
// connection still succeeds on every job, sessions left unclean are not reused, and
// --session-idle 0 turns reuse off; a repeated job over a fleet larger than --max-sessions
// still reuses at least (cap - workers) sessions, counted by fleetsim's accepted connections.
#include <gtest/gtest.h>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::job_result;
using fanout::protocol::router_status;
using fanout::protocol::session_figures;

namespace {

job_result run_job(client& jobs, const std::string& id, std::vector<std::string> commands,
                   std::vector<std::string> routers) {
    auto s = submit_of(id, "", std::move(routers), true, 10.0);
    s.commands = std::move(commands);
    s.single_command = s.commands.size() == 1;
    return expect_reply<job_result>(jobs.request(s, 120s));
}

void expect_all_succeeded(const job_result& result) {
    for (const auto& r : result.results) {
        EXPECT_EQ(r.status, router_status::success) << result.job_id << " " << r.router_name << ": "
                                                    << (r.error ? r.error->message : std::string());
    }
}

}  // namespace

TEST(daemon_sessions, a_repeated_job_reuses_every_session) {
    fleet_and_daemon setup(10, {}, {"--workers", "4"});
    client jobs(setup.daemon.jobs());
    const auto routers = router_names(1, 10);

    auto first = run_job(jobs, "first", {"show version", "show system uptime"}, routers);
    expect_all_succeeded(first);
    auto after_first = session_figures_of(jobs);
    EXPECT_EQ(after_first.misses, 10u);
    EXPECT_EQ(after_first.hits, 0u);
    EXPECT_EQ(after_first.open, 10u);
    EXPECT_EQ(after_first.idle, 10u);

    auto second = run_job(jobs, "second", {"show version", "show system uptime"}, routers);
    expect_all_succeeded(second);
    auto after_second = session_figures_of(jobs);
    EXPECT_EQ(after_second.misses, 10u) << "no new connection";
    EXPECT_EQ(after_second.hits, 10u);
    EXPECT_EQ(after_second.open, 10u);
    EXPECT_EQ(after_second.dropped, 0u);
}

TEST(daemon_sessions, a_one_channel_router_succeeds_on_every_job) {
    fleet_and_daemon setup(2, {"--fault", "r2=one_channel"}, {"--workers", "2"});
    client jobs(setup.daemon.jobs());
    for (int i = 0; i < 3; ++i) {
        auto result = run_job(jobs, "job" + std::to_string(i), {"show version", "show version"},
                              {"r1", "r2"});
        ASSERT_EQ(result.results.size(), 4u);
        expect_all_succeeded(result);
    }
    auto f = session_figures_of(jobs);
    // r1: one connection for all 6 commands. r2: every command needs its own connection;
    // each refused channel drops the session and opens a fresh one, transparently.
    EXPECT_EQ(f.misses, 1u + 6u);
    EXPECT_EQ(f.hits, 4u) << "jobs 2 and 3 each lease both routers' idle sessions";
    EXPECT_EQ(f.dropped, 5u);
    EXPECT_EQ(f.open, 2u);
}

TEST(daemon_sessions, a_session_left_unclean_is_not_reused) {
    fleet_and_daemon setup(2, {"--fault", "r2=never_close"},
                           {"--workers", "2", "--command-timeout", "1"});
    client jobs(setup.daemon.jobs());
    for (int i = 0; i < 2; ++i) {
        auto s = submit_of("unclean" + std::to_string(i), "show version", {"r1", "r2"}, true, 1.0);
        auto result = expect_reply<job_result>(jobs.request(s, 60s));
        ASSERT_EQ(result.results.size(), 2u);
        EXPECT_EQ(result.results[0].status, router_status::success);
        EXPECT_EQ(result.results[1].status, router_status::failed) << "never_close times out";
    }
    auto f = session_figures_of(jobs);
    EXPECT_EQ(f.hits, 1u) << "only r1's session comes back";
    EXPECT_EQ(f.misses, 3u);
    EXPECT_EQ(f.open, 1u);
}

TEST(daemon_sessions, session_idle_zero_turns_reuse_off) {
    fleet_and_daemon setup(3, {}, {"--session-idle", "0"});
    client jobs(setup.daemon.jobs());
    for (int i = 0; i < 2; ++i)
        expect_all_succeeded(
            run_job(jobs, "j" + std::to_string(i), {"show version"}, router_names(1, 3)));
    auto f = session_figures_of(jobs);
    EXPECT_EQ(f.hits, 0u);
    EXPECT_EQ(f.misses, 6u);
    EXPECT_EQ(f.open, 0u);
    EXPECT_EQ(f.idle, 0u);
}

TEST(daemon_sessions, idle_sessions_expire_and_the_cap_evicts) {
    fleet_and_daemon setup(4, {}, {"--max-sessions", "2", "--session-idle", "1"});
    client jobs(setup.daemon.jobs());
    expect_all_succeeded(run_job(jobs, "four", {"show version"}, router_names(1, 4)));
    auto f = session_figures_of(jobs);
    EXPECT_LE(f.open, 2u);
    EXPECT_EQ(f.misses, 4u);
    EXPECT_EQ(f.evicted + f.dropped, 2u) << "two of the four could not stay pooled";
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (session_figures_of(jobs).open > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(100ms);
    f = session_figures_of(jobs);
    EXPECT_EQ(f.open, 0u) << "idle sessions close after --session-idle";
    EXPECT_EQ(f.expired, 2u);
}

// Issue 16: the same full-fleet job twice, with 50 routers and --max-sessions 40. The first job
// can leave only 40 sessions idle; the second must connect again to at most the other 10 plus
// one per worker (50 - (40 - 8) = 18). With least-recently-used eviction every miss of the
// second job closed the session it needed next: 50 new connections, no hit.
TEST(daemon_sessions, a_repeated_job_over_a_fleet_larger_than_the_cap_reuses_sessions) {
    constexpr std::uint64_t routers = 50, cap = 40, workers = 8;
    fleet_and_daemon setup(
        static_cast<int>(routers), {"--latency-ms", "20"},
        {"--max-sessions", std::to_string(cap), "--workers", std::to_string(workers)});
    client jobs(setup.daemon.jobs());
    const auto names = router_names(1, static_cast<int>(routers));

    expect_all_succeeded(run_job(jobs, "scan1", {"show version"}, names));
    const auto first = setup.routers_served.connections_accepted();
    EXPECT_EQ(first, routers);
    EXPECT_LE(session_figures_of(jobs).open, cap);

    expect_all_succeeded(run_job(jobs, "scan2", {"show version"}, names));
    const auto second = setup.routers_served.connections_accepted() - first;
    auto f = session_figures_of(jobs);
    EXPECT_LE(second, routers - (cap - workers)) << "new connections for the repeated job";
    EXPECT_GE(f.hits, cap - workers);
    EXPECT_EQ(f.misses, first + second) << "every miss is one connection fleetsim accepted";
    EXPECT_LE(f.open, cap);
    ASSERT_TRUE(f.reopened);
    EXPECT_EQ(*f.reopened, second) << "each new connection reopened a router the cap evicted";
}
