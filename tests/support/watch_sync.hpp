// `fanoutctl watch` subscribes to the daemon's results asynchronously (ZeroMQ's slow joiner):
// what is published before its subscription is in place never reaches it, so a test syncs it
// before submitting the jobs it watches for.
//
// Contract: sync_watch() submits tiny jobs "sync-0", "sync-1", ... (show version on r1, one
// at a time, each to its end) through `jobs` until `watch` prints a line containing
// line_of(id) for one of them within 2 s; 50 jobs at the most. True once it did: every result
// published after that reaches `watch`. A submit refused throws (expect_reply).
#pragma once

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>

#include "tests/support/child_process.hpp"
#include "tests/support/fanout_harness.hpp"

namespace fanout::testing {

inline bool sync_watch(client& jobs, child_process& watch,
                       const std::function<std::string(const std::string& id)>& line_of) {
    for (int i = 0; i < 50; ++i) {
        const auto id = "sync-" + std::to_string(i);
        expect_reply<protocol::job_result>(jobs.request(submit_of(id, "show version", {"r1"})));
        try {
            watch.wait_for_line(line_of(id), std::chrono::seconds(2));
            return true;
        } catch (const std::runtime_error&) {
        }
    }
    return false;
}

}  // namespace fanout::testing
