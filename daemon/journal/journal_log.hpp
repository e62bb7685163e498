// The job_log that writes to a journal: one record per scheduler event, msgpack bodies.
//
// Record types: 'A' job accepted (id, commands, routers, timeout, time; `controls` when the
// job has execution controls), 'S' router started, 'R' router result (the published
// router_result bytes, seq included), 'C' job cancelled (or, with `stopped_by` and `reason`,
// stopped by its rule; `cancel` then says whether a cancel came too), 'E' job ended (state,
// duration, time, `stopped_by` when set), 'F' an ended job in a snapshot (its whole
// job_result and its content digest), 'M' snapshot marker (next seq), 'X' an ended job left
// retention (id; issue 13), 'U' an ended job's audit job_end is on stable storage (id).
// daemon/journal/recovery.cpp reads them back.
//
// Audit (docs/audit.md, "Crash semantics"): built with `audit_job_ends` (--audit-log is set),
// each 'E' record, and each 'F' record of a job whose job_end is not yet in the audit file,
// carries `"audit": true`: the job_end is owed. job_audited(id), from the audit trail once the
// job_end is on stable storage, writes 'U' (not synced: a power loss may lose it, and the
// restart then writes the job_end again). A job still owed at a restart gets its job_end then.
// audit_owed(id) marks a recovered job owed again. Both are safe from any thread, also while the
// scheduler records (a mutex of their own).
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "daemon/journal/journal.hpp"
#include "daemon/scheduling/job_log.hpp"

namespace fanout::daemon {

namespace record_type {
inline constexpr char accepted = 'A';
inline constexpr char started = 'S';
inline constexpr char result = 'R';
inline constexpr char cancelled = 'C';
inline constexpr char ended = 'E';
inline constexpr char ended_job = 'F';
inline constexpr char forgotten = 'X';
inline constexpr char audited = 'U';
}  // namespace record_type

class journal_log final : public job_log {
  public:
    explicit journal_log(journal& file, bool audit_job_ends = false)
        : file_(file), audit_job_ends_(audit_job_ends) {}

    void job_audited(const std::string& job_id);
    void audit_owed(const std::string& job_id);

    std::uint64_t job_accepted(const job& j, std::chrono::system_clock::time_point at) override;
    std::uint64_t router_started(const job& j, std::size_t router_index) override;
    std::uint64_t router_result(const protocol::router_result& r) override;
    std::uint64_t job_cancelled(const job& j) override;
    std::uint64_t job_ended(const protocol::job_result& aggregate,
                            std::chrono::system_clock::time_point at) override;
    std::uint64_t job_forgotten(const std::string& job_id) override;
    bool job_end_owed(const std::string& job_id) override;
    std::uint64_t last_ticket() override { return file_.last_ticket(); }
    bool written(std::uint64_t ticket) override { return file_.written(ticket); }
    bool make_durable(std::uint64_t ticket) override { return file_.sync(ticket); }
    void stop_waiting() override { file_.stop_waiting(); }

    bool wants_compaction() override { return file_.wants_compaction(); }
    bool snapshot_begin() override { return file_.begin_snapshot(); }
    void snapshot_ended_job(const protocol::job_result& aggregate,
                            std::chrono::system_clock::time_point ended_at,
                            const std::string& digest) override;
    std::uint64_t snapshot_end(std::uint64_t next_seq) override;
    bool finish_snapshot(std::uint64_t ticket) override { return file_.finish_snapshot(ticket); }

  private:
    journal& file_;
    const bool audit_job_ends_;
    std::mutex audit_mutex_;
    std::set<std::string, std::less<>> audit_owed_;  // ended jobs whose job_end is not written
};

}  // namespace fanout::daemon
