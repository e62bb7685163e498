// The bastion hub's own logic, with fake bastion sessions (no sockets): single-flight opens,
// the failure memo, the caps on channels per session and sessions per bastion, dead sessions
// replaced, multi-hop chains opened over the previous hop's stream.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "daemon/jump/hub.hpp"

using namespace std::chrono_literals;
using fanout::daemon::connect_failure;
using fanout::daemon::connect_stage;
using fanout::daemon::device;
using fanout::daemon::forward_result;
using fanout::daemon::inventory;
using fanout::protocol::error_kind;
using fanout::protocol::router_error;
namespace jump = fanout::daemon::jump;

namespace {

class fake_link final : public jump::link {
  public:
    explicit fake_link(std::function<void()> on_free) : on_free_(std::move(on_free)) {}
    bool try_reserve(std::size_t max) override {
        std::lock_guard lock(mutex_);
        if (dead_ || slots_ >= max) return false;
        ++slots_;
        return true;
    }
    void release() override { end_one(); }
    forward_result forward(const std::string& host, std::uint16_t port, std::chrono::milliseconds,
                           const std::atomic<bool>&) override {
        std::lock_guard lock(mutex_);
        targets.push_back(host + ":" + std::to_string(port));
        forward_result r;
        if (dead_) {
            --slots_;
            r.session_lost = true;
            r.error = router_error{error_kind::connect, "gone"};
            return r;
        }
        r.fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        return r;
    }
    bool alive() const override {
        std::lock_guard lock(mutex_);
        return !dead_;
    }
    std::size_t channels() const override {
        std::lock_guard lock(mutex_);
        return slots_;
    }
    std::chrono::steady_clock::time_point idle_since() const override {
        return std::chrono::steady_clock::now();
    }
    // A stream over this link ends.
    void end_one() {
        {
            std::lock_guard lock(mutex_);
            --slots_;
        }
        on_free_();
    }
    void kill() {
        std::lock_guard lock(mutex_);
        dead_ = true;
    }
    std::vector<std::string> targets;

  private:
    mutable std::mutex mutex_;
    std::size_t slots_ = 0;
    bool dead_ = false;
    std::function<void()> on_free_;
};

// The hub's opener: records each call; fails while `failure` is set; may hold every open
// until release() (to line callers up behind one open).
struct fake_opener {
    std::mutex mutex;
    std::condition_variable changed;
    int calls = 0;
    std::vector<std::pair<std::string, int>> opened_over;  // bastion name, fd given
    std::optional<router_error> failure;
    bool hold = false;
    std::vector<fake_link*> links;

    jump::hub::link_opener function() {
        return [this](const device& bastion, int fd, const std::atomic<bool>&,
                      std::function<void()> on_free, const fanout::daemon::time_budget&)
                   -> std::variant<std::unique_ptr<jump::link>, connect_failure> {
            std::unique_lock lock(mutex);
            ++calls;
            opened_over.emplace_back(bastion.name, fd);
            if (fd >= 0) ::close(fd);
            changed.notify_all();
            changed.wait(lock, [&] { return !hold; });
            if (failure) return connect_failure{*failure, connect_stage::authentication};
            auto made = std::make_unique<fake_link>(std::move(on_free));
            links.push_back(made.get());
            return std::unique_ptr<jump::link>(std::move(made));
        };
    }
    void wait_for_calls(int n) {
        std::unique_lock lock(mutex);
        ASSERT_TRUE(changed.wait_for(lock, 10s, [&] { return calls >= n; }));
    }
    void release() {
        std::lock_guard lock(mutex);
        hold = false;
        changed.notify_all();
    }
};

std::shared_ptr<const inventory> fleet() {
    auto make = [](std::string name, std::string ip, bool bastion, std::vector<std::string> jump) {
        device d;
        d.name = std::move(name);
        d.ip = std::move(ip);
        d.username = "u";
        d.bastion = bastion;
        d.jump = std::move(jump);
        return d;
    };
    std::vector<device> devices;
    devices.push_back(make("b1", "10.9.0.1", true, {}));
    devices.push_back(make("b2", "10.9.0.2", true, {}));
    devices.push_back(make("r", "10.0.0.1", false, {"b1"}));
    devices.push_back(make("r2", "10.0.0.2", false, {"b1", "b2"}));
    return std::make_shared<const inventory>(inventory::from_devices(std::move(devices)));
}

jump::hub_options options(std::size_t channels, std::size_t sessions) {
    jump::hub_options o;
    o.channels_per_session = channels;
    o.sessions_per_bastion = sessions;
    o.connect_rate = 0;
    o.failure_memo = 60s;
    return o;
}

int fd_of(const jump::stream_result& r) {
    if (auto* failure = std::get_if<connect_failure>(&r))
        ADD_FAILURE() << "stream failed: " << failure->error.message;
    return std::holds_alternative<int>(r) ? std::get<int>(r) : -1;
}

}  // namespace

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
