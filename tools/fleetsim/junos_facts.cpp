#include "tools/fleetsim/junos_facts.hpp"

#include <cstdio>

namespace fanout::fleetsim {
namespace {

std::string format(const char* pattern, int x, int y = 0, int z = 0) {
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, pattern, x, y, z);
    return buffer;
}

std::string loopback_address(int index) {
    return format("10.255.%d.%d", index / 250 % 250, index % 250);
}

// The fixed set every router has (today's table), in CLI order.
std::vector<physical_interface> fixed_interfaces(int index) {
    const int a = index / 250 % 250;
    const int b = index % 250;
    return {
        {"ge-0/0/0",
         "up",
         "up",
         {{"ge-0/0/0.0",
           {{"inet", format("10.%d.%d.1/30", a, b), ""},
            {"iso", "", ""},
            {"inet6", format("fe80::5668:a3ff:fe%02x:%02x00/64", a, b), ""}}}}},
        {"ge-0/0/1",
         "up",
         "up",
         {{"ge-0/0/1.0", {{"inet", format("10.%d.%d.5/30", a, b), ""}, {"mpls", "", ""}}}}},
        {"ge-0/0/2", "up", "down", {}},
        {"ge-0/0/3", "down", "down", {}},
        {"xe-1/0/0", "up", "up", {{"xe-1/0/0.100", {{"inet", format("172.16.%d.1/24", b), ""}}}}},
        {"lc-0/0/0", "up", "up", {{"lc-0/0/0.32769", {{"vpls", "", ""}}}}},
        {"pfe-0/0/0", "up", "up", {{"pfe-0/0/0.16383", {{"inet", "", ""}, {"inet6", "", ""}}}}},
        {"pfh-0/0/0", "up", "up", {}},
        {"fxp0", "up", "up", {{"fxp0.0", {{"inet", format("192.168.%d.%d/16", a, b), ""}}}}},
        {"lo0",
         "up",
         "up",
         {{"lo0.0",
           {{"inet", loopback_address(index), "0/0"},
            {"iso", format("49.0001.0102.5500.%04d.00", index % 10000), ""}}},
          {"lo0.16384", {{"inet", "127.0.0.1", "0/0"}}}}},
    };
}

}  // namespace

std::vector<software_package> software_packages() {
    static constexpr const char* os_build = "[20231208.f4ae0ec_builder_stable_13]";
    static constexpr const char* junos_build = "[20231221.103322_builder_junos_234_r1]";
    static constexpr const char* packages[][3] = {
        {"os-kernel", "JUNOS OS Kernel 64-bit ", os_build},
        {"os-libs", "JUNOS OS libs", os_build},
        {"os-runtime", "JUNOS OS runtime", os_build},
        {"zoneinfo", "JUNOS OS time zone information", os_build},
        {"netstack", "JUNOS network stack and utilities", junos_build},
        {"junos-libs", "JUNOS libs", junos_build},
        {"os-libs-compat32", "JUNOS OS libs compat32", os_build},
        {"os-compat32", "JUNOS OS 32-bit compatibility", os_build},
        {"junos-libs-compat32", "JUNOS libs compat32", junos_build},
        {"junos-runtime", "JUNOS runtime", junos_build},
        {"junos-pfe-common", "JUNOS Packet Forwarding Engine Support (MX/EX92XX Common)",
         junos_build},
        {"py-extensions", "JUNOS py extensions", junos_build},
        {"py-base", "JUNOS py base", junos_build},
        {"os-crypto", "JUNOS OS crypto", os_build},
        {"mx-runtime", "JUNOS mx runtime", junos_build},
        {"junos", "JUNOS Routing Engine Software", junos_build},
    };
    std::vector<software_package> out;
    for (const auto& [name, title, build] : packages) {
        out.push_back({name, std::string(title) + " " + build});
    }
    return out;
}

std::vector<physical_interface> interface_table(const router_identity& router) {
    auto table = fixed_interfaces(router.index);
    if (router.interfaces < static_cast<int>(table.size())) table.resize(router.interfaces);
    for (int k = 0; static_cast<int>(table.size()) < router.interfaces; ++k) {
        const std::string name = "ge-2/0/" + std::to_string(k);
        const auto address =
            format("100.%d.%d.%d/31", router.index % 250, k / 128 % 256, k % 128 * 2);
        table.push_back({name, "up", "up", {{name + ".0", {{"inet", address, ""}}}}});
    }
    return table;
}

uptime_facts uptime_of(const router_identity& router) {
    using namespace std::chrono;
    const int index = router.index;
    uptime_facts facts;
    facts.now = floor<seconds>(system_clock::now());
    facts.up = hours(24 * 40) + minutes(37 * index % 20000);
    facts.booted = facts.now - facts.up;
    facts.protocols = facts.booted + minutes(2) + seconds(46);
    facts.configured = facts.now - hours(3 * 24 + index % 48) - minutes(index % 60);
    facts.load1 = 0.15 + 0.01 * (index % 30);
    facts.load5 = facts.load1 + 0.04;
    facts.load15 = facts.load1 + 0.07;
    return facts;
}

route_summary route_summary_of(const router_identity& router) {
    const int i = router.index;
    route_summary summary{"65000", loopback_address(i), {}};
    auto table = [](std::string name, std::vector<route_protocol> protocols) {
        route_table t{std::move(name), 0, 0, 0, std::move(protocols)};
        for (const auto& p : t.protocols) {
            t.routes += p.routes;
            t.active += p.active;
        }
        t.destinations = t.active;
        return t;
    };
    summary.tables.push_back(table("inet.0", {{"Direct", 6, 6},
                                              {"Local", 6, 6},
                                              {"OSPF", 10 + i % 7, 9 + i % 7},
                                              {"BGP", 4 + i % 13, 3 + i % 13},
                                              {"Static", 1, 1}}));
    summary.tables.push_back(table("inet6.0", {{"Direct", 2, 2}, {"Local", 2, 2}}));
    return summary;
}

}  // namespace fanout::fleetsim
