// --state-dir: created private, used when private and fanoutd's own, refused (never chmod-ed)
// otherwise, also through a symbolic link.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "daemon/journal/state_dir.hpp"
#include "tests/support/temp_dir.hpp"

namespace fanout::daemon {
namespace {

mode_t mode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

std::string refusal(const std::string& path) {
    try {
        prepare_state_dir(path);
    } catch (const state_dir_error& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(state_dir, a_missing_directory_is_created_private_with_its_parents) {
    testing::temp_dir dir;
    const auto path = dir.file("a/b/state");
    prepare_state_dir(path);
    EXPECT_EQ(mode_of(path), 0700u);
    prepare_state_dir(path);  // and used again on the next start
    const auto slashed = dir.file("c/state/");
    prepare_state_dir(slashed);
    EXPECT_EQ(mode_of(dir.file("c/state")), 0700u) << "a trailing slash names the same directory";
}

TEST(state_dir, a_shared_directory_is_refused_and_left_as_it_was) {
    testing::temp_dir dir;
    const auto shared = dir.file("shared");
    ASSERT_EQ(::mkdir(shared.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);
    auto message = refusal(shared);
    EXPECT_NE(message.find(shared), std::string::npos) << message;
    EXPECT_NE(message.find("mode 1777"), std::string::npos) << message;
    EXPECT_EQ(mode_of(shared), 01777u) << "fanoutd must not chmod a directory it did not create";
    // The same directory behind a symbolic link.
    const auto link = dir.file("state-link");
    std::filesystem::create_directory_symlink(shared, link);
    EXPECT_NE(refusal(link).find("mode 1777"), std::string::npos);
    EXPECT_EQ(mode_of(shared), 01777u);
}

TEST(state_dir, a_group_readable_directory_is_refused) {
    testing::temp_dir dir;
    const auto path = dir.file("state");
    ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(path.c_str(), 0750), 0);
    EXPECT_NE(refusal(path).find("chmod 700"), std::string::npos);
    ASSERT_EQ(::chmod(path.c_str(), 0700), 0);
    EXPECT_EQ(refusal(path), "(accepted)");
}

TEST(state_dir, a_directory_of_another_user_is_refused) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory away";
    testing::temp_dir dir;
    const auto path = dir.file("state");
    ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
    ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
    EXPECT_NE(refusal(path).find("is owned by uid 65534"), std::string::npos);
}

TEST(state_dir, a_file_in_its_place_is_refused) {
    testing::temp_dir dir;
    const auto path = dir.file("state");
    ASSERT_EQ(::close(::creat(path.c_str(), 0600)), 0);
    EXPECT_NE(refusal(path).find("not a directory"), std::string::npos);
}

}  // namespace
}  // namespace fanout::daemon
