// A child process for integration tests: started with fork/exec, one of its output streams
// captured through a pipe so a test can wait for a readiness line instead of sleeping.
//
// Contract: the destructor sends SIGTERM, waits up to 10 s, then SIGKILLs; no child
// outlives its test. A test that crashes or is killed takes its children with it
// (PR_SET_PDEATHSIG, SIGKILL): the kernel sends it when the *thread* that started the child
// ends, so start children from the test's own thread, never from a short-lived one. The stream that
// is not captured is inherited, so logs stay visible. run_to_end() runs a command to its end
// and keeps what it printed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace fanout::testing {

class child_process {
  public:
    enum class capture { stdout_stream, stderr_stream };

    explicit child_process(std::vector<std::string> argv, capture which = capture::stdout_stream);
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    ~child_process();

    // Reads captured lines until one contains `needle`; returns that line. Throws
    // std::runtime_error on end of stream or when `timeout` passes first.
    std::string wait_for_line(std::string_view needle,
                              std::chrono::milliseconds timeout = std::chrono::seconds(30));

    // Like wait_for_line, but `needle` may also stand in the line still being written (no
    // newline yet); returns the line or that unfinished text. For programs that end a message
    // with the start of the next one.
    std::string wait_for_text(std::string_view needle,
                              std::chrono::milliseconds timeout = std::chrono::seconds(30));

    // Every captured line read so far (by wait_for_line or drain).
    const std::vector<std::string>& lines() const { return lines_; }

    // Sends `sig` and waits for exit; returns the exit status (128+signal when killed).
    int stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Waits for the child to exit by itself; nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    // Reads the rest of the captured stream (until EOF or timeout) into lines().
    void drain(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    pid_t pid() const { return pid_; }
    bool running() const { return !exit_status_.has_value(); }

  private:
    bool read_line(std::string& line, std::chrono::steady_clock::time_point deadline);
    // Appends what the stream has to buffer_, waiting for it until `deadline`: 1 when it read
    // something, 0 at the deadline, -1 at the end of the stream.
    int read_more(std::chrono::steady_clock::time_point deadline);

    pid_t pid_ = -1;
    int fd_ = -1;
    std::string buffer_;
    std::vector<std::string> lines_;
    std::optional<int> exit_status_;
};

// A command run to its end by run_to_end(): its exit status (-1: still running at the timeout,
// then killed), the captured lines, and how long it took.
struct finished_run {
    int code = -1;
    std::vector<std::string> lines;
    std::chrono::steady_clock::duration took{};
    std::string text() const;                 // every line, each with its "\n"
    bool has(std::string_view needle) const;  // a line contains `needle`
};

// Runs `argv` (one stream captured, as child_process) until it exits or `timeout` passes.
finished_run run_to_end(std::vector<std::string> argv,
                        child_process::capture which = child_process::capture::stdout_stream,
                        std::chrono::milliseconds timeout = std::chrono::seconds(90));

}  // namespace fanout::testing
