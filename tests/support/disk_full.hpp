// Full disks for tests.
// - disk_full, without root: RLIMIT_FSIZE. While one lives, this process's writes past `bytes`
//   of any file fail with EFBIG (SIGXFSZ is ignored), as they fail with ENOSPC on a full file
//   system. The constructor lowers the soft limit and throws std::runtime_error when it cannot;
//   lift() (also the destructor) restores the limit it found. Process-wide: one at a time.
// - small_tmpfs, for a child process (fanoutd) whose file system fills up: a tmpfs of `size` at
//   `path`, unmounted lazily at the end of the scope. Mounting needs root: mounted() is false
//   otherwise, and the test skips. fill() writes a file until the file system is full.
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace fanout::testing {

class disk_full {
  public:
    explicit disk_full(std::uintmax_t bytes) {
        std::signal(SIGXFSZ, SIG_IGN);  // the write then fails with EFBIG instead
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

class small_tmpfs {
  public:
    small_tmpfs(const std::string& path, const std::string& size) : path_(path) {
        std::filesystem::create_directories(path);
        mounted_ = ::mount("tmpfs", path.c_str(), "tmpfs", 0,
                           ("size=" + size + ",mode=0700").c_str()) == 0;
    }
    small_tmpfs(const small_tmpfs&) = delete;
    small_tmpfs& operator=(const small_tmpfs&) = delete;
    ~small_tmpfs() {
        if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
    }
    bool mounted() const { return mounted_; }

    // Writes `file` until the file system is full.
    void fill(const std::string& file) const {
        int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) throw std::runtime_error("cannot create " + file);
        std::string chunk(4096, 'f');
        while (::write(fd, chunk.data(), chunk.size()) > 0) {
        }
        ::close(fd);
    }

  private:
    std::string path_;
    bool mounted_ = false;
};

}  // namespace fanout::testing
