// The job_log that writes to a journal: one record per scheduler event, msgpack bodies.
//
// Record types: 'A' job accepted (id, commands, routers, timeout, time; `controls` when the
// job has execution controls), 'S' router started, 'R' router result (the published
// router_result bytes, seq included), 'C' job cancelled (or, with `stopped_by` and `reason`,
// stopped by its rule; `cancel` then says whether a cancel came too), 'E' job ended (state,
// duration, time, `stopped_by` when set), 'F' an ended job in a snapshot (its whole
// job_result and its content digest), 'M' snapshot marker (next seq), 'X' an ended job left
// retention (id; issue 13). daemon/journal/recovery.cpp reads them back.
#pragma once

#include <memory>

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
}  // namespace record_type

class journal_log final : public job_log {
  public:
    explicit journal_log(journal& file) : file_(file) {}

    std::uint64_t job_accepted(const job& j, std::chrono::system_clock::time_point at) override;
    std::uint64_t router_started(const job& j, std::size_t router_index) override;
    std::uint64_t router_result(const protocol::router_result& r) override;
    std::uint64_t job_cancelled(const job& j) override;
    std::uint64_t job_ended(const protocol::job_result& aggregate,
                            std::chrono::system_clock::time_point at) override;
    std::uint64_t job_forgotten(const std::string& job_id) override;
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
};

}  // namespace fanout::daemon
