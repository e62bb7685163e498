// fleetsim's bastions (--bastions K): their names, faults and which routers sit behind them.
//
// Contract: bastion_name(j) is "bastion<j>" (1-based). parse_bastion_fault() reads the KIND of
// `--fault bastionJ=KIND` (down, auth_fail, changed_key, refuse_channels, drop_after=N) and
// throws CLI::ValidationError on anything else. bastion_for() says which bastion (1-based)
// router `index` sits behind: round-robin over the K bastions by router index, 0 (direct) when
// K is 0 or `direct_every` names the router (every direct_every-th router stays direct).
// apply_bastion_fault() takes `--fault NAME=KIND` when NAME is a bastion's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::fleetsim {

enum class bastion_fault {
    none,
    down,             // the port is bound but never listens: connections are refused
    auth_fail,        // every authentication attempt is rejected
    changed_key,      // serves a host key other than the one in known_hosts
    refuse_channels,  // authenticates, then refuses every direct-tcpip channel
    drop_after,       // serves drop_after channels per session, then drops the session's TCP
};

struct bastion_spec {
    std::string name;  // bastion<index>
    int index = 0;     // 1-based
    bastion_fault fault = bastion_fault::none;
    std::uint32_t drop_after = 0;  // drop_after: channels served before the drop
    bool key_auth = false;         // publickey only, with the fleet's client key
};

std::string bastion_name(int index);

// Sets `spec`'s fault from KIND text; throws CLI::ValidationError naming the text.
void parse_bastion_fault(std::string_view kind, bastion_spec& spec);

int bastion_for(int router_index, int bastions, int direct_every);

// bastion1..count, none faulty.
std::vector<bastion_spec> make_bastions(int count, bool key_auth);

// "NAME=KIND" naming one of `bastions`: sets its fault and returns true; false for any other
// NAME (a router's fault).
bool apply_bastion_fault(std::vector<bastion_spec>& bastions, std::string_view text);

inline constexpr std::string_view bastion_fault_help =
    R"(Bastion faults (--fault bastionJ=KIND, with --bastions K):
  down             nothing listens on the bastion's port (connection refused)
  auth_fail        every authentication attempt is rejected
  changed_key      serves a host key other than the one in known_hosts
  refuse_channels  authenticates, then refuses every direct-tcpip channel
                   (administratively prohibited)
  drop_after=N     each session serves N direct-tcpip channels; when the client asks for
                   channel N+1 the whole session's TCP connection is dropped (no SSH
                   disconnect), with the N earlier channels still open (0: the first request))";

}  // namespace fanout::fleetsim
