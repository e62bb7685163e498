#include "tools/fleetsim/junos_cli.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

namespace fanout::fleetsim {
namespace {

using std::chrono::system_clock;

std::string format_utc(system_clock::time_point when, const char* format) {
    std::time_t t = system_clock::to_time_t(when);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[64];
    std::size_t n = std::strftime(buffer, sizeof buffer, format, &tm);
    return std::string(buffer, n);
}

// Junos "ago" notation: 10w3d 02:06, 3d 17:38, or 02:06.
std::string junos_ago(std::chrono::seconds elapsed) {
    long minutes_total = static_cast<long>(elapsed.count() / 60);
    long weeks = minutes_total / (7 * 24 * 60);
    long days = minutes_total / (24 * 60) % 7;
    long hours = minutes_total / 60 % 24;
    long minutes = minutes_total % 60;
    char buffer[64];
    if (weeks > 0) {
        std::snprintf(buffer, sizeof buffer, "%ldw%ldd %02ld:%02ld", weeks, days, hours, minutes);
    } else if (days > 0) {
        std::snprintf(buffer, sizeof buffer, "%ldd %02ld:%02ld", days, hours, minutes);
    } else {
        std::snprintf(buffer, sizeof buffer, "%02ld:%02ld", hours, minutes);
    }
    return buffer;
}

std::string show_version(std::string_view hostname) {
    static constexpr std::string_view os_build = "20231208.f4ae0ec_builder_stable_13";
    static constexpr std::string_view junos_build = "20231221.103322_builder_junos_234_r1";
    static constexpr std::string_view packages[][2] = {
        {"JUNOS OS Kernel 64-bit ", "os"},
        {"JUNOS OS libs", "os"},
        {"JUNOS OS runtime", "os"},
        {"JUNOS OS time zone information", "os"},
        {"JUNOS network stack and utilities", "junos"},
        {"JUNOS libs", "junos"},
        {"JUNOS OS libs compat32", "os"},
        {"JUNOS OS 32-bit compatibility", "os"},
        {"JUNOS libs compat32", "junos"},
        {"JUNOS runtime", "junos"},
        {"JUNOS Packet Forwarding Engine Support (MX/EX92XX Common)", "junos"},
        {"JUNOS py extensions", "junos"},
        {"JUNOS py base", "junos"},
        {"JUNOS OS crypto", "os"},
        {"JUNOS mx runtime", "junos"},
        {"JUNOS Routing Engine Software", "junos"},
    };
    std::string out = "Hostname: " + std::string(hostname) +
                      "\n"
                      "Model: mx960\n"
                      "Junos: 23.4R1.10\n";
    for (const auto& [name, which] : packages) {
        out +=
            std::string(name) + " [" + std::string(which == "os" ? os_build : junos_build) + "]\n";
    }
    return out;
}

std::string show_interfaces_terse(int index) {
    const int a = index / 250 % 250;
    const int b = index % 250;
    char loopback[32];
    std::snprintf(loopback, sizeof loopback, "10.255.%d.%d", a, b);
    char buffer[2048];
    std::snprintf(buffer, sizeof buffer,
                  "Interface               Admin Link Proto    Local                 Remote\n"
                  "ge-0/0/0                up    up\n"
                  "ge-0/0/0.0              up    up   inet     10.%d.%d.1/30\n"
                  "                                   iso\n"
                  "                                   inet6    fe80::5668:a3ff:fe%02x:%02x00/64\n"
                  "ge-0/0/1                up    up\n"
                  "ge-0/0/1.0              up    up   inet     10.%d.%d.5/30\n"
                  "                                   mpls\n"
                  "ge-0/0/2                up    down\n"
                  "ge-0/0/3                down  down\n"
                  "xe-1/0/0                up    up\n"
                  "xe-1/0/0.100            up    up   inet     172.16.%d.1/24\n"
                  "lc-0/0/0                up    up\n"
                  "lc-0/0/0.32769          up    up   vpls\n"
                  "pfe-0/0/0               up    up\n"
                  "pfe-0/0/0.16383         up    up   inet\n"
                  "                                   inet6\n"
                  "pfh-0/0/0               up    up\n"
                  "fxp0                    up    up\n"
                  "fxp0.0                  up    up   inet     192.168.%d.%d/16\n"
                  "lo0                     up    up\n"
                  "lo0.0                   up    up   inet     %-19s --> 0/0\n"
                  "                                   iso      49.0001.0102.5500.%04d.00\n"
                  "lo0.16384               up    up   inet     127.0.0.1           --> 0/0\n",
                  a, b, a, b, a, b, b, a, b, loopback, index % 10000);
    return buffer;
}

std::string show_system_uptime(int index) {
    using namespace std::chrono;
    const auto now = floor<seconds>(system_clock::now());
    const auto up = hours(24 * 40) + minutes(37 * index % 20000);
    const auto booted = now - up;
    const auto protocols = booted + minutes(2) + seconds(46);
    const auto configured = now - hours(3 * 24 + index % 48) - minutes(index % 60);
    const auto load = 0.15 + 0.01 * (index % 30);

    char load_line[160];
    long up_days = static_cast<long>(duration_cast<hours>(up).count() / 24);
    long up_hours = static_cast<long>(duration_cast<hours>(up).count() % 24);
    long up_minutes = static_cast<long>(duration_cast<minutes>(up).count() % 60);
    std::snprintf(load_line, sizeof load_line,
                  " up %ld days, %2ld:%02ld, 1 user, load averages: %.2f, %.2f, %.2f\n", up_days,
                  up_hours, up_minutes, load, load + 0.04, load + 0.07);

    auto stamp = [](system_clock::time_point t) { return format_utc(t, "%Y-%m-%d %H:%M:%S UTC"); };
    return "Current time: " + stamp(now) +
           "\n"
           "Time Source:  NTP CLOCK \n"
           "System booted: " +
           stamp(booted) + " (" + junos_ago(duration_cast<seconds>(now - booted)) +
           " ago)\n"
           "Protocols started: " +
           stamp(protocols) + " (" + junos_ago(duration_cast<seconds>(now - protocols)) +
           " ago)\n"
           "Last configured: " +
           stamp(configured) + " (" + junos_ago(duration_cast<seconds>(now - configured)) +
           " ago) by fanout\n" + format_utc(now, "%I:%M%p") + load_line;
}

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t j = text.find(' ', i);
        if (j == std::string_view::npos) j = text.size();
        words.push_back(text.substr(i, j - i));
        i = j + 1;
    }
    return words;
}

cli_answer unknown_command(std::string_view command) {
    auto words = split_words(command);
    if (words.empty()) return {"", 0};
    if (words[0] != "show") {
        return {"error: unknown command: " + std::string(words[0]) + "\n", 1};
    }
    if (words.size() == 1) return {"\nerror: syntax error, expecting <command>.\n", 1};
    std::string_view bad = words[1];
    if (words.size() > 2 && (words[1] == "interfaces" || words[1] == "system")) bad = words[2];
    return {"\nerror: syntax error, expecting <command>: " + std::string(bad) + "\n", 1};
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

cli_answer answer_command(std::string_view command, std::string_view hostname, int index) {
    std::string normal = normalise_command(command);
    for (std::string_view suffix : {" | no-more", " |no-more"}) {
        if (normal.size() > suffix.size() && normal.ends_with(suffix)) {
            normal.resize(normal.size() - suffix.size());
        }
    }
    if (normal == "show version") return {show_version(hostname), 0};
    if (normal == "show interfaces terse") return {show_interfaces_terse(index), 0};
    if (normal == "show system uptime") return {show_system_uptime(index), 0};
    return unknown_command(normal);
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
