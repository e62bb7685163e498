// send_budget: the per-peer and total byte limits on what ZeroMQ holds for fanoutd's peers.
#include "daemon/api/send_budget.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

using fanout::daemon::send_budget;

TEST(send_budget, a_peer_gets_what_fits_within_its_limit_and_then_no_more) {
    send_budget budget(100, 1000);
    EXPECT_TRUE(budget.try_reserve("a", 60));
    EXPECT_TRUE(budget.try_reserve("a", 40)) << "exactly the limit fits";
    EXPECT_FALSE(budget.try_reserve("a", 1));
    EXPECT_EQ(budget.held("a"), 100u);
    EXPECT_TRUE(budget.try_reserve("b", 100)) << "another peer has its own limit";
    EXPECT_EQ(budget.total(), 200u);
}

TEST(send_budget, released_bytes_can_be_reserved_again) {
    send_budget budget(100, 1000);
    ASSERT_TRUE(budget.try_reserve("a", 100));
    budget.release("a", 30);
    EXPECT_TRUE(budget.try_reserve("a", 30));
    EXPECT_FALSE(budget.try_reserve("a", 1));
}

TEST(send_budget, one_message_always_fits_when_the_peer_holds_nothing) {
    send_budget budget(100, 1000);
    EXPECT_TRUE(budget.try_reserve("a", 500)) << "larger than the per-peer limit, none held";
    EXPECT_FALSE(budget.try_reserve("a", 1));
    budget.release("a", 500);
    EXPECT_EQ(budget.held("a"), 0u);
    EXPECT_TRUE(budget.try_reserve("a", 500));
}

TEST(send_budget, the_total_limit_binds_every_peer) {
    send_budget budget(100, 250);
    ASSERT_TRUE(budget.try_reserve("a", 100));
    ASSERT_TRUE(budget.try_reserve("b", 100));
    EXPECT_FALSE(budget.try_reserve("c", 51)) << "c holds nothing, but the total would pass";
    EXPECT_TRUE(budget.try_reserve("c", 50));
    budget.release("a", 100);
    EXPECT_TRUE(budget.try_reserve("d", 100));
}

TEST(send_budget, one_message_fits_the_total_when_nothing_is_held_at_all) {
    send_budget budget(100, 250);
    EXPECT_TRUE(budget.try_reserve("a", 4000));
    EXPECT_FALSE(budget.try_reserve("b", 1));
}

TEST(send_budget, forced_reservations_count_and_a_peer_holding_nothing_is_forgotten) {
    send_budget budget(100, 1000);
    budget.force_reserve("a", 5000);
    EXPECT_EQ(budget.total(), 5000u);
    EXPECT_FALSE(budget.try_reserve("a", 1));
    budget.release("a", 5000);
    EXPECT_EQ(budget.total(), 0u);
    budget.release("a", 10);  // nothing held: nothing happens
    budget.release("never", 10);
    EXPECT_EQ(budget.total(), 0u);
}

TEST(send_budget, releases_from_other_threads_balance_the_reservations) {
    send_budget budget(1u << 30, 1u << 30);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&budget, t] {
            const std::string peer = "p" + std::to_string(t % 2);
            for (int i = 0; i < 10000; ++i) {
                if (budget.try_reserve(peer, 7)) budget.release(peer, 7);
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(budget.total(), 0u);
    EXPECT_EQ(budget.held("p0"), 0u);
}
