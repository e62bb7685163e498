// scheduler::jobs (issue 13): the active and kept jobs, newest first, one bounded page.
//
// Cost under the lock: one pass over the active and kept jobs (at most --max-queued-jobs +
// --keep-jobs) plus a partial sort of the newest `limit`; nothing of their output is copied.
#include <algorithm>

#include "daemon/scheduling/clock.hpp"
#include "daemon/scheduling/scheduler.hpp"
#include "protocol/limits.hpp"

namespace fanout::daemon {
namespace {

// At most max_listed_command_bytes of `command`, never cutting a UTF-8 sequence in two.
std::string listed_command(const std::string& command) {
    if (command.size() <= protocol::max_listed_command_bytes) return command;
    std::size_t end = protocol::max_listed_command_bytes;
    while (end > 0 && (static_cast<unsigned char>(command[end]) & 0xC0) == 0x80) --end;
    return command.substr(0, end);
}

}  // namespace

std::optional<protocol::jobs_reply> scheduler::jobs(const protocol::jobs_request& request) {
    lock guard(mutex_);
    evict_finished_locked();
    if (request.job_id && !active_.count(*request.job_id) && !finished_.count(*request.job_id))
        return std::nullopt;
    const auto wanted = [&](const std::string& id, protocol::job_state state) {
        return (!request.state || *request.state == state) &&
               (!request.job_id || *request.job_id == id);
    };
    struct candidate {
        std::chrono::system_clock::time_point submitted;
        const std::string* id;
        const job* active;  // else `kept`
        const finished_job* kept;
    };
    std::vector<candidate> all;
    all.reserve(active_.size() + finished_.size());
    for (const auto& [id, j] : active_)
        if (wanted(id, j->state)) all.push_back({j->accepted_wall, &id, j.get(), nullptr});
    for (const auto& [id, kept] : finished_)
        if (wanted(id, kept.status.state)) all.push_back({kept.accepted_wall, &id, nullptr, &kept});

    const std::size_t limit = std::min<std::size_t>(
        request.limit.value_or(protocol::default_jobs_listed), protocol::max_jobs_listed);
    const auto shown = std::min(limit, all.size());
    // Newest first; the same instant (restored jobs, coarse clocks) by id, for a stable order.
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(shown), all.end(),
                      [](const candidate& a, const candidate& b) {
                          if (a.submitted != b.submitted) return a.submitted > b.submitted;
                          return *a.id > *b.id;
                      });

    protocol::jobs_reply reply;
    reply.node = identity_.node;  // so a client through fanout-proxy can tell daemons apart
    reply.matched = all.size();
    reply.more = all.size() > shown;
    reply.jobs.reserve(shown);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& c = all[i];
        protocol::job_entry e;
        e.job_id = *c.id;
        e.submitted_at = iso8601_utc(c.submitted);
        if (c.active) {
            const job& j = *c.active;
            e.state = j.state;
            e.command = listed_command(j.commands.front());
            e.command_count = j.commands.size();
            e.total_routers = j.routers.size();
            e.total = j.total_results();
            e.completed = j.recorded;
            e.successful = j.successful;
            e.failed = j.failed;
            e.cancelled = j.cancelled_results;
            e.submitted_by = j.submitted_by;
            e.requested_by = j.requested_by;
            if (auto rule = j.controls.stopped_by()) e.stopped_by = std::string(to_string(*rule));
            if (j.deadline) e.deadline = std::chrono::duration<double>(*j.deadline).count();
        } else {
            const auto& kept = *c.kept;
            const auto& s = kept.result->summary;
            e.state = kept.status.state;
            e.command = s.commands.empty() ? std::string() : listed_command(s.commands.front());
            e.command_count = s.commands.size();
            e.total_routers = s.total_routers;
            e.total = s.total;
            e.completed = kept.status.completed;
            e.successful = s.successful;
            e.failed = s.failed;
            e.cancelled = s.cancelled;
            e.submitted_by = kept.status.submitted_by;
            e.requested_by = kept.status.requested_by;
            e.stopped_by = kept.status.stopped_by;
            e.deadline = kept.status.deadline;
        }
        reply.jobs.push_back(std::move(e));
    }
    return reply;
}

}  // namespace fanout::daemon
