// A ProxyCommand (ssh_config) as a child process whose stdin and stdout are the SSH stream to
// one router, as PyEZ (paramiko) and OpenSSH run it.
//
// Contract: start() runs `/bin/sh -c "exec COMMAND"` (OpenSSH's form: the shell becomes the
// command) in a new session and process group, with stdin and stdout on one end of a
// socketpair, stderr on /dev/null, no other descriptor of fanoutd's, all signals unblocked and
// at their defaults, and PR_SET_PDEATHSIG(SIGKILL): it never outlives fanoutd, even after
// kill -9 (Linux sends the signal when the thread that started it ends, so it is started on
// the worker thread that owns the connection). The caller takes the other end with
// take_stream(). Destroying the object ends the child's process group (SIGTERM, then SIGKILL
// after 1 s) and reaps it; nothing is left behind. Errors are values (a message), never
// exceptions.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <variant>

namespace fanout::daemon::ssh {

class proxy_process {
  public:
    static std::variant<proxy_process, std::string> start(const std::string& command);

    proxy_process(proxy_process&& other) noexcept;
    proxy_process& operator=(proxy_process&&) = delete;
    proxy_process(const proxy_process&) = delete;
    ~proxy_process();

    // Fanoutd's end of the stream (-1 after the first call): the caller owns it.
    int take_stream();
    pid_t pid() const { return pid_; }
    // "exited with status N" / "killed by signal N" once the child has ended (it is reaped
    // then), nullopt while it still runs after `wait` (its stream can end a moment before it
    // does).
    std::optional<std::string> ended(std::chrono::milliseconds wait = std::chrono::milliseconds(0));

  private:
    proxy_process(pid_t pid, int pidfd, int stream) : pid_(pid), pidfd_(pidfd), stream_(stream) {}

    pid_t pid_ = -1;
    int pidfd_ = -1;
    int stream_ = -1;
    bool reaped_ = false;
};

}  // namespace fanout::daemon::ssh
