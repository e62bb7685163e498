// Inventory parsing: junos-mcp-server's devices.json format and every error it reports.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "daemon/admission/inventory.hpp"
#include "daemon/ssh/algorithms.hpp"
#include "tests/support/temp_dir.hpp"

using fanout::daemon::device;
using fanout::daemon::inventory;
using fanout::daemon::inventory_error;
using fanout::daemon::max_inventory_bytes;

namespace {

std::string error_of(std::string_view json) {
    try {
        inventory::parse(json, "devices.json");
    } catch (const inventory_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST(inventory, reads_password_key_and_legacy_entries) {
    auto inv = inventory::parse(R"({
        "mx1": {"ip": "10.0.0.1", "port": 830, "username": "netops",
                "auth": {"type": "password", "password": "pw1"}},
        "mx2": {"ip": "10.0.0.2", "port": 22, "username": "netops",
                "auth": {"type": "ssh_key", "private_key_path": "/keys/id"},
                "ssh_config": "/etc/ssh/jump.cfg"},
        "legacy": {"ip": "10.0.0.3", "port": 22, "username": "old", "password": "pw3"}
    })");
    ASSERT_EQ(inv.devices().size(), 3u);
    const device* mx1 = inv.find("mx1");
    ASSERT_NE(mx1, nullptr);
    EXPECT_EQ(mx1->ip, "10.0.0.1");
    EXPECT_EQ(mx1->port, 830);
    EXPECT_EQ(mx1->auth, device::auth_type::password);
    EXPECT_EQ(mx1->password.reveal(), "pw1");
    const device* mx2 = inv.find("mx2");
    ASSERT_NE(mx2, nullptr);
    EXPECT_EQ(mx2->auth, device::auth_type::ssh_key);
    EXPECT_EQ(mx2->private_key_path, "/keys/id");
    const device* legacy = inv.find("legacy");
    ASSERT_NE(legacy, nullptr);
    EXPECT_EQ(legacy->auth, device::auth_type::password);
    EXPECT_EQ(legacy->password.reveal(), "pw3");
    EXPECT_EQ(inv.find("nope"), nullptr);
    EXPECT_TRUE(inv.holds_passwords());
}

TEST(inventory, devices_are_sorted_by_name) {
    auto inv = inventory::parse(R"({
        "b": {"ip": "1.1.1.2", "username": "u", "password": "p"},
        "a": {"ip": "1.1.1.1", "username": "u", "password": "p"}})");
    ASSERT_EQ(inv.devices().size(), 2u);
    EXPECT_EQ(inv.devices()[0].name, "a");
    EXPECT_EQ(inv.devices()[0].port, 22) << "port defaults to 22";
}

TEST(inventory, errors_name_the_router_and_the_field) {
    EXPECT_NE(error_of(R"({"r1": {"port": 22, "username": "u", "password": "p"}})")
                  .find("router 'r1': field 'ip' is missing"),
              std::string::npos);
    EXPECT_NE(
        error_of(R"({"r2": {"ip": "1.1.1.1", "port": "22", "username": "u", "password": "p"}})")
            .find("router 'r2': field 'port' must be an integer"),
        std::string::npos);
    EXPECT_NE(
        error_of(R"({"r3": {"ip": "1.1.1.1", "port": 70000, "username": "u", "password": "p"}})")
            .find("field 'port' must be between 1 and 65535"),
        std::string::npos);
    EXPECT_NE(error_of(R"({"r4": {"ip": "1.1.1.1", "username": "u"}})")
                  .find("router 'r4': field 'auth' is missing"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"r5": {"ip": "1.1.1.1", "username": "u", "auth": {"type": "token"}}})")
                  .find("router 'r5': field 'auth.type' must be"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"r6": {"ip": "1.1.1.1", "username": "u", "auth": {"type": "ssh_key"}}})")
                  .find("router 'r6': field 'auth.private_key_path' is missing"),
              std::string::npos);
    EXPECT_NE(
        error_of(R"({"r7": {"ip": "1.1.1.1", "username": "u", "auth": {"type": "password"}}})")
            .find("router 'r7': field 'auth.password' is missing"),
        std::string::npos);
    EXPECT_NE(error_of(R"({"r8": {"ip": 17, "username": "u", "password": "p"}})")
                  .find("router 'r8': field 'ip' must be a string"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"r9": "10.0.0.9"})").find("router 'r9'"), std::string::npos);
}

TEST(inventory, rejects_files_that_are_not_an_inventory) {
    EXPECT_NE(error_of("[1,2]").find("JSON object keyed by router name"), std::string::npos);
    EXPECT_NE(error_of("{").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("{}").find("holds no routers"), std::string::npos);
    // A number beyond a double: nlohmann-json throws out_of_range, not parse_error (the
    // fuzzer's find: it escaped parse() and would have ended fanoutd at start or on SIGHUP).
    EXPECT_EQ(error_of(R"({"r1": {"ip": "10.0.0.1", "port": 1e999, "username": "u"}})"),
              "devices.json: not valid JSON (a number too large to represent)");
    EXPECT_THROW(inventory::load("/nonexistent/devices.json"), inventory_error);
}

TEST(inventory, error_messages_never_contain_passwords) {
    auto message = error_of(
        R"({"r1": {"ip": "1.1.1.1", "port": "x", "username": "u", "password": "hunter2-secret"}})");
    EXPECT_EQ(message.find("hunter2-secret"), std::string::npos) << message;
    // A syntax error inside the password itself: the JSON parser's message would quote it.
    auto broken =
        error_of(R"({"r1": {"ip": "1.1.1.1", "username": "u", "password": "hunter2-secret}})");
    EXPECT_NE(broken.find("not valid JSON"), std::string::npos) << broken;
    EXPECT_EQ(broken.find("hunter2"), std::string::npos) << broken;
}

TEST(inventory, loads_from_a_file) {
    fanout::testing::temp_dir dir;
    std::ofstream(dir.file("devices.json"))
        << R"({"r1": {"ip": "127.0.0.1", "port": 2222, "username": "u", "password": "p"}})";
    auto inv = inventory::load(dir.file("devices.json"));
    ASSERT_NE(inv.find("r1"), nullptr);
    EXPECT_EQ(inv.find("r1")->port, 2222);
}

TEST(inventory, a_router_defined_twice_is_refused_by_name) {
    auto message = error_of(
        R"({"r1": {"ip": "10.0.0.1", "username": "u", "password": "p"},
            "r2": {"ip": "10.0.0.2", "username": "u", "password": "p"},
            "r1": {"ip": "10.6.6.6", "username": "evil", "password": "q"}})");
    EXPECT_NE(message.find("'r1' is defined more than once"), std::string::npos) << message;
    // Inside an entry, a second "ip" would send r1's password to another address.
    auto inner = error_of(
        R"({"r1": {"ip": "10.0.0.1", "username": "u", "password": "p", "ip": "10.6.6.6"}})");
    EXPECT_NE(inner.find("'r1.ip' is defined more than once"), std::string::npos) << inner;
    // The same key in two different objects is no repeat.
    EXPECT_NO_THROW(inventory::parse(R"({"r1": {"ip": "10.0.0.1", "username": "u", "password": "p"},
                                         "r2": {"ip": "10.0.0.2", "username": "u", "password": "p"}})"));
}

TEST(inventory, a_router_name_with_a_control_character_is_refused) {
    // JSON escapes: the parsed names hold a newline, a carriage return, ESC and DEL.
    for (std::string name :
         {R"(r1\n[info] forged line)", R"(r1\r)", R"(r\u001b[31m)", R"(r\u007f)", R"(r\u009b2J)"}) {
        auto message = error_of(R"({")" + name +
                                R"(": {"ip": "10.0.0.1", "username": "u", "password": "p"}})");
        EXPECT_NE(message.find("control characters"), std::string::npos) << name << ": " << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << "the error itself must not break lines";
    }
}

TEST(inventory, a_fifo_is_refused_at_once_and_never_waited_on) {
    fanout::testing::temp_dir dir;
    ASSERT_EQ(mkfifo(dir.file("devices.json").c_str(), 0600), 0);
    try {
        inventory::load(
            dir.file("devices.json"));  // nobody ever writes: a blocking open would hang
        FAIL() << "a FIFO was accepted";
    } catch (const inventory_error& e) {
        EXPECT_NE(std::string(e.what()).find("is not a regular file"), std::string::npos);
    }
    EXPECT_THROW(inventory::load("/dev/zero"), inventory_error);
}

TEST(inventory, a_file_beyond_the_size_cap_is_refused_unread) {
    fanout::testing::temp_dir dir;
    {
        std::ofstream big(dir.file("devices.json"));
        big << "{}";
    }
    std::filesystem::resize_file(dir.file("devices.json"), max_inventory_bytes + 1);
    try {
        inventory::load(dir.file("devices.json"));
        FAIL() << "an oversized inventory was accepted";
    } catch (const inventory_error& e) {
        EXPECT_NE(std::string(e.what()).find("at most " + std::to_string(max_inventory_bytes)),
                  std::string::npos)
            << e.what();
    }
}

namespace {

std::string with_ssh(std::string_view ssh_block) {
    return R"({"r1": {"ip": "10.0.0.1", "username": "u", "password": "p", "ssh": )" +
           std::string(ssh_block) + "}}";
}

std::string algorithm_error_of(std::string_view ssh_block) {
    try {
        fanout::daemon::check_ssh_algorithms(inventory::parse(with_ssh(ssh_block)), "devices.json");
    } catch (const inventory_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST(inventory, reads_per_router_ssh_algorithm_lists) {
    auto inv = inventory::parse(R"({
        "old": {"ip": "10.0.0.1", "username": "u", "password": "p",
                "ssh": {"kex_algorithms": "diffie-hellman-group14-sha1,diffie-hellman-group1-sha1",
                        "host_key_algorithms": "ssh-rsa", "ciphers": "aes128-ctr",
                        "macs": "hmac-sha1"}},
        "new": {"ip": "10.0.0.2", "username": "u", "password": "p"}
    })");
    const auto& old = inv.find("old")->algorithms;
    EXPECT_EQ(old.key_exchange, "diffie-hellman-group14-sha1,diffie-hellman-group1-sha1");
    EXPECT_EQ(old.host_keys, "ssh-rsa");
    EXPECT_EQ(old.ciphers, "aes128-ctr");
    EXPECT_EQ(old.macs, "hmac-sha1");
    const auto& fresh = inv.find("new")->algorithms;
    EXPECT_TRUE(fresh.key_exchange.empty() && fresh.host_keys.empty() && fresh.ciphers.empty() &&
                fresh.macs.empty())
        << "no ssh block: the daemon's defaults";
    EXPECT_NO_THROW(fanout::daemon::check_ssh_algorithms(inv, "devices.json"))
        << "libssh supports these legacy algorithms even though they are off by default";
}

TEST(inventory, rejects_bad_ssh_blocks_naming_router_and_field) {
    EXPECT_EQ(error_of(with_ssh(R"("curve25519-sha256")")),
              "devices.json: router 'r1': field 'ssh' must be an object");
    EXPECT_EQ(error_of(with_ssh(R"({"kex": "curve25519-sha256"})")),
              "devices.json: router 'r1': field 'ssh.kex' is not a known SSH setting "
              "(kex_algorithms, host_key_algorithms, ciphers, macs)");
    EXPECT_EQ(error_of(with_ssh(R"({"ciphers": ["aes128-ctr"]})")),
              "devices.json: router 'r1': field 'ssh.ciphers' must be a string of "
              "comma-separated names");
    EXPECT_EQ(error_of(with_ssh(R"({"macs": ""})")),
              "devices.json: router 'r1': field 'ssh.macs' must hold 1-1024 characters");
    EXPECT_EQ(error_of(with_ssh(R"({"kex_algorithms": "curve25519-sha256,,ecdh-sha2-nistp256"})")),
              "devices.json: router 'r1': field 'ssh.kex_algorithms' has an empty name (check "
              "the commas)");
    EXPECT_EQ(error_of(with_ssh(R"({"host_key_algorithms": "ssh-ed25519, ssh-rsa"})")),
              "devices.json: router 'r1': field 'ssh.host_key_algorithms' may hold only "
              "algorithm names separated by commas, no spaces (got \" ssh-rsa\")");
}

TEST(inventory, rejects_algorithms_libssh_does_not_support_naming_router_field_and_name) {
    auto error = algorithm_error_of(R"({"kex_algorithms": "curve25519-sha256,curve-typo"})");
    EXPECT_EQ(error.rfind("devices.json: router 'r1': field 'ssh.kex_algorithms': 'curve-typo' is "
                          "not an algorithm this libssh (",
                          0),
              0u)
        << error;
    EXPECT_NE(
        algorithm_error_of(R"({"ciphers": "aes128-ctr,rot13"})").find("'ssh.ciphers': 'rot13'"),
        std::string::npos);
    EXPECT_NE(algorithm_error_of(R"({"macs": "hmac-md5000"})").find("'ssh.macs': 'hmac-md5000'"),
              std::string::npos);
    EXPECT_NE(algorithm_error_of(R"({"host_key_algorithms": "ssh-ed25519,ssh-foo"})")
                  .find("'ssh.host_key_algorithms': 'ssh-foo'"),
              std::string::npos);
    EXPECT_EQ(algorithm_error_of(R"({"kex_algorithms": "ecdh-sha2-nistp256", "ciphers": )"
                                 R"("aes256-gcm@openssh.com", "macs": "hmac-sha2-512"})"),
              "(no error)");
}

TEST(inventory, reads_groups_as_a_list_of_short_names) {
    auto inv = inventory::parse(R"({
        "r1": {"ip": "10.0.0.1", "username": "u", "password": "p", "groups": ["core", "lon-1.a_b"]},
        "r2": {"ip": "10.0.0.2", "username": "u", "password": "p", "groups": []},
        "r3": {"ip": "10.0.0.3", "username": "u", "password": "p"}})");
    EXPECT_EQ(inv.find("r1")->groups, (std::vector<std::string>{"core", "lon-1.a_b"}));
    EXPECT_TRUE(inv.find("r2")->groups.empty());
    EXPECT_TRUE(inv.find("r3")->groups.empty());
}

TEST(inventory, rejects_bad_groups_naming_router_and_field) {
    const auto with_groups = [](std::string_view groups) {
        return error_of(
            R"({"r1": {"ip": "10.0.0.1", "username": "u", "password": "p", "groups": )" +
            std::string(groups) + "}}");
    };
    EXPECT_NE(with_groups(R"("core")").find("router 'r1': field 'groups' must be a list"),
              std::string::npos);
    EXPECT_NE(with_groups(R"(["core", 7])").find("field 'groups[1]' must be a group name"),
              std::string::npos);
    EXPECT_NE(with_groups(R"(["core", "a b"])").find("field 'groups[1]'"), std::string::npos);
    EXPECT_NE(with_groups(R"(["@core"])").find("field 'groups[0]'"), std::string::npos);
    EXPECT_NE(with_groups(R"([""])").find("field 'groups[0]'"), std::string::npos);
    EXPECT_NE(with_groups("[\"" + std::string(65, 'g') + "\"]").find("field 'groups[0]'"),
              std::string::npos);
    EXPECT_NE(with_groups(R"(["core", "core"])").find("field 'groups' names 'core' twice"),
              std::string::npos);
    std::string many = "[";
    for (int i = 0; i < 65; ++i) many += (i ? ",\"g" : "\"g") + std::to_string(i) + "\"";
    EXPECT_NE(with_groups(many + "]").find("at most 64"), std::string::npos);
}
