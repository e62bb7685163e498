// The scheduler's start-up restore and journal snapshot (compaction).
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "daemon/scheduling/clock.hpp"
#include "daemon/scheduling/scheduler.hpp"

namespace fanout::daemon {
namespace {

using protocol::router_status;
using sys_clock = std::chrono::system_clock;
using steady = std::chrono::steady_clock;

// A wall-clock instant as a steady one, and back (durations and retention use steady time).
steady::time_point to_steady(sys_clock::time_point t) {
    return steady::now() - std::chrono::duration_cast<steady::duration>(sys_clock::now() - t);
}
sys_clock::time_point to_wall(steady::time_point t) {
    return sys_clock::now() - std::chrono::duration_cast<sys_clock::duration>(steady::now() - t);
}

// When a kept job was first accepted: the journal records when it ended, and its duration.
sys_clock::time_point accepted_time(const kept_job& kept) {
    const auto ran = std::chrono::duration<double>(kept.result->summary.total_duration);
    return kept.ended_at - std::chrono::duration_cast<sys_clock::duration>(ran);
}

protocol::router_result failure(protocol::error_kind kind, std::string message) {
    protocol::router_result r;
    r.status = router_status::failed;
    r.error = protocol::router_error{kind, std::move(message)};
    r.start_time = r.end_time = iso8601_utc(sys_clock::now());
    return r;
}

}  // namespace

void scheduler::restore(recovered_state state, std::shared_ptr<const inventory> devices) {
    std::uint64_t ticket = 0;
    {
        lock guard(mutex_);
        next_seq_ = std::max(next_seq_, state.next_seq);
        for (auto& kept : state.ended) {
            const auto& r = *kept.result;
            protocol::status_reply status{r.job_id,
                                          r.state,
                                          r.summary.total,
                                          r.summary.total,
                                          r.summary.successful,
                                          r.summary.failed,
                                          identity_.node,
                                          identity_.control_endpoint,
                                          r.submitted_by,
                                          r.requested_by};
            status.stopped_by = r.stopped_by;      // a job stopped by its rule still says so
            status.deadline = r.summary.deadline;  // issue 13
            keep_finished_locked(r.job_id,
                                 finished_job{kept.result, status, to_steady(kept.ended_at), 0,
                                              std::move(kept.digest), accepted_time(kept)});
            index_.add_job(r.job_id, r.results);
        }
        evict_finished_locked();
        if (!state.ended.empty())
            spdlog::info("recovered {} ended jobs, {} still kept for `result`", state.ended.size(),
                         finished_.size());
        for (auto& r : state.resumed) restore_job_locked(std::move(r), devices);
        ticket = snapshot_locked();
    }
    // The old segments stay until this is durable: a start-up that cannot write it stops here.
    if (!log_.finish_snapshot(ticket))
        throw std::runtime_error(
            "the journal's start-up snapshot cannot be written (see the log above)");
    work_ready_.notify_all();
}

void scheduler::restore_job_locked(resumed_job r, const std::shared_ptr<const inventory>& devices) {
    auto j = std::make_shared<job>();
    j->id = r.id;
    j->commands = std::move(r.commands);
    j->single_command = r.single_command;
    j->devices = devices;
    j->timeout = r.timeout;
    j->format = r.format;
    j->deadline = r.deadline;  // issue 13
    j->accepted_at = to_steady(r.accepted_at);
    j->accepted_wall = r.accepted_at;
    j->digest = std::move(r.digest);
    j->submitted_by = std::move(r.submitted_by);  // audit (issue 14)
    j->requested_by = std::move(r.requested_by);
    std::vector<bool> known(r.routers.size(), true);
    for (std::size_t i = 0; i < r.routers.size(); ++i) {
        const device* d = devices->find(r.routers[i]);
        if (!d) {
            unknown_devices_.push_back(device{});
            unknown_devices_.back().name = r.routers[i];
            d = &unknown_devices_.back();
            known[i] = false;
        }
        j->routers.push_back(d);
    }
    j->results = std::move(r.results);
    j->results.resize(j->total_results());
    index_.add_job(j->id, j->results);
    std::size_t kept = 0;
    for (const auto& slot : j->results) {
        if (!slot) continue;
        ++kept;
        ++j->recorded;
        j->successful += slot->status == router_status::success;
        j->failed += slot->status == router_status::failed;
        j->cancelled_results += slot->status == router_status::cancelled;
    }
    j->cancelled = r.cancelled;
    j->state =
        kept || !r.interrupted.empty() ? protocol::job_state::running : protocol::job_state::queued;
    active_.emplace(j->id, j);
    spdlog::info("job {} recovered: {} results kept, {} routers interrupted, {} routers to run",
                 j->id, kept, r.interrupted.size(), r.to_run.size());

    auto record_all_missing = [&](std::size_t router, const protocol::router_result& result) {
        for (std::size_t c = 0; c < j->commands.size(); ++c)
            if (!j->results.empty() && !j->results[router * j->commands.size() + c])
                record_locked(*j, router, c, result);
    };
    auto interrupted = failure(
        protocol::error_kind::interrupted,
        r.damaged ? "fanoutd's journal lost records of this job (corruption), so this command may "
                    "have run; it was not run again (see --rerun-interrupted)"
                  : "fanoutd stopped while this command was running; it was not run again (see "
                    "--rerun-interrupted)");
    // Execution controls: kept results replayed into the state machine (a journaled stop stays).
    restore_controls_locked(*j, r, !r.to_run.empty() && !r.cancelled);
    for (auto router : r.to_run) {
        if (j->cancelled) {
            auto cancelled = failure(protocol::error_kind::internal, "");
            cancelled.status = router_status::cancelled;
            cancelled.error.reset();
            record_all_missing(router, cancelled);
        } else if (j->controls.stopped_by()) {
            auto stopped = failure(protocol::error_kind::stopped, j->controls.reason());
            stopped.status = router_status::cancelled;
            record_all_missing(router, stopped);
        } else if (!known[router]) {
            record_all_missing(router, failure(protocol::error_kind::internal,
                                               "router is no longer in the inventory"));
        } else {
            j->pending.push_back(router);
            ++pending_tasks_;
        }
    }
    std::vector<const device*> to_run;
    for (auto router : j->pending) to_run.push_back(j->routers[router]);
    demand_.add(to_run);
    // After the routers to run are pending: an interrupted router is a failure, which may stop
    // the job (record_locked), and a job stopped then cancels them.
    for (auto router : r.interrupted) record_all_missing(router, interrupted);
    if (!j->pending.empty())
        ring_.push_back(j);
    else if (active_.count(j->id) && j->recorded == j->total_results())
        end_job_locked(*j);  // every result was journaled; only the end record was missing
}

std::uint64_t scheduler::snapshot_locked() {
    if (!log_.snapshot_begin()) return 0;
    for (const auto& id : finished_order_)
        if (auto it = finished_.find(id); it != finished_.end())
            log_.snapshot_ended_job(*it->second.result, to_wall(it->second.ended_at),
                                    it->second.digest);
    for (const auto& [id, j] : active_) {
        log_.job_accepted(*j, to_wall(j->accepted_at));
        if (j->cancelled || j->controls.stopped_by()) log_.job_cancelled(*j);
        for (const auto& r : j->results)
            if (r) log_.router_result(*r);
        std::vector<bool> waiting(j->routers.size(), false);
        for (auto router : j->pending) waiting[router] = true;
        const auto per_router = j->commands.size();
        for (std::size_t i = 0; i < j->routers.size(); ++i) {
            bool complete = true;
            for (std::size_t c = 0; c < per_router; ++c)
                complete = complete && j->results[i * per_router + c].has_value();
            if (!waiting[i] && !complete) log_.router_started(*j, i);
        }
    }
    return log_.snapshot_end(next_seq_);
}

}  // namespace fanout::daemon
