#include "tools/fleetsim/junos_documents.hpp"

#include <cstdio>
#include <sstream>

#include "tools/fleetsim/junos_text.hpp"

namespace fanout::fleetsim {
namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;
using std::chrono::system_clock;

std::string epoch_seconds(system_clock::time_point t) {
    return std::to_string(duration_cast<seconds>(t.time_since_epoch()).count());
}

std::string decimal(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", value);
    return buffer;
}

junos_element software_information(const router_identity& router) {
    junos_element root{"software-information", {}, {}, {}};
    root.add("host-name", router.hostname);
    root.add("product-model", junos_model);
    root.add("product-name", junos_model);
    root.add("junos-version", junos_version);
    for (const auto& package : software_packages()) {
        auto& p = root.add("package-information");
        p.add("name", package.name);
        p.add("comment", package.comment);
    }
    return root;
}

junos_element interface_information(const router_identity& router) {
    junos_element root{"interface-information", {}, {}, {}};
    root.attribute("xmlns", "http://xml.juniper.net/junos/23.4R1/junos-interface");
    root.attribute("junos:style", "terse");
    for (const auto& physical : interface_table(router)) {
        auto& p = root.add("physical-interface");
        p.add("name", physical.name);
        p.add("admin-status", physical.admin);
        p.add("oper-status", physical.oper);
        for (const auto& unit : physical.units) {
            auto& l = p.add("logical-interface");
            l.add("name", unit.name);
            l.add("admin-status", physical.admin);
            l.add("oper-status", physical.oper);
            l.add("filter-information");
            for (const auto& family : unit.families) {
                auto& f = l.add("address-family");
                f.add("address-family-name", family.family);
                if (family.local.empty()) continue;
                auto& a = f.add("interface-address");
                a.add("ifa-local", family.local).attribute("junos:emit", "emit");
                if (!family.destination.empty()) a.add("ifa-destination", family.destination);
            }
        }
    }
    return root;
}

junos_element system_uptime_information(const router_identity& router) {
    const uptime_facts f = uptime_of(router);
    junos_element root{"system-uptime-information", {}, {}, {}};
    root.attribute("xmlns", junos_namespace);
    auto stamp = [](junos_element& parent, system_clock::time_point t) {
        parent.add("date-time", format_utc(t, "%Y-%m-%d %H:%M:%S UTC"))
            .attribute("junos:seconds", epoch_seconds(t));
    };
    auto since = [&](const char* name, system_clock::time_point t) -> junos_element& {
        auto& e = root.add(name);
        stamp(e, t);
        const auto elapsed = duration_cast<seconds>(f.now - t);
        e.add("time-length", junos_ago(elapsed))
            .attribute("junos:seconds", std::to_string(elapsed.count()));
        return e;
    };
    stamp(root.add("current-time"), f.now);
    root.add("time-source", " NTP CLOCK ");
    since("system-booted-time", f.booted);
    since("protocols-started-time", f.protocols);
    since("last-configured-time", f.configured).add("user", "fanout");
    auto& u = root.add("uptime-information");
    u.add("date-time", format_utc(f.now, "%I:%M%p"))
        .attribute("junos:seconds", epoch_seconds(f.now));
    char up_time[64];
    const long up_minutes = static_cast<long>(f.up.count() / 60);
    std::snprintf(up_time, sizeof up_time, "%ld days, %ld:%02ld", up_minutes / 1440,
                  up_minutes / 60 % 24, up_minutes % 60);
    u.add("up-time", up_time).attribute("junos:seconds", std::to_string(f.up.count()));
    u.add("active-user-count", "1").attribute("junos:format", "1 user");
    u.add("load-average-1", decimal(f.load1));
    u.add("load-average-5", decimal(f.load5));
    u.add("load-average-15", decimal(f.load15));
    return root;
}

junos_element route_summary_information(const router_identity& router) {
    const route_summary summary = route_summary_of(router);
    junos_element root{"route-summary-information", {}, {}, {}};
    root.attribute("xmlns", "http://xml.juniper.net/junos/23.4R1/junos-routing");
    root.add("as-number", summary.as_number);
    root.add("router-id", summary.router_id);
    for (const auto& table : summary.tables) {
        auto& t = root.add("route-table");
        t.add("table-name", table.name);
        t.add("destination-count", std::to_string(table.destinations));
        t.add("total-route-count", std::to_string(table.routes));
        t.add("active-route-count", std::to_string(table.active));
        t.add("holddown-route-count", "0");
        t.add("hidden-route-count", "0");
        for (const auto& p : table.protocols) {
            auto& protocol = t.add("protocols");
            protocol.add("protocol-name", p.name);
            protocol.add("protocol-route-count", std::to_string(p.routes));
            protocol.add("active-route-count", std::to_string(p.active));
        }
    }
    return root;
}

}  // namespace

std::optional<junos_element> command_document(std::string_view command,
                                              const router_identity& router) {
    if (command == "show version") return software_information(router);
    if (command == "show interfaces terse") return interface_information(router);
    if (command == "show system uptime") return system_uptime_information(router);
    if (command == "show route summary") return route_summary_information(router);
    return std::nullopt;
}

std::string cli_display_xml(const junos_element& document) {
    pugi::xml_document xml;
    pugi::xml_node reply = xml.append_child("rpc-reply");
    reply.append_attribute("xmlns:junos").set_value(junos_namespace);
    write_xml(document, reply);
    reply.append_child("cli").append_child("banner");
    std::ostringstream out;
    xml.save(out, "    ", pugi::format_indent | pugi::format_no_declaration);
    return out.str();
}

std::string cli_display_json(const junos_element& document) {
    return junos_json_text(document);
}

}  // namespace fanout::fleetsim
