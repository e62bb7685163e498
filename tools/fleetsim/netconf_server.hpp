// One NETCONF session of a fake Junos router, on an SSH channel that asked for the `netconf`
// subsystem: hellos, then <rpc>s answered until <close-session/>, with the router's NETCONF
// fault applied.
//
// Contract: serve_netconf() sends the hello at once (always `]]>]]>`-framed), reads the
// client's, and uses chunked framing afterwards if and only if both offered base:1.1. It
// answers <command format="text|xml|json"> for the commands junos_cli knows and an
// <rpc-error> otherwise, repeats the message-id, answers <close-session/> with <ok/> and
// returns. It also returns when the client leaves, the fleet stops, or the client breaks the
// framing; the caller then closes the channel. It never throws. Faults: options.hpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "tools/fleetsim/junos_facts.hpp"
#include "tools/fleetsim/options.hpp"

namespace fanout::fleetsim {

// What a NETCONF session needs from its SSH channel (router_server implements it).
class netconf_channel {
  public:
    enum class read_status { data, idle, closed };
    virtual ~netconf_channel() = default;
    // Appends what arrives within `timeout`; closed: EOF, channel closed or fleet stopping.
    virtual read_status read(std::string& out, std::chrono::milliseconds timeout) = 0;
    // Blocks on the client's window; false when the channel or the connection went away.
    virtual bool write(std::string_view data) = 0;
    // Waits while answering the client's packets; false when the channel or connection went.
    virtual bool wait(std::chrono::milliseconds duration) = 0;
};

struct netconf_session {
    router_identity router;
    fault_kind fault = fault_kind::none;
    bool offer_base11 = true;
    std::uint64_t session_id = 0;
    std::uint64_t huge_bytes = 0;                        // netconf_oversized's output size
    std::function<std::chrono::milliseconds()> latency;  // before each <command>'s answer
    std::function<void(std::string_view)> log;
    std::atomic<std::uint64_t>* rpcs = nullptr;  // counts every <rpc> received
};

void serve_netconf(netconf_channel& channel, const netconf_session& session);

}  // namespace fanout::fleetsim
