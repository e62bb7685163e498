#include "daemon/metrics/process_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace fanout::metrics {

std::optional<double> resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    unsigned long long size = 0, resident = 0;
    if (!(statm >> size >> resident)) return std::nullopt;
    return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

std::optional<double> open_fds() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return std::nullopt;
    double count = 0;
    while (const dirent* entry = ::readdir(dir))
        if (entry->d_name[0] != '.') ++count;
    ::closedir(dir);
    return count;
}

std::optional<double> max_fds() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
    return static_cast<double>(limit.rlim_cur);
}

std::optional<double> cpu_seconds() {
    rusage usage{};
    if (::getrusage(RUSAGE_SELF, &usage) != 0) return std::nullopt;
    auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::optional<double> start_time_seconds() {
    std::ifstream stat_file("/proc/self/stat");
    std::string line;
    if (!std::getline(stat_file, line)) return std::nullopt;
    // Field 2 (comm) may hold blanks and parentheses: count the fields after its last ')'.
    auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    unsigned long long start_ticks = 0;
    for (int i = 3; i <= 22 && rest >> field; ++i)
        if (i == 22) start_ticks = std::strtoull(field.c_str(), nullptr, 10);
    std::ifstream boot_file("/proc/stat");
    double boot = 0;
    for (std::string key; boot_file >> key;) {
        if (key == "btime") {
            boot_file >> boot;
            break;
        }
        std::getline(boot_file, key);
    }
    if (start_ticks == 0 || boot == 0) return std::nullopt;
    return boot + static_cast<double>(start_ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace fanout::metrics
