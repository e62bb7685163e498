// Admission: submit (new jobs, and resubmits of known ones) and job ids. Part of the
// scheduler (scheduler.hpp).
#include <random>

#include <spdlog/spdlog.h>

#include "daemon/scheduling/clock.hpp"
#include "daemon/scheduling/job_deadline.hpp"
#include "daemon/scheduling/job_digest.hpp"
#include "daemon/scheduling/scheduler.hpp"

namespace fanout::daemon {

using protocol::error_code;
using protocol::error_reply;

protocol::accepted_reply scheduler::accepted_of(
    const std::string& id, std::uint64_t total,
    std::optional<std::chrono::system_clock::time_point> first_accepted) const {
    return protocol::accepted_reply{id, total, identity_.node, identity_.control_endpoint,
                                    first_accepted ? iso8601_utc(*first_accepted) : ""};
}

namespace {

// ", max_parallel 5, canary 2" for the accepted log line; "" without execution controls.
std::string describe(const protocol::execution_controls& c) {
    std::string out;
    const std::pair<const char*, const std::optional<std::uint64_t>*> fields[] = {
        {"max_parallel", &c.max_parallel},
        {"stop_after_failures", &c.stop_after_failures},
        {"max_fail_percent", &c.max_fail_percent},
        {"canary", &c.canary}};
    for (const auto& [name, value] : fields)
        if (*value) out += std::string(", ") + name + " " + std::to_string(**value);
    return out;
}

}  // namespace

std::string scheduler::new_job_id() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    char buf[48];
    std::snprintf(buf, sizeof buf, "job-%012llx-%llu",
                  static_cast<unsigned long long>(rng() & 0xffffffffffffULL),
                  static_cast<unsigned long long>(++id_counter_));
    return buf;
}

std::variant<protocol::accepted_reply, error_reply> scheduler::submit(job_spec spec) {
    // Hashed before taking the lock: a job may name thousands of routers.
    std::vector<std::string> names;
    names.reserve(spec.routers.size());
    for (const auto* d : spec.routers) names.push_back(d->name);
    auto digest = job_digest(spec.commands, spec.single_command, names, spec.timeout, spec.format,
                             spec.controls);
    digest = digest_with_deadline(std::move(digest), spec.deadline);  // issue 13
    std::uint64_t ticket = 0;
    auto outcome = admit(std::move(spec), std::move(digest), ticket);
    log_.make_durable(ticket);  // `accepted` promises the job survives a crash
    return outcome;
}

std::variant<protocol::accepted_reply, error_reply> scheduler::admit(job_spec spec,
                                                                     std::string digest,
                                                                     std::uint64_t& ticket) {
    lock guard(mutex_);
    if (stopping_ || !accepting_)
        return error_reply{error_code::busy, "fanoutd is shutting down", spec.id, {}};
    // `accepted` promises a durable job; a failed write (disk full) holds the journal back.
    if (!log_.written(log_.last_ticket()))
        return error_reply{error_code::busy,
                           "the journal in --state-dir cannot be written (disk full? see "
                           "fanoutd's log); retry later",
                           spec.id,
                           {}};
    evict_finished_locked();  // an expired job_id may be used again
    std::string id = spec.id ? *spec.id : new_job_id();
    // A resubmit (e.g. a client retrying after a lost reply) gets the first answer again.
    const std::string* known = nullptr;
    std::uint64_t known_total = 0;
    std::chrono::system_clock::time_point known_at;
    if (auto it = active_.find(id); it != active_.end()) {
        known = &it->second->digest;
        known_total = it->second->total_results();
        known_at = it->second->accepted_wall;
    } else if (auto f = finished_.find(id); f != finished_.end()) {
        known = &f->second.digest;
        known_total = f->second.result->summary.total;
        known_at = f->second.accepted_wall;
    }
    if (known && !known->empty() && *known == digest) {
        spdlog::info("job {} submitted again with the same content: answered as accepted", id);
        ticket = log_.last_ticket();  // the answer promises what the first one did
        return accepted_of(id, known_total, known_at);
    }
    if (known)
        return error_reply{error_code::duplicate_job,
                           "job_id '" + id +
                               "' is already known with different content (routers, commands, "
                               "timeout, format, deadline or execution controls); choose "
                               "another job_id",
                           id,
                           {}};
    if (active_.size() >= limits_.max_queued_jobs)
        return error_reply{error_code::busy,
                           "too many jobs in progress (--max-queued-jobs " +
                               std::to_string(limits_.max_queued_jobs) + "); retry later",
                           spec.id,
                           {}};
    if (pending_tasks_ + spec.routers.size() > limits_.max_pending_tasks)
        return error_reply{error_code::busy,
                           "too many router tasks pending (--max-pending-tasks " +
                               std::to_string(limits_.max_pending_tasks) + "); retry later",
                           spec.id,
                           {}};

    auto j = std::make_shared<job>();
    j->id = id;
    j->commands = std::move(spec.commands);
    j->single_command = spec.single_command;
    j->routers = std::move(spec.routers);
    j->devices = std::move(spec.devices);
    j->timeout = spec.timeout;
    j->format = spec.format;
    j->controls = job_controls(spec.controls, j->routers.size());
    j->deadline = spec.deadline;  // issue 13
    j->accepted_at = std::chrono::steady_clock::now();
    j->accepted_wall = std::chrono::system_clock::now();
    j->digest = std::move(digest);
    j->submitted_by = std::move(spec.submitted_by);  // audit (issue 14)
    j->requested_by = std::move(spec.requested_by);
    j->results.resize(j->total_results());
    for (std::size_t i = 0; i < j->routers.size(); ++i) j->pending.push_back(i);
    pending_tasks_ += j->routers.size();
    demand_.add(j->routers);
    active_.emplace(id, j);
    ring_.push_back(j);

    spdlog::info("job {} accepted: {} routers x {} commands, timeout {:.1f}s{}", id,
                 j->routers.size(), j->commands.size(),
                 std::chrono::duration<double>(j->timeout).count(), describe(spec.controls));
    ticket = log_.job_accepted(*j, std::chrono::system_clock::now());
    // One wake-up per task: notify_all would wake every idle worker (1024 by default) to
    // fight over the lock for a 5-router job. A worker looks for work before it waits, so
    // a wake-up that finds nothing left loses nothing.
    for (std::size_t i = 0; i < j->routers.size(); ++i) work_ready_.notify_one();
    return accepted_of(id, j->total_results());
}

}  // namespace fanout::daemon
