// The bastion hub's entries (one per bastion chain prefix) do not pile up: once its sessions
// are reaped, an entry goes too, unless a failure memo still runs; a later stream() through
// the same bastion starts a fresh one.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/unit/jump_hub_fakes.hpp"

using namespace jump_hub_fakes;

namespace {

// Waits (10 s at most) until the hub keeps `n` entries; the reaper runs every second.
bool entries_become(const jump::hub& hub, std::size_t n) {
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (hub.entries() != n) {
        if (std::chrono::steady_clock::now() > give_up) return false;
        std::this_thread::sleep_for(20ms);  // polling a condition, not synchronising on time
    }
    return true;
}

// fleet() and r3, behind b2 alone.
std::shared_ptr<const inventory> fleet_with_r3() {
    auto devices = fleet();
    std::vector<device> all;
    for (const auto* name : {"b1", "b2", "r", "r2"}) all.push_back(*devices->find(name));
    device r3 = *devices->find("r");
    r3.name = "r3";
    r3.ip = "10.0.0.3";
    r3.jump = {"b2"};
    all.push_back(r3);
    return std::make_shared<const inventory>(inventory::from_devices(std::move(all)));
}

}  // namespace

TEST(jump_hub_entries, an_entry_goes_with_its_last_session_and_comes_back_on_demand) {
    fake_opener opener;
    auto devices = fleet();
    auto o = options(8, 4);
    o.idle_timeout = 0ms;  // a session without channels is closed at the reaper's next round
    jump::hub hub(o, opener.function(), devices);
    std::atomic<bool> cancelled{false};
    int fd = fd_of(hub.stream(*devices->find("r2"), cancelled));  // b1, then b1 > b2
    EXPECT_EQ(hub.entries(), 2u);
    EXPECT_EQ(opener.calls, 2);
    // While the stream is open its sessions stay, and so do their entries.
    ASSERT_EQ(opener.links.size(), 2u);
    opener.links[1]->end_one();  // the router's stream over b2 ends ...
    ::close(fd);
    opener.links[0]->end_one();  // ... and with b2's session gone, b1's channel to b2 ends
    ASSERT_TRUE(entries_become(hub, 0)) << hub.entries() << " entries left";
    EXPECT_EQ(hub.figures().expired, 2u);

    // The same bastion later: a fresh entry and session, and the stream works.
    ::close(fd_of(hub.stream(*devices->find("r"), cancelled)));
    EXPECT_EQ(hub.entries(), 1u);
    EXPECT_EQ(opener.calls, 3);
    EXPECT_EQ(opener.links.back()->targets, std::vector<std::string>{"10.0.0.1:22"});
}

TEST(jump_hub_entries, an_entry_with_a_running_failure_memo_is_kept) {
    fake_opener opener;
    auto devices = fleet_with_r3();
    auto o = options(8, 4);
    o.idle_timeout = 0ms;
    o.failure_memo = 60s;
    jump::hub hub(o, opener.function(), devices);
    std::atomic<bool> cancelled{false};
    {
        std::lock_guard lock(opener.mutex);
        opener.failure = router_error{error_kind::connect, "Connection refused"};
    }
    EXPECT_TRUE(
        std::holds_alternative<connect_failure>(hub.stream(*devices->find("r"), cancelled)));
    {
        std::lock_guard lock(opener.mutex);
        opener.failure.reset();
    }
    ::close(fd_of(hub.stream(*devices->find("r3"), cancelled)));  // b2: a session ...
    EXPECT_EQ(hub.entries(), 2u);
    opener.links[0]->end_one();  // ... idle from now on
    // b2's entry goes with its idle session; b1's stays while its memo runs ...
    ASSERT_TRUE(entries_become(hub, 1)) << hub.entries() << " entries left";
    // ... so b1's failure is still answered at once, without a new open.
    auto again = hub.stream(*devices->find("r"), cancelled);
    ASSERT_TRUE(std::holds_alternative<connect_failure>(again));
    EXPECT_EQ(opener.calls, 2);
    EXPECT_EQ(hub.figures().memo_failures, 1u);
}
