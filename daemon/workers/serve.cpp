#include "daemon/workers/serve.hpp"

#include "daemon/scheduling/clock.hpp"

namespace fanout::daemon::serving {

using protocol::error_kind;
using protocol::router_result;
using protocol::router_status;

router_result timed_result(system_clock::time_point wall_start, steady_clock::time_point start) {
    router_result r;
    auto end = steady_clock::now();
    r.start_time = iso8601_utc(wall_start);
    r.end_time = iso8601_utc(system_clock::now());
    r.execution_duration = seconds_between(start, end);
    return r;
}

router_result failed_result(const protocol::router_error& error,
                            system_clock::time_point wall_start, steady_clock::time_point start) {
    auto r = timed_result(wall_start, start);
    r.status = router_status::failed;
    r.error = error;
    return r;
}

router_result cancelled_result() {
    router_result r;
    r.status = router_status::cancelled;
    r.start_time = r.end_time = iso8601_utc(system_clock::now());
    return r;
}

// No timeout or cancel left a channel half-read, no truncation left output unread.
bool leaves_session_clean(const command_outcome& outcome) {
    if (outcome.truncated) return false;
    if (outcome.status == router_status::success) return true;
    return outcome.status == router_status::failed && outcome.error &&
           (outcome.error->kind == error_kind::exit_status ||
            outcome.error->kind == error_kind::rpc_error);
}

router_result result_of(command_outcome outcome, system_clock::time_point wall_start,
                        steady_clock::time_point start) {
    auto r = timed_result(wall_start, start);
    r.status = outcome.status;
    r.output = std::move(outcome.output);
    r.stderr_output = std::move(outcome.stderr_output);
    r.exit_status = outcome.exit_status;
    r.error = std::move(outcome.error);
    r.truncated = outcome.truncated;
    return r;
}

router_limits limits_of(const job& j, steady_clock::time_point start) {
    router_limits limits;
    limits.timeout = j.timeout;
    if (j.deadline) {
        limits.deadline = start + *j.deadline;
        limits.deadline_length = *j.deadline;
    }
    return limits;
}

time_budget deadline_budget(const router_limits& limits) {
    if (!limits.deadline) return {};
    return {time_budget::source::deadline, *limits.deadline, limits.deadline_length};
}

}  // namespace fanout::daemon::serving
