// A full disk without root: RLIMIT_FSIZE. While a disk_full lives, this process's writes past
// `bytes` of any file fail with EFBIG (SIGXFSZ is ignored), as they fail with ENOSPC on a full
// file system.
//
// Contract: the constructor lowers the soft limit and throws std::runtime_error when it cannot;
// lift() (also the destructor) restores the limit it found. Process-wide: one at a time.
#pragma once

#include <sys/resource.h>

#include <csignal>
#include <cstdint>
#include <stdexcept>

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

}  // namespace fanout::testing
