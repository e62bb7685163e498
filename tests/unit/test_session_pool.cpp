// The session pool's bookkeeping, with in-memory sessions whose liveness the test controls:
// hits and misses, identity keys, dead sessions, the cap and the eviction order (demand first,
// then most recently used; a repeated scan of a fleet larger than the cap), reopened sessions,
// idle expiry, keepalives, and exclusive ownership under concurrent use.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/ssh/session_pool.hpp"

namespace fanout::daemon {
namespace {

using namespace std::chrono_literals;
using protocol::error_kind;
using protocol::router_error;

// What the test sees of one fake connection.
struct connection_state {
    int id = 0;
    std::atomic<bool> alive{true};
    std::atomic<bool> dies_on_keepalive{false};
    std::atomic<int> keepalives{0};
    std::atomic<int> users{0};  // leases using it right now: must never exceed 1
    std::atomic<bool> closed{false};
};

// The opener keeps every connection_state alive; a session only points at its own.
class fake_session {
  public:
    explicit fake_session(connection_state* s) : state_(s) {}
    fake_session(fake_session&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
    fake_session& operator=(fake_session&& other) noexcept {
        std::swap(state_, other.state_);
        return *this;
    }
    ~fake_session() {
        if (state_) state_->closed = true;
    }
    bool usable() { return state_->alive; }
    void send_keepalive() {
        ++state_->keepalives;
        if (state_->dies_on_keepalive) state_->alive = false;
    }
    connection_state& state() { return *state_; }

  private:
    connection_state* state_ = nullptr;
};

using pool_type = basic_session_pool<fake_session>;

// Opens fake sessions and remembers them; refuses routers named "down".
struct fake_opener {
    std::mutex mutex;
    std::vector<std::shared_ptr<connection_state>> opened;

    pool_type::opener make() {
        return [this](const device& target, const std::atomic<bool>&,
                      const router_limits&) -> pool_type::open_result {
            if (target.name == "down") return router_error{error_kind::connect, "refused"};
            std::lock_guard lock(mutex);
            auto state = std::make_shared<connection_state>();
            state->id = static_cast<int>(opened.size()) + 1;
            opened.push_back(state);
            return fake_session(state.get());
        };
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return opened.size();
    }
};

const std::atomic<bool> not_cancelled{false};

device router(const std::string& name, std::uint16_t port = 22) {
    device d;
    d.name = name;
    d.ip = "192.0.2.1";
    d.port = port;
    d.username = "ops";
    d.password = secret("pw");
    return d;
}

pool_type::lease lease_of(pool_type& pool, const device& target) {
    auto acquired = pool.acquire(target, not_cancelled);
    if (auto* error = std::get_if<router_error>(&acquired))
        throw std::runtime_error("acquire failed: " + error->message);
    return std::move(std::get<pool_type::lease>(acquired));
}

// Uses a session once and gives it back as reusable; returns its connection id.
int use_once(pool_type& pool, const device& target) {
    auto lease = lease_of(pool, target);
    int id = lease->state().id;
    lease.keep();
    return id;
}

session_pool_options options(std::size_t max_sessions = 16, std::chrono::milliseconds idle = 300s,
                             std::chrono::milliseconds keepalive = 0ms) {
    return {idle, max_sessions, keepalive};
}

// Polls `condition` until true or 10 s pass (the reaper runs on its own thread).
template <class Condition>
bool eventually(Condition condition) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return condition();
}

TEST(session_pool, a_kept_session_is_reused_by_the_next_acquire) {
    fake_opener opener;
    pool_type pool(options(), opener.make());
    EXPECT_EQ(use_once(pool, router("r1")), 1);
    EXPECT_EQ(use_once(pool, router("r1")), 1);
    EXPECT_EQ(use_once(pool, router("r1")), 1);
    auto f = pool.figures();
    EXPECT_EQ(f.misses, 1u);
    EXPECT_EQ(f.hits, 2u);
    EXPECT_EQ(f.open, 1u);
    EXPECT_EQ(f.idle, 1u);
    EXPECT_EQ(opener.count(), 1u);
}

TEST(session_pool, a_session_not_kept_is_closed) {
    fake_opener opener;
    pool_type pool(options(), opener.make());
    {
        auto lease = lease_of(pool, router("r1"));
        EXPECT_FALSE(lease.reused());
    }
    EXPECT_TRUE(opener.opened[0]->closed);
    auto f = pool.figures();
    EXPECT_EQ(f.open, 0u);
    EXPECT_EQ(f.idle, 0u);
    EXPECT_EQ(f.dropped, 1u);
    EXPECT_EQ(use_once(pool, router("r1")), 2);
}

TEST(session_pool, sessions_are_keyed_by_router_and_connection_identity) {
    fake_opener opener;
    pool_type pool(options(), opener.make());
    EXPECT_EQ(use_once(pool, router("r1")), 1);
    EXPECT_EQ(use_once(pool, router("r2")), 2) << "another router never gets r1's session";
    EXPECT_EQ(use_once(pool, router("r1", 2222)), 3) << "a changed port opens a new session";
    auto other_user = router("r1");
    other_user.username = "admin";
    EXPECT_EQ(use_once(pool, other_user), 4);
    auto other_password = router("r1");
    other_password.password = secret("new");
    EXPECT_EQ(use_once(pool, other_password), 5);
    auto by_key = router("r1");
    by_key.auth = device::auth_type::ssh_key;
    by_key.private_key_path = "/k";
    EXPECT_EQ(use_once(pool, by_key), 6);
    EXPECT_EQ(use_once(pool, router("r1")), 1);
    EXPECT_EQ(session_key_of(router("r1")).find("pw"), std::string::npos) << "no secret in keys";
}

// Issue 12: two inventory entries that differ only in how ssh_config reaches the router never
// share a pooled session.
TEST(session_pool, proxy_command_and_ssh_config_options_are_part_of_the_key) {
    fake_opener opener;
    pool_type pool(options(), opener.make());
    EXPECT_EQ(use_once(pool, router("r1")), 1);
    auto proxied = router("r1");
    proxied.proxy_command = "ssh -W [%h]:%p jump1";
    EXPECT_EQ(use_once(pool, proxied), 2) << "a ProxyCommand is another path";
    auto other_proxy = proxied;
    other_proxy.proxy_command = "ssh -W [%h]:%p jump2";
    EXPECT_EQ(use_once(pool, other_proxy), 3);
    auto with_file = router("r1");
    with_file.ssh_config = "/etc/fanout/ssh_config";
    EXPECT_EQ(use_once(pool, with_file), 4);
    auto other_host = with_file;
    other_host.ssh_config_host = "r1-oob";
    EXPECT_EQ(use_once(pool, other_host), 5);
    auto other_timeout = with_file;
    other_timeout.connect_timeout = std::chrono::milliseconds(3000);
    EXPECT_EQ(use_once(pool, other_timeout), 6);
    EXPECT_EQ(use_once(pool, proxied), 2) << "the same entry still finds its own session";
}

TEST(session_pool, a_session_that_died_while_idle_is_replaced_by_a_new_one) {
    fake_opener opener;
    pool_type pool(options(), opener.make());
    use_once(pool, router("r1"));
    opener.opened[0]->alive = false;
    auto lease = lease_of(pool, router("r1"));
    EXPECT_EQ(lease->state().id, 2);
    EXPECT_FALSE(lease.reused());
    EXPECT_TRUE(opener.opened[0]->closed);
    auto f = pool.figures();
    EXPECT_EQ(f.hits, 0u);
    EXPECT_EQ(f.misses, 2u);
    EXPECT_EQ(f.dropped, 1u);
    EXPECT_EQ(f.open, 1u);
}

TEST(session_pool, a_session_dead_at_release_is_not_kept) {
    fake_opener opener;
    pool_type pool(options(), opener.make());
    {
        auto lease = lease_of(pool, router("r1"));
        lease->state().alive = false;
        lease.keep();
    }
    EXPECT_EQ(pool.figures().idle, 0u);
    EXPECT_EQ(pool.figures().open, 0u);
    EXPECT_TRUE(opener.opened[0]->closed);
}

TEST(session_pool, replace_closes_the_session_and_opens_a_fresh_one) {
    fake_opener opener;
    pool_type pool(options(), opener.make());
    use_once(pool, router("r1"));
    auto lease = lease_of(pool, router("r1"));
    EXPECT_TRUE(lease.reused());
    EXPECT_FALSE(pool.replace(lease, router("r1"), not_cancelled).has_value());
    EXPECT_EQ(lease->state().id, 2);
    EXPECT_FALSE(lease.reused());
    EXPECT_TRUE(opener.opened[0]->closed);
    lease.keep();
    lease = lease_of(pool, router("r9"));  // gives the replacement back
    EXPECT_EQ(use_once(pool, router("r1")), 2);
    auto f = pool.figures();
    EXPECT_EQ(f.dropped, 1u);
    EXPECT_EQ(f.hits, 2u);
}

TEST(session_pool, a_failed_open_is_an_error_and_holds_no_slot) {
    fake_opener opener;
    pool_type pool(options(1), opener.make());
    auto acquired = pool.acquire(router("down"), not_cancelled);
    ASSERT_TRUE(std::holds_alternative<router_error>(acquired));
    EXPECT_EQ(std::get<router_error>(acquired).kind, error_kind::connect);
    EXPECT_EQ(pool.figures().open, 0u);
    EXPECT_EQ(use_once(pool, router("r1")), 1);
    EXPECT_EQ(pool.figures().evicted, 0u);
}

TEST(session_pool, at_the_cap_the_most_recently_used_idle_session_is_evicted) {
    fake_opener opener;
    pool_type pool(options(2), opener.make());
    use_once(pool, router("r1"));  // 1
    use_once(pool, router("r2"));  // 2
    use_once(pool, router("r1"));  // r1 is now more recent than r2
    use_once(pool, router("r3"));  // 3, evicts r1
    EXPECT_TRUE(opener.opened[0]->closed);
    EXPECT_FALSE(opener.opened[1]->closed);
    EXPECT_EQ(use_once(pool, router("r2")), 2);
    EXPECT_EQ(use_once(pool, router("r3")), 3);
    auto f = pool.figures();
    EXPECT_EQ(f.evicted, 1u);
    EXPECT_EQ(f.open, 2u);
    EXPECT_EQ(f.idle, 2u);
}

std::vector<std::string> keys_of(std::initializer_list<const char*> names) {
    std::vector<std::string> keys;
    for (const char* name : names) keys.push_back(session_key_of(router(name)));
    return keys;
}

TEST(session_pool, an_idle_session_a_pending_task_needs_is_kept_while_another_is_not_needed) {
    fake_opener opener;
    pool_type pool(options(2), opener.make());
    use_once(pool, router("r2"));      // 1
    use_once(pool, router("r1"));      // 2: the most recently used
    pool.add_demand(keys_of({"r1"}));  // a queued task will lease r1
    use_once(pool, router("r3"));      // 3: evicts r2, though r1 is more recent
    EXPECT_TRUE(opener.opened[0]->closed);
    EXPECT_FALSE(opener.opened[1]->closed);
    auto lease = lease_of(pool, router("r1"));
    EXPECT_TRUE(lease.reused());
    EXPECT_EQ(lease->state().id, 2);
}

TEST(session_pool, when_every_idle_session_is_needed_the_one_needed_last_is_evicted) {
    fake_opener opener;
    pool_type pool(options(2), opener.make());
    use_once(pool, router("r2"));                  // 1
    use_once(pool, router("r1"));                  // 2
    pool.add_demand(keys_of({"r1", "r2", "r3"}));  // a job will serve r1, r2, r3 in order
    use_once(pool, router("r3"));                  // evicts r2's session: needed after r1's
    pool.remove_demand(keys_of({"r3"}));
    EXPECT_TRUE(opener.opened[0]->closed);
    EXPECT_EQ(use_once(pool, router("r1")), 2);
    pool.remove_demand(keys_of({"r1"}));
    EXPECT_EQ(pool.figures().evicted, 1u);
}

TEST(session_pool, demand_that_ends_makes_a_session_evictable_again) {
    fake_opener opener;
    pool_type pool(options(2), opener.make());
    use_once(pool, router("r2"));  // 1
    use_once(pool, router("r1"));  // 2
    pool.add_demand(keys_of({"r2", "r2"}));
    pool.remove_demand(keys_of({"r2"}));
    use_once(pool, router("r3"));  // r2 is still needed once: r1 goes
    EXPECT_TRUE(opener.opened[1]->closed);
    pool.remove_demand(keys_of({"r2", "r2", "r9"}));  // more than was added: ignored
    use_once(pool, router("r4"));                     // r2 is spare now, and the most recent
    EXPECT_TRUE(opener.opened[0]->closed);
    EXPECT_FALSE(opener.opened[2]->closed);
}

// The reaper takes due sessions out for their keepalive and puts them back: they keep their
// place in the eviction order, or join their new queue if their demand changed meanwhile.
TEST(idle_sessions, a_session_back_from_a_keepalive_keeps_its_place_in_the_eviction_order) {
    idle_sessions<int> idle;
    auto now = std::chrono::steady_clock::now();
    for (int i : {1, 2, 3, 4}) idle.put({"r" + std::to_string(i), i, now, now});
    idle.add_demand("r1");
    auto out = idle.take_if([](const auto& e) { return e.session != 4; });
    ASSERT_EQ(out.size(), 3u);
    idle.add_demand("r3");  // r3's demand starts while it is out
    for (auto it = out.rbegin(); it != out.rend(); ++it) idle.put_back(std::move(*it));
    std::vector<int> evicted;
    while (auto e = idle.evict()) evicted.push_back(e->session);
    EXPECT_EQ(evicted, (std::vector<int>{4, 2, 3, 1})) << "spare newest first, then wanted";
}

TEST(session_pool, a_miss_on_a_router_whose_session_the_cap_evicted_counts_as_reopened) {
    fake_opener opener;
    pool_type pool(options(1), opener.make());
    use_once(pool, router("r1"));
    use_once(pool, router("r2"));  // evicts r1
    EXPECT_EQ(pool.figures().reopened, 0u) << "r2 was never evicted";
    use_once(pool, router("r1"));  // evicts r2, reopens r1
    use_once(pool, router("r3"));
    auto f = pool.figures();
    EXPECT_EQ(f.evicted, 3u);
    EXPECT_EQ(f.reopened, 1u);
    EXPECT_EQ(f.misses, 4u);
}

TEST(session_pool, a_miss_after_a_drop_or_expiry_is_not_reopened) {
    fake_opener opener;
    pool_type pool(options(16, 50ms), opener.make());
    use_once(pool, router("r1"));
    ASSERT_TRUE(eventually([&] { return pool.figures().expired == 1; }));
    {
        auto lease = lease_of(pool, router("r1"));  // not kept: closed
    }
    use_once(pool, router("r1"));
    EXPECT_EQ(pool.figures().reopened, 0u);
}

// r1 .. rN, in the order a full-fleet job serves them.
std::vector<device> fleet_of(std::size_t routers) {
    std::vector<device> fleet;
    for (std::size_t i = 1; i <= routers; ++i) fleet.push_back(router("r" + std::to_string(i)));
    return fleet;
}

// One pass over `fleet` in order with `workers` leases held at once, as fanoutd's workers do:
// each gives its session back (kept) and then leases the next router. Returns the hits.
// With `demand`, as fanoutd wires the scheduler's: the pass is a job that wants every router
// of `fleet` from its submit until its task finishes (after the lease went back).
std::uint64_t scan(pool_type& pool, const std::vector<device>& fleet, std::size_t workers,
                   bool demand = false) {
    std::vector<std::string> keys;
    for (const auto& target : fleet) keys.push_back(session_key_of(target));
    if (demand) pool.add_demand(keys);  // the job is accepted
    const auto hits_before = pool.figures().hits;
    std::deque<std::pair<pool_type::lease, std::size_t>> in_flight;  // and the fleet index
    auto finish_oldest = [&] {
        in_flight.front().first.keep();
        const auto i = in_flight.front().second;
        in_flight.pop_front();                      // the lease goes back,
        if (demand) pool.remove_demand({keys[i]});  // then the task is finished
    };
    for (std::size_t i = 0; i < fleet.size(); ++i) {
        if (in_flight.size() == workers) finish_oldest();
        in_flight.emplace_back(lease_of(pool, fleet[i]), i);
    }
    while (!in_flight.empty()) finish_oldest();
    return pool.figures().hits - hits_before;
}

// Issue 16: a fleet 1.25x the cap, scanned in the same order again and again (an orchestrator
// polling its fleet). Evicting the least recently used idle session closes exactly the one the
// scan needs next, so every pass after the first got zero hits.
TEST(session_pool, a_repeated_scan_of_a_fleet_larger_than_the_cap_reuses_cap_minus_workers) {
    constexpr std::size_t cap = 40, routers = 50, workers = 8;
    fake_opener opener;
    pool_type pool(options(cap), opener.make());
    const auto fleet = fleet_of(routers);
    EXPECT_EQ(scan(pool, fleet, workers), 0u);
    for (int pass = 2; pass <= 4; ++pass) {
        auto hits = scan(pool, fleet, workers);
        EXPECT_GE(hits, cap - workers) << "pass " << pass;
        EXPECT_LE(pool.figures().open, cap);
    }
    EXPECT_EQ(pool.figures().hits + pool.figures().misses, 4 * routers);
}

// The same with the scheduler's demand, as fanoutd wires it: every router of the job is wanted
// from its submit until its task finishes. The routers a pass has not reached yet keep their
// sessions, so the pass gets every session the previous one left: the full cap.
TEST(session_pool, a_repeated_scan_with_demand_reuses_every_session_the_cap_holds) {
    constexpr std::size_t cap = 40, routers = 50, workers = 8;
    fake_opener opener;
    pool_type pool(options(cap), opener.make());
    const auto fleet = fleet_of(routers);
    for (int pass = 1; pass <= 4; ++pass) {
        const auto hits = scan(pool, fleet, workers, true);
        EXPECT_EQ(hits, pass == 1 ? 0u : cap) << "pass " << pass;
        EXPECT_LE(pool.figures().open, cap);
    }
    auto f = pool.figures();
    EXPECT_EQ(f.reopened, f.misses - routers) << "every later miss reopened an evicted router";
}

TEST(session_pool, sessions_in_use_are_never_evicted_and_extras_close_on_release) {
    fake_opener opener;
    pool_type pool(options(1), opener.make());
    auto first = lease_of(pool, router("r1"));
    auto second = lease_of(pool, router("r2"));  // over the cap: nothing idle to evict
    EXPECT_EQ(pool.figures().open, 2u);
    EXPECT_FALSE(first->state().closed);
    first.keep();
    second.keep();
    first = lease_of(pool, router("r3"));  // r1 goes back: 2 open > cap 1, so it closes
    EXPECT_TRUE(opener.opened[0]->closed);
    EXPECT_LE(pool.figures().open, 2u);
}

TEST(session_pool, idle_sessions_expire_after_the_idle_timeout) {
    fake_opener opener;
    pool_type pool(options(16, 50ms), opener.make());
    use_once(pool, router("r1"));
    // The reaper counts under the pool's lock and closes after it: wait for both.
    ASSERT_TRUE(
        eventually([&] { return pool.figures().expired == 1 && opener.opened[0]->closed.load(); }));
    auto f = pool.figures();
    EXPECT_EQ(f.open, 0u);
    EXPECT_EQ(f.idle, 0u);
    EXPECT_EQ(use_once(pool, router("r1")), 2);
}

TEST(session_pool, an_idle_timeout_of_zero_disables_reuse) {
    fake_opener opener;
    pool_type pool(options(16, 0ms), opener.make());
    EXPECT_EQ(use_once(pool, router("r1")), 1);
    EXPECT_EQ(use_once(pool, router("r1")), 2);
    auto f = pool.figures();
    EXPECT_EQ(f.hits, 0u);
    EXPECT_EQ(f.misses, 2u);
    EXPECT_EQ(f.open, 0u);
    EXPECT_EQ(f.dropped, 0u) << "closing an unpooled session is not a failure";
}

TEST(session_pool, idle_sessions_get_keepalives_and_dead_ones_are_dropped) {
    fake_opener opener;
    pool_type pool(options(16, 300s, 20ms), opener.make());
    use_once(pool, router("r1"));
    use_once(pool, router("r2"));
    ASSERT_TRUE(eventually([&] { return opener.opened[0]->keepalives >= 3; }));
    EXPECT_EQ(pool.figures().idle, 2u);
    opener.opened[1]->dies_on_keepalive = true;
    ASSERT_TRUE(
        eventually([&] { return pool.figures().dropped == 1 && opener.opened[1]->closed.load(); }));
    EXPECT_EQ(use_once(pool, router("r1")), 1) << "the live one is still pooled";
    EXPECT_EQ(use_once(pool, router("r2")), 3);
}

TEST(session_pool, no_keepalives_when_they_are_off) {
    fake_opener opener;
    pool_type pool(options(16, 100ms, 0ms), opener.make());
    use_once(pool, router("r1"));
    ASSERT_TRUE(eventually([&] { return pool.figures().expired == 1; }));
    EXPECT_EQ(opener.opened[0]->keepalives, 0);
}

// 8 threads lease sessions of 9 routers 300 times each; returns how often a lease saw a
// session that another lease was using, or that was already closed.
int hammer(pool_type& pool) {
    std::atomic<int> overlaps{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 300; ++i) {
                // The "shared" router's sessions pass between threads.
                auto lease =
                    lease_of(pool, router(i % 3 == 0 ? "shared" : "r" + std::to_string(t)));
                if (++lease->state().users != 1) ++overlaps;
                if (lease->state().closed) ++overlaps;
                std::this_thread::yield();
                --lease->state().users;
                if (i % 7 != 0) lease.keep();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    return overlaps;
}

// What hammer leaves in a pool capped at `cap`: every lease counted, the cap kept, all idle.
void expect_hammered(const session_pool_figures& f, std::size_t cap) {
    EXPECT_EQ(f.hits + f.misses, 8u * 300u);
    EXPECT_LE(f.open, cap);
    EXPECT_EQ(f.open, f.idle);
}

// Every session `opener` opened is still pooled (`f.open`) or closed.
void expect_unpooled_closed(fake_opener& opener, const session_pool_figures& f) {
    std::size_t closed = 0;
    for (const auto& state : opener.opened) closed += state->closed ? 1 : 0;
    EXPECT_EQ(closed + f.open, opener.count()) << "every session not pooled was closed";
}

TEST(session_pool, a_session_is_never_leased_twice_at_once) {
    fake_opener opener;
    // Cap above the 9 routers: each thread mostly reuses its own router's session, while
    // keepalives every millisecond take idle sessions out and put them back.
    pool_type pool(options(16, 300s, 1ms), opener.make());
    EXPECT_EQ(hammer(pool), 0);
    auto f = pool.figures();
    expect_hammered(f, 16);
    EXPECT_GT(f.hits, 0u);
}

TEST(session_pool, eviction_under_contention_keeps_the_cap_and_ownership) {
    fake_opener opener;
    pool_type pool(options(2, 300s, 1ms), opener.make());
    EXPECT_EQ(hammer(pool), 0);
    auto f = pool.figures();
    expect_hammered(f, 2);
    EXPECT_GT(f.evicted, 0u);
    expect_unpooled_closed(opener, f);
}

TEST(session_pool, demand_changing_under_contention_keeps_the_cap_and_ownership) {
    fake_opener opener;
    pool_type pool(options(3, 300s, 1ms), opener.make());
    std::atomic<bool> done{false};
    std::thread scheduler_like([&] {  // jobs accepted and finished while workers lease
        const auto keys = keys_of({"shared", "r0", "r3", "r7"});
        while (!done) {
            pool.add_demand(keys);
            std::this_thread::yield();
            pool.remove_demand(keys);
        }
    });
    EXPECT_EQ(hammer(pool), 0);
    done = true;
    scheduler_like.join();
    auto f = pool.figures();
    expect_hammered(f, 3);
    expect_unpooled_closed(opener, f);
}

}  // namespace
}  // namespace fanout::daemon
