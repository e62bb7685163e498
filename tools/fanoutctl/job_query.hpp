// Reaching the daemon that owns a job, and fetching an ended job's results, for the commands
// that name a job (status, result, cancel, diff, run --failed-from, follow, replay --job).
//
// Contract: request_job_owner sends `request` on `client`; when it is a status, result or
// cancel, or a replay or jobs with a job_id, and the answer is `not_found`, the job may belong to
// another daemon of a pool behind fanout-proxy, which spreads requests round robin: unless the
// daemon at the endpoint says by its pong that it answers there itself (control_endpoint == the
// client's endpoint, so it is no proxy), the request is sent again, up to pool_probes more times;
// each resend reaches the next daemon, and the first answer that is not `not_found` is returned
// (else the last `not_found`). Asking twice is harmless: status, result, replay and jobs read, and
// cancel of a job its owner already cancelled answers its status again. Nothing is remembered
// between runs, so daemon and proxy restarts change nothing. fetch_ended_job returns the job_result
// of an ended job, or the exit code after reporting why not (no reply, error reply, job still
// running: exit 2 "job J has not ended yet").
#pragma once

#include <string>
#include <variant>

#include "protocol/messages.hpp"
#include "tools/fanoutctl/client.hpp"
#include "tools/fanoutctl/options.hpp"

namespace fanout::ctl {

// Resends after a not_found through a proxy: enough to reach every daemon of a pool of up to
// 16 when no one else sends at the same time (documented in docs/pool.md).
inline constexpr unsigned pool_probes = 16;

request_outcome request_job_owner(job_client& client, const protocol::request& request);

// `what` names the asking command in messages ("diff", "run --failed-from").
std::variant<protocol::job_result, int> fetch_ended_job(const global_options& global,
                                                        const std::string& job_id,
                                                        const std::string& what);

}  // namespace fanout::ctl
