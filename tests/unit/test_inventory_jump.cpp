// The inventory's bastion keys (issue 12): "role": "bastion", "jump" chains of named and inline
// hops, and the load errors that name the router and the field.
#include <gtest/gtest.h>

#include <string>

#include "daemon/admission/inventory.hpp"

using fanout::daemon::device;
using fanout::daemon::inventory;
using fanout::daemon::inventory_error;
using fanout::daemon::transport_kind;

namespace {

const std::string bastions =
    R"("b1": {"ip": "10.9.0.1", "username": "jump", "role": "bastion",
              "auth": {"type": "ssh_key", "private_key_path": "/k"}},
       "b2": {"ip": "10.9.0.2", "port": 830, "username": "jump", "password": "x",
              "role": "bastion"})";

std::string file(const std::string& router_extra, const std::string& more = "") {
    return "{" + bastions + R"(, "r": {"ip": "10.0.0.1", "username": "u", "password": "p")" +
           (router_extra.empty() ? std::string() : ", " + router_extra) + "}" +
           (more.empty() ? std::string() : ", " + more) + "}";
}

std::string error_of(const std::string& text) {
    try {
        inventory::parse(text, "devices.json");
    } catch (const inventory_error& e) {
        return e.what();
    }
    return "(no error)";
}

const std::string inline_hop =
    R"({"host": "ops@10.9.9.9:2222", "auth": {"type": "password", "password": "s"}})";

}  // namespace

TEST(inventory_jump, a_bastion_is_marked_and_always_ssh) {
    auto inv = inventory::parse(file(""), "devices.json");
    ASSERT_NE(inv.find("b1"), nullptr);
    EXPECT_TRUE(inv.find("b1")->bastion);
    EXPECT_TRUE(inv.find("b2")->bastion);
    EXPECT_EQ(inv.find("b2")->transport, transport_kind::ssh);  // port 830, yet it only forwards
    EXPECT_FALSE(inv.find("r")->bastion);
    EXPECT_TRUE(inv.find("r")->jump.empty());
}

TEST(inventory_jump, named_hops_form_the_chain_first_hop_first) {
    auto inv = inventory::parse(file(R"("jump": ["b1", "b2"])"), "devices.json");
    EXPECT_EQ(inv.find("r")->jump, (std::vector<std::string>{"b1", "b2"}));
}

TEST(inventory_jump, an_inline_hop_becomes_one_shared_bastion) {
    auto inv = inventory::parse(file(R"("jump": [)" + inline_hop + "]",
                                     R"("r2": {"ip": "10.0.0.2", "username": "u", "password": "p",
                                               "jump": [)" +
                                         inline_hop + R"(, "b1"]})"),
                                "devices.json");
    const device* hop = inv.find("ops@10.9.9.9:2222");
    ASSERT_NE(hop, nullptr);
    EXPECT_TRUE(hop->bastion);
    EXPECT_EQ(hop->ip, "10.9.9.9");
    EXPECT_EQ(hop->port, 2222);
    EXPECT_EQ(hop->username, "ops");
    EXPECT_EQ(hop->password.reveal(), "s");
    EXPECT_EQ(inv.find("r")->jump, (std::vector<std::string>{"ops@10.9.9.9:2222"}));
    EXPECT_EQ(inv.find("r2")->jump, (std::vector<std::string>{"ops@10.9.9.9:2222", "b1"}));
    EXPECT_EQ(inv.devices().size(), 5u);  // b1, b2, r, r2 and one inline bastion
}

TEST(inventory_jump, one_inline_host_with_two_sets_of_credentials_is_refused) {
    std::string other =
        R"({"host": "ops@10.9.9.9:2222", "auth": {"type": "password", "password": "t"}})";
    auto error = error_of(file(R"("jump": [)" + inline_hop + "]",
                               R"("r2": {"ip": "10.0.0.2", "username": "u", "password": "p",
                                         "jump": [)" +
                                   other + "]}"));
    EXPECT_EQ(error,
              "devices.json: router 'r2': field 'jump[0]' describes 'ops@10.9.9.9:2222' with "
              "other credentials than r's jump[0] (one name, one set of credentials)");
}

TEST(inventory_jump, bad_chains_name_the_router_and_the_field) {
    EXPECT_EQ(error_of(file(R"("jump": ["nowhere"])")),
              "devices.json: router 'r': field 'jump[0]' names 'nowhere', which is not in the "
              "inventory");
    EXPECT_EQ(error_of(file(R"("jump": ["b1", "r2"])",
                            R"("r2": {"ip": "10.0.0.2", "username": "u", "password": "p"})")),
              "devices.json: router 'r': field 'jump[1]' names 'r2', which is not a bastion "
              "(give it \"role\": \"bastion\")");
    EXPECT_EQ(error_of(file(R"("jump": ["b1", "b1"])")),
              "devices.json: router 'r': field 'jump' names 'b1' twice");
    EXPECT_EQ(error_of(file(R"("jump": ["b1", "b2", "b1", "b2", "b1"])")),
              "devices.json: router 'r': field 'jump' must be a list of 1-4 hops (bastion "
              "names, or {\"host\": \"user@host:port\", \"auth\": {...}})");
    EXPECT_NE(error_of(file(R"("jump": [])")).find("field 'jump' must be a list"),
              std::string::npos);
    EXPECT_EQ(error_of(file(R"("jump": [7])")),
              "devices.json: router 'r': field 'jump[0]' must be a bastion's name or "
              "{\"host\": \"user@host:port\", \"auth\": {...}}");
    EXPECT_EQ(error_of(file(R"("role": "switch")")),
              "devices.json: router 'r': field 'role' must be \"bastion\" or \"router\"");
}

TEST(inventory_jump, a_bastion_may_not_have_a_chain_of_its_own) {
    EXPECT_EQ(error_of(R"({"b": {"ip": "1.2.3.4", "username": "u", "password": "p",
                                 "role": "bastion", "jump": ["c"]}})"),
              "devices.json: router 'b': field 'jump' is not allowed on a bastion (list the "
              "whole chain on each router instead)");
}

TEST(inventory_jump, bad_inline_hops_name_the_field) {
    EXPECT_EQ(error_of(file(R"("jump": [{"host": "10.9.9.9", "auth": {}}])")),
              "devices.json: router 'r': field 'jump[0].host' must be \"user@host:port\" (got "
              "\"10.9.9.9\")");
    EXPECT_EQ(error_of(file(R"("jump": [{"host": "a@h:99999", "auth": {}}])")),
              "devices.json: router 'r': field 'jump[0].host' must be \"user@host:port\" (got "
              "\"a@h:99999\")");
    EXPECT_EQ(error_of(file(R"("jump": [{"host": "a@h:22"}])")),
              "devices.json: router 'r': field 'jump[0].auth' is missing");
    EXPECT_EQ(error_of(file(R"("jump": [{"host": "a@h:22", "auth": {"type": "x"}}])")),
              "devices.json: router 'r.jump[0]': field 'auth.type' must be \"password\" or "
              "\"ssh_key\" (got \"x\")");
    EXPECT_EQ(error_of(file(R"("jump": [{"host": "a@h:22", "auth": {}, "port": 1}])")),
              "devices.json: router 'r': field 'jump[0].port' is not a key of an inline hop "
              "(\"host\", \"auth\")");
}

TEST(inventory_jump, an_inline_hop_may_not_take_an_entry_s_name) {
    EXPECT_EQ(error_of(file(R"("jump": [{"host": "a@h:22", "auth": {"type": "password",
                                          "password": "p"}}])",
                            R"("a@h:22": {"ip": "1.2.3.4", "username": "u", "password": "p"})")),
              "devices.json: the inline hop 'a@h:22' (r's jump[0]) has the name of an inventory "
              "entry; name that entry in the chain instead");
}
