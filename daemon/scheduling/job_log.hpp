// What the scheduler tells the durable journal, and when (see docs/reliability.md, "Crash safety").
//
// Contract: the recording calls (job_accepted .. snapshot_*) are made with the scheduler's lock
// held, in the order the state changes; they only write (no fsync) and return a ticket.
// written(ticket) tells, under the lock, whether that record is in the file (it survives a
// crash of the process): not while a failed write (disk full) holds records back.
// make_durable(ticket) is called without the lock and blocks until every record up to the
// ticket is on stable storage; false when it stopped waiting for held records (stop_waiting(),
// at shutdown). null_job_log (no --state-dir) records nothing and has everything written.
#pragma once

#include <chrono>
#include <cstdint>

#include "daemon/scheduling/job.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

class job_log {
  public:
    virtual ~job_log() = default;

    virtual std::uint64_t job_accepted(const job& j, std::chrono::system_clock::time_point at) = 0;
    virtual std::uint64_t router_started(const job& j, std::size_t router_index) = 0;
    virtual std::uint64_t router_result(const protocol::router_result& r) = 0;
    virtual std::uint64_t job_cancelled(const job& j) = 0;
    virtual std::uint64_t job_ended(const protocol::job_result& aggregate,
                                    std::chrono::system_clock::time_point at) = 0;
    // An ended job left retention (--keep-jobs/--keep-seconds/--keep-bytes): a restart must not
    // bring it back, whatever --keep-seconds it runs with. Not synced: a crash may lose it, and
    // then the start-up retention check decides. (Issue 13; no-op by default.)
    virtual std::uint64_t job_forgotten(const std::string& /*job_id*/) { return 0; }
    // The job ended but its audit job_end is not on stable storage yet (--audit-log): retention
    // must not forget it, or a crash would lose that job_end for good (docs/audit.md). False by
    // default.
    virtual bool job_end_owed(const std::string& /*job_id*/) { return false; }
    virtual std::uint64_t last_ticket() = 0;
    virtual bool written(std::uint64_t ticket) = 0;
    virtual bool make_durable(std::uint64_t ticket) = 0;
    virtual void stop_waiting() = 0;

    // Compaction: begin (false: not now), then the state (ended jobs, then active jobs through
    // the calls above), then end; finish_snapshot without the lock (false: the snapshot is not
    // durable, the journal goes on with the segments it has).
    virtual bool wants_compaction() = 0;
    virtual bool snapshot_begin() = 0;
    virtual void snapshot_ended_job(const protocol::job_result& aggregate,
                                    std::chrono::system_clock::time_point ended_at,
                                    const std::string& digest) = 0;
    virtual std::uint64_t snapshot_end(std::uint64_t next_seq) = 0;
    virtual bool finish_snapshot(std::uint64_t ticket) = 0;
};

class null_job_log final : public job_log {
  public:
    std::uint64_t job_accepted(const job&, std::chrono::system_clock::time_point) override {
        return 0;
    }
    std::uint64_t router_started(const job&, std::size_t) override { return 0; }
    std::uint64_t router_result(const protocol::router_result&) override { return 0; }
    std::uint64_t job_cancelled(const job&) override { return 0; }
    std::uint64_t job_ended(const protocol::job_result&,
                            std::chrono::system_clock::time_point) override {
        return 0;
    }
    std::uint64_t last_ticket() override { return 0; }
    bool written(std::uint64_t) override { return true; }
    bool make_durable(std::uint64_t) override { return true; }
    void stop_waiting() override {}
    bool wants_compaction() override { return false; }
    bool snapshot_begin() override { return true; }
    void snapshot_ended_job(const protocol::job_result&, std::chrono::system_clock::time_point,
                            const std::string&) override {}
    std::uint64_t snapshot_end(std::uint64_t) override { return 0; }
    bool finish_snapshot(std::uint64_t) override { return true; }
};

}  // namespace fanout::daemon
