// The replay index: where each retained router result lives, by its daemon-wide `seq`.
//
// Contract:
// - Not thread-safe: the scheduler owns one and uses it under its lock.
// - Holds one small entry per retained result (seq -> job id and the result's position in the
//   job's results, router-major then command), never a copy of a result. The scheduler adds an
//   entry as it records a result and removes a job's entries when it evicts the job, so the
//   index is bounded by what the scheduler keeps anyway (active jobs, --keep-jobs,
//   --keep-seconds).
// - replay_page builds one `replay` reply: results with seq > since_seq in seq order, at most
//   `limit` of them and about protocol::max_replay_bytes of output, always at least one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace fanout::daemon {

// Fills one replay reply from results offered in ascending seq order.
class replay_page {
  public:
    replay_page(std::uint64_t since_seq, std::size_t limit);
    // Takes `r` into the page; false when the page is full (then `more` is set and the
    // caller stops offering).
    bool offer(const protocol::router_result& r);
    protocol::replay_reply finish(std::uint64_t oldest_seq, std::uint64_t last_seq) &&;

  private:
    std::size_t limit_;
    std::size_t bytes_ = 0;
    protocol::replay_reply reply_;
};

class result_index {
  public:
    struct location {
        std::string job_id;
        std::size_t position = 0;  // index into the job's results
    };
    // Where a location's result is now, or nullptr when it is gone.
    using resolver = std::function<const protocol::router_result*(const location&)>;

    void add(std::uint64_t seq, const std::string& job_id, std::size_t position);
    // Every result of a job at once (a job restored from the journal, ended or still running).
    void add_job(const std::string& job_id, const std::vector<protocol::router_result>& results);
    void add_job(const std::string& job_id,
                 const std::vector<std::optional<protocol::router_result>>& results);
    void remove(std::uint64_t seq);
    std::size_t size() const { return entries_.size(); }
    std::uint64_t oldest_seq() const;  // 0 when empty

    // Offers every indexed result with seq > since_seq, in seq order, until the page is full.
    void fill(replay_page& page, std::uint64_t since_seq, const resolver& find) const;

  private:
    std::map<std::uint64_t, location> entries_;
};

}  // namespace fanout::daemon
