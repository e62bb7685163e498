// Pieces of inventory::parse shared by its files (inventory.cpp: one router entry;
// inventory_jump.cpp: "role" and "jump", issue 12). Internal to daemon/admission.
//
// Contract: every function throws inventory_error naming the source, the router and the field
// at fault (fail() formats that message). read_reach() reads a router's "role" and "jump";
// resolve_jumps() then checks every chain against the whole file and adds the bastions the
// inline hops describe. Limits: a chain has at most max_jump_hops hops.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "daemon/admission/device.hpp"

namespace fanout::daemon {

// Bastions in one router's chain, at most (a fifth hop is a load error).
inline constexpr std::size_t max_jump_hops = 4;

namespace inventory_entry {

[[noreturn]] void fail(std::string_view source, std::string_view router, std::string_view field,
                       std::string_view problem);
// `name` with each control character as \xNN, safe to put in a message or a log line.
std::string escaped(std::string_view name);
// The "auth" block (or the legacy top-level "password") of `entry` into `d`.
void read_auth(const nlohmann::json& entry, std::string_view source, device& d);

// The bastions inline hops describe, by name ("user@host:port"), each with the router and the
// field that first described it (for error messages).
struct inline_bastion {
    device bastion;
    std::string described_by;  // "r1's jump[0]"
};
using inline_bastions = std::map<std::string, inline_bastion, std::less<>>;

// "role": "bastion" (d.bastion) and "jump": [...] (d.jump); inline hops go to `hops`.
void read_reach(const nlohmann::json& entry, std::string_view source, device& d,
                inline_bastions& hops);
// Checks every chain (known names, bastions only, no repeats, no jump on a bastion) and
// appends the inline bastions to `devices`.
void resolve_jumps(std::vector<device>& devices, inline_bastions hops, std::string_view source);

}  // namespace inventory_entry
}  // namespace fanout::daemon
