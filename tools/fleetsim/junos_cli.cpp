#include "tools/fleetsim/junos_cli.hpp"

#include <cstdio>
#include <vector>

#include "tools/fleetsim/junos_documents.hpp"
#include "tools/fleetsim/junos_text.hpp"

namespace fanout::fleetsim {
namespace {

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i <= text.size()) {
        std::size_t j = text.find(separator, i);
        if (j == std::string_view::npos) j = text.size();
        parts.push_back(text.substr(i, j - i));
        i = j + 1;
    }
    return parts;
}

}  // namespace

std::string normalise_command(std::string_view command) {
    std::string out;
    bool pending_space = false;
    for (char c : command) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

cli_request parse_cli_request(std::string_view command) {
    const std::string normal = normalise_command(command);
    const auto segments = split(normal, '|');
    cli_request request{normalise_command(segments.front()), output_format::text};
    for (std::size_t i = 1; i < segments.size(); ++i) {
        const std::string pipe = normalise_command(segments[i]);
        if (pipe == "no-more") continue;
        if (pipe == "display xml") {
            request.format = output_format::xml;
        } else if (pipe == "display json") {
            request.format = output_format::json;
        } else {
            return {normal, output_format::text};  // a pipe fleetsim does not know
        }
    }
    return request;
}

std::optional<std::string> command_text(std::string_view command, const router_identity& router) {
    if (command == "show version") return show_version_text(router);
    if (command == "show interfaces terse") return show_interfaces_terse_text(router);
    if (command == "show system uptime") return show_system_uptime_text(router);
    if (command == "show route summary") return show_route_summary_text(router);
    return std::nullopt;
}

command_error error_of(std::string_view command) {
    const auto words = split(command, ' ');
    if (command.empty() || (words.size() == 1 && words[0] == "show")) {
        return {"syntax error, expecting <command>.", ""};
    }
    if (words[0] != "show")
        return {"unknown command: " + std::string(words[0]), std::string(words[0])};
    std::string_view bad = words[1];
    if (words.size() > 2 &&
        (words[1] == "interfaces" || words[1] == "system" || words[1] == "route")) {
        bad = words[2];
    }
    return {"syntax error, expecting <command>: " + std::string(bad), std::string(bad)};
}

cli_answer answer_command(std::string_view command, const router_identity& router) {
    const cli_request request = parse_cli_request(command);
    if (request.command.empty()) return {"", 0};
    if (request.format != output_format::text) {
        if (auto document = command_document(request.command, router)) {
            return {request.format == output_format::xml ? cli_display_xml(*document)
                                                         : cli_display_json(*document),
                    0};
        }
    } else if (auto text = command_text(request.command, router)) {
        return {std::move(*text), 0};
    }
    const command_error error = error_of(request.command);
    // Junos puts a blank line before a syntax error, not before an unknown command.
    const bool syntax = error.message.starts_with("syntax");
    return {(syntax ? "\nerror: " : "error: ") + error.message + "\n", 1};
}

std::string log_block(std::string_view hostname, std::size_t size) {
    static constexpr const char* templates[] = {
        "mib2d[2187]: SNMP_TRAP_LINK_DOWN: ifIndex %d, ifAdminStatus up(1), ifOperStatus "
        "down(2), ifName ge-0/0/%d",
        "mib2d[2187]: SNMP_TRAP_LINK_UP: ifIndex %d, ifAdminStatus up(1), ifOperStatus up(1), "
        "ifName ge-0/0/%d",
        "rpd[4410]: BGP_NLRI_MISMATCH: peer 10.0.%d.%d (External AS 65001): mismatch NLRI",
        "mgd[9127]: UI_CMDLINE_READ_LINE: User 'fanout', command 'show interfaces terse' (%d.%d)",
        "chassisd[3012]: CHASSISD_SNMP_TRAP10: SNMP trap generated: FRU power on (slot %d, %d)",
        "sshd[7781]: Accepted keyboard-interactive/pam for fanout from 10.1.%d.%d port 51514",
    };
    std::string block;
    block.reserve(size + 256);
    char line[320];
    int n = 0;
    const std::string host(hostname);
    while (block.size() < size) {
        const int m = n % 60;
        int len = std::snprintf(line, sizeof line, "May 14 10:%02d:%02d  %s ", m, (n * 7) % 60,
                                host.c_str());
        len += std::snprintf(line + len, sizeof line - len, templates[n % std::size(templates)],
                             500 + n % 97, n % 48);
        line[len++] = '\n';
        block.append(line, static_cast<std::size_t>(len));
        ++n;
    }
    return block;
}

std::string trickle_line(std::string_view hostname, std::uint64_t sequence) {
    char line[256];
    int len = std::snprintf(
        line, sizeof line,
        "%s  %.*s rpd[4410]: RPD_OSPF_NBRUP: OSPF neighbor 10.0.0.%llu (realm ospf-v2 "
        "ge-0/0/0.0 area 0.0.0.0) state changed from Loading to Full (seq %llu)\n",
        format_utc(std::chrono::system_clock::now(), "%b %d %H:%M:%S").c_str(),
        static_cast<int>(hostname.size()), hostname.data(),
        static_cast<unsigned long long>(sequence % 250 + 1),
        static_cast<unsigned long long>(sequence));
    return std::string(line, static_cast<std::size_t>(len));
}

std::string_view stderr_warning() {
    return "warning: could not connect to re1 : Can't assign requested address\n";
}

}  // namespace fanout::fleetsim
