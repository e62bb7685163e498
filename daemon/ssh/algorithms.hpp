// Checks the per-router SSH algorithm lists of an inventory against what this libssh supports.
//
// Contract: check_ssh_algorithms() throws inventory_error naming the router, the field and the
// first algorithm libssh does not know, so a typo stops fanoutd at start rather than failing
// that router's connections later. Results are cached per (field, name): an inventory of
// thousands of routers sharing a few lists is checked in milliseconds.
#pragma once

#include <string_view>

#include "daemon/admission/inventory.hpp"

namespace fanout::daemon {

void check_ssh_algorithms(const inventory& devices, std::string_view source);

}  // namespace fanout::daemon
