// The CLI text of the commands a fake router knows, rendered from junos_facts.
//
// Contract: pure functions (plus the wall clock for uptimes); each returns the whole screen,
// ending in '\n', as Junos prints it without `| display`. No I/O.
#pragma once

#include <string>

#include "tools/fleetsim/junos_facts.hpp"

namespace fanout::fleetsim {

std::string show_version_text(const router_identity& router);
std::string show_interfaces_terse_text(const router_identity& router);
std::string show_system_uptime_text(const router_identity& router);
std::string show_route_summary_text(const router_identity& router);

// "%Y-%m-%d %H:%M:%S UTC"-style formatting of a time point, in UTC.
std::string format_utc(std::chrono::system_clock::time_point when, const char* format);

// Junos "ago" notation: 10w3d 02:06, 3d 17:38, or 02:06.
std::string junos_ago(std::chrono::seconds elapsed);

}  // namespace fanout::fleetsim
