#include "tools/fanoutctl/result_tracker.hpp"

#include <algorithm>

namespace fanout::ctl {

bool result_tracker::add(const protocol::router_result& r) {
    if (!seen_.emplace(r.router_name, r.command_index).second) return false;
    ++counts_.done;
    if (r.status == protocol::router_status::failed) ++counts_.failed;
    if (r.status == protocol::router_status::cancelled) ++counts_.cancelled;
    return true;
}

std::vector<protocol::router_result> result_tracker::take_unseen(const protocol::job_result& job) {
    std::vector<protocol::router_result> unseen;
    for (const auto& r : job.results) {
        if (add(r)) unseen.push_back(r);
    }
    return unseen;
}

progress_counts result_tracker::counts() const {
    progress_counts c = counts_;
    c.done = std::max(c.done, daemon_completed_);
    return c;
}

}  // namespace fanout::ctl
