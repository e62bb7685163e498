#include "daemon/ssh/time_budget.hpp"

#include <algorithm>
#include <cstdio>

namespace fanout::daemon {

using std::chrono::milliseconds;

milliseconds connect_budget_for(milliseconds timeout, milliseconds connect_timeout) {
    const milliseconds most = std::max(min_connect_budget, connect_timeout + retry_allowance);
    return std::clamp(timeout, min_connect_budget, most);
}

time_budget time_budget::resolve(const router_limits& limits, milliseconds connect_timeout,
                                 clock::time_point now) {
    if (limits.deadline) return {source::deadline, *limits.deadline, limits.deadline_length};
    if (!limits.timeout) return {};
    const auto length = connect_budget_for(*limits.timeout, connect_timeout);
    return {source::connect_budget, now + length, length};
}

milliseconds time_budget::remaining(clock::time_point now) const {
    if (!bounded()) return milliseconds::max();
    if (now >= until_) return milliseconds::zero();
    return std::chrono::ceil<milliseconds>(until_ - now);
}

milliseconds time_budget::cap(milliseconds wanted, clock::time_point now) const {
    return std::min(wanted, remaining(now));
}

bool time_budget::room_for_attempt(milliseconds wait, milliseconds connect_timeout,
                                   clock::time_point now) const {
    if (!bounded()) return true;
    return remaining(now) >= wait + std::min(connect_timeout, min_attempt);
}

std::string time_budget::exhausted_message(std::string_view phase, std::string_view detail) const {
    std::string out = from_ == source::deadline
                          ? "deadline of " + seconds_text(length_) + " hit during "
                          : "connect budget of " + seconds_text(length_) +
                                " (from the job's timeout) spent during ";
    out += phase;
    if (!detail.empty()) {
        out += ": ";
        out += detail;
    }
    return out;
}

std::string seconds_text(milliseconds length) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", static_cast<double>(length.count()) / 1000.0);
    std::string out(text);
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
    return out + " s";
}

}  // namespace fanout::daemon
