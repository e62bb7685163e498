// The content digest of a job, for idempotent `submit` (PROTOCOL.md, "submit").
//
// Contract: pure and thread-safe. The digest covers what the job does: routers (in order),
// commands (in order), whether it was sent as `command` or `commands`, and the effective
// per-command timeout in milliseconds, and the output format when it is not text (so the
// digests of text jobs are those of fanoutds before `format` existed). It is a BLAKE2b-128
// (libsodium) of a canonical msgpack re-encoding of those fields (sorted keys), as 32 lower-case
// hex characters, so the wire's key order, `wait` and transport details never matter.
// Execution controls (max_parallel, stop_after_failures, max_fail_percent, canary) are part of
// it only when at least one is set, each set one by name: digests of jobs without them are
// unchanged. digest_of_canonical() is that hash of already-canonical msgpack bytes, for
// extensions of the digest (job_deadline.hpp); it throws std::runtime_error only when
// libsodium cannot start.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace fanout::daemon {

std::string job_digest(const std::vector<std::string>& commands, bool single_command,
                       const std::vector<std::string>& routers, std::chrono::milliseconds timeout,
                       protocol::output_format format = protocol::output_format::text,
                       const protocol::execution_controls& controls = {});

std::string digest_of_canonical(const std::vector<std::uint8_t>& canonical_msgpack);

}  // namespace fanout::daemon
