// ask_pool_jobs (pool_jobs.hpp): one `jobs` per daemon of a pool, through fanout-proxy.
#include <set>

#include "tools/fanoutctl/job_query.hpp"
#include "tools/fanoutctl/pool_jobs.hpp"

namespace fanout::ctl {
namespace {

// Why `outcome` is no jobs reply, as a phrase for `incomplete`.
std::string failure_of(const request_outcome& outcome) {
    if (const auto* failure = std::get_if<client_failure>(&outcome)) return failure->message;
    const auto& reply = std::get<protocol::reply>(outcome);
    if (const auto* error = std::get_if<protocol::error_reply>(&reply))
        return std::string(protocol::to_string(error->code)) + ": " + error->message;
    return "an unexpected reply";
}

}  // namespace

std::variant<pool_answers, request_outcome> ask_pool_jobs(job_client& client,
                                                          const protocol::jobs_request& request) {
    // The ping first: its turn of the round robin comes before the jobs requests, not between
    // them (jobs, ping, jobs would ask the first of two daemons twice and never the second).
    auto ping = client.request(protocol::ping_request{});
    const auto* reply = std::get_if<protocol::reply>(&ping);
    if (!reply) return ping;
    const auto* pong = std::get_if<protocol::pong_reply>(reply);
    if (pong && pong->control_endpoint == client.endpoint()) return client.request(request);

    // The daemon that answered the ping is one of the pool: the listing waits for it too.
    const std::string pinged = pong ? pong->node : std::string();
    pool_answers answers;
    std::set<std::string> seen;
    for (unsigned asked = 0; asked <= pool_probes; ++asked) {
        auto outcome = client.request(request);
        auto* answer = std::get_if<protocol::reply>(&outcome);
        auto* list = answer ? std::get_if<protocol::jobs_reply>(answer) : nullptr;
        // No node in the first answer: a fanoutd from before pool-wide jobs, which cannot be
        // told from others; its answer is printed as a direct daemon's.
        if (!list || (asked == 0 && list->node.empty())) {
            if (asked == 0) return outcome;
            answers.incomplete = "request " + std::to_string(asked + 1) +
                                 " through the proxy got no jobs reply (" + failure_of(outcome) +
                                 ")";
            return answers;
        }
        if (!list->node.empty() && !seen.insert(list->node).second) {
            // The round robin came back to the first daemon asked: all were asked, unless the
            // pinged one is missing. Any other repeat means another client took turns; keep
            // asking (it may have taken the turn of a daemon not yet asked).
            if (list->node == answers.replies.front().node &&
                (pinged.empty() || seen.count(pinged))) {
                // One daemon only: a direct daemon reached under another name than the one
                // it binds (a wildcard bind, localhost for 127.0.0.1), or a pool of one. It
                // is printed as a direct daemon's answer, so its output does not change.
                if (answers.replies.size() == 1) return outcome;
                return answers;
            }
            continue;
        }
        answers.replies.push_back(std::move(*list));
        if (answers.replies.back().node.empty()) {
            answers.incomplete =
                "a daemon answered without its node (a fanoutd before pool-wide jobs), so the "
                "next answers could not be told from its own";
            return answers;
        }
    }
    answers.incomplete = "the first daemon asked did not answer again in " +
                         std::to_string(pool_probes + 1) + " requests (a pool of more than " +
                         std::to_string(pool_probes) +
                         " daemons, or other clients' requests took turns of the proxy's round "
                         "robin)";
    return answers;
}

}  // namespace fanout::ctl
