// The metric primitives: what the hot path touches when it records an event.
//
// Contract:
// - counter, gauge and histogram are lock-free: relaxed atomics only, never a mutex, never an
//   allocation. Relaxed is enough: each value is read on its own at scrape time, and a scrape
//   may see one event's bucket before its sum (Prometheus tolerates that skew).
// - histogram: fixed upper bounds given at construction (ascending, finite); observe(v) adds
//   one to the first bucket whose bound is >= v (Prometheus's `le` is inclusive), or to the
//   +Inf bucket, and v to the sum. The count is the sum of the buckets, so _count always equals
//   the +Inf bucket.
// - counter_family: one counter per label-value tuple, in at most `capacity` slots. Finding an
//   existing tuple scans the published slots without a lock; only the first occurrence of a
//   tuple takes a mutex to publish a new slot. Beyond capacity, events are counted in
//   overflowed(), which the registry exports under the tuple whose every value is `other`, so
//   the family's sum stays exact.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::metrics {

class counter {
  public:
    void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

class gauge {
  public:
    void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
    void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::int64_t> value_{0};
};

class histogram {
  public:
    explicit histogram(std::vector<double> bounds)
        : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
        if (bounds_.empty() || !std::is_sorted(bounds_.begin(), bounds_.end()) ||
            std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end())
            throw std::invalid_argument("histogram bounds must be ascending and distinct");
        for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
    }

    void observe(double v) {
        auto at = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
        buckets_[at].fetch_add(1, std::memory_order_relaxed);
        sum_.fetch_add(v, std::memory_order_relaxed);
    }

    const std::vector<double>& bounds() const { return bounds_; }
    // Events in bucket i alone (not cumulative); i == bounds().size() is the +Inf bucket.
    std::uint64_t bucket(std::size_t i) const {
        return buckets_[i].load(std::memory_order_relaxed);
    }
    double sum() const { return sum_.load(std::memory_order_relaxed); }

  private:
    const std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
    std::atomic<double> sum_{0.0};
};

template <std::size_t Labels>
class counter_family {
  public:
    static constexpr std::size_t capacity = 128;
    using values = std::array<std::string_view, Labels>;

    // The tuple's counter, created (at zero) on first use; nullptr when the family is full.
    counter* at(const values& v) {
        const std::size_t published = used_.load(std::memory_order_acquire);
        if (auto* c = find(v, 0, published)) return c;
        std::lock_guard guard(insert_);
        const std::size_t now = used_.load(std::memory_order_relaxed);
        if (auto* c = find(v, published, now)) return c;
        if (now == capacity) return nullptr;
        for (std::size_t i = 0; i < Labels; ++i) slots_[now].labels[i] = std::string(v[i]);
        used_.store(now + 1, std::memory_order_release);
        return &slots_[now].value;
    }

    void inc(const values& v, std::uint64_t n = 1) {
        if (auto* c = at(v))
            c->inc(n);
        else
            overflowed_.inc(n);
    }

    std::size_t size() const { return used_.load(std::memory_order_acquire); }
    const std::array<std::string, Labels>& labels(std::size_t i) const { return slots_[i].labels; }
    std::uint64_t value(std::size_t i) const { return slots_[i].value.value(); }
    std::uint64_t overflowed() const { return overflowed_.value(); }

  private:
    struct slot {
        std::array<std::string, Labels> labels;
        counter value;
    };

    counter* find(const values& v, std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i)
            if (std::equal(v.begin(), v.end(), slots_[i].labels.begin())) return &slots_[i].value;
        return nullptr;
    }

    std::array<slot, capacity> slots_;
    std::atomic<std::size_t> used_{0};
    std::mutex insert_;  // the first occurrence of a tuple only
    counter overflowed_;
};

}  // namespace fanout::metrics
