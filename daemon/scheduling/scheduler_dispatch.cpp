// Dispatch: which router task a worker gets next (fair across jobs, within the per-router
// session cap) and what happens when it is done. Part of the scheduler (scheduler.hpp).
#include <algorithm>

#include "daemon/scheduling/clock.hpp"
#include "daemon/scheduling/scheduler.hpp"

namespace fanout::daemon {

using protocol::job_state;

std::string scheduler::router_key(const device& d) {
    return d.ip + ':' + std::to_string(d.port);
}

std::optional<router_task> scheduler::next_task() {
    std::uint64_t ticket = 0;
    auto task = take_task(ticket);
    // Durable before the command can reach the router: after a crash this router is
    // reported `interrupted` rather than silently run a second time.
    const bool durable = log_.make_durable(ticket);
    if (durable && !any_unwritten_) return task;
    lock guard(mutex_);
    publish_written_locked();  // the wait may have been for a full disk that has room again
    if (durable || !task) return task;
    drop_task_locked(*task);  // its start was never written: it must not run
    return std::nullopt;
}

// A task taken whose start the journal gave up writing (shutdown with a full disk): the
// router is not run, and its commands end cancelled.
void scheduler::drop_task_locked(const router_task& task) {
    auto& j = *task.owner;
    --j.in_flight;
    --pending_tasks_;
    release_router_locked(task);
    release_held_locked(task.owner);
    protocol::router_result r;
    r.status = protocol::router_status::cancelled;
    r.start_time = r.end_time = iso8601_utc(std::chrono::system_clock::now());
    for (std::size_t c = 0; c < j.commands.size(); ++c)
        if (!j.results.empty() && !j.results[task.router_index * j.commands.size() + c])
            record_locked(j, task.router_index, c, r);
    idle_.notify_all();
}

std::optional<router_task> scheduler::take_task(std::uint64_t& ticket) {
    lock guard(mutex_);
    for (;;) {
        if (stopping_) return std::nullopt;
        // One pass over the ring: each job is looked at once, then parked or served.
        for (std::size_t n = ring_.size(); n > 0; --n) {
            auto j = ring_.front();
            ring_.pop_front();
            // Execution controls (job_controls.hpp): at max_parallel, or with only routers past
            // an unfinished canary waiting, the job is held until one of its tasks ends.
            const auto& controls = j->controls;
            if (j->pending.empty() || !controls.may_start(j->pending.front(), j->in_flight)) {
                j->held = true;
                continue;
            }
            auto last = j->pending.end();  // pending is in request order: canaries come first
            if (!controls.canary_passed())
                last = std::lower_bound(j->pending.begin(), last, controls.canary_routers());
            auto free = std::find_if(j->pending.begin(), last, [&](std::size_t i) {
                auto it = sessions_.find(router_key(*j->routers[i]));
                return it == sessions_.end() || it->second < limits_.max_sessions_per_router;
            });
            if (free == last) {
                parked_.push_back(j);
                continue;
            }
            std::size_t router_index = *free;
            j->pending.erase(free);
            if (!j->pending.empty()) ring_.push_back(j);
            ++sessions_[router_key(*j->routers[router_index])];
            ++j->in_flight;
            if (j->state == job_state::queued) j->state = job_state::running;
            ticket = log_.router_started(*j, router_index);
            return router_task{j, router_index};
        }
        // Woken by a submit, a capped router's task finishing, or shutdown.
        ++waiting_workers_;
        if (unwritten_.empty() || journal_retrier_) {
            work_ready_.wait(guard);
        } else {
            // Results wait for a full disk and no worker is blocked on it: one idle worker
            // retries the journal's held writes now and then, so that they go out once it can.
            journal_retrier_ = true;
            work_ready_.wait_for(guard, std::chrono::seconds(1));
            journal_retrier_ = false;
            publish_written_locked();
        }
        --waiting_workers_;
    }
}

void scheduler::release_router_locked(const router_task& task) {
    auto it = sessions_.find(router_key(task.target()));
    const bool was_capped = it->second-- >= limits_.max_sessions_per_router;
    if (it->second == 0) sessions_.erase(it);
    if (was_capped && !parked_.empty()) {
        for (auto& j : parked_) {
            ring_.push_back(std::move(j));
            work_ready_.notify_one();
        }
        parked_.clear();
    }
}

void scheduler::task_finished(const router_task& task) {
    std::uint64_t ticket = 0;
    std::optional<std::uint64_t> snapshot;
    {
        lock guard(mutex_);
        --task.owner->in_flight;
        --pending_tasks_;
        demand_.remove({&task.target()});
        release_router_locked(task);
        release_held_locked(task.owner);  // its controls may let another router start now
        idle_.notify_all();
        ticket = log_.last_ticket();
        if (!compacting_ && log_.wants_compaction()) {
            compacting_ = true;
            snapshot = snapshot_locked();
        }
    }
    log_.make_durable(ticket);  // group commit: the task's results, shared with other workers
    if (snapshot) log_.finish_snapshot(*snapshot);
    if (snapshot || any_unwritten_) {
        lock guard(mutex_);
        if (snapshot) compacting_ = false;
        publish_written_locked();
    }
}

}  // namespace fanout::daemon
