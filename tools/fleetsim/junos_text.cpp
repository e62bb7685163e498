#include "tools/fleetsim/junos_text.hpp"

#include <cstdio>
#include <ctime>

namespace fanout::fleetsim {
namespace {

std::string pad(const std::string& text, std::size_t width) {
    return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

// "inet     10.0.1.1/30", "lo0's inet  10.255.0.1          --> 0/0", or just "iso".
std::string family_column(const address_family& f) {
    if (f.local.empty()) return f.family;
    if (f.destination.empty()) return pad(f.family, 9) + f.local;
    return pad(f.family, 9) + pad(f.local, 20) + "--> " + f.destination;
}

void add_unit(std::string& out, const std::string& name, const std::string& admin,
              const std::string& oper, const std::vector<address_family>& families) {
    const std::string head = pad(name, 24) + pad(admin, 6);
    if (families.empty()) {
        out += head + oper + "\n";
        return;
    }
    out += head + pad(oper, 5) + family_column(families.front()) + "\n";
    for (std::size_t i = 1; i < families.size(); ++i) {
        out += std::string(35, ' ') + family_column(families[i]) + "\n";
    }
}

}  // namespace

std::string format_utc(std::chrono::system_clock::time_point when, const char* format) {
    std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[64];
    std::size_t n = std::strftime(buffer, sizeof buffer, format, &tm);
    return std::string(buffer, n);
}

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

std::string show_version_text(const router_identity& router) {
    std::string out = "Hostname: " + router.hostname + "\nModel: " + junos_model +
                      "\nJunos: " + junos_version + "\n";
    for (const auto& package : software_packages()) out += package.comment + "\n";
    return out;
}

std::string show_interfaces_terse_text(const router_identity& router) {
    std::string out = "Interface               Admin Link Proto    Local                 Remote\n";
    for (const auto& physical : interface_table(router)) {
        add_unit(out, physical.name, physical.admin, physical.oper, {});
        for (const auto& unit : physical.units) {
            add_unit(out, unit.name, physical.admin, physical.oper, unit.families);
        }
    }
    return out;
}

std::string show_system_uptime_text(const router_identity& router) {
    using namespace std::chrono;
    const uptime_facts f = uptime_of(router);
    const long up_hours = static_cast<long>(duration_cast<hours>(f.up).count());
    const long up_minutes = static_cast<long>(duration_cast<minutes>(f.up).count() % 60);
    char load_line[160];
    std::snprintf(load_line, sizeof load_line,
                  " up %ld days, %2ld:%02ld, 1 user, load averages: %.2f, %.2f, %.2f\n",
                  up_hours / 24, up_hours % 24, up_minutes, f.load1, f.load5, f.load15);
    auto stamp = [](system_clock::time_point t) { return format_utc(t, "%Y-%m-%d %H:%M:%S UTC"); };
    auto ago = [&](system_clock::time_point t) {
        return " (" + junos_ago(duration_cast<seconds>(f.now - t)) + " ago)";
    };
    return "Current time: " + stamp(f.now) +
           "\nTime Source:  NTP CLOCK \nSystem booted: " + stamp(f.booted) + ago(f.booted) +
           "\nProtocols started: " + stamp(f.protocols) + ago(f.protocols) +
           "\nLast configured: " + stamp(f.configured) + ago(f.configured) + " by fanout\n" +
           format_utc(f.now, "%I:%M%p") + load_line;
}

std::string show_route_summary_text(const router_identity& router) {
    const route_summary summary = route_summary_of(router);
    std::string out = "Autonomous system number: " + summary.as_number +
                      "\nRouter ID: " + summary.router_id + "\n";
    char line[160];
    for (const auto& table : summary.tables) {
        std::snprintf(line, sizeof line,
                      "\n%s: %d destinations, %d routes (%d active, 0 holddown, 0 hidden)\n",
                      table.name.c_str(), table.destinations, table.routes, table.active);
        out += line;
        for (const auto& p : table.protocols) {
            std::snprintf(line, sizeof line, "%20s: %6d routes, %6d active\n", p.name.c_str(),
                          p.routes, p.active);
            out += line;
        }
    }
    return out;
}

}  // namespace fanout::fleetsim
