// A router's time budget (issue 13): how long its connect phase may still block, from the
// job's `deadline` or, without one, from the job's `timeout`.
//
// Contract: pure values and arithmetic, thread-safe, no I/O.
// - router_limits is what a job gives a router task: its deadline (an absolute point, from the
//   router's start, and its length for messages) when the job has one, and the job's timeout.
//   A default router_limits bounds nothing (unit tests, callers without a job).
// - resolve() turns them into the budget of one connect phase (all attempts, the waits
//   between them, bastion slots and channels included), starting at `now`:
//     with a deadline:   until the deadline;
//     without one:       connect_budget_for(timeout, connect_timeout) from `now`, that is
//                        clamp(T, 5 s, connect_timeout + 5 s): as long as one command may take,
//                        never under 5 s (a quick command must not fail a slow login), and at
//                        most one whole connect attempt plus 5 s for retries of quick failures
//                        (a dead router costs one connect timeout, not retries + 1 of them).
//   docs/reliability.md ("Time budget of a router") has the worked examples.
// - A bounded budget caps every blocking step: cap(d) = min(d, remaining). A retry starts only
//   when the budget left after its wait still covers min_attempt (or the whole connect
//   timeout when that is shorter): room_for_attempt().
// - exhausted_message() words a timeout the budget caused: "deadline of 5 s hit during
//   connect: <what timed out>", or "connect budget of 5 s (...) spent during auth: ...".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace fanout::daemon {

inline constexpr std::chrono::milliseconds min_connect_budget{5'000};
inline constexpr std::chrono::milliseconds retry_allowance{5'000};
inline constexpr std::chrono::milliseconds min_attempt{1'000};

struct router_limits {
    using clock = std::chrono::steady_clock;
    std::optional<clock::time_point> deadline;  // the job's deadline for this router
    std::chrono::milliseconds deadline_length{0};
    std::optional<std::chrono::milliseconds> timeout;  // the job's per-command timeout
};

// clamp(timeout, min_connect_budget, connect_timeout + retry_allowance).
std::chrono::milliseconds connect_budget_for(std::chrono::milliseconds timeout,
                                             std::chrono::milliseconds connect_timeout);

class time_budget {
  public:
    using clock = std::chrono::steady_clock;
    enum class source { none, deadline, connect_budget };

    time_budget() = default;  // unbounded
    time_budget(source from, clock::time_point until, std::chrono::milliseconds length)
        : from_(from), until_(until), length_(length) {}

    static time_budget resolve(const router_limits& limits,
                               std::chrono::milliseconds connect_timeout, clock::time_point now);

    bool bounded() const { return from_ != source::none; }
    source from() const { return from_; }
    clock::time_point until() const { return until_; }
    // Zero once past; milliseconds::max() when unbounded.
    std::chrono::milliseconds remaining(clock::time_point now) const;
    bool expired(clock::time_point now) const { return bounded() && now >= until_; }
    std::chrono::milliseconds cap(std::chrono::milliseconds wanted, clock::time_point now) const;
    // Another connect attempt of up to `connect_timeout`, after a wait of `wait`, has room.
    bool room_for_attempt(std::chrono::milliseconds wait, std::chrono::milliseconds connect_timeout,
                          clock::time_point now) const;
    // "deadline of 5 s hit during <phase>: <detail>" (or the connect budget's wording).
    std::string exhausted_message(std::string_view phase, std::string_view detail) const;

  private:
    source from_ = source::none;
    clock::time_point until_ = clock::time_point::max();
    std::chrono::milliseconds length_{0};
};

// "5 s", "2.5 s", "0.25 s": a length as a person reads it.
std::string seconds_text(std::chrono::milliseconds length);

}  // namespace fanout::daemon
