#include "tools/fanoutctl/render_jobs.hpp"

#include <ctime>

#include "tools/fanoutctl/render_text.hpp"
#include "tools/fanoutctl/text_lines.hpp"
#include "tools/fanoutctl/text_table.hpp"

namespace fanout::ctl {

std::string local_time_of(const std::string& iso_utc) {
    std::tm tm{};
    const char* end = strptime(iso_utc.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) return terminal_safe(iso_utc);
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

std::string job_state_label(protocol::job_state state, const std::string& stopped_by) {
    const std::string word(protocol::to_string(state));
    if (stopped_by.empty()) return word;
    const bool ended =
        state == protocol::job_state::done || state == protocol::job_state::cancelled;
    return (ended ? "stopped (" : word + ", stopping (") + terminal_safe(stopped_by) + ")";
}

std::vector<std::string> job_row(const protocol::job_entry& j) {
    std::string command = terminal_safe(j.command);
    if (j.command_count > 1) command += " (+" + std::to_string(j.command_count - 1) + " more)";
    return {terminal_safe(j.job_id),
            job_state_label(j.state, j.stopped_by),
            local_time_of(j.submitted_at),
            std::to_string(j.total_routers),
            std::to_string(j.completed) + "/" + std::to_string(j.total),
            std::to_string(j.failed),
            std::to_string(j.cancelled),
            command};
}

std::string format_jobs_table(const protocol::jobs_reply& reply) {
    if (reply.jobs.empty()) return "no jobs\n";
    text_table table({false, false, false, true, true, true, true, false});
    table.add_row(
        {"JOB", "STATE", "SUBMITTED", "ROUTERS", "DONE", "FAILED", "CANCELLED", "COMMAND"});
    for (const auto& j : reply.jobs) table.add_row(job_row(j));
    std::string text = table.render();
    if (reply.more)
        text += "(the newest " + std::to_string(reply.jobs.size()) + " of " +
                std::to_string(reply.matched) + " jobs; --limit shows more, up to 1000)\n";
    return text;
}

ordered_json job_entry_json(const protocol::job_entry& j) {
    ordered_json entry{{"job_id", j.job_id},
                       {"state", protocol::to_string(j.state)},
                       {"submitted_at", j.submitted_at},
                       {"command", j.command},
                       {"command_count", j.command_count},
                       {"total_routers", j.total_routers},
                       {"total", j.total},
                       {"completed", j.completed},
                       {"successful", j.successful},
                       {"failed", j.failed},
                       {"cancelled", j.cancelled}};
    // The optional fields, when fanoutd sent them.
    if (!j.submitted_by.empty()) entry["submitted_by"] = j.submitted_by;
    if (!j.requested_by.empty()) entry["requested_by"] = j.requested_by;
    if (!j.stopped_by.empty()) entry["stopped_by"] = j.stopped_by;
    if (j.deadline) entry["deadline"] = *j.deadline;
    return entry;
}

ordered_json jobs_to_json(const protocol::jobs_reply& reply) {
    ordered_json out{{"type", "jobs"}, {"matched", reply.matched}, {"more", reply.more}};
    out["jobs"] = ordered_json::array();
    for (const auto& j : reply.jobs) out["jobs"].push_back(job_entry_json(j));
    return out;
}

std::string format_watch_line(const protocol::router_result& r) {
    // As `replay --brief`: the command is named, since jobs differ line to line.
    return "#" + std::to_string(r.seq) + " " + terminal_safe(r.job_id) + "  " +
           format_router_result(r, result_style{0, true, true});
}

std::string format_job_end_line(const protocol::job_result& job) {
    const auto& s = job.summary;
    return "job " + terminal_safe(job.job_id) + " " + std::string(protocol::to_string(job.state)) +
           " in " + format_seconds(s.total_duration) +
           (job.stopped_by.empty() ? "" : ", stopped by " + terminal_safe(job.stopped_by)) + ": " +
           std::to_string(s.total_routers) + " routers, " + std::to_string(s.successful) + " ok, " +
           std::to_string(s.failed) + " failed, " + std::to_string(s.cancelled) +
           " cancelled results\n";
}

ordered_json job_end_json(const protocol::job_result& job) {
    auto j = to_json(job);
    j.erase("results");  // each was its own router_result line before
    return j;
}

}  // namespace fanout::ctl
