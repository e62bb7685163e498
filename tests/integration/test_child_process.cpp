// The test harness's children die with the test: a test process that crashes (here: one that
// exits without running any destructor) leaves no fanoutd, fleetsim or proxy behind to hold
// ctest's output pipe open.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "tests/support/child_process.hpp"

namespace {

// True once `pid` is gone or a zombie nobody has reaped yet.
bool is_dead(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string line;
    std::getline(stat, line);
    auto state = line.find(") ");
    return state != std::string::npos && line[state + 2] == 'Z';
}

TEST(child_process, a_child_dies_when_the_test_that_started_it_crashes) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t test = fork();
    ASSERT_GE(test, 0);
    if (test == 0) {  // the "test process": starts a child, then crashes
        close(fds[0]);
        fanout::testing::child_process sleeper({"/bin/sleep", "600"});
        pid_t child = sleeper.pid();
        (void)!write(fds[1], &child, sizeof child);
        _exit(1);  // no destructor runs: only the kernel can clean up now
    }
    close(fds[1]);
    pid_t child = -1;
    ASSERT_EQ(read(fds[0], &child, sizeof child), static_cast<ssize_t>(sizeof child));
    close(fds[0]);
    int status = 0;
    waitpid(test, &status, 0);
    // Polled, not slept: the kernel delivers SIGKILL as the parent exits.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!is_dead(child) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    bool dead = is_dead(child);
    if (!dead) kill(child, SIGKILL);  // do not leave it behind when the test fails
    EXPECT_TRUE(dead) << "the child outlived the test process that started it";
}

}  // namespace
