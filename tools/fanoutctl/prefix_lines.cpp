#include "tools/fanoutctl/prefix_lines.hpp"

#include "tools/fanoutctl/render_text.hpp"
#include "tools/fanoutctl/text_lines.hpp"

namespace fanout::ctl {

prefixed_text format_prefixed(const protocol::router_result& r, bool show_command) {
    std::string prefix = terminal_safe(r.router_name);
    if (show_command) prefix += " [" + terminal_safe(r.command) + "]";
    prefix += ": ";
    prefixed_text text;
    for (const auto line : lines_of(r.output)) text.out += prefix + terminal_safe(line) + '\n';
    for (const auto line : lines_of(r.stderr_output))
        text.err += prefix + terminal_safe(line) + '\n';
    if (r.status == protocol::router_status::failed) {
        const auto kind = r.error ? std::string(protocol::to_string(r.error->kind)) + ": " : "";
        text.err += prefix + "FAILED " + kind + failure_message(r) + '\n';
    } else if (r.status == protocol::router_status::cancelled) {
        text.err += prefix + "cancelled\n";
    }
    if (r.truncated) text.err += prefix + "[output truncated]\n";
    return text;
}

}  // namespace fanout::ctl
