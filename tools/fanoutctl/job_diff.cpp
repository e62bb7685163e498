#include "tools/fanoutctl/job_diff.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "tools/fanoutctl/node_set.hpp"
#include "tools/fanoutctl/render_text.hpp"
#include "tools/fanoutctl/text_lines.hpp"

namespace fanout::ctl {
namespace {

using protocol::router_result;
using protocol::router_status;

const std::string rule(16, '-');

bool answered(const router_result& r) {
    return r.status == router_status::success ||
           (r.status == router_status::failed &&
            (!r.error || r.error->kind == protocol::error_kind::exit_status));
}

std::string state_of(const router_result* r) {
    if (!r) return "absent";
    std::string state(status_word(r->status));
    if (r->status != router_status::success && r->error)  // failed, or cancelled with a reason
        state += " (" + std::string(protocol::to_string(r->error->kind)) + ": " +
                 r->error->message + ")";
    return state;
}

std::string text_of(const router_result* r) {
    if (!r || !answered(*r)) return {};
    std::string text = r->output;
    if (!text.empty() && text.back() != '\n') text += '\n';
    for (auto line : split_lines(r->stderr_output)) text += "stderr: " + std::string(line) + '\n';
    if (r->truncated) text += "[output truncated]\n";
    return text;
}

// Router name -> command index -> result; names in job order.
struct indexed_job {
    std::vector<std::string> names;
    std::map<std::string, std::map<std::uint32_t, const router_result*>> by_router;
    explicit indexed_job(const protocol::job_result& job) {
        for (const auto& r : job.results) {
            auto [it, added] = by_router.try_emplace(r.router_name);
            if (added) names.push_back(r.router_name);
            it->second[r.command_index] = &r;
        }
    }
};

const router_result* find(const std::map<std::uint32_t, const router_result*>& results,
                          std::uint32_t index) {
    auto it = results.find(index);
    return it == results.end() ? nullptr : it->second;
}

std::string command_at(const protocol::job_result& job, std::uint32_t index) {
    return index < job.summary.commands.size() ? job.summary.commands[index] : "";
}

}  // namespace

job_diff diff_jobs(const protocol::job_result& a, const protocol::job_result& b,
                   const diff_limits& limits) {
    const indexed_job ia(a), ib(b);
    job_diff out;
    out.commands_differ = a.summary.commands != b.summary.commands;
    using key = std::tuple<std::uint32_t, std::string, std::string, std::string>;
    std::map<key, std::size_t> index;
    for (const auto& name : ib.names) {
        auto in_a = ia.by_router.find(name);
        if (in_a == ia.by_router.end()) {
            out.only_in_b.push_back(name);
            continue;
        }
        const auto& b_results = ib.by_router.at(name);
        std::set<std::uint32_t> commands;
        for (const auto& [i, r] : in_a->second) commands.insert(i);
        for (const auto& [i, r] : b_results) commands.insert(i);
        bool same = true;
        for (auto i : commands) {
            const auto *ra = find(in_a->second, i), *rb = find(b_results, i);
            const auto before = state_of(ra), after = state_of(rb);
            const auto text_a = text_of(ra), text_b = text_of(rb);
            if (before == after && text_a == text_b) continue;
            same = false;
            std::string diff;
            if (text_a != text_b) {
                diff = unified_diff(split_lines(text_a), split_lines(text_b), 3, limits);
                if (diff.empty()) diff = "outputs differ only in line endings\n";
            }
            auto [it, added] = index.emplace(key{i, before, after, diff}, out.changed.size());
            if (added) {
                const auto command = command_at(b, i);
                out.changed.push_back({{},
                                       i,
                                       command.empty() ? command_at(a, i) : command,
                                       before,
                                       after,
                                       std::move(diff)});
            }
            out.changed[it->second].routers.push_back(name);
        }
        if (same) out.unchanged.push_back(name);
    }
    for (const auto& name : ia.names)
        if (!ib.by_router.count(name)) out.only_in_a.push_back(name);
    std::stable_sort(out.changed.begin(), out.changed.end(), [](const auto& x, const auto& y) {
        return std::make_tuple(x.command_index, -static_cast<long long>(x.routers.size())) <
               std::make_tuple(y.command_index, -static_cast<long long>(y.routers.size()));
    });
    return out;
}

std::string format_job_diff(const job_diff& diff, const std::string& a_id,
                            const std::string& b_id) {
    const auto listed = [](const std::vector<std::string>& names) {
        return terminal_safe(fold_node_set(names)) + " (" + std::to_string(names.size()) + ")";
    };
    std::string out = "--- job " + terminal_safe(a_id) + "\n+++ job " + terminal_safe(b_id) + "\n";
    for (const auto& group : diff.changed) {
        std::string header = listed(group.routers);
        header += "  [" + terminal_safe(group.command) + "]";
        if (group.before != group.after)
            header += "  " + terminal_safe(group.before) + " -> " + terminal_safe(group.after);
        else
            header += "  output changed";
        out += rule + '\n' + header + '\n' + rule + '\n';
        for (auto line : split_lines(group.diff)) out += terminal_safe(line) + '\n';
    }
    if (!diff.only_in_a.empty())
        out += "only in " + terminal_safe(a_id) + ": " + listed(diff.only_in_a) + '\n';
    if (!diff.only_in_b.empty())
        out += "only in " + terminal_safe(b_id) + ": " + listed(diff.only_in_b) + '\n';
    if (!diff.unchanged.empty()) out += "unchanged: " + listed(diff.unchanged) + '\n';
    std::size_t changed_routers = 0;
    std::set<std::string> seen;
    for (const auto& group : diff.changed)
        for (const auto& name : group.routers) changed_routers += seen.insert(name).second;
    out += std::to_string(changed_routers) + " changed, " + std::to_string(diff.unchanged.size()) +
           " unchanged, " + std::to_string(diff.only_in_a.size()) + " only in " +
           terminal_safe(a_id) + ", " + std::to_string(diff.only_in_b.size()) + " only in " +
           terminal_safe(b_id) + "\n";
    if (diff.commands_differ) out += "note: the two jobs ran different commands\n";
    return out;
}

}  // namespace fanout::ctl
