#include "daemon/scheduling/scheduler.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "daemon/scheduling/clock.hpp"

namespace fanout::daemon {

using protocol::error_code;
using protocol::error_reply;
using protocol::job_state;
using protocol::router_status;

scheduler::scheduler(scheduler_limits limits, result_sink& sink, job_log* log,
                     node_identity identity, task_demand* demand)
    : limits_(limits),
      identity_(std::move(identity)),
      sink_(sink),
      log_(log ? *log : no_log_),
      demand_(demand ? *demand : no_demand_) {}

protocol::status_reply scheduler::status_of(const job& j) const {
    protocol::status_reply status{
        j.id,         j.state,  j.total_results(), j.recorded,
        j.successful, j.failed, identity_.node,    identity_.control_endpoint};
    status.submitted_by = j.submitted_by;  // audit (issue 14)
    status.requested_by = j.requested_by;
    if (j.deadline)  // issue 13
        status.deadline = std::chrono::duration<double>(*j.deadline).count();
    // Execution controls: only for a job that has them.
    if (j.controls.active()) {
        if (auto rule = j.controls.stopped_by()) status.stopped_by = std::string(to_string(*rule));
        const bool active = j.state == job_state::queued || j.state == job_state::running;
        status.running = active ? j.in_flight : 0;  // an ended job's last worker may not be back
    }
    return status;
}

std::optional<protocol::status_reply> scheduler::status(const std::string& job_id) {
    lock guard(mutex_);
    if (auto it = active_.find(job_id); it != active_.end()) return status_of(*it->second);
    evict_finished_locked();
    if (auto it = finished_.find(job_id); it != finished_.end()) return it->second.status;
    return std::nullopt;
}

std::variant<std::monostate, std::shared_ptr<const protocol::job_result>, protocol::status_reply>
scheduler::result(const std::string& job_id) {
    lock guard(mutex_);
    if (auto it = active_.find(job_id); it != active_.end()) return status_of(*it->second);
    evict_finished_locked();
    if (auto it = finished_.find(job_id); it != finished_.end()) return it->second.result;
    return std::monostate{};
}

std::optional<protocol::status_reply> scheduler::cancel(const std::string& job_id) {
    std::optional<protocol::status_reply> reply;
    std::uint64_t ticket = 0;
    bool wait = true;
    {
        lock guard(mutex_);
        reply = cancel_by_id_locked(job_id);
        ticket = log_.last_ticket();
        // Intake never waits for records a failed write holds back; they go out in order.
        wait = log_.written(ticket);
    }
    if (wait) log_.make_durable(ticket);
    return reply;
}

std::optional<protocol::status_reply> scheduler::cancel_by_id_locked(const std::string& job_id) {
    auto it = active_.find(job_id);
    if (it == active_.end()) {
        evict_finished_locked();
        if (auto f = finished_.find(job_id); f != finished_.end()) return f->second.status;
        return std::nullopt;
    }
    auto j = it->second;  // cancel_locked may end the job and erase it from active_
    cancel_locked(j);
    if (auto f = finished_.find(job_id); f != finished_.end()) return f->second.status;
    return status_of(*j);
}

void scheduler::cancel_all() {
    lock guard(mutex_);
    std::vector<std::shared_ptr<job>> jobs;
    for (auto& [id, j] : active_) jobs.push_back(j);
    for (auto& j : jobs) cancel_locked(j);
}

void scheduler::cancel_locked(const std::shared_ptr<job>& j) {
    // Every result is in (its end waits for the journal): nothing is left to cancel.
    if (j->recorded == j->total_results()) return;
    if (j->cancelled.exchange(true)) return;
    log_.job_cancelled(*j);
    spdlog::info("job {} cancel requested: {} routers not started, {} in flight", j->id,
                 j->pending.size(), j->in_flight);
    ring_.erase(std::remove(ring_.begin(), ring_.end(), j), ring_.end());
    parked_.erase(std::remove(parked_.begin(), parked_.end(), j), parked_.end());
    j->held = false;
    auto now = iso8601_utc(std::chrono::system_clock::now());
    auto never_started = std::move(j->pending);
    j->pending.clear();
    pending_tasks_ -= never_started.size();
    std::vector<const device*> unneeded;
    for (auto router_index : never_started) unneeded.push_back(j->routers[router_index]);
    demand_.remove(unneeded);
    for (auto router_index : never_started) {
        for (std::size_t c = 0; c < j->commands.size(); ++c) {
            protocol::router_result r;
            r.status = router_status::cancelled;
            r.start_time = r.end_time = now;
            record_locked(*j, router_index, c, std::move(r));
        }
    }
    idle_.notify_all();
}

void scheduler::record(const router_task& task, std::size_t command_index,
                       protocol::router_result r) {
    // Output grew by doubling while it streamed in; a kept result should hold only its bytes,
    // or retention (--keep-bytes) would count half of what it really keeps. Done before the lock.
    for (auto* text : {&r.output, &r.stderr_output})
        if (text->capacity() - text->size() > 4096) text->shrink_to_fit();
    lock guard(mutex_);
    record_locked(*task.owner, task.router_index, command_index, std::move(r));
}

void scheduler::record_locked(job& j, std::size_t router_index, std::size_t command_index,
                              protocol::router_result r) {
    auto& slot = j.results.at(router_index * j.commands.size() + command_index);
    if (slot) {
        spdlog::error("job {}: result for router {} command {} recorded twice; keeping the first",
                      j.id, j.routers[router_index]->name, command_index);
        return;
    }
    r.job_id = j.id;
    r.router_name = j.routers[router_index]->name;
    r.command = j.commands[command_index];
    r.command_index = static_cast<std::uint32_t>(command_index);
    r.seq = next_seq_++;
    r.node = identity_.node;
    r.control_endpoint = identity_.control_endpoint;
    switch (r.status) {
        case router_status::success:
            ++j.successful;
            break;
        case router_status::failed:
            ++j.failed;
            break;
        case router_status::cancelled:
            ++j.cancelled_results;
            break;
    }
    ++j.recorded;
    auto ticket = log_.router_result(r);
    auto position = router_index * j.commands.size() + command_index;
    const auto status = r.status;
    slot = std::move(r);
    const bool complete = j.recorded == j.total_results();
    if (unwritten_.empty() && log_.written(ticket)) {
        publish_result_locked(j, position);
        if (complete) end_job_locked(j);
    } else {
        // The journal holds it back (disk full): published, and the job ended, once written.
        auto owner = active_.at(j.id);
        unwritten_.push_back({ticket, owner, position, false});
        if (complete) {
            unwritten_.push_back({ticket, owner, 0, true});
            ++unwritten_ends_;
        }
        any_unwritten_ = true;
    }
    // Execution controls: after the result is out, so a stop's cancellations follow it.
    if (!complete) controls_after_result_locked(j, router_index, status);
}

void scheduler::publish_result_locked(const job& j, std::size_t position) {
    const auto& r = *j.results[position];
    sink_.router_result_ready(r);
    index_.add(r.seq, j.id, position);
}

void scheduler::publish_written_locked() {
    while (!unwritten_.empty() && log_.written(unwritten_.front().ticket)) {
        auto event = std::move(unwritten_.front());
        unwritten_.pop_front();
        if (!event.job_end) {
            publish_result_locked(*event.owner, event.position);
            continue;
        }
        --unwritten_ends_;
        end_job_locked(*event.owner);
    }
    any_unwritten_ = !unwritten_.empty();
}

void scheduler::stop_waiting_for_journal() {
    log_.stop_waiting();
    lock guard(mutex_);
    journal_given_up_ = true;
    publish_written_locked();
    if (!unwritten_.empty())
        spdlog::error(
            "the journal could not write {} router results and job ends before shutdown: they "
            "are not published, and a restart resumes their jobs from what the journal holds",
            unwritten_.size());
    idle_.notify_all();
}

// The task's router has one session fewer; jobs parked because every router they wait for
// was at its cap get another look.
void scheduler::sync_log() {
    std::uint64_t ticket = 0;
    {
        lock guard(mutex_);
        ticket = log_.last_ticket();
    }
    log_.make_durable(ticket);
    lock guard(mutex_);
    publish_written_locked();
}

void scheduler::end_job_locked(job& j) {
    auto ended = std::chrono::steady_clock::now();
    const auto stopped_by = j.controls.stopped_by();  // by its rule: cancelled, and says which
    j.state = j.cancelled || stopped_by ? job_state::cancelled : job_state::done;

    auto aggregate = std::make_shared<protocol::job_result>();
    aggregate->job_id = j.id;
    aggregate->state = j.state;
    aggregate->node = identity_.node;
    aggregate->control_endpoint = identity_.control_endpoint;
    aggregate->submitted_by = j.submitted_by;  // audit (issue 14)
    aggregate->requested_by = j.requested_by;
    if (stopped_by) aggregate->stopped_by = std::string(to_string(*stopped_by));
    auto& s = aggregate->summary;
    s.commands = j.commands;
    s.single_command = j.single_command;
    s.total_routers = j.routers.size();
    s.total = j.total_results();
    s.successful = j.successful;
    s.failed = j.failed;
    s.cancelled = j.cancelled_results;
    s.total_duration = seconds_between(j.accepted_at, ended);
    if (j.deadline)  // issue 13
        s.deadline = std::chrono::duration<double>(*j.deadline).count();
    aggregate->results.reserve(j.results.size());
    for (auto& r : j.results) aggregate->results.push_back(std::move(*r));
    j.results.clear();

    spdlog::info("job {} {} in {:.3f}s: {} results, {} successful, {} failed, {} cancelled", j.id,
                 protocol::to_string(j.state), s.total_duration, s.total, s.successful, s.failed,
                 s.cancelled);
    log_.job_ended(*aggregate, std::chrono::system_clock::now());
    sink_.job_ended(aggregate);

    keep_finished_locked(
        j.id, finished_job{aggregate, status_of(j), ended, 0, j.digest, j.accepted_wall});
    evict_finished_locked();
    // The job object may still be referenced by workers finishing their tasks; drop ours.
    active_.erase(j.id);
    idle_.notify_all();
}

// Output and error text dominate a kept job's memory; the fixed part is a rough per-result
// overhead (names, times, the index entry).
void scheduler::keep_finished_locked(const std::string& id, finished_job kept) {
    for (const auto& r : kept.result->results)
        kept.bytes += r.output.size() + r.stderr_output.size() + 256;
    finished_bytes_ += kept.bytes;
    finished_[id] = std::move(kept);
    finished_order_.push_back(id);
}

void scheduler::evict_finished_locked() {
    auto now = std::chrono::steady_clock::now();
    while (!finished_order_.empty()) {
        auto it = finished_.find(finished_order_.front());
        bool too_many = finished_.size() > limits_.keep_jobs;
        bool too_old = it != finished_.end() && now - it->second.ended_at > limits_.keep_time;
        bool too_big = finished_bytes_ > limits_.keep_bytes && finished_.size() > 1;
        if (it != finished_.end() && !too_many && !too_old && !too_big) break;
        // Its audit job_end is not on disk yet (the publisher is behind, or the audit file's
        // disk is full, when submits are refused): kept, with every newer job, until it is.
        if (it != finished_.end() && log_.job_end_owed(it->first)) break;
        if (it != finished_.end()) {
            for (const auto& r : it->second.result->results) index_.remove(r.seq);
            log_.job_forgotten(it->first);
            finished_bytes_ -= it->second.bytes;
            finished_.erase(it);
        }
        finished_order_.pop_front();
    }
}

bool scheduler::wait_idle(std::chrono::steady_clock::time_point deadline) {
    lock guard(mutex_);
    // Jobs that only wait for the journal count once it was given up: they cannot end here.
    return idle_.wait_until(guard, deadline, [this] {
        return pending_tasks_ == 0 &&
               active_.size() == (journal_given_up_ ? unwritten_ends_ : std::size_t{0});
    });
}

void scheduler::stop_accepting() {
    lock guard(mutex_);
    accepting_ = false;
}

void scheduler::record_missing(const router_task& task, const protocol::router_result& r) {
    lock guard(mutex_);
    job& j = *task.owner;
    if (j.results.empty()) return;  // the job has ended: every result is in
    for (std::size_t c = 0; c < j.commands.size(); ++c)
        if (!j.results[task.router_index * j.commands.size() + c])
            record_locked(j, task.router_index, c, r);
}

void scheduler::shutdown() {
    {
        lock guard(mutex_);
        stopping_ = true;
    }
    log_.stop_waiting();  // a worker waiting for a full disk must not hold up the join
    work_ready_.notify_all();
}

scheduler_stats scheduler::stats() const {
    lock guard(mutex_);
    scheduler_stats s;
    for (const auto& [id, j] : active_) {
        if (j->state == job_state::queued)
            ++s.queued_jobs;
        else
            ++s.running_jobs;
    }
    s.pending_tasks = pending_tasks_;
    s.waiting_workers = waiting_workers_;
    return s;
}

}  // namespace fanout::daemon
