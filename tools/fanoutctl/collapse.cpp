#include "tools/fanoutctl/collapse.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "tools/fanoutctl/node_set.hpp"
#include "tools/fanoutctl/render_text.hpp"
#include "tools/fanoutctl/text_lines.hpp"

namespace fanout::ctl {
namespace {

using protocol::router_result;
using protocol::router_status;

const std::string rule(16, '-');

// What makes two results the same: see the contract in collapse.hpp.
using group_key =
    std::tuple<std::uint32_t, int, std::string, std::string, std::string, std::string, bool>;

bool router_answered(const router_result& r) {
    return r.status == router_status::success ||
           (r.status == router_status::failed &&
            (r.error ? r.error->kind == protocol::error_kind::exit_status : true));
}

group_key key_of(const router_result& r) {
    const bool answered = router_answered(r);
    const bool cancelled = r.status == router_status::cancelled;
    return {r.command_index,
            static_cast<int>(r.status),
            r.error && !cancelled ? std::string(protocol::to_string(r.error->kind)) : "",
            r.error && !cancelled ? r.error->message : "",
            answered ? r.output : "",
            answered ? r.stderr_output : "",
            answered && r.truncated};
}

int status_rank(router_status status) {
    return status == router_status::success ? 0 : status == router_status::failed ? 1 : 2;
}

}  // namespace

std::vector<result_group> collapse_results(const std::vector<router_result>& results) {
    std::map<group_key, std::size_t> index;
    std::vector<result_group> groups;
    for (const auto& r : results) {
        auto [it, added] = index.emplace(key_of(r), groups.size());
        if (added) groups.push_back({{}, &r});
        groups[it->second].routers.push_back(r.router_name);
    }
    std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
        const auto rank = [](const result_group& g) {
            return std::make_tuple(g.first->command_index, status_rank(g.first->status),
                                   -static_cast<long long>(g.routers.size()));
        };
        return rank(a) < rank(b);
    });
    return groups;
}

std::string format_collapsed(const protocol::job_result& job, bool brief) {
    const bool show_command = job.summary.commands.size() > 1;
    std::string out;
    for (const auto& group : collapse_results(job.results)) {
        const auto& r = *group.first;
        std::string header = terminal_safe(fold_node_set(group.routers)) + " (" +
                             std::to_string(group.routers.size()) + ")";
        if (show_command) header += "  [" + terminal_safe(r.command) + "]";
        if (r.status != router_status::success) {
            header += "  " + std::string(status_word(r.status));
            if (r.status == router_status::failed) {
                const auto kind = r.error ? std::string(protocol::to_string(r.error->kind)) : "";
                const auto message = failure_message(r);
                header += "  " + (kind.empty() ? message : kind + ": " + message);
            }
        }
        if (brief) {
            out += std::string(trim_right(header)) + '\n';
            continue;
        }
        out += rule + '\n' + std::string(trim_right(header)) + '\n' + rule + '\n';
        if (!router_answered(r)) continue;
        for (const auto line : lines_of(r.output)) out += terminal_safe(line) + '\n';
        for (const auto line : lines_of(r.stderr_output))
            out += "stderr: " + terminal_safe(line) + '\n';
        if (r.truncated) out += "[output truncated]\n";
    }
    return out;
}

}  // namespace fanout::ctl
