#include "tools/fleetsim/fault_kinds.hpp"

#include <array>
#include <utility>

namespace fanout::fleetsim {
namespace {

constexpr std::array<std::pair<fault_kind, std::string_view>, 23> fault_names{{
    {fault_kind::none, "none"},
    {fault_kind::refuse, "refuse"},
    {fault_kind::blackhole, "blackhole"},
    {fault_kind::hang_banner, "hang_banner"},
    {fault_kind::hang_auth, "hang_auth"},
    {fault_kind::hang_after_auth, "hang_after_auth"},
    {fault_kind::auth_fail, "auth_fail"},
    {fault_kind::drop_mid_output, "drop_mid_output"},
    {fault_kind::huge_output, "huge_output"},
    {fault_kind::slow_trickle, "slow_trickle"},
    {fault_kind::wrong_host_key, "wrong_host_key"},
    {fault_kind::never_close, "never_close"},
    {fault_kind::kbdint_only, "kbdint_only"},
    {fault_kind::one_channel, "one_channel"},
    {fault_kind::stderr_output, "stderr_output"},
    {fault_kind::netconf_hang_after_hello, "netconf_hang_after_hello"},
    {fault_kind::netconf_hang_rpc, "netconf_hang_rpc"},
    {fault_kind::netconf_broken_frame, "netconf_broken_frame"},
    {fault_kind::netconf_short_chunk, "netconf_short_chunk"},
    {fault_kind::netconf_short_chunk_close, "netconf_short_chunk_close"},
    {fault_kind::netconf_oversized, "netconf_oversized"},
    {fault_kind::netconf_rpc_error, "netconf_rpc_error"},
    {fault_kind::slow_forward, "slow_forward"},
}};

}  // namespace

std::optional<fault_kind> parse_fault_kind(std::string_view name) {
    for (const auto& [kind, text] : fault_names) {
        if (text == name) return kind;
    }
    return std::nullopt;
}

std::string_view fault_name(fault_kind kind) {
    for (const auto& [k, text] : fault_names) {
        if (k == kind) return text;
    }
    return "unknown";
}

}  // namespace fanout::fleetsim
