#include "tools/fanoutctl/failed_from.hpp"

#include <algorithm>

namespace fanout::ctl {

rerun_plan rerun_of(const protocol::job_result& job) {
    rerun_plan plan{{}, job.summary.commands};
    for (const auto& r : job.results) {
        if (r.status == protocol::router_status::success) continue;
        if (std::find(plan.routers.begin(), plan.routers.end(), r.router_name) ==
            plan.routers.end())
            plan.routers.push_back(r.router_name);
    }
    return plan;
}

}  // namespace fanout::ctl
