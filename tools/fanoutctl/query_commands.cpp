// `fanoutctl status | result | cancel | routers | ping`: one request, one reply, printed.
// Read-only requests fail fast (request_kind::read_only); cancel retries like a submit.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/commands.hpp"
#include "tools/fanoutctl/exit_codes.hpp"
#include "tools/fanoutctl/job_query.hpp"
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
int ask(const global_options& global, request_kind kind, const protocol::request& request,
        std::string_view expected, OnReply on_reply) {
    job_client client(global.jobs_endpoint, global.reply_timeout(kind), global.curve,
                      global.retries_for(kind));
    auto outcome = request_job_owner(client, request);  // a job's owner, also in a pool
    if (auto* failure = std::get_if<client_failure>(&outcome))
        return report_client_failure(*failure);
    auto& reply = std::get<protocol::reply>(outcome);
    if (auto* error = std::get_if<protocol::error_reply>(&reply)) return report_error_reply(*error);
    if (auto* wanted = std::get_if<T>(&reply)) return on_reply(*wanted);
    return report_unexpected_reply(reply, expected);
}

// Prints the status; the exit code says whether the job ended with every router successful.
int print_status(const global_options& global, const protocol::status_reply& status) {
    write_stdout(global.json ? json_line(to_json(status)) : format_status(status));
    return status_exit_code(status);
}

// How long `cancel` waits for routers in flight to stop before it prints the state.
constexpr auto cancel_settle = std::chrono::seconds(10);

// After a cancel: the job's status once it has ended (routers in flight are aborted within
// moments), or the latest status when it is still stopping after cancel_settle.
protocol::status_reply settled_status(const global_options& global, protocol::status_reply status) {
    job_client client(global.jobs_endpoint, global.reply_timeout(request_kind::read_only),
                      global.curve, global.retries_for(request_kind::read_only));
    const auto give_up = std::chrono::steady_clock::now() + cancel_settle;
    while (status.state == protocol::job_state::running &&
           std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a poll interval
        auto outcome = request_job_owner(client, protocol::status_request{status.job_id});
        auto* reply = std::get_if<protocol::reply>(&outcome);
        auto* fresh = reply ? std::get_if<protocol::status_reply>(reply) : nullptr;
        if (!fresh) break;
        status = *fresh;
    }
    return status;
}

}  // namespace

int status_command(const global_options& global, const job_query_options& options) {
    return ask<protocol::status_reply>(global, request_kind::read_only,
                                       protocol::status_request{options.job_id}, "status",
                                       [&](const auto& s) { return print_status(global, s); });
}

int cancel_command(const global_options& global, const job_query_options& options) {
    return ask<protocol::status_reply>(
        global, request_kind::change, protocol::cancel_request{options.job_id}, "status",
        [&](const auto& s) { return print_status(global, settled_status(global, s)); });
}

int result_command(const global_options& global, const job_query_options& options) {
    job_client client(global.jobs_endpoint, global.reply_timeout(request_kind::read_only),
                      global.curve, global.retries_for(request_kind::read_only));
    auto outcome = request_job_owner(client, protocol::result_request{options.job_id});
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
        global, request_kind::read_only, protocol::routers_request{}, "routers",
        [&](const auto& routers) {
            write_stdout(global.json ? json_line(to_json(routers)) : format_routers_table(routers));
            return static_cast<int>(exit_ok);
        });
}

int ping_command(const global_options& global) {
    return ask<protocol::pong_reply>(
        global, request_kind::read_only, protocol::ping_request{}, "pong", [&](const auto& pong) {
            write_stdout(global.json ? json_line(to_json(pong)) : format_pong(pong));
            return static_cast<int>(exit_ok);
        });
}

}  // namespace fanout::ctl
