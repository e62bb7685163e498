// Execution controls in the scheduler: stop rules, canaries, and jobs held back by them (see
// job_controls.hpp for the state machine). Part of the scheduler (scheduler.hpp).
#include <algorithm>

#include <spdlog/spdlog.h>

#include "daemon/scheduling/clock.hpp"
#include "daemon/scheduling/scheduler.hpp"

namespace fanout::daemon {

using protocol::router_status;

void scheduler::controls_after_result_locked(job& j, std::size_t router_index,
                                             router_status status) {
    if (!j.controls.active() || status == router_status::cancelled) return;
    if (status == router_status::failed) {
        if (j.controls.router_failed(router_index, j.routers[router_index]->name,
                                     !j.pending.empty()))
            stop_by_rule_locked(j);
        return;
    }
    const auto per_router = j.commands.size();
    for (std::size_t c = 0; c < per_router; ++c) {
        const auto& slot = j.results[router_index * per_router + c];
        if (!slot || slot->status != router_status::success) return;
    }
    if (!j.controls.router_succeeded(router_index)) return;
    // The canary passed: the rest of the job may start now.
    spdlog::info("job {}: canary passed ({} routers succeeded); starting the other {}", j.id,
                 j.controls.canary_routers(), j.pending.size());
    auto owner = active_.at(j.id);
    if (auto parked = std::find(parked_.begin(), parked_.end(), owner); parked != parked_.end()) {
        parked_.erase(parked);
        owner->held = true;  // back on the ring below, like a held job
    }
    release_held_locked(owner);
}

void scheduler::stop_by_rule_locked(job& j) {
    const auto rule = *j.controls.stopped_by();
    spdlog::info(
        "job {} stopped by its rule {}: {} routers not started end cancelled, {} in "
        "flight run on ({})",
        j.id, to_string(rule), j.pending.size(), j.in_flight, j.controls.reason());
    log_.job_cancelled(j);  // with stopped_by: a restart keeps the job stopped
    const auto same = [&](const std::shared_ptr<job>& other) { return other.get() == &j; };
    ring_.erase(std::remove_if(ring_.begin(), ring_.end(), same), ring_.end());
    parked_.erase(std::remove_if(parked_.begin(), parked_.end(), same), parked_.end());
    j.held = false;
    auto never_started = std::move(j.pending);
    j.pending.clear();
    pending_tasks_ -= never_started.size();
    std::vector<const device*> unneeded;
    for (auto router_index : never_started) unneeded.push_back(j.routers[router_index]);
    demand_.remove(unneeded);
    protocol::router_result r;
    r.status = router_status::cancelled;
    r.error = protocol::router_error{protocol::error_kind::stopped, j.controls.reason()};
    r.start_time = r.end_time = iso8601_utc(std::chrono::system_clock::now());
    for (auto router_index : never_started)
        for (std::size_t c = 0; c < j.commands.size(); ++c)
            record_locked(j, router_index, c, r);  // the last one may end the job
    idle_.notify_all();
}

void scheduler::release_held_locked(const std::shared_ptr<job>& j) {
    if (!j->held) return;
    j->held = false;
    if (j->pending.empty()) return;
    ring_.push_back(j);
    // One wake-up per router that may start now (as submit does), not every idle worker.
    std::size_t startable = j->pending.size();
    if (const auto& most = j->controls.spec().max_parallel)
        startable = std::min<std::size_t>(startable, *most);
    for (std::size_t i = 0; i < startable; ++i) work_ready_.notify_one();
}

void scheduler::restore_controls_locked(job& j, const resumed_job& r, bool routers_waiting) {
    j.controls = job_controls(r.controls, j.routers.size());
    if (!r.controls.any()) return;
    if (auto rule = stop_rule_from(r.stopped_by)) j.controls.mark_stopped(*rule, r.stop_reason);
    // Routers whose results the journal kept, in request order; those it did not are recorded
    // afterwards (interrupted ones) through record_locked like any result. A rule reached by
    // kept results but not journaled as a stop (a crash between the two writes) stops it now.
    const auto per_router = j.commands.size();
    for (std::size_t i = 0; i < j.routers.size(); ++i) {
        bool any_failed = false, all_success = true;
        for (std::size_t c = 0; c < per_router; ++c) {
            const auto& slot = j.results[i * per_router + c];
            any_failed = any_failed || (slot && slot->status == router_status::failed);
            all_success = all_success && slot && slot->status == router_status::success;
        }
        if (any_failed)
            j.controls.router_failed(i, j.routers[i]->name, routers_waiting);
        else if (all_success)
            j.controls.router_succeeded(i);
    }
}

}  // namespace fanout::daemon
