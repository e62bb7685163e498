// `fanoutctl run`: resolve routers and commands, subscribe, submit, stream, summarise.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "protocol/limits.hpp"
#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/commands.hpp"
#include "tools/fanoutctl/exit_codes.hpp"
#include "tools/fanoutctl/failed_from.hpp"
#include "tools/fanoutctl/job_id.hpp"
#include "tools/fanoutctl/job_query.hpp"
#include "tools/fanoutctl/out_dir.hpp"
#include "tools/fanoutctl/router_list.hpp"
#include "tools/fanoutctl/router_select.hpp"
#include "tools/fanoutctl/stream_job.hpp"
#include "tools/fanoutctl/suggest.hpp"

namespace fanout::ctl {
namespace {

using inventory_list = std::vector<protocol::router_info>;

bool has_blank(const std::string& s) {
    return s.find_first_of(" \t") != std::string::npos;
}

// -c commands, then the positional words joined into one command (as pdsh and clush do);
// none given: `rerun`'s (--failed-from), when set.
std::variant<std::vector<std::string>, int> commands_of(const run_options& options,
                                                        const std::optional<rerun_plan>& rerun) {
    std::vector<std::string> commands = options.commands;
    if (std::count_if(options.words.begin(), options.words.end(), has_blank) > 1)
        return report_usage_error(
            "run: the words after the options form one command; give several commands with -c "
            "each (run -r r1 -c 'show version' -c 'show interfaces terse')");
    std::string joined;
    for (const auto& word : options.words) joined += (joined.empty() ? "" : " ") + word;
    if (!joined.empty()) commands.push_back(joined);
    if (commands.empty() && rerun) commands = rerun->commands;
    if (commands.empty())
        return report_usage_error("run: no command given (for example: run -r r1 show version)");
    return commands;
}

// fanoutd's inventory (names and groups); an exit code when fanoutd could not say.
// "02:13:40" (local time) for fanoutd's "2026-12-06T02:13:40.123Z", with the date when it
// is not today; the text as given when it does not parse.
std::string local_time(const std::string& iso_utc) {
    std::tm tm{};
    const char* end = strptime(iso_utc.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) return iso_utc;
    const std::time_t when = timegm(&tm);
    const std::time_t now = std::time(nullptr);
    std::tm local{}, today{};
    localtime_r(&when, &local);
    localtime_r(&now, &today);
    const bool same_day = local.tm_year == today.tm_year && local.tm_yday == today.tm_yday;
    char text[32];
    std::strftime(text, sizeof text, same_day ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &local);
    return text;
}

std::variant<inventory_list, int> fetch_inventory(job_client& client) {
    auto outcome = client.request(protocol::routers_request{});
    if (auto* failure = std::get_if<client_failure>(&outcome))
        return report_client_failure(*failure);
    auto& reply = std::get<protocol::reply>(outcome);
    if (auto* error = std::get_if<protocol::error_reply>(&reply)) return report_error_reply(*error);
    auto* routers = std::get_if<protocol::routers_reply>(&reply);
    if (!routers) return report_unexpected_reply(reply, "routers");
    return std::move(routers->routers);
}

std::variant<std::vector<std::string>, int> select_routers(const run_options& options,
                                                           job_client& client,
                                                           std::optional<inventory_list>& inventory,
                                                           const std::optional<rerun_plan>& rerun) {
    selection_terms terms{options.router_arguments, {}, options.exclude_arguments};
    if (rerun) terms.literal = rerun->routers;  // --failed-from
    if (!options.routers_file.empty()) {
        auto names = read_routers_file(options.routers_file);
        if (auto* error = std::get_if<routers_file_error>(&names))
            return report_usage_error(error->message);
        terms.literal = std::move(std::get<std::vector<std::string>>(names));
    }
    if (terms.include.empty() && terms.literal.empty())
        return report_usage_error(
            "run: no routers given (use -r r1,r2, -r 'r[1-50]', -r all or --routers-file)");
    if (needs_inventory(terms)) {
        auto fetched = fetch_inventory(client);
        if (auto* code = std::get_if<int>(&fetched)) return *code;
        inventory = std::move(std::get<inventory_list>(fetched));
    }
    if (rerun && !terms.exclude.empty()) {
        // --failed-from with -x: leave the excluded ones out here, so that excluding every
        // failed router is "nothing to run", not a usage error.
        auto excluded =
            resolve_selection({terms.exclude, {}, {}}, inventory ? *inventory : inventory_list{});
        if (auto* error = std::get_if<selection_error>(&excluded))
            return report_usage_error("run: " + error->message);
        const auto& out = std::get<std::vector<std::string>>(excluded);
        std::erase_if(terms.literal, [&](const std::string& name) {
            return std::find(out.begin(), out.end(), name) != out.end();
        });
        terms.exclude.clear();
        if (terms.literal.empty()) {
            std::fprintf(stderr,
                         "fanoutctl: job %s: -x leaves none of its failed routers; "
                         "nothing to run\n",
                         options.failed_from.c_str());
            return static_cast<int>(exit_ok);
        }
    }
    auto resolved = resolve_selection(terms, inventory ? *inventory : inventory_list{});
    if (auto* error = std::get_if<selection_error>(&resolved))
        return report_usage_error("run: " + error->message);
    auto& names = std::get<std::vector<std::string>>(resolved);
    if (names.empty()) return report_usage_error("run: fanoutd's inventory has no routers");
    return std::move(names);
}

// After unknown_routers: the inventory names closest to each unknown one, on stderr.
void suggest_known_names(const protocol::error_reply& error, job_client& client,
                         std::optional<inventory_list>& inventory) {
    if (error.code != protocol::error_code::unknown_routers || error.routers.empty()) return;
    if (!inventory) {
        auto outcome = client.request(protocol::routers_request{});
        auto* reply = std::get_if<protocol::reply>(&outcome);
        auto* routers = reply ? std::get_if<protocol::routers_reply>(reply) : nullptr;
        if (!routers) return;
        inventory = std::move(routers->routers);
    }
    std::vector<std::string> known;
    for (const auto& r : *inventory) known.push_back(r.name);
    std::fputs(format_suggestions(error.routers, known).c_str(), stderr);
}

// An earlier submit's job: ended ("already ran at"), or still queued or running ("already
// submitted at ...; still running, following it"), as its status says.
void print_resubmit_notice(job_client& asker, const std::string& job_id, const std::string& at) {
    auto outcome = request_job_owner(asker, protocol::status_request{job_id});
    const auto* reply = std::get_if<protocol::reply>(&outcome);
    const auto* status = reply ? std::get_if<protocol::status_reply>(reply) : nullptr;
    const bool active = status && (status->state == protocol::job_state::queued ||
                                   status->state == protocol::job_state::running);
    if (active)
        std::fprintf(stderr,
                     "fanoutctl: job %s: already submitted at %s; still running, following it "
                     "(use a new --job-id to run again)\n",
                     job_id.c_str(), at.c_str());
    else
        std::fprintf(stderr,
                     "fanoutctl: job %s: already ran at %s; showing its results (use a new "
                     "--job-id to run again)\n",
                     job_id.c_str(), at.c_str());
}

std::size_t longest(const std::vector<std::string>& names) {
    std::size_t width = 0;
    for (const auto& n : names) width = std::max(width, n.size());
    return width;
}

}  // namespace

int run_command(const global_options& global, const run_options& options) {
    if (auto conflict = output_conflict(options.output, global.json); !conflict.empty())
        return report_usage_error("run: " + conflict);
    if (!options.output.out_dir.empty())
        if (auto problem = prepare_out_dir(options.output.out_dir); !problem.empty())
            return report_usage_error(problem);
    // --failed-from JOB: JOB's failed and cancelled routers, and its commands unless given.
    std::optional<rerun_plan> rerun;
    if (!options.failed_from.empty()) {
        if (!options.router_arguments.empty() || !options.routers_file.empty())
            return report_usage_error(
                "run: --failed-from chooses the routers; it does not combine with -r or "
                "--routers-file (use -x to leave some out)");
        auto job = fetch_ended_job(global, options.failed_from, "run --failed-from");
        if (auto* code = std::get_if<int>(&job)) return *code;
        rerun = rerun_of(std::get<protocol::job_result>(job));
        if (rerun->routers.empty()) {
            std::fprintf(stderr,
                         "fanoutctl: job %s: no router failed or was cancelled; nothing "
                         "to run\n",
                         options.failed_from.c_str());
            return exit_ok;
        }
    }
    auto commands_or_code = commands_of(options, rerun);
    if (auto* code = std::get_if<int>(&commands_or_code)) return *code;
    const auto commands = std::move(std::get<std::vector<std::string>>(commands_or_code));

    const std::string job_id = options.job_id.empty() ? generate_job_id() : options.job_id;
    if (!protocol::is_valid_job_id(job_id)) {
        return report_usage_error(
            "run: --job-id must be 1-64 characters of [A-Za-z0-9_:-] (no dot)");
    }

    job_client client(global.jobs_endpoint, global.reply_timeout(request_kind::change),
                      global.curve, global.retries_for(request_kind::change));
    std::optional<inventory_list> inventory;
    auto selected = select_routers(options, client, inventory, rerun);
    if (auto* code = std::get_if<int>(&selected)) return *code;
    const auto routers = std::move(std::get<std::vector<std::string>>(selected));

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
    submit.routers = routers;
    submit.timeout = options.timeout;
    submit.deadline = options.deadline;  // issue 13
    submit.wait = false;
    submit.format =
        protocol::output_format_from(options.format).value_or(protocol::output_format::text);
    if (!options.requested_by.empty()) submit.requested_by = options.requested_by;  // issue 14
    submit.controls = options.controls;  // --max-parallel, --canary, stop rules
    auto outcome = client.request(submit);
    if (auto* failure = std::get_if<client_failure>(&outcome))
        return report_client_failure(*failure);
    auto& reply = std::get<protocol::reply>(outcome);
    if (auto* error = std::get_if<protocol::error_reply>(&reply)) {
        const int code = report_error_reply(*error);
        suggest_known_names(*error, client, inventory);
        return code;
    }
    auto* accepted = std::get_if<protocol::accepted_reply>(&reply);
    if (!accepted) return report_unexpected_reply(reply, "accepted");
    // fanoutd answered with a job it already had. After a resend of ours that is our own
    // first attempt's job; answered the first time, it is an earlier submit's (see below).
    const bool earlier_submit = !accepted->first_accepted_at.empty() && client.attempts() == 1;

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
        owner.emplace(accepted->control_endpoint, global.reply_timeout(request_kind::change),
                      std::nullopt, global.retries_for(request_kind::change));
    const auto total = accepted->total;
    if (earlier_submit)
        print_resubmit_notice(owner ? *owner : client, accepted->job_id,
                              local_time(accepted->first_accepted_at));

    if (!global.json) {
        std::printf("job %s accepted: %zu router%s x %zu command%s\n", accepted->job_id.c_str(),
                    routers.size(), routers.size() == 1 ? "" : "s", commands.size(),
                    commands.size() == 1 ? "" : "s");
        std::fflush(stdout);
    }

    install_interrupt_handler();
    progress_line progress(!options.no_progress && stderr_is_terminal());
    const result_style style{longest(routers), options.output.brief, commands.size() > 1};
    result_printer printer(global.json, options.output, style, progress);
    auto streamed =
        stream_job(owner ? *owner : client, *sub, job_id, total,
                   job_shape{routers, commands.size(), options.controls}, printer, progress);
    if (auto* code = std::get_if<int>(&streamed)) return *code;
    const auto& job = std::get<protocol::job_result>(streamed);
    return finish_job(printer, job);
}

}  // namespace fanout::ctl
