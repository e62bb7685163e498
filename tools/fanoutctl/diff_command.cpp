// `fanoutctl diff JOB_A JOB_B`: both jobs' results (`result`, from their owners), compared
// router by router (job_diff.hpp). Exit 0 when nothing changed, 1 when something did (as
// diff(1)), 2 and 3 as every command (a job unknown or not ended: 2).
#include <cstdio>
#include <string>

#include "tools/fanoutctl/commands.hpp"
#include "tools/fanoutctl/exit_codes.hpp"
#include "tools/fanoutctl/job_diff.hpp"
#include "tools/fanoutctl/job_query.hpp"
#include "tools/fanoutctl/node_set.hpp"
#include "tools/fanoutctl/render_json.hpp"

namespace fanout::ctl {
namespace {

ordered_json names_json(const std::vector<std::string>& names) {
    ordered_json out = ordered_json::array();
    for (const auto& n : names) out.push_back(n);
    return out;
}

ordered_json to_json(const job_diff& diff, const std::string& a_id, const std::string& b_id) {
    ordered_json out;
    out["type"] = "diff";
    out["job_a"] = a_id;
    out["job_b"] = b_id;
    out["changed"] = diff.any_change();
    out["commands_differ"] = diff.commands_differ;
    ordered_json groups = ordered_json::array();
    for (const auto& g : diff.changed) {
        ordered_json group;
        group["node_set"] = fold_node_set(g.routers);
        group["routers"] = names_json(g.routers);
        group["command_index"] = g.command_index;
        group["command"] = g.command;
        group["before"] = g.before;
        group["after"] = g.after;
        group["diff"] = g.diff;
        groups.push_back(std::move(group));
    }
    out["groups"] = std::move(groups);
    out["only_in_a"] = names_json(diff.only_in_a);
    out["only_in_b"] = names_json(diff.only_in_b);
    out["unchanged"] = names_json(diff.unchanged);
    return out;
}

}  // namespace

int diff_command(const global_options& global, const diff_options& options) {
    auto a = fetch_ended_job(global, options.job_a, "diff");
    if (auto* code = std::get_if<int>(&a)) return *code;
    auto b = fetch_ended_job(global, options.job_b, "diff");
    if (auto* code = std::get_if<int>(&b)) return *code;
    const auto diff =
        diff_jobs(std::get<protocol::job_result>(a), std::get<protocol::job_result>(b));
    const std::string text = global.json ? json_line(to_json(diff, options.job_a, options.job_b))
                                         : format_job_diff(diff, options.job_a, options.job_b);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return diff.any_change() ? exit_router_failures : exit_ok;
}

}  // namespace fanout::ctl
