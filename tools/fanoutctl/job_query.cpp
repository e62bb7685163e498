#include "tools/fanoutctl/job_query.hpp"

#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/exit_codes.hpp"

namespace fanout::ctl {
namespace {

bool names_a_job(const protocol::request& request) {
    if (const auto* replay = std::get_if<protocol::replay_request>(&request))
        return replay->job_id.has_value();
    if (const auto* jobs = std::get_if<protocol::jobs_request>(&request))
        return jobs->job_id.has_value();
    return std::holds_alternative<protocol::status_request>(request) ||
           std::holds_alternative<protocol::result_request>(request) ||
           std::holds_alternative<protocol::cancel_request>(request);
}

bool is_not_found(const request_outcome& outcome) {
    const auto* reply = std::get_if<protocol::reply>(&outcome);
    const auto* error = reply ? std::get_if<protocol::error_reply>(reply) : nullptr;
    return error && error->code == protocol::error_code::not_found;
}

// True when the daemon that answers at the client's endpoint says it is that endpoint's
// daemon (no proxy in between).
bool direct_daemon(job_client& client) {
    auto outcome = client.request(protocol::ping_request{});
    const auto* reply = std::get_if<protocol::reply>(&outcome);
    const auto* pong = reply ? std::get_if<protocol::pong_reply>(reply) : nullptr;
    return pong && pong->control_endpoint == client.endpoint();
}

}  // namespace

request_outcome request_job_owner(job_client& client, const protocol::request& request) {
    auto outcome = client.request(request);
    if (!names_a_job(request) || !is_not_found(outcome) || direct_daemon(client)) return outcome;
    for (unsigned probe = 0; probe < pool_probes; ++probe) {
        auto again = client.request(request);
        if (!is_not_found(again)) return again;
        outcome = std::move(again);
    }
    return outcome;
}

std::variant<protocol::job_result, int> fetch_ended_job(const global_options& global,
                                                        const std::string& job_id,
                                                        const std::string& what) {
    job_client client(global.jobs_endpoint, global.reply_timeout(request_kind::read_only),
                      global.curve, global.retries_for(request_kind::read_only));
    auto outcome = request_job_owner(client, protocol::result_request{job_id});
    if (auto* failure = std::get_if<client_failure>(&outcome))
        return report_client_failure(*failure);
    auto& reply = std::get<protocol::reply>(outcome);
    if (auto* error = std::get_if<protocol::error_reply>(&reply)) return report_error_reply(*error);
    if (auto* status = std::get_if<protocol::status_reply>(&reply))
        return report_usage_error(what + ": job " + job_id + " has not ended yet (" +
                                  std::string(protocol::to_string(status->state)) +
                                  "); wait for it, or cancel it");
    auto* job = std::get_if<protocol::job_result>(&reply);
    if (!job) return report_unexpected_reply(reply, "job_result or status");
    return std::move(*job);
}

}  // namespace fanout::ctl
