// ssh_config lookups through libssh's own parser: Host patterns, Match, first value wins,
// what libssh reports back, the ProxyJump form libssh 0.10.6 makes (pinned against the real
// parser), ProxyCommand %-expansion, and the files libssh would silently skip.
#include "daemon/ssh/ssh_config.hpp"

#include <gtest/gtest.h>
#include <libssh/libssh.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "tests/support/temp_dir.hpp"

using namespace fanout::daemon;

namespace {

class ssh_config_test : public ::testing::Test {
  protected:
    fanout::testing::temp_dir dir;
    std::string write(const std::string& text, const std::string& name = "config") {
        return dir.write(name, text);
    }
};

const char* sample = R"(
Host 10.0.0.1
  HostName r1.lab.example
  Port 2222
  User fileuser
  IdentityFile ~/keys/id_r1
  ProxyCommand nc %h %p
  Port 3333
Host 10.0.1.*
  ProxyJump jumper@bastion.example:2200
Host 10.0.2.1
  ProxyJump b1,admin@b2:2022,[fd00::9]:23
Match host 10.0.3.1
  User matched
  UserKnownHostsFile /dev/null
Host *
  Port 2200
)";

}  // namespace

TEST_F(ssh_config_test, host_block_gives_hostname_port_user_identity_and_proxy_command) {
    setenv("HOME", "/home/netops", 1);
    auto entry = lookup_ssh_config(write(sample), "10.0.0.1", 22);
    EXPECT_EQ(entry.hostname, "r1.lab.example");
    EXPECT_EQ(entry.port, 2222) << "first value wins, as in OpenSSH";
    EXPECT_EQ(entry.user, "fileuser");
    EXPECT_EQ(entry.identity_file, "/home/netops/keys/id_r1");
    EXPECT_EQ(entry.proxy_command, "nc %h %p") << "libssh reports it unexpanded";
    EXPECT_FALSE(entry.sets_known_hosts_file);
}

TEST_F(ssh_config_test, wildcard_and_match_blocks_apply_and_unmatched_hosts_keep_their_own) {
    auto file = write(sample);
    auto wild = lookup_ssh_config(file, "10.9.9.9", 830);
    EXPECT_EQ(wild.hostname, "10.9.9.9");
    EXPECT_EQ(wild.port, 2200) << "Host * gives Port";
    EXPECT_FALSE(wild.user);
    EXPECT_FALSE(wild.identity_file);
    EXPECT_FALSE(wild.proxy_command);
    auto matched = lookup_ssh_config(file, "10.0.3.1", 22);
    EXPECT_EQ(matched.user, "matched");
    EXPECT_TRUE(matched.sets_known_hosts_file);

    auto empty = lookup_ssh_config(write("Host other\n  Port 9\n", "empty"), "10.0.0.1", 830);
    EXPECT_EQ(empty.port, 830) << "no block applies: the port given stays";
}

TEST_F(ssh_config_test, proxy_jump_form_of_libssh_0_10_6_is_decoded_first_hop_first) {
    auto file = write(sample);
    auto one = lookup_ssh_config(file, "10.0.1.7", 22);
    ASSERT_TRUE(one.proxy_command);
    // Pinned: libssh 0.10.6's ssh_config_parse_proxy_jump. A libssh that writes another
    // form fails here, not in production.
    EXPECT_EQ(*one.proxy_command, "ssh -l jumper -p 2200 -W '[%h]:%p' bastion.example");
    auto hops = proxy_jump_hops(*one.proxy_command);
    ASSERT_TRUE(hops);
    ASSERT_EQ(hops->size(), 1u);
    EXPECT_EQ((*hops)[0].user, "jumper");
    EXPECT_EQ((*hops)[0].host, "bastion.example");
    EXPECT_EQ((*hops)[0].port, 2200);

    auto chain = lookup_ssh_config(file, "10.0.2.1", 22);
    ASSERT_TRUE(chain.proxy_command);
    EXPECT_EQ(*chain.proxy_command, "ssh -J admin@b2:2022,[fd00::9]:23 -W '[%h]:%p' b1");
    hops = proxy_jump_hops(*chain.proxy_command);
    ASSERT_TRUE(hops);
    ASSERT_EQ(hops->size(), 3u);
    EXPECT_EQ((*hops)[0].host, "b1");
    EXPECT_EQ((*hops)[0].user, "");
    EXPECT_FALSE((*hops)[0].port);
    EXPECT_EQ((*hops)[1].user, "admin");
    EXPECT_EQ((*hops)[1].host, "b2");
    EXPECT_EQ((*hops)[1].port, 2022);
    EXPECT_EQ((*hops)[2].host, "fd00::9");
    EXPECT_EQ((*hops)[2].port, 23);
}

TEST_F(ssh_config_test, a_proxy_command_of_the_users_own_is_not_a_jump) {
    EXPECT_FALSE(proxy_jump_hops("nc %h %p"));
    EXPECT_FALSE(proxy_jump_hops("ssh -q -W %h:%p bastion"));
    EXPECT_FALSE(proxy_jump_hops("ssh -W '[%h]:%p' two words"));
}

TEST_F(ssh_config_test, proxy_command_tokens_expand_as_openssh_does) {
    EXPECT_EQ(expand_proxy_command("nc %h %p # %r %n 100%%", "r1.lab", 2222, "netops", "10.0.0.1"),
              "nc r1.lab 2222 # netops 10.0.0.1 100%");
    EXPECT_THROW(expand_proxy_command("nc %h %d", "h", 22, "u", "h"), ssh_config_error);
    EXPECT_THROW(expand_proxy_command("nc %h 5%", "h", 22, "u", "h"), ssh_config_error);
    EXPECT_THROW(expand_proxy_command("nc %h %p", "h;reboot", 22, "u", "h"), ssh_config_error);
    EXPECT_THROW(expand_proxy_command("nc %r", "h", 22, "u $(id)", "h"), ssh_config_error);
}

TEST_F(ssh_config_test, missing_unreadable_odd_and_refused_files_are_errors_libssh_would_skip) {
    EXPECT_THROW(lookup_ssh_config(dir.file("nope"), "h", 22), ssh_config_error);
    EXPECT_THROW(lookup_ssh_config(dir.path(), "h", 22), ssh_config_error);  // a directory
    EXPECT_THROW(lookup_ssh_config(write("Host h\n  Match\n", "bad"), "h", 22), ssh_config_error);
    try {
        lookup_ssh_config(write("Host h\n  Match\n", "bad"), "h", 22);
    } catch (const ssh_config_error& e) {
        EXPECT_NE(std::string(e.what()).find("Match keyword requires an argument"),
                  std::string::npos)
            << e.what();
    }
    if (::geteuid() != 0) {  // root reads any file
        auto locked = write("Host *\n", "locked");
        ::chmod(locked.c_str(), 0);
        EXPECT_THROW(lookup_ssh_config(locked, "h", 22), ssh_config_error);
    }
}

TEST_F(ssh_config_test, a_log_level_in_the_file_leaves_the_process_log_level_alone) {
    int before = ssh_get_log_level();
    lookup_ssh_config(write("Host *\n  LogLevel DEBUG3\n"), "h", 22);
    EXPECT_EQ(ssh_get_log_level(), before);
}
