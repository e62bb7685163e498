// `fanoutctl run`: resolve routers and commands, subscribe, submit, stream, summarise.
#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "protocol/limits.hpp"
#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/commands.hpp"
#include "tools/fanoutctl/exit_codes.hpp"
#include "tools/fanoutctl/job_id.hpp"
#include "tools/fanoutctl/router_list.hpp"
#include "tools/fanoutctl/stream_job.hpp"

namespace fanout::ctl {
namespace {

bool has_blank(const std::string& s) {
    return s.find_first_of(" \t") != std::string::npos;
}

// Several positional words none of which has a blank: most likely an unquoted command.
void warn_if_unquoted(const std::vector<std::string>& positional) {
    if (positional.size() < 2 || std::any_of(positional.begin(), positional.end(), has_blank)) {
        return;
    }
    std::fprintf(stderr,
                 "fanoutctl: note: running %zu separate commands ('%s', '%s', ...); quote a "
                 "command that contains spaces: 'show version'\n",
                 positional.size(), positional[0].c_str(), positional[1].c_str());
}

// The inventory names, for `-r all`; an exit code when fanoutd could not say.
std::variant<std::vector<std::string>, int> inventory_names(job_client& client) {
    auto outcome = client.request(protocol::routers_request{});
    if (auto* failure = std::get_if<client_failure>(&outcome))
        return report_client_failure(*failure);
    auto& reply = std::get<protocol::reply>(outcome);
    if (auto* error = std::get_if<protocol::error_reply>(&reply)) return report_error_reply(*error);
    auto* routers = std::get_if<protocol::routers_reply>(&reply);
    if (!routers) return report_unexpected_reply(reply, "routers");
    std::vector<std::string> names;
    for (const auto& r : routers->routers) names.push_back(r.name);
    if (names.empty()) return report_usage_error("-r all: fanoutd's inventory has no routers");
    return names;
}

std::size_t longest(const std::vector<std::string>& names) {
    std::size_t width = 0;
    for (const auto& n : names) width = std::max(width, n.size());
    return width;
}

}  // namespace

int run_command(const global_options& global, const run_options& options) {
    std::vector<std::string> commands = options.commands;
    commands.insert(commands.end(), options.positional_commands.begin(),
                    options.positional_commands.end());
    if (commands.empty()) {
        return report_usage_error("run: no command given (for example: run -r r1 'show version')");
    }
    warn_if_unquoted(options.positional_commands);

    router_selection selection = parse_router_arguments(options.router_arguments);
    if (!options.routers_file.empty() && !selection.all) {
        try {
            for (auto& name : read_routers_file(options.routers_file)) {
                if (std::find(selection.names.begin(), selection.names.end(), name) ==
                    selection.names.end()) {
                    selection.names.push_back(std::move(name));
                }
            }
        } catch (const std::runtime_error& e) {
            return report_usage_error(e.what());
        }
    }
    if (!selection.all && selection.names.empty()) {
        return report_usage_error("run: no routers given (use -r r1,r2, -r all or --routers-file)");
    }

    const std::string job_id = options.job_id.empty() ? generate_job_id() : options.job_id;
    if (!protocol::is_valid_job_id(job_id)) {
        return report_usage_error(
            "run: --job-id must be 1-64 characters of [A-Za-z0-9_:-] (no dot)");
    }

    job_client client(global.jobs_endpoint, global.reply_timeout(), global.curve, global.retries);
    if (selection.all) {
        auto names = inventory_names(client);
        if (auto* code = std::get_if<int>(&names)) return *code;
        selection.names = std::move(std::get<std::vector<std::string>>(names));
    }

    std::optional<result_subscriber> sub;
    try {
        sub.emplace(global.results_endpoint, job_id,
                    global.curve);  // before submitting: see subscriber.hpp
    } catch (const std::runtime_error& e) {
        return report_client_failure({e.what()});
    }

    protocol::submit_request submit;
    submit.job_id = job_id;
    submit.commands = commands;
    submit.single_command = commands.size() == 1;
    submit.routers = selection.names;
    submit.timeout = options.timeout;
    submit.wait = false;
    auto outcome = client.request(submit);
    if (auto* failure = std::get_if<client_failure>(&outcome))
        return report_client_failure(*failure);
    auto& reply = std::get<protocol::reply>(outcome);
    if (auto* error = std::get_if<protocol::error_reply>(&reply)) return report_error_reply(*error);
    auto* accepted = std::get_if<protocol::accepted_reply>(&reply);
    if (!accepted) return report_unexpected_reply(reply, "accepted");

    // In a pool only the owner knows the job: ask it directly (its own endpoint is plain, as
    // pool daemons cannot use CURVE; with CURVE options, keep asking at --jobs).
    if (!accepted->node.empty())
        std::fprintf(stderr, "fanoutctl: job %s accepted by node %s (control: %s)\n",
                     accepted->job_id.c_str(), accepted->node.c_str(),
                     accepted->control_endpoint.empty() ? "not advertised"
                                                        : accepted->control_endpoint.c_str());
    std::optional<job_client> owner;
    if (!accepted->control_endpoint.empty() && accepted->control_endpoint != global.jobs_endpoint &&
        !global.curve)
        owner.emplace(accepted->control_endpoint, global.reply_timeout(), std::nullopt,
                      global.retries);
    const auto total = accepted->total;

    if (!global.json) {
        std::printf("job %s accepted: %zu router%s x %zu command%s\n", accepted->job_id.c_str(),
                    selection.names.size(), selection.names.size() == 1 ? "" : "s", commands.size(),
                    commands.size() == 1 ? "" : "s");
        std::fflush(stdout);
    }

    install_interrupt_handler();
    progress_line progress(!options.no_progress && stderr_is_terminal());
    const result_style style{longest(selection.names), options.brief, commands.size() > 1};
    result_printer printer(global.json, style, progress);
    auto streamed = stream_job(owner ? *owner : client, *sub, job_id, total, printer, progress);
    if (auto* code = std::get_if<int>(&streamed)) return *code;
    const auto& job = std::get<protocol::job_result>(streamed);
    printer.finish(job);
    return job_exit_code(job);
}

}  // namespace fanout::ctl
