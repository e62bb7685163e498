// The ProxyCommand child: its stdio is the stream, it inherits no other descriptor and no
// blocked signal, it dies with its parent (PR_SET_PDEATHSIG), and destroying the handle ends
// and reaps it, even when it ignores SIGTERM.
#include "daemon/ssh/proxy_command.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <thread>

using fanout::daemon::ssh::proxy_process;
using namespace std::chrono_literals;

namespace {

proxy_process start(const std::string& command) {
    auto started = proxy_process::start(command);
    if (auto* why = std::get_if<std::string>(&started)) throw std::runtime_error(*why);
    return std::move(std::get<proxy_process>(started));
}

std::string exe_of(pid_t pid) {
    char target[256] = {};
    auto n =
        ::readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), target, sizeof target - 1);
    return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : std::string();
}

// Waits (bounded) until the child has exec'd the program it ends up as.
void wait_for_exe(pid_t pid, const std::string& suffix) {
    auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until) {
        auto exe = exe_of(pid);
        if (exe.size() >= suffix.size() &&
            exe.compare(exe.size() - suffix.size(), suffix.size(), suffix) == 0)
            return;
        std::this_thread::yield();
    }
    FAIL() << "pid " << pid << " never became " << suffix << " (is " << exe_of(pid) << ")";
}

std::string status_field(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
    return "";
}

bool gone(pid_t pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

TEST(proxy_command, stdin_and_stdout_are_the_stream) {
    auto child = start("cat");
    int fd = child.take_stream();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(child.take_stream(), -1);
    ASSERT_EQ(::write(fd, "hello\n", 6), 6);
    char buf[16] = {};
    std::size_t got = 0;
    while (got < 6) {
        auto n = ::read(fd, buf + got, sizeof buf - got);
        ASSERT_GT(n, 0);
        got += static_cast<std::size_t>(n);
    }
    EXPECT_EQ(std::string(buf, got), "hello\n");
    ::close(fd);
}

TEST(proxy_command, child_gets_no_other_descriptor_and_no_blocked_signal) {
    int leaked = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC: close_range must catch it
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &term, &old);  // as fanoutd's threads run
    auto child = start("sleep 100");
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    ::close(leaked);
    wait_for_exe(child.pid(), "/sleep");
    // Right after the exec, the dynamic loader briefly holds its own descriptors (ld.so.cache,
    // libc): wait for them to go. A leaked descriptor never goes, so this still fails on one.
    const std::set<std::string> standard{"0", "1", "2"};
    std::set<std::string> fds;
    const auto until = std::chrono::steady_clock::now() + 10s;
    do {
        fds.clear();
        DIR* dir = ::opendir(("/proc/" + std::to_string(child.pid()) + "/fd").c_str());
        ASSERT_NE(dir, nullptr);
        while (auto* e = ::readdir(dir))
            if (e->d_name[0] != '.') fds.insert(e->d_name);
        ::closedir(dir);
    } while (fds != standard && std::chrono::steady_clock::now() < until);
    EXPECT_EQ(fds, standard);
    EXPECT_EQ(status_field(child.pid(), "SigBlk"), "\t0000000000000000");
    EXPECT_EQ(status_field(child.pid(), "SigIgn"), "\t0000000000000000");
    EXPECT_EQ(exe_of(child.pid()).find("/sh"), std::string::npos) << "sh exec'd the command";
}

TEST(proxy_command, destroying_the_handle_ends_and_reaps_even_a_child_ignoring_sigterm) {
    pid_t pid = -1;
    {
        auto child = start("sh -c \"trap '' TERM; echo trapped; while :; do sleep 1; done\"");
        pid = child.pid();
        ASSERT_GT(pid, 0);
        int fd = child.take_stream();
        char buf[8] = {};
        std::size_t got = 0;
        while (got < 8) {  // the trap is set once it says so
            auto n = ::read(fd, buf + got, sizeof buf - got);
            ASSERT_GT(n, 0);
            got += static_cast<std::size_t>(n);
        }
        EXPECT_EQ(std::string(buf, 7), "trapped");
        ::close(fd);
        EXPECT_FALSE(child.ended());
    }
    EXPECT_TRUE(gone(pid)) << "killed and reaped, no zombie";
}

TEST(proxy_command, ended_reports_how_the_command_finished) {
    auto child = start("false");
    int fd = child.take_stream();
    char byte;
    EXPECT_EQ(::read(fd, &byte, 1), 0) << "the stream ends with the command";
    ::close(fd);
    std::optional<std::string> ended;
    auto until = std::chrono::steady_clock::now() + 20s;
    while (!ended && std::chrono::steady_clock::now() < until) {
        ended = child.ended();
        std::this_thread::yield();
    }
    EXPECT_EQ(ended, "exited with status 1");
}

TEST(proxy_command, the_child_dies_with_the_process_that_started_it) {
    int report[2];
    ASSERT_EQ(::pipe(report), 0);
    pid_t middle = ::fork();
    if (middle == 0) {
        auto child = start("sleep 100");
        pid_t pid = child.pid();
        (void)!::write(report[1], &pid, sizeof pid);
        ::pause();
        ::_exit(0);
    }
    pid_t grandchild = -1;
    ASSERT_EQ(::read(report[0], &grandchild, sizeof grandchild),
              static_cast<ssize_t>(sizeof grandchild));
    ::kill(middle, SIGKILL);
    ::waitpid(middle, nullptr, 0);
    // Reparented to init (or a subreaper), which reaps it: gone, or a zombie on its way.
    auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until) {
        if (gone(grandchild) || status_field(grandchild, "State").find('Z') != std::string::npos)
            break;
        std::this_thread::yield();
    }
    EXPECT_TRUE(gone(grandchild) ||
                status_field(grandchild, "State").find('Z') != std::string::npos);
    ::close(report[0]);
    ::close(report[1]);
}
