// `fanoutctl replay`: the router results fanoutd still keeps after a seq, page by page.
#include <cinttypes>
#include <cstdio>
#include <string>

#include "tools/fanoutctl/client.hpp"
#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/commands.hpp"
#include "tools/fanoutctl/exit_codes.hpp"
#include "tools/fanoutctl/job_query.hpp"
#include "tools/fanoutctl/render_json.hpp"
#include "tools/fanoutctl/render_text.hpp"

namespace fanout::ctl {
namespace {

void print_result(const global_options& global, const replay_options& options,
                  const protocol::router_result& r) {
    std::string text;
    if (global.json) {
        text = json_line(to_json(r));
    } else {
        // job_id is limited to [A-Za-z0-9._:-] (dots: older jobs), so it is safe to print as is.
        text = "#" + std::to_string(r.seq) + " " + r.job_id + "  " +
               format_router_result(r, result_style{0, options.brief, true});
    }
    std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace

int replay_command(const global_options& global, const replay_options& options) {
    job_client client(global.jobs_endpoint, global.reply_timeout(request_kind::read_only),
                      global.curve, global.retries_for(request_kind::read_only));
    protocol::replay_request request{options.since, std::nullopt, std::nullopt};
    if (!options.job_id.empty()) request.job_id = options.job_id;
    std::uint64_t count = 0;
    for (bool first = true;; first = false) {
        // With --job, the job's owner answers, also behind fanout-proxy (job_query.hpp).
        auto outcome =
            request.job_id ? request_job_owner(client, request) : client.request(request);
        if (auto* failure = std::get_if<client_failure>(&outcome))
            return report_client_failure(*failure);
        auto& reply = std::get<protocol::reply>(outcome);
        if (auto* error = std::get_if<protocol::error_reply>(&reply))
            return report_error_reply(*error);
        auto* page = std::get_if<protocol::replay_reply>(&reply);
        if (!page) return report_unexpected_reply(reply, "replay");
        if (first && !request.job_id && page->oldest_seq > request.since_seq + 1) {
            std::fprintf(stderr,
                         "fanoutctl: results %" PRIu64 "..%" PRIu64
                         " are no longer kept (their jobs expired)\n",
                         request.since_seq + 1, page->oldest_seq - 1);
        }
        for (const auto& r : page->results) print_result(global, options, r);
        std::fflush(stdout);
        count += page->results.size();
        request.since_seq = page->next_seq;
        if (!page->more) {
            std::fprintf(stderr,
                         "fanoutctl: %" PRIu64 " results replayed; continue with --since %" PRIu64
                         " (latest seq %" PRIu64 ")\n",
                         count, page->next_seq, page->last_seq);
            return exit_ok;
        }
    }
}

}  // namespace fanout::ctl
