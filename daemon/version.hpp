// The daemon's version string, reported by --version and in `pong`.
#pragma once

#include <string_view>

namespace fanout::daemon {
inline constexpr std::string_view fanout_version = "1.0.0";
}
