// The audit file (issue 14): created 0600 and appended to across restarts, refused when it is
// open to group or others, a symlink or not a regular file; a failed write (disk full, here
// RLIMIT_FSIZE, which fails writes with EFBIG as a full file system fails them with ENOSPC)
// leaves only whole lines, holds the records in order and writes them once it can; beyond
// max_held the oldest are dropped and an audit_records_lost record counts them.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/audit/audit_log.hpp"
#include "tests/support/temp_dir.hpp"

namespace fanout::daemon {
namespace {

using fanout::testing::temp_dir;

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string text_of(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string record(int n) {
    return nlohmann::json{{"event", "submit"}, {"n", n}}.dump();
}

// Writes past `bytes` of any file fail with EFBIG until lift().
class disk_full {
  public:
    explicit disk_full(std::uintmax_t bytes) {
        std::signal(SIGXFSZ, SIG_IGN);
        if (::getrlimit(RLIMIT_FSIZE, &saved_) != 0) throw std::runtime_error("getrlimit");
        rlimit lower = saved_;
        lower.rlim_cur = static_cast<rlim_t>(bytes);
        if (::setrlimit(RLIMIT_FSIZE, &lower) != 0) throw std::runtime_error("setrlimit");
    }
    disk_full(const disk_full&) = delete;
    disk_full& operator=(const disk_full&) = delete;
    ~disk_full() { lift(); }
    void lift() { ::setrlimit(RLIMIT_FSIZE, &saved_); }

  private:
    rlimit saved_{};
};

TEST(audit_log, creates_the_file_0600_and_appends_one_line_per_record_across_restarts) {
    temp_dir dir;
    const auto path = dir.file("audit.jsonl");
    {
        audit_log file(path);
        EXPECT_TRUE(file.append(record(1)));
        EXPECT_TRUE(file.append(record(2)));
    }
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    {
        audit_log again(path);  // a restart appends
        EXPECT_TRUE(again.append(record(3)));
        EXPECT_TRUE(again.writable());
    }
    auto lines = lines_of(path);
    ASSERT_EQ(lines.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(nlohmann::json::parse(lines[i]).at("n"), i + 1);
}

TEST(audit_log, refuses_a_file_open_to_group_or_others_naming_the_fix) {
    temp_dir dir;
    const auto path = dir.file("audit.jsonl");
    std::ofstream(path) << record(1) << "\n";
    for (mode_t mode : {0644, 0640, 0602}) {
        ::chmod(path.c_str(), mode);
        try {
            audit_log file(path);
            ADD_FAILURE() << "mode " << std::oct << mode << " was accepted";
        } catch (const audit_log_error& e) {
            EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos) << e.what();
        }
    }
    ::chmod(path.c_str(), 0600);
    EXPECT_NO_THROW(audit_log{path});
    EXPECT_EQ(text_of(path), record(1) + "\n");  // never truncated
}

TEST(audit_log, refuses_a_symlink_and_a_directory) {
    temp_dir dir;
    const auto target = dir.file("target");
    std::ofstream(target) << "";
    ::chmod(target.c_str(), 0600);
    std::filesystem::create_symlink(target, dir.file("link"));
    EXPECT_THROW(audit_log{dir.file("link")}, audit_log_error);
    std::filesystem::create_directory(dir.file("sub"));
    EXPECT_THROW(audit_log{dir.file("sub")}, audit_log_error);
    EXPECT_THROW(audit_log{dir.file("missing/audit.jsonl")}, audit_log_error);
}

TEST(audit_log, a_full_disk_leaves_whole_lines_and_the_held_records_follow_in_order) {
    temp_dir dir;
    const auto path = dir.file("audit.jsonl");
    audit_log file(path);
    ASSERT_TRUE(file.append(record(1)));
    const auto first = std::filesystem::file_size(path);
    {
        disk_full full(first + 5);  // room for part of the next record only
        EXPECT_FALSE(file.append(record(2)));
        EXPECT_FALSE(file.append(record(3)));
        EXPECT_FALSE(file.writable());
        EXPECT_EQ(std::filesystem::file_size(path), first) << "a partial record stayed";
        full.lift();
        EXPECT_TRUE(file.writable());
    }
    EXPECT_TRUE(file.append(record(4)));
    auto lines = lines_of(path);
    ASSERT_EQ(lines.size(), 4u) << text_of(path);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(nlohmann::json::parse(lines[i]).at("n"), i + 1);
}

TEST(audit_log, beyond_max_held_the_oldest_are_dropped_and_counted) {
    temp_dir dir;
    const auto path = dir.file("audit.jsonl");
    audit_log file(path, 2);
    {
        disk_full full(0);
        for (int i = 1; i <= 5; ++i) EXPECT_FALSE(file.append(record(i)));
    }
    EXPECT_TRUE(file.append(record(6)));
    auto lines = lines_of(path);
    ASSERT_EQ(lines.size(), 3u) << text_of(path);
    auto lost = nlohmann::json::parse(lines[0]);
    EXPECT_EQ(lost.at("event"), "audit_records_lost");
    EXPECT_EQ(lost.at("count"), 4);  // 1 to 4: only the last two (5, 6) fit
    EXPECT_EQ(nlohmann::json::parse(lines[1]).at("n"), 5);
    EXPECT_EQ(nlohmann::json::parse(lines[2]).at("n"), 6);
}

}  // namespace
}  // namespace fanout::daemon
