// Fakes for the bastion hub's unit tests (test_jump_hub*.cpp): bastion sessions without
// sockets (fake_link), an opener that records and can hold or fail its opens (fake_opener), a
// small inventory with bastions b1, b2 and routers r (via b1), r2 (via b1 > b2).
//
// Contract: test-only; every wait has a timeout (a gtest failure, not a hang).
#pragma once

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "daemon/jump/hub.hpp"

namespace jump_hub_fakes {

using namespace std::chrono_literals;
using fanout::daemon::connect_failure;
using fanout::daemon::connect_stage;
using fanout::daemon::device;
using fanout::daemon::forward_result;
using fanout::daemon::inventory;
using fanout::protocol::error_kind;
using fanout::protocol::router_error;
namespace jump = fanout::daemon::jump;

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
        std::lock_guard lock(mutex_);
        return idle_since_;
    }
    // A stream over this link ends.
    void end_one() {
        {
            std::lock_guard lock(mutex_);
            if (--slots_ == 0) idle_since_ = std::chrono::steady_clock::now();
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
    std::chrono::steady_clock::time_point idle_since_ = std::chrono::steady_clock::now();
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

inline std::shared_ptr<const inventory> fleet() {
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

inline jump::hub_options options(std::size_t channels, std::size_t sessions) {
    jump::hub_options o;
    o.channels_per_session = channels;
    o.sessions_per_bastion = sessions;
    o.connect_rate = 0;
    o.failure_memo = 60s;
    return o;
}

inline int fd_of(const jump::stream_result& r) {
    if (auto* failure = std::get_if<connect_failure>(&r))
        ADD_FAILURE() << "stream failed: " << failure->error.message;
    return std::holds_alternative<int>(r) ? std::get<int>(r) : -1;
}

}  // namespace jump_hub_fakes
