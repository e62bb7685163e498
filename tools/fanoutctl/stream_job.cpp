#include "tools/fanoutctl/stream_job.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/controls_progress.hpp"
#include "tools/fanoutctl/render_text.hpp"
#include "tools/fanoutctl/result_tracker.hpp"
#include "tools/fanoutctl/text_lines.hpp"

namespace fanout::ctl {
namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The first polls come quickly (a short job may end before the SUB has joined), then settle
// at one a second; once every result was seen the end is near, so poll faster again.
constexpr milliseconds first_poll_interval{100};
constexpr milliseconds result_poll_interval{1000};
constexpr milliseconds final_poll_interval{100};
constexpr milliseconds redraw_interval{100};
// How many pending routers the first Ctrl-C names.
constexpr std::size_t most_pending_printed = 50;

// Any of its results published without output (output_withheld).
bool withheld(const protocol::job_result& job) {
    for (const auto& r : job.results)
        if (r.output_withheld) return true;
    return false;
}

}  // namespace

std::variant<protocol::job_result, int> stream_job(job_client& client, result_subscriber& sub,
                                                   const std::string& job_id, std::uint64_t total,
                                                   const job_shape& shape, result_printer& printer,
                                                   progress_line& progress) {
    result_tracker tracker(total);
    tracker.expect_routers(shape.routers, shape.commands);
    const auto started = clock::now();
    auto poll_interval = first_poll_interval;
    auto next_poll = started + poll_interval;
    bool cancel_sent = false;
    std::optional<protocol::job_result> final_result;
    controls_view controls{shape.controls, std::nullopt, "", {}};  // execution controls

    const auto show_progress = [&] {
        const double elapsed = std::chrono::duration<double>(clock::now() - started).count();
        std::size_t pending = 0;
        const auto names = tracker.pending(most_waiting_shown, pending);
        if (shape.controls.canary) controls.canary = tracker.canary(*shape.controls.canary);
        progress.show(format_progress(tracker.counts(), elapsed) + format_controls(controls) +
                      format_waiting(names, pending));
    };

    while (!final_result) {
        if (interrupt_count() > 0 && !cancel_sent) {
            cancel_sent = true;
            progress.clear();
            // First what the operator is waiting for: often the reason for the Ctrl-C.
            std::size_t pending = 0;
            const auto names = tracker.pending(most_pending_printed, pending);
            if (pending > 0) {
                std::string list;
                for (const auto& name : names)
                    list += (list.empty() ? "" : ", ") + terminal_safe(name);
                if (pending > names.size())
                    list += " +" + std::to_string(pending - names.size()) + " more";
                std::fprintf(stderr, "fanoutctl: still waiting for %zu router%s: %s\n", pending,
                             pending == 1 ? "" : "s", list.c_str());
            }
            std::fprintf(stderr,
                         "fanoutctl: cancelling job %s (press Ctrl-C again to quit without "
                         "waiting)\n",
                         job_id.c_str());
            auto outcome = client.request(protocol::cancel_request{job_id});
            if (auto* failure = std::get_if<client_failure>(&outcome)) {
                return report_client_failure(*failure);
            }
            // An error here (e.g. the job just ended) is reported; the result poll decides.
            const auto& reply = std::get<protocol::reply>(outcome);
            if (auto* error = std::get_if<protocol::error_reply>(&reply))
                report_error_reply(*error);
            next_poll = clock::now();
        }

        if (clock::now() >= next_poll) {
            auto outcome = client.request(protocol::result_request{job_id});
            if (auto* failure = std::get_if<client_failure>(&outcome)) {
                progress.clear();
                return report_client_failure(*failure);
            }
            auto& reply = std::get<protocol::reply>(outcome);
            if (auto* job = std::get_if<protocol::job_result>(&reply)) {
                final_result = std::move(*job);
                break;
            }
            if (auto* status = std::get_if<protocol::status_reply>(&reply)) {
                tracker.note_daemon_completed(status->completed);
                controls.running = status->running;
                controls.stopped_by = status->stopped_by;
            } else if (auto* error = std::get_if<protocol::error_reply>(&reply)) {
                progress.clear();
                return report_error_reply(*error);
            } else {
                progress.clear();
                return report_unexpected_reply(reply, "job_result or status");
            }
            next_poll =
                clock::now() + (tracker.all_seen() ? final_poll_interval : result_poll_interval);
        }

        auto wake = next_poll;
        if (progress.enabled()) wake = std::min(wake, clock::now() + redraw_interval);
        // Rounded up: a truncated sub-millisecond wait would spin until `wake`.
        const auto wait = std::chrono::ceil<milliseconds>(wake - clock::now());
        auto message = sub.receive(std::max(wait, milliseconds(0)));
        if (message) {
            // A result published without its output (output_withheld: subscribers held too
            // much) is left for the `result` reply, which has it; so is such an aggregate.
            if (auto* r = std::get_if<protocol::router_result>(&*message)) {
                if (!r->output_withheld && tracker.add(*r)) printer.print(*r);
                if (tracker.all_seen())
                    next_poll = std::min(next_poll, clock::now() + final_poll_interval);
            } else if (!withheld(std::get<protocol::job_result>(*message))) {
                final_result = std::move(std::get<protocol::job_result>(*message));
            } else {
                next_poll = std::min(next_poll, clock::now() + final_poll_interval);
            }
        }
        if (!final_result) show_progress();
    }

    for (const auto& r : tracker.take_unseen(*final_result)) printer.print(r);
    progress.clear();
    return std::move(*final_result);
}

}  // namespace fanout::ctl
