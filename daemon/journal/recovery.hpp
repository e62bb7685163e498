// Start-up recovery: turns the replayed journal into the jobs to resume and the ended jobs
// to keep for `result`.
//
// Contract: pure (no I/O but log lines). A job that was accepted and had not ended comes back
// as a resumed_job: routers whose results were journaled keep them, routers that never
// started are to run, routers that were in flight at the crash are `interrupted` (or, with
// rerun_interrupted, to run again, their partial results dropped). A router whose start may
// have been recorded never runs again without rerun_interrupted: at an `unreadable_record`
// (records lost to corruption) every job running then is marked `damaged`, and all its routers
// without a result are `interrupted`, started or not. A job whose `accepted` record was lost
// cannot come back; the error log names it. An ended job that left retention before the
// restart (a `forgotten` record after its end) does not come back either. A record that cannot be
// decoded is skipped with a warning; nothing here throws on journal content. An ended job whose
// audit job_end was owed ('E'/'F' with `audit`) and not written ('U') is `audit_owed`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/journal/journal.hpp"
#include "daemon/scheduling/restored_state.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

recovered_state recover(const std::vector<journal_record>& records, bool rerun_interrupted);

}  // namespace fanout::daemon
