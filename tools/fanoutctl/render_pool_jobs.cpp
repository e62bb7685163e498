#include "tools/fanoutctl/render_pool_jobs.hpp"

#include "tools/fanoutctl/render_jobs.hpp"
#include "tools/fanoutctl/text_lines.hpp"
#include "tools/fanoutctl/text_table.hpp"

namespace fanout::ctl {
namespace {

std::string daemons(std::size_t count) {
    return std::to_string(count) + (count == 1 ? " daemon" : " daemons");
}

}  // namespace

std::string format_pool_jobs_table(const pool_jobs& list) {
    if (list.jobs.empty())
        return "no jobs on the " + daemons(list.nodes.size()) + " that answered\n";
    text_table table({false, false, false, false, true, true, true, true, false});
    table.add_row(
        {"JOB", "NODE", "STATE", "SUBMITTED", "ROUTERS", "DONE", "FAILED", "CANCELLED", "COMMAND"});
    for (const auto& j : list.jobs) {
        auto row = job_row(j.entry);
        row.insert(row.begin() + 1, j.node.empty() ? "?" : terminal_safe(j.node));
        table.add_row(std::move(row));
    }
    std::string text = table.render();
    if (list.more)
        text += "(the newest " + std::to_string(list.jobs.size()) + " of " +
                std::to_string(list.matched) + " jobs on " + daemons(list.nodes.size()) +
                "; --limit shows more, up to 1000)\n";
    return text;
}

ordered_json pool_jobs_to_json(const pool_jobs& list) {
    ordered_json out{{"type", "jobs"},
                     {"matched", list.matched},
                     {"more", list.more},
                     {"nodes", list.nodes},
                     {"complete", list.incomplete.empty()}};
    if (!list.incomplete.empty()) out["incomplete"] = list.incomplete;
    out["jobs"] = ordered_json::array();
    for (const auto& j : list.jobs) {
        auto entry = job_entry_json(j.entry);
        entry["node"] = j.node;
        out["jobs"].push_back(std::move(entry));
    }
    return out;
}

}  // namespace fanout::ctl
