#include "daemon/jump/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

namespace fanout::daemon::jump {

rate_limiter::rate_limiter(double per_second, double burst) {
    if (per_second <= 0) return;
    interval_ = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(1.0 / per_second));
    burst = std::max(1.0, burst);
    tolerance_ = std::chrono::duration_cast<clock::duration>(interval_ * (burst - 1));
}

rate_limiter::clock::time_point rate_limiter::reserve(clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto arrival = std::max(next_, now);
    next_ = arrival + interval_;
    return std::max(now, arrival - tolerance_);
}

void rate_limiter::give_back(clock::time_point now) {
    std::lock_guard lock(mutex_);
    next_ = std::max(now, next_ - interval_);
}

bool rate_limiter::take(const std::atomic<bool>& cancelled, clock::time_point until) {
    if (interval_ == clock::duration::zero()) return true;
    const auto at = reserve(clock::now());
    if (at > until) {
        give_back(clock::now());
        return false;
    }
    for (;;) {
        if (cancelled.load()) {
            give_back(clock::now());
            return false;
        }
        auto left = at - clock::now();
        if (left <= clock::duration::zero()) return true;
        std::this_thread::sleep_for(std::min<clock::duration>(left, std::chrono::milliseconds(50)));
    }
}

}  // namespace fanout::daemon::jump
