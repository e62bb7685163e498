// A field of /proc/<pid>/status in bytes (VmRSS, VmHWM), for tests that bound a process's
// memory; and whether RSS means anything in this build.
//
// Contract: throws std::runtime_error when the field is missing (the process is gone).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <fstream>
#include <stdexcept>
#include <string>

namespace fanout::testing {

inline std::size_t proc_status_bytes(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0)
            return std::stoull(line.substr(field.size() + 1)) * 1024;  // "VmHWM:  1234 kB"
    throw std::runtime_error("no " + field + " in /proc/" + std::to_string(pid) + "/status");
}

// ASan keeps freed memory in quarantine on purpose, so RSS says nothing there.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool rss_is_meaningful = false;
#else
inline constexpr bool rss_is_meaningful = true;
#endif

}  // namespace fanout::testing
