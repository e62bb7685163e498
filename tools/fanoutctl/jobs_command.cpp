// `fanoutctl jobs`: one `jobs` request (through fanout-proxy: one per daemon of the pool,
// pool_jobs.hpp), printed as a table or as JSON.
#include <cstdio>

#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/exit_codes.hpp"
#include "tools/fanoutctl/jobs_commands.hpp"
#include "tools/fanoutctl/pool_jobs.hpp"
#include "tools/fanoutctl/render_jobs.hpp"
#include "tools/fanoutctl/render_pool_jobs.hpp"

namespace fanout::ctl {
namespace {

int print(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return exit_ok;
}

int print_pool(const global_options& global, const pool_jobs& list) {
    if (!list.incomplete.empty())
        std::fprintf(stderr, "fanoutctl: jobs: %s; the list may miss other daemons' jobs\n",
                     list.incomplete.c_str());
    return print(global.json ? json_line(pool_jobs_to_json(list)) : format_pool_jobs_table(list));
}

}  // namespace

int jobs_command(const global_options& global, const jobs_options& options) {
    job_client client(global.jobs_endpoint, global.reply_timeout(request_kind::read_only),
                      global.curve, global.retries_for(request_kind::read_only));
    protocol::jobs_request request;
    request.limit = options.limit;
    if (!options.state.empty()) request.state = protocol::job_state_from(options.state);
    auto asked = ask_pool_jobs(client, request);
    if (auto* pool = std::get_if<pool_answers>(&asked))
        return print_pool(global, merge_pool_jobs(*pool, options.limit));
    auto& outcome = std::get<request_outcome>(asked);
    if (auto* failure = std::get_if<client_failure>(&outcome))
        return report_client_failure(*failure);
    auto& reply = std::get<protocol::reply>(outcome);
    if (auto* error = std::get_if<protocol::error_reply>(&reply)) return report_error_reply(*error);
    auto* list = std::get_if<protocol::jobs_reply>(&reply);
    if (!list) return report_unexpected_reply(reply, "jobs");
    return print(global.json ? json_line(jobs_to_json(*list)) : format_jobs_table(*list));
}

}  // namespace fanout::ctl
