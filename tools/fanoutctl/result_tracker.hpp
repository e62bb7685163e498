// Which router results of one job fanoutctl has already shown, and the live counts.
//
// Contract: pure bookkeeping, no I/O. A result is identified by (router_name, command_index);
// each is accepted once, whether it came from the PUB stream or from the final job_result,
// so every router_result is printed exactly once. With expect_routers(), it also knows which
// routers are still pending (fewer results seen than the job has commands), in request order.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocol/messages.hpp"
#include "tools/fanoutctl/controls_progress.hpp"

namespace fanout::ctl {

struct progress_counts {
    std::uint64_t done = 0;  // results seen (any status)
    std::uint64_t total = 0;
    std::uint64_t failed = 0;
    std::uint64_t cancelled = 0;
};

class result_tracker {
  public:
    explicit result_tracker(std::uint64_t total) { counts_.total = total; }

    // True when `r` was not seen before (the caller shows it); counts it.
    bool add(const protocol::router_result& r);

    // The results of `job` not seen yet, in job order; marks them seen.
    std::vector<protocol::router_result> take_unseen(const protocol::job_result& job);

    // The job's routers, in request order, and its number of commands: for pending().
    void expect_routers(std::vector<std::string> routers, std::size_t commands);
    // Up to `most` routers still pending, in request order; `count` gets how many there are.
    std::vector<std::string> pending(std::size_t most, std::size_t& count) const;

    // The daemon's own count may run ahead of what the PUB stream delivered.
    void note_daemon_completed(std::uint64_t completed) { daemon_completed_ = completed; }

    // The first `k` expected routers as a canary (--canary): how many succeeded (every command
    // seen, all ok) and the first, in request order, seen failing.
    canary_progress canary(std::size_t k) const;

    progress_counts counts() const;
    bool all_seen() const { return counts_.done >= counts_.total; }

  private:
    std::set<std::pair<std::string, std::uint32_t>> seen_;
    std::vector<std::string> routers_;
    std::map<std::string, std::size_t, std::less<>> results_per_router_;
    std::set<std::string, std::less<>> failed_routers_, not_ok_routers_;  // for canary()
    std::size_t commands_ = 1;
    progress_counts counts_;
    std::uint64_t daemon_completed_ = 0;
};

}  // namespace fanout::ctl
