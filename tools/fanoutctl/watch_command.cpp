// `fanoutctl watch`: every result of every job, one line each, until Ctrl-C (jobs_commands.hpp).
#include <cinttypes>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>

#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/exit_codes.hpp"
#include "tools/fanoutctl/jobs_commands.hpp"
#include "tools/fanoutctl/render_jobs.hpp"
#include "tools/fanoutctl/subscriber.hpp"
#include "tools/fanoutctl/terminal.hpp"
#include "tools/fanoutctl/text_lines.hpp"

namespace fanout::ctl {
namespace {

void write_stdout(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);  // line by line, also into a pipe (`watch | grep FAILED`)
}

}  // namespace

int watch_command(const global_options& global) {
    std::optional<result_subscriber> sub;
    try {
        sub.emplace(global.results_endpoint, "", global.curve);  // "": every job
    } catch (const std::runtime_error& e) {
        return report_client_failure({e.what()});
    }
    install_interrupt_handler();
    // seq is per daemon: behind fanout-proxy, each node numbers its own.
    std::map<std::string, std::uint64_t, std::less<>> last_seq;
    while (interrupt_count() == 0) {
        auto message = sub->receive(std::chrono::milliseconds(500));
        if (!message) continue;
        if (auto* r = std::get_if<protocol::router_result>(&*message)) {
            auto& last = last_seq[r->node];
            if (last != 0 && r->seq > last + 1)
                std::fprintf(stderr,
                             "fanoutctl: missed results %" PRIu64 "..%" PRIu64
                             "%s%s (fanoutctl replay --since %" PRIu64 " shows them)\n",
                             last + 1, r->seq - 1, r->node.empty() ? "" : " of ",
                             terminal_safe(r->node).c_str(), last);
            last = std::max(last, r->seq);
            write_stdout(global.json ? json_line(to_json(*r)) : format_watch_line(*r));
        } else {
            const auto& job = std::get<protocol::job_result>(*message);
            write_stdout(global.json ? json_line(job_end_json(job)) : format_job_end_line(job));
        }
    }
    return exit_ok;
}

}  // namespace fanout::ctl
