// Turning `-r` arguments and `--routers-file` contents into a list of router names.
//
// Contract: pure functions (read_routers_file aside, which only reads the file). Names keep
// their first-seen order; duplicates are dropped because the protocol rejects them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fanout::ctl {

struct router_selection {
    std::vector<std::string> names;  // empty when `all`
    bool all = false;                // `-r all`: every router in fanoutd's inventory
};

// Splits each argument on commas, trims blanks, drops empty items and duplicates.
// The name `all` anywhere selects the whole inventory.
router_selection parse_router_arguments(const std::vector<std::string>& arguments);

// One name per line; blank lines and lines starting with '#' are skipped.
std::vector<std::string> parse_routers_file(std::string_view contents);

// Throws std::runtime_error naming the file when it cannot be read.
std::vector<std::string> read_routers_file(const std::string& path);

}  // namespace fanout::ctl
