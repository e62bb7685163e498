// known_hosts_file: OpenSSH known_hosts semantics (plain, port, hashed, wildcard, negated,
// @revoked, @cert-authority), appends, reloads on change, concurrent appends.
#include "daemon/ssh/known_hosts.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/sshd_server.hpp"

namespace fanout::daemon {
namespace {

using testing::run_tool;
using testing::temp_dir;

struct key_pair_text {
    std::string type;
    std::string blob;
};

key_pair_text make_key(const temp_dir& dir, const std::string& name) {
    run_tool({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.file(name)});
    std::ifstream in(dir.file(name + ".pub"));
    key_pair_text key;
    in >> key.type >> key.blob;
    return key;
}

void write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
}

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class known_hosts_test : public ::testing::Test {
  protected:
    temp_dir dir;
    key_pair_text a = make_key(dir, "a");
    key_pair_text b = make_key(dir, "b");
    std::string path = dir.file("known_hosts");

    std::string line(const std::string& hosts, const key_pair_text& key) const {
        return hosts + " " + key.type + " " + key.blob + "\n";
    }
};

TEST_F(known_hosts_test, host_names_follow_openssh) {
    EXPECT_EQ(known_hosts_file::host_name("10.0.0.1", 22), "10.0.0.1");
    EXPECT_EQ(known_hosts_file::host_name("10.0.0.1", 2222), "[10.0.0.1]:2222");
}

TEST_F(known_hosts_test, plain_entries_match_by_host_and_port) {
    write(path, "# comment\n\n" + line("10.0.0.1,[10.0.0.2]:2222", a) + line("[10.0.0.3]:22", a));
    known_hosts_file file(path);
    EXPECT_EQ(file.check("10.0.0.1", a.blob), host_key_match::known);
    EXPECT_EQ(file.check("10.0.0.1", b.blob), host_key_match::changed);
    EXPECT_EQ(file.check("[10.0.0.2]:2222", a.blob), host_key_match::known);
    EXPECT_EQ(file.check("10.0.0.2", a.blob), host_key_match::unknown);  // other port
    EXPECT_EQ(file.check("10.0.0.3", a.blob), host_key_match::known);    // [h]:22 is h
    EXPECT_EQ(file.check("10.0.0.9", a.blob), host_key_match::unknown);
    EXPECT_EQ(file.key_types("10.0.0.1"), std::vector<std::string>{"ssh-ed25519"});
    EXPECT_TRUE(file.key_types("10.0.0.9").empty());
}

TEST_F(known_hosts_test, a_missing_file_knows_no_host) {
    known_hosts_file file(dir.file("absent"));
    EXPECT_EQ(file.check("10.0.0.1", a.blob), host_key_match::unknown);
}

TEST_F(known_hosts_test, hashed_entries_match) {
    write(path, line("[10.0.0.1]:2222", a) + line("10.0.0.2", b));
    run_tool({"/usr/bin/ssh-keygen", "-q", "-H", "-f", path});
    ASSERT_EQ(read(path).find("10.0.0"), std::string::npos);  // really hashed
    known_hosts_file file(path);
    EXPECT_EQ(file.check("[10.0.0.1]:2222", a.blob), host_key_match::known);
    EXPECT_EQ(file.check("[10.0.0.1]:2222", b.blob), host_key_match::changed);
    EXPECT_EQ(file.check("10.0.0.2", b.blob), host_key_match::known);
    EXPECT_EQ(file.check("10.0.0.3", b.blob), host_key_match::unknown);
}

TEST_F(known_hosts_test, wildcards_and_negations_follow_openssh) {
    write(path, line("10.1.0.*,!10.1.0.9", a));
    known_hosts_file file(path);
    EXPECT_EQ(file.check("10.1.0.5", a.blob), host_key_match::known);
    EXPECT_EQ(file.check("10.1.0.5", b.blob), host_key_match::changed);
    EXPECT_EQ(file.check("10.1.0.9", a.blob), host_key_match::unknown);
    EXPECT_EQ(file.check("10.2.0.5", a.blob), host_key_match::unknown);
}

TEST_F(known_hosts_test, revoked_keys_are_refused_and_cert_authorities_ignored) {
    write(path, "@revoked * " + a.type + " " + a.blob + "\n" + line("10.0.0.1", a) +
                    "@cert-authority 10.0.0.2 " + b.type + " " + b.blob + "\n");
    known_hosts_file file(path);
    EXPECT_EQ(file.check("10.0.0.1", a.blob), host_key_match::revoked);
    EXPECT_EQ(file.check("10.0.0.2", b.blob), host_key_match::unknown);
}

TEST_F(known_hosts_test, add_appends_once_and_never_over_a_changed_key) {
    write(path, "10.0.0.1 " + a.type + " " + a.blob);  // no final newline
    known_hosts_file file(path);
    EXPECT_EQ(file.add("[10.0.0.2]:830", b.type, b.blob), host_key_match::known);
    EXPECT_EQ(file.add("[10.0.0.2]:830", b.type, b.blob), host_key_match::known);
    EXPECT_EQ(file.add("10.0.0.1", b.type, b.blob), host_key_match::changed);
    EXPECT_EQ(read(path), line("10.0.0.1", a) + line("[10.0.0.2]:830", b));
    // A fresh reader sees what was written.
    known_hosts_file again(path);
    EXPECT_EQ(again.check("[10.0.0.2]:830", b.blob), host_key_match::known);
}

TEST_F(known_hosts_test, add_creates_a_missing_file) {
    known_hosts_file file(path);
    EXPECT_EQ(file.add("10.0.0.7", a.type, a.blob), host_key_match::known);
    EXPECT_EQ(read(path), line("10.0.0.7", a));
}

TEST_F(known_hosts_test, an_edited_file_is_read_again) {
    write(path, line("10.0.0.1", a));
    known_hosts_file file(path);
    EXPECT_EQ(file.check("10.0.0.1", a.blob), host_key_match::known);
    write(path, line("10.0.0.1", b) + "# the size differs from before\n");
    EXPECT_EQ(file.check("10.0.0.1", a.blob), host_key_match::changed);
    EXPECT_EQ(file.check("10.0.0.1", b.blob), host_key_match::known);
}

TEST_F(known_hosts_test, the_shared_instance_is_one_per_file) {
    auto first = known_hosts_file::shared(path);
    auto second = known_hosts_file::shared(dir.path() + "/./known_hosts");
    EXPECT_EQ(first.get(), second.get());
    EXPECT_NE(first.get(), known_hosts_file::shared(dir.file("other")).get());
}

TEST_F(known_hosts_test, concurrent_adds_write_whole_lines) {
    auto file = known_hosts_file::shared(path);
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i)
        threads.emplace_back([&, i] {
            for (int j = 0; j < 20; ++j)
                file->add("[10.0." + std::to_string(i) + "." + std::to_string(j) + "]:22" +
                              std::to_string(i),
                          a.type, a.blob);
        });
    for (auto& t : threads) t.join();
    std::istringstream lines(read(path));
    int count = 0;
    for (std::string text; std::getline(lines, text); ++count)
        EXPECT_NE(text.find(" " + a.type + " " + a.blob), std::string::npos) << text;
    EXPECT_EQ(count, 16 * 20);
    known_hosts_file fresh(path);
    EXPECT_EQ(fresh.check("[10.0.15.19]:2215", a.blob), host_key_match::known);
}

}  // namespace
}  // namespace fanout::daemon
