// metric_types: lock-free counters, gauges, histograms and labeled counter families.
#include "daemon/metrics/metric_types.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace fanout::metrics;

TEST(metric_types, counter_and_gauge_count) {
    counter c;
    c.inc();
    c.inc(41);
    EXPECT_EQ(c.value(), 42u);
    gauge g;
    g.set(10);
    g.add(-3);
    EXPECT_EQ(g.value(), 7);
}

TEST(metric_types, histogram_bucket_bounds_are_inclusive) {
    histogram h({0.1, 1, 10});
    h.observe(0.1);   // le 0.1
    h.observe(0.5);   // le 1
    h.observe(1);     // le 1
    h.observe(10.5);  // +Inf
    EXPECT_EQ(h.bucket(0), 1u);
    EXPECT_EQ(h.bucket(1), 2u);
    EXPECT_EQ(h.bucket(2), 0u);
    EXPECT_EQ(h.bucket(3), 1u);
    EXPECT_DOUBLE_EQ(h.sum(), 12.1);
}

TEST(metric_types, histogram_refuses_bounds_out_of_order) {
    EXPECT_THROW(histogram({1, 0.5}), std::invalid_argument);
    EXPECT_THROW(histogram({1, 1}), std::invalid_argument);
    EXPECT_THROW(histogram(std::vector<double>{}), std::invalid_argument);
}

TEST(metric_types, a_family_keeps_one_counter_per_label_tuple_in_first_use_order) {
    counter_family<2> f;
    f.inc({"failed", "timeout"});
    f.inc({"success", "none"}, 2);
    f.inc({"failed", "timeout"});
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f.labels(0)[0], "failed");
    EXPECT_EQ(f.labels(0)[1], "timeout");
    EXPECT_EQ(f.value(0), 2u);
    EXPECT_EQ(f.value(1), 2u);
    EXPECT_EQ(f.at({"failed", "timeout"}), f.at({"failed", "timeout"}));
}

TEST(metric_types, a_full_family_counts_the_rest_as_overflow) {
    counter_family<1> f;
    for (std::size_t i = 0; i < counter_family<1>::capacity; ++i) f.inc({std::to_string(i)});
    f.inc({"one too many"}, 5);
    f.inc({"0"});
    EXPECT_EQ(f.size(), counter_family<1>::capacity);
    EXPECT_EQ(f.overflowed(), 5u);
    EXPECT_EQ(f.value(0), 2u) << "known tuples still count";
}

TEST(metric_types, concurrent_recording_loses_nothing) {
    counter_family<1> f;
    histogram h({1, 2});
    constexpr int threads = 4, events = 20000;
    std::vector<std::thread> running;
    for (int t = 0; t < threads; ++t)
        running.emplace_back([&, t] {
            for (int i = 0; i < events; ++i) {
                f.inc({i % 2 ? "odd" : "even"});
                f.inc({"thread" + std::to_string(t)});
                h.observe(1.5);
            }
        });
    for (auto& t : running) t.join();
    ASSERT_EQ(f.size(), 2u + threads) << "every tuple published once";
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < f.size(); ++i) total += f.value(i);
    EXPECT_EQ(total, 2u * threads * events);
    EXPECT_EQ(h.bucket(1), std::uint64_t{threads} * events);
    EXPECT_DOUBLE_EQ(h.sum(), 1.5 * threads * events);
}
