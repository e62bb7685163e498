// `fanoutctl status | result | cancel | routers | ping`: one request, one reply, printed.
#include <cstdio>
#include <string>

#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/commands.hpp"
#include "tools/fanoutctl/exit_codes.hpp"
#include "tools/fanoutctl/render_json.hpp"
#include "tools/fanoutctl/render_text.hpp"
#include "tools/fanoutctl/result_printer.hpp"

namespace fanout::ctl {
namespace {

void write_stdout(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

// Sends `request`; on a reply of type T calls on_reply and returns its exit code.
template <typename T, typename OnReply>
int ask(const global_options& global, const protocol::request& request, std::string_view expected,
        OnReply on_reply) {
    job_client client(global.jobs_endpoint, global.reply_timeout(), global.curve, global.retries);
    auto outcome = client.request(request);
    if (auto* failure = std::get_if<client_failure>(&outcome))
        return report_client_failure(*failure);
    auto& reply = std::get<protocol::reply>(outcome);
    if (auto* error = std::get_if<protocol::error_reply>(&reply)) return report_error_reply(*error);
    if (auto* wanted = std::get_if<T>(&reply)) return on_reply(*wanted);
    return report_unexpected_reply(reply, expected);
}

int print_status(const global_options& global, const protocol::status_reply& status) {
    write_stdout(global.json ? json_line(to_json(status)) : format_status(status));
    return exit_ok;
}

}  // namespace

int status_command(const global_options& global, const job_query_options& options) {
    return ask<protocol::status_reply>(global, protocol::status_request{options.job_id}, "status",
                                       [&](const auto& s) { return print_status(global, s); });
}

int cancel_command(const global_options& global, const job_query_options& options) {
    return ask<protocol::status_reply>(global, protocol::cancel_request{options.job_id}, "status",
                                       [&](const auto& s) { return print_status(global, s); });
}

int result_command(const global_options& global, const job_query_options& options) {
    job_client client(global.jobs_endpoint, global.reply_timeout(), global.curve, global.retries);
    auto outcome = client.request(protocol::result_request{options.job_id});
    if (auto* failure = std::get_if<client_failure>(&outcome))
        return report_client_failure(*failure);
    auto& reply = std::get<protocol::reply>(outcome);
    if (auto* error = std::get_if<protocol::error_reply>(&reply)) return report_error_reply(*error);
    if (auto* status = std::get_if<protocol::status_reply>(&reply)) {
        print_status(global, *status);
        std::fprintf(stderr, "fanoutctl: job %s has not ended yet\n", status->job_id.c_str());
        return exit_router_failures;
    }
    auto* job = std::get_if<protocol::job_result>(&reply);
    if (!job) return report_unexpected_reply(reply, "job_result or status");

    if (auto conflict = output_conflict(options.output, global.json); !conflict.empty())
        return report_usage_error("result: " + conflict);
    std::size_t name_width = 0;
    for (const auto& r : job->results) name_width = std::max(name_width, r.router_name.size());
    progress_line no_progress(false);
    result_printer printer(global.json, options.output,
                           {name_width, options.output.brief, job->summary.commands.size() > 1},
                           no_progress);
    if (!global.json) {
        for (const auto& r : job->results) printer.print(r);
    }
    return finish_job(printer, *job);
}

int routers_command(const global_options& global) {
    return ask<protocol::routers_reply>(
        global, protocol::routers_request{}, "routers", [&](const auto& routers) {
            write_stdout(global.json ? json_line(to_json(routers)) : format_routers_table(routers));
            return static_cast<int>(exit_ok);
        });
}

int ping_command(const global_options& global) {
    return ask<protocol::pong_reply>(
        global, protocol::ping_request{}, "pong", [&](const auto& pong) {
            write_stdout(global.json ? json_line(to_json(pong)) : format_pong(pong));
            return static_cast<int>(exit_ok);
        });
}

}  // namespace fanout::ctl
