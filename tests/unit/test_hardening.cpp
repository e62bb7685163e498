// Process hardening: no core dumps (they would hold the inventory's passwords), and who besides
// the owner may write the files fanoutd trusts.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "daemon/hardening.hpp"
#include "tests/support/temp_dir.hpp"

namespace fanout::daemon {
namespace {

TEST(hardening, the_process_becomes_undumpable_with_no_core_limit) {
    pid_t child = fork();  // the change is for the rest of a process's life: not this one's
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (!keep_secrets_out_of_core_dumps()) _exit(1);
        if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) _exit(2);
        rlimit core{};
        if (getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0 || core.rlim_max != 0)
            _exit(3);
        _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: refused, 2: still dumpable, 3: core limit not 0";
}

TEST(hardening, names_who_else_may_write_a_file) {
    testing::temp_dir dir;
    const auto path = dir.file("known_hosts");
    std::ofstream(path) << "";
    ASSERT_EQ(chmod(path.c_str(), 0644), 0);
    EXPECT_EQ(others_can_write(path), std::nullopt);
    ASSERT_EQ(chmod(path.c_str(), 0664), 0);
    EXPECT_EQ(others_can_write(path), "group");
    ASSERT_EQ(chmod(path.c_str(), 0646), 0);
    EXPECT_EQ(others_can_write(path), "others");
    ASSERT_EQ(chmod(path.c_str(), 0666), 0);
    EXPECT_EQ(others_can_write(path), "group and others");
    EXPECT_EQ(others_can_write(dir.file("missing")), std::nullopt);
}

}  // namespace
}  // namespace fanout::daemon
