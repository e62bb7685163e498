// known_hosts_file when the file cannot be read: the last good set stays in force (a changed
// key is still refused, a known one still accepted), nothing is recorded, and a file never
// read successfully refuses every key. Reads fail here the way they did in the attack: every
// descriptor of the process is in use.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <vector>

#include "daemon/ssh/known_hosts.hpp"
#include "tests/support/temp_dir.hpp"

namespace fanout::daemon {
namespace {

const std::string key_a = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const std::string key_b = "AAAAC3NzaC1lZDI1NTE5AAAAIBq7uFuu0TtdJ8VLJKDKJnk0U2ndjBj7GC1wvBkhPDk0";

// The sanitizers' runtime needs descriptors of its own (UBSan checks that memory is readable
// through a pipe), so with every descriptor taken it reports false errors: there, the same
// failed reads come from a known_hosts path that is not a regular file instead.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif

// Holds every free descriptor (under a lowered soft limit) until destroyed.
class descriptors_exhausted {
  public:
    descriptors_exhausted() {
        getrlimit(RLIMIT_NOFILE, &saved_);
        rlimit low = saved_;
        low.rlim_cur = 256;
        setrlimit(RLIMIT_NOFILE, &low);
        for (int fd; (fd = dup(STDERR_FILENO)) >= 0;) held_.push_back(fd);
    }
    ~descriptors_exhausted() {
        for (int fd : held_) close(fd);
        setrlimit(RLIMIT_NOFILE, &saved_);
    }

  private:
    rlimit saved_{};
    std::vector<int> held_;
};

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
}

TEST(known_hosts_file, a_failed_read_keeps_the_last_good_keys) {
    if (sanitized) GTEST_SKIP() << "needs every descriptor taken; see a_path_turned_directory...";
    testing::temp_dir dir;
    const auto path = dir.file("known_hosts");
    write_file(path, "10.0.0.1 ssh-ed25519 " + key_a + "\n");
    known_hosts_file file(path);
    ASSERT_EQ(file.check("10.0.0.1", key_a), host_key_match::known);
    // The file changes on disk (so it must be read again), and then it cannot be read.
    write_file(path, "# edited\n10.0.0.1 ssh-ed25519 " + key_a + "\n");
    {
        descriptors_exhausted no_fds;
        EXPECT_EQ(file.check("10.0.0.1", key_b), host_key_match::changed);  // not `unknown`
        EXPECT_EQ(file.check("10.0.0.1", key_a), host_key_match::known);
        EXPECT_EQ(file.add("10.0.0.9", "ssh-ed25519", key_b), host_key_match::unreadable);
    }
    EXPECT_EQ(file.check("10.0.0.9", key_b), host_key_match::unknown) << "nothing was recorded";
    EXPECT_EQ(file.check("10.0.0.1", key_b), host_key_match::changed);
}

TEST(known_hosts_file, a_file_never_read_refuses_every_key) {
    if (sanitized) GTEST_SKIP() << "needs every descriptor taken; see a_fifo_is_unreadable...";
    testing::temp_dir dir;
    const auto path = dir.file("known_hosts");
    write_file(path, "10.0.0.1 ssh-ed25519 " + key_a + "\n");
    known_hosts_file file(path);
    {
        descriptors_exhausted no_fds;
        EXPECT_EQ(file.check("10.0.0.1", key_a), host_key_match::unreadable);
        EXPECT_EQ(file.check("10.0.0.2", key_b), host_key_match::unreadable);
        EXPECT_EQ(file.add("10.0.0.2", "ssh-ed25519", key_b), host_key_match::unreadable);
    }
    EXPECT_EQ(file.check("10.0.0.1", key_a), host_key_match::known) << "read again once it can be";
}

TEST(known_hosts_file, a_missing_file_is_empty) {
    testing::temp_dir dir;
    known_hosts_file file(dir.file("known_hosts"));
    EXPECT_EQ(file.check("10.0.0.1", key_a), host_key_match::unknown);
    EXPECT_EQ(file.add("10.0.0.1", "ssh-ed25519", key_a), host_key_match::known);
    EXPECT_EQ(file.check("10.0.0.1", key_a), host_key_match::known);
}

TEST(known_hosts_file, a_fifo_is_unreadable_and_never_blocks_a_lookup) {
    testing::temp_dir dir;
    const auto path = dir.file("known_hosts");
    ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);  // nobody writes: opening it would block
    known_hosts_file file(path);
    EXPECT_EQ(file.check("10.0.0.1", key_a), host_key_match::unreadable);
}

TEST(known_hosts_file, a_path_turned_directory_keeps_the_last_good_keys) {
    testing::temp_dir dir;
    const auto path = dir.file("known_hosts");
    write_file(path, "10.0.0.1 ssh-ed25519 " + key_a + "\n");
    known_hosts_file file(path);
    ASSERT_EQ(file.check("10.0.0.1", key_a), host_key_match::known);
    ASSERT_EQ(::unlink(path.c_str()), 0);
    ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);  // read as a file, this is empty: keys all gone
    EXPECT_EQ(file.check("10.0.0.1", key_b), host_key_match::changed);  // not `unknown`
    EXPECT_EQ(file.add("10.0.0.9", "ssh-ed25519", key_b), host_key_match::unreadable);
}

}  // namespace
}  // namespace fanout::daemon
