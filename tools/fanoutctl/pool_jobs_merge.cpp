// merge_pool_jobs (pool_jobs.hpp): pure.
#include <algorithm>

#include "tools/fanoutctl/pool_jobs.hpp"

namespace fanout::ctl {

pool_jobs merge_pool_jobs(const pool_answers& answers, std::uint64_t limit) {
    pool_jobs out;
    out.incomplete = answers.incomplete;
    for (const auto& reply : answers.replies) {
        out.nodes.push_back(reply.node);
        out.matched += reply.matched;
        for (const auto& entry : reply.jobs) out.jobs.push_back({reply.node, entry});
    }
    // ISO-8601 UTC with milliseconds, one format on every daemon: text order is time order.
    std::stable_sort(out.jobs.begin(), out.jobs.end(), [](const pool_job& a, const pool_job& b) {
        if (a.entry.submitted_at != b.entry.submitted_at)
            return a.entry.submitted_at > b.entry.submitted_at;
        if (a.entry.job_id != b.entry.job_id) return a.entry.job_id > b.entry.job_id;
        return a.node < b.node;
    });
    if (out.jobs.size() > limit) out.jobs.resize(static_cast<std::size_t>(limit));
    out.more = out.matched > out.jobs.size();
    return out;
}

}  // namespace fanout::ctl
