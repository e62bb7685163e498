// `fanoutctl follow JOB`: attach to a running or ended job (jobs_commands.hpp). Its `jobs`,
// `replay` and `result` requests name the job, so behind fanout-proxy each finds the job's
// owner as status/result do (request_job_owner, job_query.hpp).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/exit_codes.hpp"
#include "tools/fanoutctl/job_query.hpp"
#include "tools/fanoutctl/jobs_commands.hpp"
#include "tools/fanoutctl/out_dir.hpp"
#include "tools/fanoutctl/render_text.hpp"
#include "tools/fanoutctl/result_tracker.hpp"
#include "tools/fanoutctl/subscriber.hpp"
#include "tools/fanoutctl/terminal.hpp"

namespace fanout::ctl {
namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// As `run`: quick first polls, then one a second, quick again once every result was seen.
constexpr milliseconds first_poll_interval{100};
constexpr milliseconds result_poll_interval{1000};
constexpr milliseconds final_poll_interval{100};
constexpr milliseconds redraw_interval{100};
constexpr int exit_interrupted = 130;

template <typename T>
using or_exit = std::variant<T, int>;

// The job's `jobs` entry: its state, size and commands; an exit code when fanoutd says no.
or_exit<protocol::job_entry> find_job(job_client& client, const std::string& job_id) {
    protocol::jobs_request request;
    request.job_id = job_id;
    auto outcome = request_job_owner(client, request);
    if (auto* failure = std::get_if<client_failure>(&outcome))
        return report_client_failure(*failure);
    auto& reply = std::get<protocol::reply>(outcome);
    if (auto* error = std::get_if<protocol::error_reply>(&reply)) return report_error_reply(*error);
    auto* list = std::get_if<protocol::jobs_reply>(&reply);
    if (!list) return report_unexpected_reply(reply, "jobs");
    if (list->jobs.empty())
        return report_error_reply(
            {protocol::error_code::not_found, "no job '" + job_id + "'", job_id, {}});
    return list->jobs.front();
}

// Every result fanoutd keeps for the job with seq > since, page by page; advances since.
or_exit<std::vector<protocol::router_result>> replay_after(job_client& client,
                                                           const std::string& job_id,
                                                           std::uint64_t& since) {
    std::vector<protocol::router_result> results;
    protocol::replay_request request{since, std::nullopt, job_id};
    while (true) {
        auto outcome = request_job_owner(client, request);
        if (auto* failure = std::get_if<client_failure>(&outcome))
            return report_client_failure(*failure);
        auto& reply = std::get<protocol::reply>(outcome);
        if (auto* error = std::get_if<protocol::error_reply>(&reply))
            return report_error_reply(*error);
        auto* page = std::get_if<protocol::replay_reply>(&reply);
        if (!page) return report_unexpected_reply(reply, "replay");
        for (auto& r : page->results) results.push_back(std::move(r));
        since = request.since_seq = page->next_seq;
        if (!page->more) return results;
    }
}

bool withheld(const protocol::job_result& job) {
    return std::any_of(job.results.begin(), job.results.end(),
                       [](const auto& r) { return r.output_withheld; });
}

}  // namespace

int follow_command(const global_options& global, const follow_options& options) {
    if (auto conflict = output_conflict(options.output, global.json); !conflict.empty())
        return report_usage_error("follow: " + conflict);
    if (!options.output.out_dir.empty())
        if (auto problem = prepare_out_dir(options.output.out_dir); !problem.empty())
            return report_usage_error(problem);
    job_client client(global.jobs_endpoint, global.reply_timeout(request_kind::read_only),
                      global.curve, global.retries_for(request_kind::read_only));
    // Subscribe first: whatever lands after the replay below is then on the subscription (or,
    // if the subscription is still joining, found by the next replay or the job_result).
    std::optional<result_subscriber> sub;
    try {
        sub.emplace(global.results_endpoint, options.job_id, global.curve);
    } catch (const std::runtime_error& e) {
        return report_client_failure({e.what()});
    }
    auto found = find_job(client, options.job_id);
    if (auto* code = std::get_if<int>(&found)) return *code;
    const auto entry = std::get<protocol::job_entry>(found);
    const bool ended =
        entry.state == protocol::job_state::done || entry.state == protocol::job_state::cancelled;

    // The results so far (an ended job's come with its job_result below).
    std::uint64_t since = 0;
    std::vector<protocol::router_result> so_far;
    if (!ended) {
        auto replayed = replay_after(client, options.job_id, since);
        if (auto* code = std::get_if<int>(&replayed)) return *code;
        so_far = std::move(std::get<std::vector<protocol::router_result>>(replayed));
    }
    if (!global.json) {
        std::printf("job %s %s: %llu router%s x %llu command%s, %llu/%llu results done\n",
                    entry.job_id.c_str(), std::string(protocol::to_string(entry.state)).c_str(),
                    static_cast<unsigned long long>(entry.total_routers),
                    entry.total_routers == 1 ? "" : "s",
                    static_cast<unsigned long long>(entry.command_count),
                    entry.command_count == 1 ? "" : "s",
                    static_cast<unsigned long long>(entry.completed),
                    static_cast<unsigned long long>(entry.total));
        std::fflush(stdout);
    }

    install_interrupt_handler();
    progress_line progress(!options.no_progress && stderr_is_terminal());
    std::size_t name_width = 0;
    for (const auto& r : so_far) name_width = std::max(name_width, r.router_name.size());
    result_printer printer(global.json, options.output,
                           {name_width, options.output.brief, entry.command_count > 1}, progress);
    result_tracker tracker(entry.total);
    std::uint64_t seen = 0;  // results shown (tracker.counts() also follows fanoutd's count)
    const auto show = [&](const protocol::router_result& r) {
        if (!tracker.add(r)) return;  // already shown: by router and command
        ++seen;
        printer.print(r);
    };
    for (const auto& r : so_far) show(r);

    const auto started = clock::now();
    auto next_poll = started + first_poll_interval;
    std::optional<protocol::job_result> final_result;
    while (!final_result) {
        if (interrupt_count() > 0) {
            progress.clear();
            std::fprintf(stderr,
                         "fanoutctl: stopped following job %s; it runs on (follow it again, or "
                         "`fanoutctl cancel %s`)\n",
                         options.job_id.c_str(), options.job_id.c_str());
            return exit_interrupted;
        }
        if (clock::now() >= next_poll) {
            auto outcome = request_job_owner(client, protocol::result_request{options.job_id});
            if (auto* failure = std::get_if<client_failure>(&outcome)) {
                progress.clear();
                return report_client_failure(*failure);
            }
            auto& reply = std::get<protocol::reply>(outcome);
            if (auto* job = std::get_if<protocol::job_result>(&reply)) {
                final_result = std::move(*job);
                break;
            }
            auto* status = std::get_if<protocol::status_reply>(&reply);
            if (!status) {
                progress.clear();
                if (auto* error = std::get_if<protocol::error_reply>(&reply))
                    return report_error_reply(*error);
                return report_unexpected_reply(reply, "job_result or status");
            }
            // fanoutd has results the subscription has not brought (still joining, or its
            // queue overflowed): fetch them now rather than at the end.
            if (status->completed > seen) {
                auto missed = replay_after(client, options.job_id, since);
                if (auto* code = std::get_if<int>(&missed)) {
                    progress.clear();
                    return *code;
                }
                for (const auto& r : std::get<std::vector<protocol::router_result>>(missed))
                    show(r);
            }
            tracker.note_daemon_completed(status->completed);
            next_poll =
                clock::now() + (tracker.all_seen() ? final_poll_interval : result_poll_interval);
        }
        auto wake = next_poll;
        if (progress.enabled()) wake = std::min(wake, clock::now() + redraw_interval);
        const auto wait = std::chrono::ceil<milliseconds>(wake - clock::now());
        auto message = sub->receive(std::max(wait, milliseconds(0)));
        if (message) {
            if (auto* r = std::get_if<protocol::router_result>(&*message)) {
                if (!r->output_withheld) show(*r);
                if (tracker.all_seen())
                    next_poll = std::min(next_poll, clock::now() + final_poll_interval);
            } else if (!withheld(std::get<protocol::job_result>(*message))) {
                final_result = std::move(std::get<protocol::job_result>(*message));
            } else {
                next_poll = std::min(next_poll, clock::now() + final_poll_interval);
            }
        }
        if (!final_result) {
            const double elapsed = std::chrono::duration<double>(clock::now() - started).count();
            progress.show(format_progress(tracker.counts(), elapsed));
        }
    }
    for (const auto& r : final_result->results) show(r);
    progress.clear();
    return finish_job(printer, *final_result);
}

}  // namespace fanout::ctl
