// fanoutd against fleetsim's NETCONF faults (issue 11's fault matrix, from fleetsim rather than
// a scripted subsystem): in one job of netconf-only routers, each fault gives its documented
// error kind (docs/reliability.md, PROTOCOL.md's error kinds), `transport: netconf` on every
// result, and the healthy routers succeed meanwhile. The oversized reply has its own test,
// disabled: fanoutd does not yet do what PROTOCOL.md promises for it (see there).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::error_kind;
using fanout::protocol::job_result;
using fanout::protocol::router_status;

namespace {

// Router -> fleetsim fault; every router is netconf-only, r4 on base:1.0 framing.
const std::map<std::string, std::string> faults{
    {"r1", "netconf_hang_after_hello"}, {"r2", "netconf_hang_rpc"},
    {"r3", "netconf_broken_frame"},     {"r4", "netconf_broken_frame"},
    {"r5", "netconf_short_chunk"},      {"r6", "netconf_short_chunk_close"},
    {"r7", "netconf_rpc_error"},
};
constexpr int routers = 9;  // r8 and r9 healthy

args fleet_args() {
    args out{"--netconf-only-every", "1", "--netconf-base10", "r4"};
    for (const auto& [name, kind] : faults) {
        out.push_back("--fault");
        out.push_back(name + "=" + kind);
    }
    return out;
}

}  // namespace

TEST(daemon_netconf_fleet_faults, each_netconf_fault_gives_its_error_kind_and_spares_the_rest) {
    fleet_and_daemon setup(routers, fleet_args());
    client jobs(setup.daemon.jobs());
    auto result = expect_reply<job_result>(jobs.request(
        submit_of("netconf-faults", "show version", router_names(1, routers), true, 3.0), 90s));
    ASSERT_EQ(result.results.size(), static_cast<std::size_t>(routers));
    std::map<std::string, fanout::protocol::router_result> by_name;
    for (const auto& r : result.results) {
        EXPECT_EQ(r.transport, "netconf") << r.router_name;
        by_name[r.router_name] = r;
    }
    auto message = [&](const std::string& name) {
        const auto& r = by_name.at(name);
        return r.error ? r.error->message : std::string();
    };
    auto kind_of = [&](const std::string& name) {
        const auto& r = by_name.at(name);
        EXPECT_EQ(r.status, router_status::failed) << name << ": " << r.output.substr(0, 200);
        return r.error ? r.error->kind : error_kind::internal;
    };
    // The session opens (fleetsim's hello arrives); the RPC is never answered.
    EXPECT_EQ(kind_of("r1"), error_kind::timeout);
    EXPECT_EQ(kind_of("r2"), error_kind::timeout);
    // A garbage chunk header (base:1.1), a reply cut short before ]]>]]> (base:1.0).
    EXPECT_EQ(kind_of("r3"), error_kind::channel) << message("r3");
    EXPECT_EQ(kind_of("r4"), error_kind::channel) << message("r4");
    // A chunk announcing more bytes than arrive: the RPC times out mid-message; with the
    // channel closed after it, the reply ended early.
    EXPECT_EQ(kind_of("r5"), error_kind::timeout);
    EXPECT_EQ(kind_of("r6"), error_kind::channel) << message("r6");
    EXPECT_EQ(kind_of("r7"), error_kind::rpc_error);
    EXPECT_NE(message("r7").find("injected rpc-error"), std::string::npos) << message("r7");
    for (const auto* name : {"r8", "r9"}) {
        const auto& r = by_name.at(name);
        EXPECT_EQ(r.status, router_status::success)
            << name << ": " << (r.error ? r.error->message : "");
        EXPECT_NE(r.output.find(std::string("Hostname: ") + name), std::string::npos);
    }
}

// PROTOCOL.md's limits (`--max-output-bytes`: output cut, `truncated: true`): a NETCONF reply over
// the cap is cut at it, `truncated: true`, and ends the session, over base:1.0 and over base:1.1
// when the reply comes as many chunks, as fleetsim (and Junos) send it. (Until the frame
// decoder flagged "over the size limit" apart from a broken frame, the chunk header that took
// the message past its limit, 2 x cap + 64 KiB, failed the router with kind `channel`.)
TEST(daemon_netconf_fleet_faults, an_oversized_chunked_reply_is_truncated_at_the_cap) {
    fleet_and_daemon setup(
        2,
        {"--netconf-only-every", "1", "--netconf-base10", "r2", "--fault", "r1=netconf_oversized",
         "--fault", "r2=netconf_oversized", "--huge-bytes", "4000000"},
        {"--max-output-bytes", "1048576"});
    client jobs(setup.daemon.jobs());
    auto result = expect_reply<job_result>(
        jobs.request(submit_of("oversized", "show version", {"r1", "r2"}, true, 10.0), 60s));
    ASSERT_EQ(result.results.size(), 2u);
    for (const auto& r : result.results) {  // r1 base:1.1 chunks, r2 base:1.0
        EXPECT_EQ(r.status, router_status::success)
            << r.router_name << ": " << (r.error ? r.error->message : "");
        EXPECT_TRUE(r.truncated) << r.router_name;
        EXPECT_EQ(r.output.size(), 1048576u) << r.router_name;
    }
}
