// The summary half of render_text.hpp: why a result failed, router counts, the summary and
// failed-routers tables.
#include <cctype>
#include <map>
#include <set>

#include "tools/fanoutctl/render_text.hpp"
#include "tools/fanoutctl/text_lines.hpp"
#include "tools/fanoutctl/text_table.hpp"

namespace fanout::ctl {
namespace {

using protocol::router_status;

bool mentions_error(std::string_view line) {
    std::string lower(line);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower.find("error") != std::string::npos;
}

// The router's own complaint: the first line that says "error" (stderr first), else the first
// line of stderr, else of stdout.
std::string router_error_line(const protocol::router_result& r) {
    for (const auto text : {std::string_view(r.stderr_output), std::string_view(r.output)})
        for (const auto line : lines_of(text))
            if (mentions_error(line)) return terminal_safe(line);
    const auto err = first_line(r.stderr_output);
    return err.empty() ? first_line(r.output) : err;
}

std::string commands_label(const protocol::job_summary& summary) {
    return summary.commands.size() == 1 ? "command" : "commands";
}

}  // namespace

std::string failure_message(const protocol::router_result& r) {
    std::string message = r.error ? first_line(r.error->message) : std::string();
    if (message.empty() && r.status == router_status::failed && r.exit_status)
        message = "exit status " + std::to_string(*r.exit_status);
    const bool router_answered =
        r.status == router_status::failed &&
        (r.error ? r.error->kind == protocol::error_kind::exit_status : r.exit_status.has_value());
    if (!router_answered) return message;
    const auto own = router_error_line(r);
    if (own.empty()) return message;
    return message.empty() ? own : message + ": " + own;
}

router_counts count_routers(const protocol::job_result& job) {
    // A router's outcome is its worst result: failed, else cancelled, else ok.
    std::map<std::string_view, router_status> worst;
    for (const auto& r : job.results) {
        auto [it, added] = worst.emplace(r.router_name, r.status);
        if (added || it->second == router_status::failed) continue;
        if (r.status != router_status::success) it->second = r.status;
    }
    router_counts counts;
    for (const auto& [name, status] : worst) {
        if (status == router_status::success) ++counts.ok;
        if (status == router_status::failed) ++counts.failed;
        if (status == router_status::cancelled) ++counts.cancelled;
    }
    return counts;
}

std::string format_job_summary(const protocol::job_result& job) {
    const auto& s = job.summary;
    std::vector<std::string> commands;
    for (const auto& c : s.commands) commands.push_back(terminal_safe(c));
    const auto routers = count_routers(job);
    const auto breakdown = [](std::uint64_t total, std::uint64_t ok, std::uint64_t failed,
                              std::uint64_t cancelled) {
        return std::to_string(total) + " (" + std::to_string(ok) + " ok, " +
               std::to_string(failed) + " failed, " + std::to_string(cancelled) + " cancelled)";
    };
    text_table table;
    table.add_row({commands_label(s), join(commands, "; ")});
    table.add_row(
        {"routers", breakdown(s.total_routers, routers.ok, routers.failed, routers.cancelled)});
    table.add_row({"results", breakdown(s.total, s.successful, s.failed, s.cancelled)});
    table.add_row({"duration", format_seconds(s.total_duration)});
    if (s.deadline) table.add_row({"deadline", format_deadline(*s.deadline)});  // issue 13
    if (!job.stopped_by.empty())  // execution controls: why routers never started
        table.add_row({"stopped by", "its rule " + terminal_safe(job.stopped_by)});
    return "job " + terminal_safe(job.job_id) + "  " + std::string(protocol::to_string(job.state)) +
           '\n' + table.render("  ");
}

std::string format_failed_table(const protocol::job_result& job) {
    const bool show_command = job.summary.commands.size() > 1;
    text_table table;
    std::vector<std::string> heading = {"ROUTER", "ERROR", "MESSAGE"};
    if (show_command) heading.insert(heading.begin() + 1, "COMMAND");
    table.add_row(heading);
    // One row per router, for its first failed command; the heading counts both.
    std::set<std::string_view> routers;
    std::size_t results = 0;
    for (const auto& r : job.results) {
        if (r.status != router_status::failed) continue;
        ++results;
        if (!routers.insert(r.router_name).second) continue;
        std::string kind = r.error ? std::string(protocol::to_string(r.error->kind)) : "-";
        std::vector<std::string> row = {terminal_safe(r.router_name), kind, failure_message(r)};
        if (show_command) row.insert(row.begin() + 1, terminal_safe(r.command));
        table.add_row(row);
    }
    if (routers.empty()) return {};
    std::string heading_line = "failed routers (" + std::to_string(routers.size());
    if (results != routers.size()) heading_line += ", " + std::to_string(results) + " results";
    return heading_line + "):\n" + table.render("  ");
}

}  // namespace fanout::ctl
