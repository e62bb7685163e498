// What a previous run left behind, as the scheduler takes it over at start-up: the ended jobs
// to keep for `result` and the jobs to resume. journal/recovery.hpp builds it from the journal;
// the scheduler never sees a journal record.
//
// Contract: plain data. A resumed job's `results` are router-major, then command; `interrupted`
// and `to_run` are router indexes into `routers`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace fanout::daemon {

struct resumed_job {
    std::string id;
    std::vector<std::string> commands;
    bool single_command = true;
    std::vector<std::string> routers;
    std::chrono::milliseconds timeout{60'000};
    protocol::output_format format = protocol::output_format::text;
    std::optional<std::chrono::milliseconds> deadline{};  // issue 13
    std::chrono::system_clock::time_point accepted_at;
    std::string digest;  // job_digest() of the content above
    // Audit (issue 14); empty in older journals.
    std::string submitted_by, requested_by;
    bool cancelled = false;
    // Execution controls as submitted, and the rule that stopped the job (journaled with its
    // reason); stopped_by empty: not stopped.
    protocol::execution_controls controls;
    std::string stopped_by;
    std::string stop_reason;
    // The journal lost records while the job ran: any router without a result may have run.
    bool damaged = false;
    std::vector<std::optional<protocol::router_result>> results;  // router-major, then command
    std::vector<std::size_t> interrupted;  // routers in flight at the crash, to report
    std::vector<std::size_t> to_run;       // routers to run now
};

struct kept_job {
    std::shared_ptr<const protocol::job_result> result;
    std::chrono::system_clock::time_point ended_at;
    std::string digest;  // empty when the journal predates digests: a resubmit is duplicate_job
    // Its audit job_end may not be in the --audit-log file (journaled as owed, never as written):
    // the daemon writes it at start-up, `recovered` (docs/audit.md, "Crash semantics").
    bool audit_owed = false;
};

struct recovered_state {
    std::vector<kept_job> ended;       // in the order they ended
    std::vector<resumed_job> resumed;  // in the order they were accepted
    std::uint64_t next_seq = 1;        // above every seq the journal holds
};

}  // namespace fanout::daemon
