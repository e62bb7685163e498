// The scheduler: turns accepted jobs into router tasks and hands them to workers fairly.
//
// Contract:
// - Thread-safe. Intake calls submit/status/result/cancel; workers call next_task, record
//   and task_finished; the daemon calls cancel_all/wait_idle/shutdown when stopping.
// - Fairness: jobs with routers waiting form a ring; each next_task() takes one router from
//   the job at the front and moves that job to the back, so a small job submitted during a
//   huge one is served within a few dispatches rather than after it.
// - Per-router cap: at most max_sessions_per_router tasks run against one router (its
//   ip:port) at once, across all jobs. next_task() skips a job's routers that are at their
//   cap and serves that job's next free router, or the next job; a job whose waiting routers
//   are all at their cap is parked off the ring until a task on a capped router finishes.
//   A worker never spins: with nothing dispatchable it sleeps on a condition variable.
//   Cost per dispatch: O(1) when routers differ; a job's scan skips at most one entry per
//   busy router (a job names each router once), so at most --workers entries.
// - Execution controls (job_controls.hpp): a job with max_parallel or a canary that lets none
//   of its waiting routers start is held off the ring (not parked) until one of its own tasks
//   finishes or its canary passes; other jobs keep being served in turn, so a max_parallel job
//   takes at most that many workers and the others share the rest. A job stopped by its rule
//   (or a failed canary) records its routers not started as `cancelled` (error kind `stopped`,
//   the rule's reason) and journals the stop; routers in flight finish normally; it ends in
//   state `cancelled` with `stopped_by`.
// - Bounded: beyond max_queued_jobs active jobs or max_pending_tasks unfinished router tasks,
//   submit answers `busy` and accepts nothing. Nothing accepted is dropped: every router of
//   every accepted job ends with a recorded result (success, failed or cancelled).
// - Results reach the result_sink under the lock in recording order, each with the next
//   daemon-wide `seq`, and a job's aggregate follows its last router_result.
// - Durability (with a journal, see job_log.hpp): submit returns `accepted` only once the job
//   is on stable storage, and next_task hands out a router only once its start is; results
//   and job ends are written as they are recorded and synced by task_finished. No fsync
//   happens under the lock. restore() resumes the jobs a previous run left unfinished.
// - Nothing is published before the journal holds it: a router result reaches the sink (and
//   `replay`), and a job ends (aggregate, `result`, state done), only once its records are
//   written. While a failed write (disk full) holds records back, they wait, in order, and so
//   does every router start; submit answers `busy`. When the journal gives up waiting
//   (stop_waiting_for_journal, at shutdown), what it still holds is never published.
// - Every result of an active or retained job stays fetchable by seq (`replay`) until the
//   job is evicted. Eviction (oldest first, by --keep-*) waits at a job whose audit job_end is
//   still owed (job_log::job_end_owed), so retention never loses one.
// - Idempotent submit: a job_id that is active or retained, submitted again with the same
//   content (job_digest.hpp), answers `accepted` as the first submit did and runs nothing;
//   with other content it is duplicate_job. An evicted id is forgotten: it runs again.
// - Every accepted reply, status, router result and aggregate carries the node identity
//   given at construction (empty fields are not sent).
// - Demand (task_demand.hpp, optional): every router task is reported once when its job is
//   accepted or restored and withdrawn once when it finishes or is cancelled unstarted, so the
//   session pool keeps the sessions that queued and running jobs still need.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "daemon/scheduling/job.hpp"
#include "daemon/scheduling/job_log.hpp"
#include "daemon/scheduling/restored_state.hpp"
#include "daemon/scheduling/result_index.hpp"
#include "daemon/scheduling/result_sink.hpp"
#include "daemon/scheduling/task_demand.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

struct scheduler_limits {
    std::size_t max_queued_jobs = 1000;
    std::size_t max_pending_tasks = 50000;
    std::size_t keep_jobs = 1000;
    std::chrono::seconds keep_time{3600};
    std::size_t max_sessions_per_router = 1;
    std::size_t keep_bytes = 256u << 20;  // output kept by ended jobs; the newest is always kept
};

// Who owns the jobs of this scheduler, as replies and results name it (--node-id,
// --advertise-endpoint).
struct node_identity {
    std::string node;
    std::string control_endpoint;
};

struct scheduler_stats {
    std::size_t queued_jobs = 0;   // accepted, no router started yet
    std::size_t running_jobs = 0;  // at least one router started, not ended
    std::size_t pending_tasks = 0;
    std::size_t waiting_workers = 0;  // threads blocked in next_task() for want of work
};

class scheduler {
  public:
    // Without a log (nullptr) nothing is journaled; without a demand nothing is reported.
    scheduler(scheduler_limits limits, result_sink& sink, job_log* log = nullptr,
              node_identity identity = {}, task_demand* demand = nullptr);

    // Start-up, before any worker runs: takes over the ended jobs to keep and the jobs to
    // resume (interrupted routers are recorded `failed`/`interrupted` and published), then
    // writes a compacted journal. Routers no longer in `devices` fail with kind `internal`.
    void restore(recovered_state state, std::shared_ptr<const inventory> devices);
    // Blocks until everything recorded so far is on stable storage.
    void sync_log();

    std::variant<protocol::accepted_reply, protocol::error_reply> submit(job_spec spec);
    std::optional<protocol::status_reply> status(const std::string& job_id);
    // The aggregate once the job has ended, its status while it runs, nullopt if unknown.
    std::variant<std::monostate, std::shared_ptr<const protocol::job_result>,
                 protocol::status_reply>
    result(const std::string& job_id);
    std::optional<protocol::status_reply> cancel(const std::string& job_id);
    // Retained router results with seq > since_seq (all jobs, or only request.job_id), one
    // page in seq order; nullopt for an unknown job_id. In scheduler_replay.cpp.
    std::optional<protocol::replay_reply> replay(const protocol::replay_request& request);
    // Active and kept jobs, newest first (by acceptance), at most request.limit of them
    // (protocol/limits.hpp bounds it), filtered by request.state and request.job_id; nullopt
    // for an unknown job_id. In scheduler_jobs.cpp.
    std::optional<protocol::jobs_reply> jobs(const protocol::jobs_request& request);

    // Blocks until a router task is available; nullopt once shutdown() was called.
    std::optional<router_task> next_task();
    // Records one command's result for the task's router (job_id, router_name, command and
    // command_index are filled in here) and publishes it.
    void record(const router_task& task, std::size_t command_index, protocol::router_result r);
    // Every command of the task has been recorded; the worker is free again.
    void task_finished(const router_task& task);

    // Records `r` for every command of the task's router that has no result yet.
    void record_missing(const router_task& task, const protocol::router_result& r);

    // From now on submit answers busy; jobs already accepted run on.
    void stop_accepting();
    void cancel_all();
    // Shutdown with a journal that cannot write: stop waiting for it. Routers whose start it
    // could not write are not run (they end cancelled); jobs whose records it still holds
    // count as idle, and are never reported ended by this process.
    void stop_waiting_for_journal();
    // True when no job is active any more; false when the deadline passed first.
    bool wait_idle(std::chrono::steady_clock::time_point deadline);
    void shutdown();

    scheduler_stats stats() const;

  private:
    using lock = std::unique_lock<std::mutex>;

    std::string new_job_id();
    // submit and next_task without the fsync: they return the journal ticket to make durable.
    std::variant<protocol::accepted_reply, protocol::error_reply> admit(job_spec spec,
                                                                        std::string digest,
                                                                        std::uint64_t& ticket);
    std::optional<router_task> take_task(std::uint64_t& ticket);
    protocol::status_reply status_of(const job& j) const;
    void record_locked(job& j, std::size_t router_index, std::size_t command_index,
                       protocol::router_result r);
    std::optional<protocol::status_reply> cancel_by_id_locked(const std::string& job_id);
    void cancel_locked(const std::shared_ptr<job>& j);
    void end_job_locked(job& j);
    void publish_result_locked(const job& j, std::size_t position);
    void publish_written_locked();  // what the journal now holds, in recording order
    void drop_task_locked(const router_task& task);
    void evict_finished_locked();
    void restore_job_locked(resumed_job r, const std::shared_ptr<const inventory>& devices);
    std::uint64_t snapshot_locked();  // returns the ticket to pass to finish_snapshot
    static std::string router_key(const device& d);
    void release_router_locked(const router_task& task);
    const protocol::router_result* find_result_locked(const std::string& job_id,
                                                      std::size_t position) const;
    // Execution controls (job_controls.hpp), in scheduler_controls.cpp: what a recorded result
    // means for its job's controls (a stop, a canary that passed); the stop itself (routers not
    // started end cancelled, in-flight ones run on); a held job back on the ring.
    void controls_after_result_locked(job& j, std::size_t router_index,
                                      protocol::router_status status);
    void stop_by_rule_locked(job& j);
    void release_held_locked(const std::shared_ptr<job>& j);
    // Restore: the controls of a resumed job, from the results the journal kept.
    void restore_controls_locked(job& j, const resumed_job& r, bool routers_waiting);

    // `first_accepted`: set for the answer to a resubmit.
    protocol::accepted_reply accepted_of(
        const std::string& id, std::uint64_t total,
        std::optional<std::chrono::system_clock::time_point> first_accepted = std::nullopt) const;

    const scheduler_limits limits_;
    const node_identity identity_;
    result_sink& sink_;
    null_job_log no_log_;
    job_log& log_;
    null_task_demand no_demand_;
    task_demand& demand_;

    mutable std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable idle_;
    bool accepting_ = true;
    bool stopping_ = false;
    std::size_t waiting_workers_ = 0;
    std::uint64_t next_seq_ = 1;
    std::uint64_t id_counter_ = 0;
    std::size_t pending_tasks_ = 0;  // queued + in flight, across jobs
    bool compacting_ = false;

    // Router results and job ends recorded but not yet written by the journal (a failed
    // write), oldest first: published by publish_written_locked once they are.
    struct unwritten_event {
        std::uint64_t ticket = 0;
        std::shared_ptr<job> owner;
        std::size_t position = 0;  // of a result in owner->results
        bool job_end = false;
    };
    std::deque<unwritten_event> unwritten_;
    std::size_t unwritten_ends_ = 0;
    std::atomic<bool> any_unwritten_{false};  // !unwritten_.empty(), read without the lock
    bool journal_given_up_ = false;
    bool journal_retrier_ = false;        // an idle worker retries the journal's held writes
    std::deque<device> unknown_devices_;  // restored routers no longer in the inventory

    std::map<std::string, std::shared_ptr<job>, std::less<>> active_;
    std::deque<std::shared_ptr<job>> ring_;  // active jobs with routers waiting
    // Active jobs whose waiting routers were all at their cap when last looked at.
    std::deque<std::shared_ptr<job>> parked_;
    std::unordered_map<std::string, std::size_t> sessions_;  // ip:port -> running tasks

    struct finished_job {
        std::shared_ptr<const protocol::job_result> result;
        protocol::status_reply status;
        std::chrono::steady_clock::time_point ended_at;
        std::size_t bytes = 0;  // what it counts against keep_bytes
        std::string digest;     // job_digest() of its content; empty: unknown
        std::chrono::system_clock::time_point accepted_wall;  // when it was first accepted
    };
    void keep_finished_locked(const std::string& id, finished_job kept);
    std::size_t finished_bytes_ = 0;
    std::map<std::string, finished_job, std::less<>> finished_;
    std::deque<std::string> finished_order_;
    result_index index_;  // seq -> result, for every result in active_ and finished_
};

}  // namespace fanout::daemon
