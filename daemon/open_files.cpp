#include "daemon/open_files.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace fanout::daemon {
namespace {

// Linux refuses RLIM_INFINITY for RLIMIT_NOFILE; fs.nr_open defaults to 2^20.
constexpr std::uint64_t unlimited_stand_in = std::uint64_t{1} << 20;

std::uint64_t finite(rlim_t value) {
    return value == RLIM_INFINITY ? unlimited_stand_in : static_cast<std::uint64_t>(value);
}

}  // namespace

open_file_limit raise_open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
    open_file_limit result{finite(limit.rlim_cur), finite(limit.rlim_cur), finite(limit.rlim_max)};
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = static_cast<rlim_t>(result.hard);
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) result.soft = result.hard;
    }
    return result;
}

std::size_t sessions_for_open_file_limit(std::uint64_t soft, std::size_t max_connections) {
    const std::uint64_t reserved = reserved_descriptors(max_connections);
    const std::uint64_t usable = soft > reserved ? soft - reserved : 1;
    return static_cast<std::size_t>(std::clamp<std::uint64_t>(usable, 1, 1'000'000));
}

}  // namespace fanout::daemon
