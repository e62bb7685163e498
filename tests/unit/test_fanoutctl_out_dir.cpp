// Unit tests of `--out-dir`: file names that cannot escape the directory or collide, and the
// files written for a job (stdout, .err with stderr and errors, job.json, stale .err removed).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.hpp"
#include "tools/fanoutctl/out_dir.hpp"

namespace {

using namespace fanout;
using namespace fanout::ctl;
using protocol::router_status;

std::string read(const std::string& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

protocol::router_result result(std::string router, std::string output, std::uint32_t index = 0) {
    protocol::router_result r;
    r.job_id = "j";
    r.router_name = std::move(router);
    r.command = index == 0 ? "show version" : "show foo";
    r.command_index = index;
    r.status = router_status::success;
    r.output = std::move(output);
    return r;
}

TEST(FanoutctlOutDir, NamesNeverEscapeTheDirectoryOrCollide) {
    EXPECT_EQ(out_dir_file_name("r1"), "r1");
    EXPECT_EQ(out_dir_file_name("mx01.lab"), "mx01.lab");
    EXPECT_EQ(out_dir_file_name("../etc/passwd"), "%2E.%2Fetc%2Fpasswd");
    EXPECT_EQ(out_dir_file_name(".."), "%2E.");
    EXPECT_EQ(out_dir_file_name("."), "%2E");
    EXPECT_EQ(out_dir_file_name("a/b"), "a%2Fb");
    EXPECT_EQ(out_dir_file_name("100%"), "100%25");
    EXPECT_EQ(out_dir_file_name("r1.err"), "r1%2Eerr") << "not r1's error file";
    EXPECT_EQ(out_dir_file_name("job.json"), "job%2Ejson") << "not the aggregate";
}

TEST(FanoutctlOutDir, WritesStdoutErrorsAndTheAggregate) {
    fanout::testing::temp_dir dir;
    const auto out = dir.file("run/1");  // created, parents too
    protocol::job_result job;
    job.job_id = "j";
    job.summary.commands = {"show version", "show foo"};
    auto bad = result("r2", "\nerror: syntax error\n", 1);
    bad.status = router_status::failed;
    bad.exit_status = 1;
    bad.error = protocol::router_error{protocol::error_kind::exit_status, "exit status 1"};
    auto warned = result("r2", "v2\n");
    warned.stderr_output = "warning: w\n";
    job.results = {result("r1", "v1\n"), result("r1", "ok\n", 1), warned, bad,
                   result("../x", "sneaky\n")};
    ASSERT_EQ(::mkdir(dir.file("run").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(out.c_str(), 0755), 0);
    std::ofstream(out + "/r1.err") << "stale\n";

    EXPECT_TRUE(write_out_dir(out, job).empty());
    EXPECT_EQ(read(out + "/r1"), "v1\nok\n");
    EXPECT_FALSE(exists(out + "/r1.err")) << "a stale error file is removed";
    EXPECT_EQ(read(out + "/r2"), "v2\n\nerror: syntax error\n");
    EXPECT_EQ(read(out + "/r2.err"),
              "warning: w\nfanoutctl: [show foo] FAILED exit_status: exit status 1: error: "
              "syntax error\n");
    EXPECT_EQ(read(out + "/%2E.%2Fx"), "sneaky\n");
    EXPECT_FALSE(exists(dir.file("run/x")));
    EXPECT_EQ(read(out + "/job.json").rfind("{\"type\":\"job_result\",\"job_id\":\"j\"", 0), 0u);
}

TEST(FanoutctlOutDir, ASymlinkInTheDirectoryIsNotFollowed) {
    fanout::testing::temp_dir dir;
    ASSERT_EQ(::symlink(dir.file("victim").c_str(), dir.file("r1").c_str()), 0);
    protocol::job_result job;
    job.summary.commands = {"show version"};
    job.results = {result("r1", "v1\n")};
    const auto problems = write_out_dir(dir.path(), job);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("cannot write " + dir.file("r1")), std::string::npos);
    EXPECT_FALSE(exists(dir.file("victim")));
}

TEST(FanoutctlOutDir, AFileInTheWayIsAProblemBeforeTheJob) {
    fanout::testing::temp_dir dir;
    std::ofstream(dir.file("plain")) << "x";
    EXPECT_NE(prepare_out_dir(dir.file("plain")).find("--out-dir: "), std::string::npos);
    EXPECT_EQ(prepare_out_dir(dir.file("new/deeper")), "");
}

}  // namespace
