#include "daemon/audit/audit_log.hpp"

#include <algorithm>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "daemon/audit/audit_record.hpp"

namespace fanout::daemon {
namespace {

std::string why(int error) {
    return std::strerror(error);
}

// Writes all of `bytes`; false (errno set) on the first failed or short write.
bool write_all(int fd, const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = ENOSPC;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// FILE opened for appending and checked (audit_log.hpp); throws audit_log_error.
int open_checked(const std::filesystem::path& file) {
    const std::string name = file.string();
    const int fd =
        ::open(name.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        const int error = errno;
        throw audit_log_error("--audit-log " + name + ": cannot open it: " + why(error) +
                              (error == ELOOP ? " (a symlink; give the file itself)" : ""));
    }
    struct stat st {};
    std::string problem;
    if (::fstat(fd, &st) != 0)
        problem = "cannot stat it: " + why(errno);
    else if (!S_ISREG(st.st_mode))
        problem = "not a regular file";
    else if ((st.st_mode & 077) != 0)
        problem = "readable or writable by group or others (mode " +
                  fmt::format("{:04o}", st.st_mode & 07777) + "); run chmod 600 on it";
    if (!problem.empty()) {
        ::close(fd);
        throw audit_log_error("--audit-log " + name + ": " + problem);
    }
    return fd;
}

}  // namespace

audit_log::audit_log(std::filesystem::path file, std::size_t max_held)
    : path_(std::move(file)), max_held_(max_held == 0 ? 1 : max_held), fd_(open_checked(path_)) {}

bool audit_log::reopen() {
    std::lock_guard guard(mutex_);
    int fresh = -1;
    try {
        fresh = open_checked(path_);
    } catch (const audit_log_error& e) {
        spdlog::error(
            "audit log: cannot reopen it, so records still go to the file it had open: {}",
            e.what());
        return false;
    }
    ::close(fd_);
    fd_ = fresh;
    spdlog::info("audit log {}: reopened", path_.string());
    if (!held_.empty()) flush_locked();  // held records go to the new file, first
    return true;
}

audit_log::~audit_log() {
    std::lock_guard guard(mutex_);
    if (!held_.empty() && !flush_locked())
        spdlog::error("audit log {}: {} records could not be written before shutdown",
                      path_.string(), held_.size());
    ::close(fd_);
}

bool audit_log::append(std::string record, bool droppable) {
    record.push_back('\n');
    std::lock_guard guard(mutex_);
    if (held_.size() >= max_held_) {
        // The oldest record that may go; none (all kept): held beyond max_held.
        auto oldest = std::find_if(held_.begin(), held_.end(),
                                   [](const held_record& r) { return r.droppable; });
        if (oldest != held_.end()) {
            held_.erase(oldest);
            ++lost_;
        }
    }
    held_.push_back({std::move(record), droppable});
    return flush_locked();
}

bool audit_log::writable() {
    std::lock_guard guard(mutex_);
    return held_.empty() || flush_locked();
}

bool audit_log::flush_locked() {
    std::string bytes;
    if (lost_ != 0) bytes = records_lost_record(lost_) + "\n";
    for (const auto& r : held_) bytes += r.line;
    struct stat st {};
    int error = 0;
    if (::fstat(fd_, &st) != 0) {
        error = errno;
    } else if (!write_all(fd_, bytes) || ::fdatasync(fd_) != 0) {
        error = errno;
        // No partial record stays behind: the file is cut back to its last whole line.
        if (::ftruncate(fd_, st.st_size) != 0)
            spdlog::error("audit log {}: cannot cut back a partial record: {}", path_.string(),
                          why(errno));
    }
    if (error != 0) {
        if (!failing_)
            spdlog::error(
                "audit log {}: cannot write ({}); {} record(s) held in memory, and submits are "
                "refused with busy until it can be written again",
                path_.string(), why(error), held_.size());
        failing_ = true;
        return false;
    }
    if (failing_)
        spdlog::warn("audit log {}: writing again; {} held record(s) written{}", path_.string(),
                     held_.size(),
                     lost_ ? fmt::format(", {} lost (more than {} held)", lost_, max_held_) : "");
    failing_ = false;
    held_.clear();
    lost_ = 0;
    return true;
}

}  // namespace fanout::daemon
