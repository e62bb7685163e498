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
#include "daemon/scheduling/restored_state.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

recovered_state recover(const std::vector<journal_record>& records, bool rerun_interrupted);

}  // namespace fanout::daemon
