// The process's own figures, read from /proc/self at scrape time (Linux).
//
// Contract: each function reads its file afresh and returns nullopt when it cannot (no /proc),
// never throws. resident_bytes: VmRSS (statm's resident pages x page size); open_fds: the
// entries of /proc/self/fd (the directory handle used to count them included, as the Prometheus
// Go and Python clients do); max_fds: the soft RLIMIT_NOFILE; cpu_seconds: user + system time
// (getrusage); start_time_seconds: when the process started, in Unix seconds (/proc/self/stat
// starttime plus the boot time of /proc/stat).
#pragma once

#include <optional>

namespace fanout::metrics {

std::optional<double> resident_bytes();
std::optional<double> open_fds();
std::optional<double> max_fds();
std::optional<double> cpu_seconds();
std::optional<double> start_time_seconds();

}  // namespace fanout::metrics
