// Start-up recovery: turns the replayed journal into the jobs to resume and the ended jobs
// to keep for `result`.
//
// Contract: pure (no I/O but warnings). A job that was accepted and had not ended comes back
// as a resumed_job: routers whose results were journaled keep them, routers that never
// started are to run, routers that were in flight at the crash are `interrupted` (or, with
// rerun_interrupted, to run again, their partial results dropped). A record that cannot be
// decoded is skipped with a warning; nothing here throws on journal content.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/journal/journal.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

struct resumed_job {
    std::string id;
    std::vector<std::string> commands;
    bool single_command = true;
    std::vector<std::string> routers;
    std::chrono::milliseconds timeout{60'000};
    std::chrono::system_clock::time_point accepted_at;
    std::string digest;  // job_digest() of the content above
    bool cancelled = false;
    std::vector<std::optional<protocol::router_result>> results;  // router-major, then command
    std::vector<std::size_t> interrupted;  // routers in flight at the crash, to report
    std::vector<std::size_t> to_run;       // routers to run now
};

struct kept_job {
    std::shared_ptr<const protocol::job_result> result;
    std::chrono::system_clock::time_point ended_at;
    std::string digest;  // empty when the journal predates digests: a resubmit is duplicate_job
};

struct recovered_state {
    std::vector<kept_job> ended;       // in the order they ended
    std::vector<resumed_job> resumed;  // in the order they were accepted
    std::uint64_t next_seq = 1;        // above every seq the journal holds
};

recovered_state recover(const std::vector<journal_record>& records, bool rerun_interrupted);

}  // namespace fanout::daemon
