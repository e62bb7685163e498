// Heartbeats: the daemon's long-running loops prove they still turn, for /healthz.
//
// Contract:
// - beat(loop) records "now" (steady clock) for the loop with one relaxed atomic store: cheap
//   enough for every turn of a loop. The intake loop turns at least every 100 ms, the
//   publisher's at least every second (heartbeat_interval), busy or idle.
// - stale_loops(max_age) names every loop that has beaten once and not within max_age; a
//   loop that never beat (not started, or not part of this process) is not named.
// - Process-wide; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace fanout::metrics {

enum class loop { intake, publisher };

// How often an idle loop beats at least.
inline constexpr std::chrono::seconds heartbeat_interval{1};

void beat(loop l);
std::vector<std::string> stale_loops(std::chrono::steady_clock::duration max_age);

}  // namespace fanout::metrics
