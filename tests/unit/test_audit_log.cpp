// The audit file (issue 14): created 0600 and appended to across restarts, refused when it is
// open to group or others, a symlink or not a regular file; a failed write (disk full, here
// RLIMIT_FSIZE, which fails writes with EFBIG as a full file system fails them with ENOSPC)
// leaves only whole lines, holds the records in order and writes them once it can; beyond
// max_held the oldest are dropped and an audit_records_lost record counts them. reopen() (SIGHUP,
// logrotate) sends later records to a new file at the path, held ones first; a reopen that fails
// its checks keeps the old descriptor; appends racing reopens land each exactly once.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/audit/audit_log.hpp"
#include "tests/support/disk_full.hpp"
#include "tests/support/temp_dir.hpp"

namespace fanout::daemon {
namespace {

using fanout::testing::disk_full;
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

// The `n` of every line of `path`, in order.
std::vector<int> numbers_in(const std::string& path) {
    std::vector<int> out;
    for (const auto& line : lines_of(path)) out.push_back(nlohmann::json::parse(line).at("n"));
    return out;
}

TEST(audit_log, reopen_after_a_rename_writes_the_new_records_to_a_new_0600_file) {
    temp_dir dir;
    const auto path = dir.file("audit.jsonl");
    const auto rotated = dir.file("audit.jsonl.1");
    audit_log file(path);
    ASSERT_TRUE(file.append(record(1)));
    std::filesystem::rename(path, rotated);  // logrotate
    ASSERT_TRUE(file.append(record(2)));     // before the SIGHUP: still the open file
    ASSERT_TRUE(file.reopen());
    ASSERT_TRUE(file.append(record(3)));
    EXPECT_EQ(numbers_in(rotated), (std::vector<int>{1, 2}));
    EXPECT_EQ(numbers_in(path), (std::vector<int>{3}));
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    ASSERT_TRUE(file.reopen());  // nothing rotated: the same file, appended to
    ASSERT_TRUE(file.append(record(4)));
    EXPECT_EQ(numbers_in(path), (std::vector<int>{3, 4}));
}

TEST(audit_log, a_failed_reopen_keeps_writing_to_the_old_descriptor) {
    temp_dir dir;
    const auto path = dir.file("audit.jsonl");
    const auto rotated = dir.file("audit.jsonl.1");
    audit_log file(path);
    ASSERT_TRUE(file.append(record(1)));
    std::filesystem::rename(path, rotated);
    std::ofstream(path).flush();  // created by someone else, 0644 under the usual umask
    ::chmod(path.c_str(), 0644);
    EXPECT_FALSE(file.reopen());
    ASSERT_TRUE(file.append(record(2)));
    EXPECT_EQ(numbers_in(rotated), (std::vector<int>{1, 2}));
    EXPECT_EQ(text_of(path), "");
    std::filesystem::remove(path);  // a symlink at the path is refused too
    std::filesystem::create_symlink(rotated, path);
    EXPECT_FALSE(file.reopen());
    ASSERT_TRUE(file.append(record(3)));
    std::filesystem::remove(path);
    std::filesystem::create_directory(path);  // and a directory
    EXPECT_FALSE(file.reopen());
    ASSERT_TRUE(file.append(record(4)));
    EXPECT_EQ(numbers_in(rotated), (std::vector<int>{1, 2, 3, 4}));
    std::filesystem::remove(path);
    ASSERT_TRUE(file.reopen());  // fixed: the next SIGHUP takes
    ASSERT_TRUE(file.append(record(5)));
    EXPECT_EQ(numbers_in(path), (std::vector<int>{5}));
    EXPECT_EQ(numbers_in(rotated), (std::vector<int>{1, 2, 3, 4}));
}

TEST(audit_log, records_held_by_a_full_disk_go_to_the_new_file_first) {
    temp_dir dir;
    const auto path = dir.file("audit.jsonl");
    const auto rotated = dir.file("audit.jsonl.1");
    audit_log file(path);
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(file.append(record(i)));
    const auto size = std::filesystem::file_size(path);
    {
        // The old file is full; a new one has room for a few records (the limit is per file).
        disk_full full(size + 5);
        EXPECT_FALSE(file.append(record(4)));
        EXPECT_FALSE(file.append(record(5)));
        std::filesystem::rename(path, rotated);
        EXPECT_TRUE(file.reopen());
        EXPECT_TRUE(file.writable()) << "the held records were not written to the new file";
    }
    ASSERT_TRUE(file.append(record(6)));
    EXPECT_EQ(numbers_in(rotated), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(numbers_in(path), (std::vector<int>{4, 5, 6}));
}

TEST(audit_log, appends_racing_reopens_land_each_in_exactly_one_file) {
    temp_dir dir;
    const auto path = dir.file("audit.jsonl");
    audit_log file(path);
    constexpr int threads = 2, per_thread = 300, rotations = 20;
    std::vector<std::thread> appenders;
    for (int t = 0; t < threads; ++t)
        appenders.emplace_back([&file, t] {
            for (int i = 0; i < per_thread; ++i) file.append(record(t * per_thread + i));
        });
    for (int r = 1; r <= rotations; ++r) {
        std::filesystem::rename(path, path + "." + std::to_string(r));
        EXPECT_TRUE(file.reopen());
    }
    for (auto& a : appenders) a.join();
    std::vector<int> seen = numbers_in(path);
    for (int r = 1; r <= rotations; ++r)
        for (int n : numbers_in(path + "." + std::to_string(r))) seen.push_back(n);
    std::sort(seen.begin(), seen.end());
    std::vector<int> all(threads * per_thread);
    for (int i = 0; i < threads * per_thread; ++i) all[static_cast<std::size_t>(i)] = i;
    EXPECT_EQ(seen, all);
}

// A client retrying refused submits while the disk is full must not push job_ends out: they are
// never among the records dropped beyond the held limit.
TEST(audit_log, a_record_that_may_not_be_dropped_is_held_beyond_the_limit) {
    temp_dir dir;
    const auto path = dir.file("audit.jsonl");
    audit_log file(path, /*max_held=*/2);
    ASSERT_TRUE(file.append(record(1)));
    {
        disk_full full(std::filesystem::file_size(path));
        EXPECT_FALSE(file.append(record(2), /*droppable=*/false));
        for (int n = 3; n <= 6; ++n) EXPECT_FALSE(file.append(record(n)));
    }
    ASSERT_TRUE(file.writable());
    const auto lines = lines_of(path);
    ASSERT_EQ(lines.size(), 4u);  // 1, the lost count (3, 4, 5), 2, 6
    EXPECT_EQ(nlohmann::json::parse(lines[1]).at("event"), "audit_records_lost");
    EXPECT_EQ(nlohmann::json::parse(lines[1]).at("count"), 3);
    EXPECT_EQ(nlohmann::json::parse(lines[2]).at("n"), 2) << "the kept record was dropped";
    EXPECT_EQ(nlohmann::json::parse(lines[3]).at("n"), 6);
}

}  // namespace
}  // namespace fanout::daemon
