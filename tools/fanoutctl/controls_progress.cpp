#include "tools/fanoutctl/controls_progress.hpp"

#include "tools/fanoutctl/text_lines.hpp"

namespace fanout::ctl {

std::string format_controls(const controls_view& view) {
    const auto& c = view.controls;
    if (!c.any()) return "";
    std::string line;
    if (c.max_parallel) {
        line += " | batch ";
        line += view.running ? std::to_string(*view.running) + "/" +
                                   std::to_string(*c.max_parallel) + " running"
                             : "at most " + std::to_string(*c.max_parallel) + " at once";
    }
    if (c.canary) {
        const auto& k = view.canary;
        if (!k.failed.empty())
            line += " | canary FAILED (" + terminal_safe(k.failed) + ")";
        else if (k.routers > 0 && k.succeeded >= k.routers)
            line += " | canary passed";
        else
            line += " | canary " + std::to_string(k.succeeded) + "/" + std::to_string(k.routers) +
                    " ok";
    }
    if (!view.stopped_by.empty()) line += " | stopped by " + terminal_safe(view.stopped_by);
    return line;
}

}  // namespace fanout::ctl
