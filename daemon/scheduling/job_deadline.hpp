// A job's `deadline` (issue 13) as the scheduler keeps it: its conversion from the wire, and its
// part in the job's content digest.
//
// Contract: pure and thread-safe. deadline_of() rounds seconds up to whole milliseconds (at
// least 1 ms). digest_with_deadline() returns `digest` unchanged when there is no deadline, so
// jobs without one keep the digests they had before `deadline` existed; with one, it is the
// BLAKE2b-128 (hex, as job_digest) of the canonical msgpack {base: digest, deadline_ms: N}, so
// the same job with another deadline is other content (duplicate_job, not a silent resubmit).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace fanout::daemon {

std::optional<std::chrono::milliseconds> deadline_of(std::optional<double> seconds);

std::string digest_with_deadline(std::string digest,
                                 std::optional<std::chrono::milliseconds> deadline);

}  // namespace fanout::daemon
