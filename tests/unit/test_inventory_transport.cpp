// The inventory's `transport` key (issue 11): explicit ssh/netconf, the port-830 rule, the
// daemon default (--default-transport), bad values, and the pool key that keeps them apart.
#include <gtest/gtest.h>

#include <string>

#include "daemon/admission/inventory.hpp"
#include "daemon/ssh/session_pool.hpp"

using fanout::daemon::inventory;
using fanout::daemon::inventory_error;
using fanout::daemon::transport_kind;

namespace {

// One router "r" with `extra` JSON members after ip/username/password.
std::string entry(const std::string& extra) {
    return R"({"r": {"ip": "10.0.0.1", "username": "u", "password": "p")" +
           (extra.empty() ? std::string() : ", " + extra) + "}}";
}

transport_kind transport_of(const std::string& extra,
                            transport_kind default_transport = transport_kind::ssh) {
    return inventory::parse(entry(extra), "devices.json", default_transport).find("r")->transport;
}

std::string error_of(const std::string& extra) {
    try {
        inventory::parse(entry(extra), "devices.json");
    } catch (const inventory_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST(inventory_transport, explicit_values_win_over_port_and_default) {
    EXPECT_EQ(transport_of(R"("transport": "netconf")"), transport_kind::netconf);
    EXPECT_EQ(transport_of(R"("transport": "ssh", "port": 830)"), transport_kind::ssh);
    EXPECT_EQ(transport_of(R"("transport": "ssh")", transport_kind::netconf), transport_kind::ssh);
    EXPECT_EQ(transport_of(R"("transport": "netconf", "port": 22)"), transport_kind::netconf);
}

TEST(inventory_transport, port_830_means_netconf_whatever_the_default) {
    EXPECT_EQ(transport_of(R"("port": 830)"), transport_kind::netconf);
    EXPECT_EQ(transport_of(R"("port": 830)", transport_kind::netconf), transport_kind::netconf);
}

TEST(inventory_transport, other_ports_take_the_daemon_default) {
    EXPECT_EQ(transport_of(""), transport_kind::ssh);
    EXPECT_EQ(transport_of(R"("port": 2222)"), transport_kind::ssh);
    EXPECT_EQ(transport_of("", transport_kind::netconf), transport_kind::netconf);
    EXPECT_EQ(transport_of(R"("port": 22)", transport_kind::netconf), transport_kind::netconf);
}

TEST(inventory_transport, a_bad_value_names_the_router_and_the_value) {
    EXPECT_EQ(error_of(R"("transport": "telnet")"),
              "devices.json: router 'r': field 'transport' must be \"ssh\" or \"netconf\" "
              "(got \"telnet\")");
    EXPECT_EQ(error_of(R"("transport": "NETCONF")"),
              "devices.json: router 'r': field 'transport' must be \"ssh\" or \"netconf\" "
              "(got \"NETCONF\")");
    EXPECT_EQ(error_of(R"("transport": 830)"),
              "devices.json: router 'r': field 'transport' must be \"ssh\" or \"netconf\"");
    EXPECT_EQ(error_of(R"("transport": "")"),
              "devices.json: router 'r': field 'transport' must be \"ssh\" or \"netconf\" "
              "(got \"\")");
}

TEST(inventory_transport, names_for_results) {
    EXPECT_STREQ(fanout::daemon::transport_name(transport_kind::ssh), "ssh");
    EXPECT_STREQ(fanout::daemon::transport_name(transport_kind::netconf), "netconf");
}

TEST(inventory_transport, the_pool_never_mixes_an_exec_and_a_netconf_session) {
    auto both = inventory::parse(R"({
        "a": {"ip": "10.0.0.1", "port": 22, "username": "u", "password": "p"},
        "b": {"ip": "10.0.0.1", "port": 22, "username": "u", "password": "p",
              "transport": "netconf"}})");
    auto a = *both.find("a");
    auto b = *both.find("b");
    b.name = a.name;  // the same router, only the transport differs
    EXPECT_NE(fanout::daemon::session_key_of(a), fanout::daemon::session_key_of(b));
    b.transport = transport_kind::ssh;
    EXPECT_EQ(fanout::daemon::session_key_of(a), fanout::daemon::session_key_of(b));
}
