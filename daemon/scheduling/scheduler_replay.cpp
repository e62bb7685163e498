// scheduler::replay: pages of retained router results by seq (see
// daemon/scheduling/result_index.hpp).
#include <algorithm>

#include "daemon/scheduling/scheduler.hpp"
#include "protocol/limits.hpp"

namespace fanout::daemon {

const protocol::router_result* scheduler::find_result_locked(const std::string& job_id,
                                                             std::size_t position) const {
    if (auto it = active_.find(job_id); it != active_.end()) {
        const auto& results = it->second->results;
        return position < results.size() && results[position] ? &*results[position] : nullptr;
    }
    if (auto it = finished_.find(job_id); it != finished_.end()) {
        const auto& results = it->second.result->results;
        return position < results.size() ? &results[position] : nullptr;
    }
    return nullptr;
}

std::optional<protocol::replay_reply> scheduler::replay(const protocol::replay_request& request) {
    lock guard(mutex_);
    evict_finished_locked();
    replay_page page(request.since_seq, request.limit.value_or(protocol::max_replay_results));
    if (!request.job_id) {
        index_.fill(page, request.since_seq, [this](const result_index::location& at) {
            return find_result_locked(at.job_id, at.position);
        });
    } else {
        const std::string& id = *request.job_id;
        std::size_t count = 0;
        if (auto it = active_.find(id); it != active_.end())
            count = it->second->results.size();
        else if (auto f = finished_.find(id); f != finished_.end())
            count = f->second.result->results.size();
        else
            return std::nullopt;
        std::vector<const protocol::router_result*> after;
        for (std::size_t position = 0; position < count; ++position) {
            const auto* r = find_result_locked(id, position);
            if (r != nullptr && r->seq > request.since_seq) after.push_back(r);
        }
        std::sort(after.begin(), after.end(), [](auto* a, auto* b) { return a->seq < b->seq; });
        for (const auto* r : after)
            if (!page.offer(*r)) break;
    }
    return std::move(page).finish(index_.oldest_seq(), next_seq_ - 1);
}

}  // namespace fanout::daemon
