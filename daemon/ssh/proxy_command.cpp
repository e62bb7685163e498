#include "daemon/ssh/proxy_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace fanout::daemon::ssh {
namespace {

constexpr int term_grace_ms = 1000;

std::string describe(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "ended";
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(int stream, int devnull, pid_t parent, char* const argv[]) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
    ::setsid();
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2})
        ::sigaction(sig, &dfl, nullptr);
    if (::dup2(stream, 0) < 0 || ::dup2(stream, 1) < 0 || ::dup2(devnull, 2) < 0) ::_exit(127);
    ::syscall(SYS_close_range, 3u, ~0u, 0u);
    ::execve("/bin/sh", argv, environ);
    ::_exit(127);
}

}  // namespace

std::variant<proxy_process, std::string> proxy_process::start(const std::string& command) {
    std::string line = "exec " + command;
    char sh[] = "/bin/sh";
    char dash_c[] = "-c";
    char* argv[] = {sh, dash_c, line.data(), nullptr};

    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
        return std::string("socketpair: ") + std::strerror(errno);
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0) {
        ::close(ends[0]);
        ::close(ends[1]);
        return std::string("/dev/null: ") + std::strerror(errno);
    }
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0) exec_child(ends[1], devnull, parent, argv);
    int fork_errno = errno;
    ::close(ends[1]);
    ::close(devnull);
    if (pid < 0) {
        ::close(ends[0]);
        return std::string("fork: ") + std::strerror(fork_errno);
    }
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    return proxy_process(pid, pidfd, ends[0]);
}

proxy_process::proxy_process(proxy_process&& other) noexcept
    : pid_(other.pid_), pidfd_(other.pidfd_), stream_(other.stream_), reaped_(other.reaped_) {
    other.pid_ = -1;
    other.pidfd_ = -1;
    other.stream_ = -1;
}

int proxy_process::take_stream() {
    int fd = stream_;
    stream_ = -1;
    return fd;
}

std::optional<std::string> proxy_process::ended(std::chrono::milliseconds wait) {
    if (pid_ < 0 || reaped_) return std::nullopt;
    if (wait.count() > 0 && pidfd_ >= 0) {
        pollfd exited{pidfd_, POLLIN, 0};
        ::poll(&exited, 1, static_cast<int>(wait.count()));
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
    reaped_ = true;
    return describe(status);
}

proxy_process::~proxy_process() {
    if (stream_ >= 0) ::close(stream_);
    if (pid_ > 0 && !reaped_) {
        // The whole group: a command that forked (a shell pipeline) goes with it. Until the
        // child is reaped its pid (and so its group id) cannot be reused.
        ::kill(-pid_, SIGTERM);
        ::kill(pid_, SIGTERM);
        bool exited = false;
        if (pidfd_ >= 0) {
            pollfd wait_exit{pidfd_, POLLIN, 0};
            exited = ::poll(&wait_exit, 1, term_grace_ms) > 0;
        }
        ::kill(-pid_, SIGKILL);  // what is left of the group (the child too, unless it exited)
        if (!exited) ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (pidfd_ >= 0) ::close(pidfd_);
}

}  // namespace fanout::daemon::ssh
