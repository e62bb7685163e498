#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace fanout::testing {
namespace {

int decode_wait_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

child_process::child_process(std::vector<std::string> argv, capture which) {
    if (argv.empty()) throw std::invalid_argument("child_process: empty argv");
    const pid_t parent = getpid();
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        // Dies with the test: a crashed or killed test leaves no fanoutd, fleetsim or proxy
        // holding ctest's output pipe. The check after prctl closes the race with a parent
        // that died before it.
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
        int target = which == capture::stdout_stream ? STDOUT_FILENO : STDERR_FILENO;
        dup2(fds[1], target);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        execv(args[0], args.data());
        std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    fd_ = fds[0];
}

child_process::~child_process() {
    if (running()) {
        try {
            stop(SIGTERM);
        } catch (...) {
        }
    }
    if (running()) {
        kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    if (fd_ >= 0) close(fd_);
}

int child_process::read_more(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return 0;
        pollfd p{fd_, POLLIN, 0};
        int ready = poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return 0;
        char chunk[4096];
        ssize_t n = read(fd_, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return 1;
    }
}

bool child_process::read_line(std::string& line, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        auto newline = buffer_.find('\n');
        if (newline != std::string::npos) {
            line = buffer_.substr(0, newline);
            buffer_.erase(0, newline + 1);
            lines_.push_back(line);
            return true;
        }
        const int got = read_more(deadline);
        if (got == 0) return false;
        if (got < 0) {
            if (buffer_.empty()) throw std::runtime_error("child_process: stream closed");
            line = std::move(buffer_);
            buffer_.clear();
            lines_.push_back(line);
            return true;
        }
    }
}

std::string child_process::wait_for_text(std::string_view needle,
                                         std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    for (;;) {
        while (buffer_.find('\n') != std::string::npos) {
            read_line(line, deadline);  // a whole line is there: no wait
            if (line.find(needle) != std::string::npos) return line;
        }
        if (buffer_.find(needle) != std::string::npos) return buffer_;
        const int got = read_more(deadline);
        if (got == 0)
            throw std::runtime_error("child_process: no text '" + std::string(needle) +
                                     "' in time");
        if (got < 0) throw std::runtime_error("child_process: stream closed");
    }
}

std::string child_process::wait_for_line(std::string_view needle,
                                         std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    while (read_line(line, deadline)) {
        if (line.find(needle) != std::string::npos) return line;
    }
    throw std::runtime_error("child_process: no line containing '" + std::string(needle) +
                             "' in time");
}

void child_process::drain(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    try {
        while (read_line(line, deadline)) {
        }
    } catch (const std::runtime_error&) {
        // end of stream: everything was read
    }
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
    if (exit_status_) return exit_status_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_status_ = decode_wait_status(status);
            return exit_status_;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        // Reaping has no blocking-with-timeout call; a short poll interval is the idiom.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

int child_process::stop(int sig, std::chrono::milliseconds timeout) {
    if (exit_status_) return *exit_status_;
    kill(pid_, sig);
    if (auto status = wait(timeout)) return *status;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_status_ = decode_wait_status(status);
    return *exit_status_;
}

std::string finished_run::text() const {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
}

bool finished_run::has(std::string_view needle) const {
    for (const auto& line : lines)
        if (line.find(needle) != std::string::npos) return true;
    return false;
}

finished_run run_to_end(std::vector<std::string> argv, child_process::capture which,
                        std::chrono::milliseconds timeout) {
    const auto start = std::chrono::steady_clock::now();
    child_process process(std::move(argv), which);
    process.drain(timeout);
    finished_run run;
    run.code = process.wait(timeout).value_or(-1);
    run.took = std::chrono::steady_clock::now() - start;
    run.lines = process.lines();
    return run;
}

}  // namespace fanout::testing
