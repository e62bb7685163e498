// fanoutd over fleetsim's NETCONF at the scale (issue 11): a 200-router job over the
// netconf subsystem with `format: json` where every router succeeds and carries its own parsed
// `data` (one NETCONF session per router, counted in fleetsim); and a 200-router mixed job, half
// the routers netconf-only ("transport": "netconf"), half over SSH exec with ` | display json`,
// where every router returns the data of a `show interfaces terse` document.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::job_result;
using fanout::protocol::output_format;
using fanout::protocol::router_status;

namespace {

constexpr int routers = 200;

// The routers whose devices.json entry says "transport": "netconf".
std::set<std::string> netconf_entries(const std::string& devices_json) {
    std::ifstream in(devices_json);
    auto devices = nlohmann::json::parse(in);
    std::set<std::string> names;
    for (const auto& [name, entry] : devices.items())
        if (entry.value("transport", "") == "netconf") names.insert(name);
    return names;
}

job_result run_json(fleet_and_daemon& setup, const std::string& job_id,
                    const std::string& command) {
    client jobs(setup.daemon.jobs());
    auto submit = submit_of(job_id, command, router_names(1, routers));
    submit.format = output_format::json;
    return expect_reply<job_result>(jobs.request(submit, 180s));
}

}  // namespace

// Every router over NETCONF: --default-transport netconf, so the fleet's plain entries (no
// transport key, not port 830) go over the netconf subsystem too.
TEST(daemon_netconf_scale, a_200_router_netconf_job_with_format_json_gives_every_router_data) {
    fleet_and_daemon setup(routers, {}, {"--default-transport", "netconf"});
    auto job = run_json(setup, "netconf-200", "show version");
    ASSERT_EQ(job.results.size(), static_cast<std::size_t>(routers));
    EXPECT_EQ(job.summary.successful, static_cast<std::uint64_t>(routers));
    std::set<std::string> seen;
    for (const auto& r : job.results) {
        EXPECT_EQ(r.status, router_status::success)
            << r.router_name << ": " << (r.error ? r.error->message : "");
        EXPECT_EQ(r.transport, "netconf") << r.router_name;
        EXPECT_FALSE(r.exit_status.has_value()) << "NETCONF has no exit status";
        ASSERT_TRUE(r.data) << r.router_name << ": " << r.output;
        auto document = nlohmann::json::from_msgpack(*r.data);
        EXPECT_EQ(document["software-information"][0]["host-name"][0]["data"], r.router_name)
            << document.dump();
        EXPECT_TRUE(document["software-information"][0]["junos-version"][0]["data"].is_string());
        seen.insert(r.router_name);
    }
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(routers)) << "each router once";
    const auto served = setup.routers_served.counts();
    EXPECT_EQ(served.netconf_sessions, static_cast<std::uint64_t>(routers));
    EXPECT_EQ(served.netconf_rpcs, static_cast<std::uint64_t>(routers));
}

TEST(daemon_netconf_scale, a_200_router_mixed_job_with_format_json_gives_every_router_data) {
    fleet_and_daemon setup(routers, {"--netconf-only-every", "2"});
    const auto netconf = netconf_entries(setup.routers_served.devices_json());
    ASSERT_EQ(netconf.size(), static_cast<std::size_t>(routers / 2));
    auto job = run_json(setup, "mixed-200", "show interfaces terse");
    ASSERT_EQ(job.results.size(), static_cast<std::size_t>(routers));
    EXPECT_EQ(job.summary.successful, static_cast<std::uint64_t>(routers));
    std::size_t over_netconf = 0;
    for (const auto& r : job.results) {
        const bool want_netconf = netconf.count(r.router_name) > 0;
        EXPECT_EQ(r.status, router_status::success)
            << r.router_name << ": " << (r.error ? r.error->message : "");
        EXPECT_EQ(r.transport, want_netconf ? "netconf" : "ssh") << r.router_name;
        over_netconf += r.transport == "netconf";
        ASSERT_TRUE(r.data) << r.router_name << ": " << r.output.substr(0, 200);
        auto document = nlohmann::json::from_msgpack(*r.data);
        const auto& interfaces = document["interface-information"][0]["physical-interface"];
        ASSERT_TRUE(interfaces.is_array()) << r.router_name << ": " << document.dump();
        EXPECT_FALSE(interfaces.empty()) << r.router_name;
        EXPECT_TRUE(interfaces[0]["name"][0]["data"].is_string()) << r.router_name;
    }
    EXPECT_EQ(over_netconf, netconf.size());
    EXPECT_EQ(setup.routers_served.counts().netconf_sessions, netconf.size());
}
