#include "tools/fanoutctl/result_tracker.hpp"

#include <algorithm>

namespace fanout::ctl {

bool result_tracker::add(const protocol::router_result& r) {
    if (!seen_.emplace(r.router_name, r.command_index).second) return false;
    ++counts_.done;
    ++results_per_router_[r.router_name];
    if (r.status == protocol::router_status::failed) ++counts_.failed;
    if (r.status == protocol::router_status::cancelled) ++counts_.cancelled;
    if (r.status == protocol::router_status::failed) failed_routers_.insert(r.router_name);
    if (r.status != protocol::router_status::success) not_ok_routers_.insert(r.router_name);
    return true;
}

canary_progress result_tracker::canary(std::size_t k) const {
    canary_progress out;
    out.routers = std::min(k, routers_.size());
    for (std::size_t i = 0; i < out.routers; ++i) {
        const auto& name = routers_[i];
        if (failed_routers_.count(name)) {
            if (out.failed.empty()) out.failed = name;
            continue;
        }
        auto it = results_per_router_.find(name);
        if (it != results_per_router_.end() && it->second >= commands_ &&
            !not_ok_routers_.count(name))
            ++out.succeeded;
    }
    return out;
}

std::vector<protocol::router_result> result_tracker::take_unseen(const protocol::job_result& job) {
    std::vector<protocol::router_result> unseen;
    for (const auto& r : job.results) {
        if (add(r)) unseen.push_back(r);
    }
    return unseen;
}

void result_tracker::expect_routers(std::vector<std::string> routers, std::size_t commands) {
    routers_ = std::move(routers);
    commands_ = std::max<std::size_t>(commands, 1);
}

std::vector<std::string> result_tracker::pending(std::size_t most, std::size_t& count) const {
    std::vector<std::string> names;
    count = 0;
    for (const auto& router : routers_) {
        auto it = results_per_router_.find(router);
        if (it != results_per_router_.end() && it->second >= commands_) continue;
        if (names.size() < most) names.push_back(router);
        ++count;
    }
    return names;
}

progress_counts result_tracker::counts() const {
    progress_counts c = counts_;
    c.done = std::max(c.done, daemon_completed_);
    return c;
}

}  // namespace fanout::ctl
