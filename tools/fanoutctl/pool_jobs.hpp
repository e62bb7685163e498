// `fanoutctl jobs` through fanout-proxy: the jobs of every daemon of the pool, as one list.
//
// Contract: ask_pool_jobs first pings `client`'s endpoint. A pong that names the endpoint as its
// own control_endpoint means no proxy: the `jobs` request is sent once and its outcome returned
// as is (direct: unchanged). Otherwise the proxy's round robin hands each request to the next
// daemon, so the same `jobs` request is sent again and again, each reply kept with the `node`
// it names (a repeated node's reply is dropped), until the first node answers a second time
// and the daemon that answered the ping has answered too (the round robin has come round:
// `incomplete` is empty), or 1 + pool_probes requests were made. Another node answering twice
// first means another client took turns in between, so asking goes on. Listing stops early,
// with `incomplete` saying
// why, when a reply names no node (a fanoutd before this field: it is kept, as node "", and
// nothing after it can be told apart), or a later request gets no jobs reply (its failure is
// named). A failed first request is returned as its outcome, and so is a first reply without a
// node, and the second reply of a node that was the only one (a direct daemon reached under
// another name than it binds, or a pool of one): those print as a direct daemon's. Best effort:
// other clients' requests through the proxy take turns of the round robin in between, so a daemon
// can be skipped (marked incomplete when the first node does not come back within the probes, and
// silently when the skipped turns all fall between two answers that bring the first node
// back), and a full daemon is reached only once it has room; nothing is remembered
// between runs. Asking twice is harmless: `jobs` only reads.
//
// merge_pool_jobs is pure: every entry of every reply, with its reply's node; newest first by
// submitted_at (equal: job_id descending, then node), cut to `limit`; matched is the sum of the
// replies' matched, more is matched > the entries kept. Each daemon lists its newest `limit`
// (at most), so the newest `limit` of the pool are among them.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "protocol/messages.hpp"
#include "tools/fanoutctl/client.hpp"

namespace fanout::ctl {

struct pool_answers {
    std::vector<protocol::jobs_reply> replies;  // in the order they came, one per node
    std::string incomplete;                     // empty: a node answered twice
};

// pool_answers through a proxy; the plain outcome for a direct daemon or a failure first.
std::variant<pool_answers, request_outcome> ask_pool_jobs(job_client& client,
                                                          const protocol::jobs_request& request);

struct pool_job {
    std::string node;
    protocol::job_entry entry;
};

struct pool_jobs {
    std::vector<pool_job> jobs;      // newest first, at most the limit
    std::uint64_t matched = 0;       // summed over the daemons that answered
    bool more = false;               // matched > jobs.size()
    std::vector<std::string> nodes;  // the daemons that answered, in answer order
    std::string incomplete;          // as pool_answers
};

pool_jobs merge_pool_jobs(const pool_answers& answers, std::uint64_t limit);

}  // namespace fanout::ctl
