#include "daemon/metrics/heartbeat.hpp"

#include <atomic>
#include <cstdint>

namespace fanout::metrics {
namespace {

constexpr const char* names[] = {"intake", "publisher"};
std::atomic<std::int64_t> last_beat[std::size(names)];  // steady ns; 0: never

}  // namespace

void beat(loop l) {
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    last_beat[static_cast<int>(l)].store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now).count(),
        std::memory_order_relaxed);
}

std::vector<std::string> stale_loops(std::chrono::steady_clock::duration max_age) {
    const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
    const auto limit = std::chrono::duration_cast<std::chrono::nanoseconds>(max_age).count();
    std::vector<std::string> stale;
    for (std::size_t i = 0; i < std::size(names); ++i) {
        const auto at = last_beat[i].load(std::memory_order_relaxed);
        if (at != 0 && now - at > limit) stale.emplace_back(names[i]);
    }
    return stale;
}

}  // namespace fanout::metrics
