// fanoutd over NETCONF against fleetsim's netconf subsystem: a mixed job (half the routers
// netconf-only, "transport": "netconf" in devices.json) where every router answers and says
// which transport ran it, the second job reusing the pooled NETCONF sessions (fleetsim's
// counts), an unknown command as rpc_error, and a port-830 entry with no transport key.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::error_kind;
using fanout::protocol::job_result;
using fanout::protocol::router_status;

namespace {

// The routers whose devices.json entry says "transport": "netconf".
std::set<std::string> netconf_routers(const std::string& devices_json) {
    std::ifstream in(devices_json);
    auto devices = nlohmann::json::parse(in);
    std::set<std::string> names;
    for (const auto& [name, entry] : devices.items())
        if (entry.value("transport", "") == "netconf") names.insert(name);
    return names;
}

std::vector<std::string> names(int routers) {
    std::vector<std::string> out;
    for (int i = 1; i <= routers; ++i) out.push_back("r" + std::to_string(i));
    return out;
}

}  // namespace

TEST(daemon_netconf_fleet, a_mixed_job_runs_both_transports_and_reuses_netconf_sessions) {
    constexpr int routers = 20;
    fleet_and_daemon setup(routers, {"--netconf-only-every", "2", "--netconf-base10", "r2"});
    const auto netconf = netconf_routers(setup.routers_served.devices_json());
    ASSERT_EQ(netconf.size(), static_cast<std::size_t>(routers / 2));
    client jobs(setup.daemon.jobs());

    auto first = expect_reply<job_result>(
        jobs.request(submit_of("mixed-1", "show version", names(routers)), 60s));
    ASSERT_EQ(first.results.size(), static_cast<std::size_t>(routers));
    for (const auto& r : first.results) {
        const bool over_netconf = netconf.count(r.router_name) > 0;
        EXPECT_EQ(r.status, router_status::success)
            << r.router_name << ": " << (r.error ? r.error->message : "");
        EXPECT_NE(r.output.find("Hostname: " + r.router_name), std::string::npos)
            << r.router_name << ": " << r.output;
        EXPECT_EQ(r.transport, over_netconf ? "netconf" : "ssh") << r.router_name;
        EXPECT_EQ(r.exit_status.has_value(), !over_netconf) << r.router_name;
    }
    const auto before = setup.routers_served.counts();
    EXPECT_EQ(before.netconf_sessions, netconf.size());

    auto second = expect_reply<job_result>(
        jobs.request(submit_of("mixed-2", "show system uptime", names(routers)), 60s));
    EXPECT_EQ(second.summary.successful, static_cast<std::uint64_t>(routers));
    const auto after = setup.routers_served.counts();
    EXPECT_EQ(after.netconf_sessions, before.netconf_sessions) << "pooled sessions reused";
    EXPECT_EQ(after.netconf_rpcs, before.netconf_rpcs + netconf.size());
    EXPECT_EQ(after.connections, before.connections);
}

// Structured output over both transports: `| display json` over exec, <command format="json">
// over NETCONF; every router's `data` is its own parsed document.
TEST(daemon_netconf_fleet, format_json_gives_data_over_both_transports) {
    constexpr int routers = 6;
    fleet_and_daemon setup(routers, {"--netconf-only-every", "2"});
    const auto netconf = netconf_routers(setup.routers_served.devices_json());
    client jobs(setup.daemon.jobs());
    auto s = submit_of("json", "show version", names(routers));
    s.format = fanout::protocol::output_format::json;
    auto result = expect_reply<job_result>(jobs.request(s, 60s));
    ASSERT_EQ(result.results.size(), static_cast<std::size_t>(routers));
    for (const auto& r : result.results) {
        EXPECT_EQ(r.status, router_status::success)
            << r.router_name << ": " << (r.error ? r.error->message : "");
        EXPECT_EQ(r.transport, netconf.count(r.router_name) ? "netconf" : "ssh");
        ASSERT_TRUE(r.data) << r.router_name << ": " << r.output;
        auto document = nlohmann::json::from_msgpack(*r.data);
        EXPECT_EQ(document["software-information"][0]["host-name"][0]["data"], r.router_name)
            << document.dump();
    }
}

TEST(daemon_netconf_fleet, an_unknown_command_over_netconf_is_an_rpc_error) {
    fleet_and_daemon setup(1, {"--netconf-only", "r1"});
    client jobs(setup.daemon.jobs());
    auto result =
        expect_reply<job_result>(jobs.request(submit_of("bogus", "show bogus", {"r1"}), 60s));
    ASSERT_EQ(result.results.size(), 1u);
    const auto& r = result.results[0];
    EXPECT_EQ(r.status, router_status::failed);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->kind, error_kind::rpc_error) << r.error->message;
    EXPECT_FALSE(r.error->message.empty());
    EXPECT_EQ(r.transport, "netconf");
}

// junos-mcp-server's own inventory: port 830 and no "transport" (needs root for port 830).
TEST(daemon_netconf_fleet, a_port_830_entry_without_transport_runs_over_netconf) {
    fleet_and_daemon setup(2, {"--netconf-only", "r1", "--netconf-port", "830"});
    std::ifstream in(setup.routers_served.devices_json());
    auto devices = nlohmann::json::parse(in);
    ASSERT_EQ(devices["r1"]["port"], 830);
    ASSERT_FALSE(devices["r1"].contains("transport"));
    client jobs(setup.daemon.jobs());
    auto result = expect_reply<job_result>(
        jobs.request(submit_of("port-830", "show version", {"r1", "r2"}), 60s));
    ASSERT_EQ(result.results.size(), 2u);
    for (const auto& r : result.results) {
        EXPECT_EQ(r.status, router_status::success)
            << r.router_name << ": " << (r.error ? r.error->message : "");
        EXPECT_EQ(r.transport, r.router_name == "r1" ? "netconf" : "ssh");
    }
}
