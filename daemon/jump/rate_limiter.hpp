// A limit on new connections per second (--connect-rate daemon-wide, --bastion-connect-rate
// per bastion), so a wave of 1000 routers does not hit a TACACS/RADIUS server or a bastion
// all in the same second.
//
// Contract: thread-safe. Each take() is given the next free slot in time (a virtual schedule,
// GCRA), `burst` slots may be taken at once, and waits until its slot, in short sleeps that
// notice `cancelled` (false: cancelled; the slot is given back, so a cancelled job's
// thousand waiting routers do not hold the next job back by their whole schedule). Rate 0: no
// limit, take() returns at once. Fair in arrival order of the calls; never more than rate × t +
// burst takes in t.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>

namespace fanout::daemon::jump {

class rate_limiter {
  public:
    using clock = std::chrono::steady_clock;
    // `per_second` 0: unlimited. `burst`: takes allowed back to back (at least 1).
    explicit rate_limiter(double per_second, double burst = 0);

    // False when cancelled, or (at once, slot given back) when the slot comes after `until`:
    // a router whose time budget ends first does not wait for nothing.
    bool take(const std::atomic<bool>& cancelled,
              clock::time_point until = clock::time_point::max());
    // The time take() would be let through if called at `now` (and reserves it): for tests.
    clock::time_point reserve(clock::time_point now);
    // Gives one reserved slot back (a cancelled take): the schedule moves one interval earlier.
    void give_back(clock::time_point now);

  private:
    std::mutex mutex_;
    clock::duration interval_{};
    clock::duration tolerance_{};  // (burst - 1) intervals
    clock::time_point next_{};     // the theoretical arrival time of the next take
};

}  // namespace fanout::daemon::jump
