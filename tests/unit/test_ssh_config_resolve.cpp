// devices.json's ssh_config applied at load: the precedence between the file and the entry
// (PyEZ's), ProxyCommand expansion, ProxyJump mapped onto bastion devices, the ignored
// host-key settings (warned about), and load errors naming the router and the file.
#include "daemon/ssh/ssh_config_resolve.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.hpp"

using namespace fanout::daemon;

namespace {

class resolve_test : public ::testing::Test {
  protected:
    fanout::testing::temp_dir dir;
    std::string write(const std::string& text, const std::string& name = "config") {
        return dir.write(name, text);
    }
    // One router "r1" (key auth) with `extra` JSON members.
    inventory one(
        const std::string& extra, const std::string& ip = "10.0.0.1",
        const std::string& auth = R"({"type": "ssh_key", "private_key_path": "/k/own"})") {
        return inventory::parse(R"({"r1": {"ip": ")" + ip +
                                R"(", "port": 22, "username": "netops", "auth": )" + auth +
                                (extra.empty() ? "" : ", " + extra) + "}}");
    }
    std::string entry(const std::string& file) { return R"("ssh_config": ")" + file + R"(")"; }
};

std::string error_of(const inventory& loaded) {
    try {
        resolve_ssh_configs(loaded);
    } catch (const inventory_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_F(resolve_test, inventory_key_is_read_and_tilde_expanded) {
    setenv("HOME", "/home/ops", 1);
    auto inv = one(R"("ssh_config": "~/.ssh/jump.cfg")");
    EXPECT_EQ(inv.find("r1")->ssh_config, "/home/ops/.ssh/jump.cfg");
    EXPECT_EQ(inv.find("r1")->ssh_config_host, "10.0.0.1");
    EXPECT_THROW(one(R"("ssh_config": 7)"), inventory_error);
    EXPECT_THROW(one(R"("ssh_config": "")"), inventory_error);
    EXPECT_THROW(one(R"("ssh_config": "~bob/cfg")"), inventory_error);
    EXPECT_TRUE(one("").find("r1")->ssh_config.empty());
}

TEST_F(resolve_test, file_wins_for_hostname_port_and_proxy_command_entry_wins_for_user_and_key) {
    auto file = write(R"(
Host 10.0.0.1
  HostName r1.lab.example
  Port 2222
  User fileuser
  IdentityFile /k/file
  ProxyCommand nc -w 5 %h %p # as %r for %n
)");
    auto resolved = resolve_ssh_configs(one(entry(file)));
    const device* r1 = resolved.devices.find("r1");
    ASSERT_NE(r1, nullptr);
    EXPECT_EQ(r1->ip, "r1.lab.example");
    EXPECT_EQ(r1->port, 2222);
    EXPECT_EQ(r1->username, "netops") << "PyEZ: Device(user=...) wins over User";
    EXPECT_EQ(r1->private_key_path, "/k/own") << "ncclient: key_filename wins over IdentityFile";
    EXPECT_EQ(r1->proxy_command, "nc -w 5 r1.lab.example 2222 # as netops for 10.0.0.1");
    EXPECT_EQ(r1->ssh_config_host, "10.0.0.1") << "connect-time lookups use the name as written";
    EXPECT_TRUE(r1->jump.empty());
    EXPECT_TRUE(resolved.warnings.empty());
}

TEST_F(resolve_test, a_router_no_block_applies_to_is_unchanged) {
    auto file = write("Host 192.0.2.*\n  Port 2222\n");
    auto resolved = resolve_ssh_configs(one(entry(file)));
    const device* r1 = resolved.devices.find("r1");
    EXPECT_EQ(r1->ip, "10.0.0.1");
    EXPECT_EQ(r1->port, 22);
    EXPECT_TRUE(r1->proxy_command.empty());
}

TEST_F(resolve_test, proxy_jump_becomes_bastion_devices_first_hop_first) {
    auto file = write(R"(
Host b1
  HostName 192.0.2.1
  User hopper
  Port 2201
  IdentityFile /k/hop1
Host 10.0.0.*
  ProxyJump b1,admin@b2:2022
)");
    auto resolved = resolve_ssh_configs(one(entry(file)));
    const device* r1 = resolved.devices.find("r1");
    ASSERT_NE(r1, nullptr);
    ASSERT_EQ(r1->jump, (std::vector<std::string>{"hopper@192.0.2.1:2201", "admin@b2:2022"}));
    EXPECT_TRUE(r1->proxy_command.empty()) << "no `ssh -W` process";
    const device* b1 = resolved.devices.find("hopper@192.0.2.1:2201");
    ASSERT_NE(b1, nullptr);
    EXPECT_TRUE(b1->bastion);
    EXPECT_EQ(b1->ip, "192.0.2.1");
    EXPECT_EQ(b1->port, 2201);
    EXPECT_EQ(b1->username, "hopper");
    EXPECT_EQ(b1->auth, device::auth_type::ssh_key);
    EXPECT_EQ(b1->private_key_path, "/k/hop1");
    const device* b2 = resolved.devices.find("admin@b2:2022");
    ASSERT_NE(b2, nullptr);
    EXPECT_TRUE(b2->bastion);
    EXPECT_EQ(b2->auth, device::auth_type::ssh_key) << "no IdentityFile: the router's own key";
    EXPECT_EQ(b2->private_key_path, "/k/own");
    EXPECT_EQ(resolved.devices.devices().size(), 3u);
    // A router that logs in by password: its password would go to the bastion. Refused.
    auto error =
        error_of(one(entry(file), "10.0.0.1", R"({"type": "password", "password": "pw"})"));
    EXPECT_NE(error.find("never sends to a bastion"), std::string::npos) << error;
}

TEST_F(resolve_test, a_bastion_entry_with_a_proxy_in_its_ssh_config_is_refused) {
    auto file = write("Host 10.*\n  ProxyCommand nc %h %p\n");
    auto loaded = inventory::parse(
        R"({"j1": {"ip": "10.0.0.9", "username": "u", "role": "bastion", "ssh_config": ")" + file +
        R"(", "auth": {"type": "ssh_key", "private_key_path": "/k/j"}},
            "r1": {"ip": "192.0.2.1", "username": "u", "jump": ["j1"],
                   "auth": {"type": "ssh_key", "private_key_path": "/k/r"}}})");
    auto error = error_of(loaded);
    EXPECT_NE(error.find("'j1'"), std::string::npos) << error;
    EXPECT_NE(error.find("is a bastion"), std::string::npos) << error;
}

TEST_F(resolve_test, routers_sharing_a_hop_share_one_bastion_and_must_agree_on_its_auth) {
    auto file = write("Host 10.*\n  ProxyJump jump.example\n");
    auto two = [&](const char* key2) {
        return inventory::parse(
            R"({"a": {"ip": "10.0.0.1", "username": "u", "ssh_config": ")" + file +
            R"(", "auth": {"type": "ssh_key", "private_key_path": "/k/a"}},
                "b": {"ip": "10.0.0.2", "username": "u", "ssh_config": ")" +
            file + R"(", "auth": {"type": "ssh_key", "private_key_path": ")" + key2 + R"("}}})");
    };
    auto shared = resolve_ssh_configs(two("/k/a"));
    EXPECT_EQ(shared.devices.devices().size(), 3u);
    EXPECT_EQ(shared.devices.find("a")->jump, shared.devices.find("b")->jump);
    auto error = error_of(two("/k/other"));
    EXPECT_NE(error.find("IdentityFile"), std::string::npos) << error;
    EXPECT_NE(error.find("u@jump.example:22"), std::string::npos) << error;
}

TEST_F(resolve_test, an_inventory_bastion_of_the_hop_name_is_used_as_it_is) {
    auto file = write("Host 10.*\n  ProxyJump ops@jump.example:22\n");
    auto loaded = one(entry(file));
    auto devices = loaded.devices();
    device listed;
    listed.name = "ops@jump.example:22";
    listed.ip = "198.51.100.7";
    listed.username = "ops";
    listed.bastion = true;
    devices.push_back(listed);
    auto resolved = resolve_ssh_configs(inventory::from_devices(devices));
    EXPECT_EQ(resolved.devices.find("ops@jump.example:22")->ip, "198.51.100.7");
    EXPECT_EQ(resolved.devices.devices().size(), 2u);
}

TEST_F(resolve_test, host_key_settings_are_ignored_with_one_warning_naming_router_and_file) {
    auto file = write(R"(
Host *
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
)");
    auto resolved = resolve_ssh_configs(one(entry(file)));
    ASSERT_EQ(resolved.warnings.size(), 2u);
    for (const auto& w : resolved.warnings) {
        EXPECT_NE(w.find("'r1'"), std::string::npos) << w;
        EXPECT_NE(w.find(file), std::string::npos) << w;
        EXPECT_NE(w.find("ignored"), std::string::npos) << w;
    }
    EXPECT_NE(resolved.warnings[0].find("UserKnownHostsFile"), std::string::npos);
    EXPECT_NE(resolved.warnings[1].find("StrictHostKeyChecking"), std::string::npos);
}

TEST_F(resolve_test, load_errors_name_the_router_and_the_file) {
    for (const auto& [file, why] : std::vector<std::pair<std::string, std::string>>{
             {dir.file("missing"), "cannot be read"},
             {dir.path(), "not a regular file"},
             {write("Host *\n  Match\n", "bad"), "refused by libssh"},
             {write("Host *\n  ProxyCommand nc %h %d\n", "token"), "%d"},
             {write("Host *\n  ProxyJump b1\nHost b1\n  ProxyCommand nc %h %p\n", "hop"),
              "ProxyJump none"},
         }) {
        auto error = error_of(one(entry(file)));
        EXPECT_NE(error.find("router 'r1'"), std::string::npos) << error;
        EXPECT_NE(error.find(file), std::string::npos) << error;
        EXPECT_NE(error.find(why), std::string::npos) << error;
    }
}

TEST_F(resolve_test, a_proxy_from_the_file_and_a_jump_of_the_entry_conflict) {
    auto file = write("Host *\n  ProxyCommand nc %h %p\n");
    auto devices = one(entry(file)).devices();
    devices[0].jump = {"b"};
    auto error = error_of(inventory::from_devices(devices));
    EXPECT_NE(error.find("\"jump\""), std::string::npos) << error;
}
