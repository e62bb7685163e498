// The facts a fake router reports, shared by its CLI text and its XML/JSON documents, so that
// `show version`, `show version | display xml` and NETCONF's <command> all tell the same story.
//
// Contract: pure functions of the router's identity (plus the wall clock for uptimes); no I/O.
// interface_table() returns `interfaces` physical interfaces: the first (up to 10) are the
// fixed Junos-like set, the rest are ge-2/0/K ports with one inet unit each.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace fanout::fleetsim {

inline constexpr int default_interfaces = 10;
inline constexpr const char* junos_version = "23.4R1.10";
inline constexpr const char* junos_model = "mx960";

struct router_identity {
    std::string hostname;
    int index = 1;  // 1-based; varies addresses, uptimes and route counts
    int interfaces = default_interfaces;
};

struct software_package {
    std::string name;     // <name>, e.g. "os-kernel"
    std::string comment;  // the CLI line, e.g. "JUNOS OS Kernel 64-bit  [2023...]"
};
std::vector<software_package> software_packages();

struct address_family {
    std::string family;       // inet, inet6, iso, mpls, vpls
    std::string local;        // may be empty
    std::string destination;  // lo0's "0/0"; usually empty
};
struct logical_interface {
    std::string name;
    std::vector<address_family> families;
};
struct physical_interface {
    std::string name;
    std::string admin = "up";
    std::string oper = "up";
    std::vector<logical_interface> units;  // admin and oper follow the physical interface's
};
std::vector<physical_interface> interface_table(const router_identity& router);

struct uptime_facts {
    std::chrono::system_clock::time_point now, booted, protocols, configured;
    std::chrono::seconds up;
    double load1 = 0, load5 = 0, load15 = 0;
};
uptime_facts uptime_of(const router_identity& router);

struct route_protocol {
    std::string name;
    int routes = 0, active = 0;
};
struct route_table {
    std::string name;
    int destinations = 0, routes = 0, active = 0;
    std::vector<route_protocol> protocols;
};
struct route_summary {
    std::string as_number;
    std::string router_id;
    std::vector<route_table> tables;
};
route_summary route_summary_of(const router_identity& router);

}  // namespace fanout::fleetsim
