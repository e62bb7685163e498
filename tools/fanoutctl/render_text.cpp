#include "tools/fanoutctl/render_text.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "tools/fanoutctl/text_lines.hpp"
#include "tools/fanoutctl/text_table.hpp"

namespace fanout::ctl {
namespace {

using protocol::router_status;

constexpr std::size_t status_width = 9;    // "cancelled"
constexpr std::size_t duration_width = 8;  // "  0.532s"
const std::string body_indent = "    ";

std::string pad_right(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

std::string pad_left(std::string s, std::size_t width) {
    if (s.size() < width) s.insert(0, width - s.size(), ' ');
    return s;
}

std::string error_detail(const protocol::router_result& r) {
    const auto message = failure_message(r);
    if (r.error) return std::string(protocol::to_string(r.error->kind)) + ": " + message;
    return message;
}

}  // namespace

std::string format_seconds(double seconds) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.3fs", seconds);
    return buffer;
}

std::string format_deadline(double seconds) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%gs per router", seconds);
    return buffer;
}

std::string_view status_word(router_status status) {
    switch (status) {
        case router_status::success:
            return "ok";
        case router_status::failed:
            return "FAILED";
        case router_status::cancelled:
            return "cancelled";
    }
    return "?";
}

std::string first_line(std::string_view text) {
    const auto lines = lines_of(text);
    return lines.empty() ? std::string() : terminal_safe(lines.front());
}

std::string format_router_result(const protocol::router_result& r, const result_style& style) {
    std::vector<std::string> details;
    if (style.show_command) details.push_back("[" + terminal_safe(r.command) + "]");
    if (r.status == router_status::success) {
        if (style.brief) details.push_back(first_line(r.output));
    } else {
        details.push_back(error_detail(r));
    }
    if (r.truncated) details.push_back("[output truncated]");
    std::erase_if(details, [](const std::string& d) { return d.empty(); });

    std::string header = pad_right(terminal_safe(r.router_name), style.name_width) + "  " +
                         pad_right(std::string(status_word(r.status)), status_width) + "  " +
                         pad_left(format_seconds(r.execution_duration), duration_width);
    if (!details.empty()) header += "  " + join(details, "  ");
    std::string out = std::string(trim_right(header)) + '\n';
    if (style.brief) return out;

    for (const auto line : lines_of(r.output)) out += body_indent + terminal_safe(line) + '\n';
    for (const auto line : lines_of(r.stderr_output)) {
        out += body_indent + "stderr: " + terminal_safe(line) + '\n';
    }
    return out;
}

std::string format_progress(const progress_counts& counts, double elapsed_seconds) {
    const std::string total = std::to_string(counts.total);
    std::string line = "[" + pad_left(std::to_string(counts.done), total.size()) + "/" + total +
                       " done, " + std::to_string(counts.failed) + " failed";
    if (counts.cancelled > 0) line += ", " + std::to_string(counts.cancelled) + " cancelled";
    char elapsed[64];
    std::snprintf(elapsed, sizeof elapsed, ", %.1fs elapsed]", elapsed_seconds);
    return line + elapsed;
}

std::string format_waiting(const std::vector<std::string>& names, std::size_t pending) {
    if (pending == 0 || pending > most_waiting_shown || names.empty()) return "";
    constexpr std::size_t named = 5;
    std::string line = " waiting:";
    for (std::size_t i = 0; i < names.size() && i < named; ++i)
        line += (i ? ", " : " ") + terminal_safe(names[i]);
    if (pending > std::min(names.size(), named))
        line += " +" + std::to_string(pending - std::min(names.size(), named)) + " more";
    return line;
}

std::string format_status(const protocol::status_reply& status) {
    text_table table;
    table.add_row({"total", std::to_string(status.total)});
    table.add_row({"completed", std::to_string(status.completed)});
    table.add_row({"successful", std::to_string(status.successful)});
    table.add_row({"failed", std::to_string(status.failed)});
    // The reply has no cancelled count: every completed result that is neither ok nor failed.
    const auto settled = status.successful + status.failed;
    if (status.completed > settled || status.state == protocol::job_state::cancelled)
        table.add_row(
            {"cancelled", std::to_string(status.completed - std::min(status.completed, settled))});
    if (!status.node.empty()) table.add_row({"node", terminal_safe(status.node)});
    if (!status.submitted_by.empty())  // audit (issue 14)
        table.add_row({"submitted by", terminal_safe(status.submitted_by)});
    if (!status.requested_by.empty())
        table.add_row({"requested by", terminal_safe(status.requested_by)});
    if (status.running) table.add_row({"running", std::to_string(*status.running)});
    if (status.deadline) table.add_row({"deadline", format_deadline(*status.deadline)});
    if (!status.stopped_by.empty())
        table.add_row({"stopped by", "its rule " + terminal_safe(status.stopped_by)});
    return "job " + terminal_safe(status.job_id) + "  " +
           std::string(protocol::to_string(status.state)) + '\n' + table.render("  ");
}

std::string format_routers_table(const protocol::routers_reply& routers) {
    const bool groups = std::any_of(routers.routers.begin(), routers.routers.end(),
                                    [](const auto& r) { return !r.groups.empty(); });
    text_table table({false, false, true, false, false});
    std::vector<std::string> heading = {"NAME", "IP", "PORT", "USERNAME"};
    if (groups) heading.push_back("GROUPS");
    table.add_row(heading);
    for (const auto& r : routers.routers) {
        std::vector<std::string> row = {terminal_safe(r.name), terminal_safe(r.ip),
                                        std::to_string(r.port), terminal_safe(r.username)};
        if (groups) row.push_back(terminal_safe(join(r.groups, ",")));
        table.add_row(row);
    }
    const auto count = routers.routers.size();
    return table.render() + "(" + std::to_string(count) +
           (count == 1 ? " router)\n" : " routers)\n");
}

std::string format_pong(const protocol::pong_reply& pong) {
    char uptime[64];
    std::snprintf(uptime, sizeof uptime, "%.1fs", pong.uptime);
    text_table table;
    table.add_row({"version", terminal_safe(pong.version)});
    table.add_row({"workers", std::to_string(pong.workers)});
    table.add_row({"busy_workers", std::to_string(pong.busy_workers)});
    table.add_row({"queued_jobs", std::to_string(pong.queued_jobs)});
    table.add_row({"running_jobs", std::to_string(pong.running_jobs)});
    table.add_row({"uptime", uptime});
    if (!pong.node.empty()) table.add_row({"node", terminal_safe(pong.node)});
    if (!pong.control_endpoint.empty())
        table.add_row({"control_endpoint", terminal_safe(pong.control_endpoint)});
    if (const auto& s = pong.sessions) {
        table.add_row(
            {"sessions",
             std::to_string(s->open) + " open, " + std::to_string(s->idle) + " idle, " +
                 std::to_string(s->hits) + " hits, " + std::to_string(s->misses) + " misses, " +
                 std::to_string(s->dropped) + " dropped, " + std::to_string(s->evicted) +
                 " evicted, " + std::to_string(s->expired) + " expired" +
                 (s->reopened ? ", " + std::to_string(*s->reopened) + " reopened after eviction"
                              : std::string())});
    }
    if (const auto& b = pong.bastions; b && (b->opened || b->failed)) {
        table.add_row(
            {"bastions", std::to_string(b->sessions) + " sessions, " + std::to_string(b->channels) +
                             " channels, " + std::to_string(b->opened) + " opened, " +
                             std::to_string(b->failed) + " failed, " + std::to_string(b->dropped) +
                             " dropped, " + std::to_string(b->expired) + " expired, " +
                             std::to_string(b->memo_failures) + " failed at once"});
    }
    return "fanoutd is up\n" + table.render("  ");
}

std::string format_error_reply(const protocol::error_reply& error) {
    std::string out = "error " + std::string(protocol::to_string(error.code)) + ": " +
                      terminal_safe(error.message) + '\n';
    if (error.job_id) out += "  job_id: " + terminal_safe(*error.job_id) + '\n';
    if (!error.routers.empty()) {
        std::vector<std::string> names;
        for (const auto& n : error.routers) names.push_back(terminal_safe(n));
        out += "  routers (" + std::to_string(names.size()) + "): " + join(names, ", ") + '\n';
    }
    return out;
}

}  // namespace fanout::ctl
