// fleetsim's router faults (--fault NAME=KIND, --fault-every K:KIND): their kinds, names and
// the --help text that describes them.
//
// Contract: parse_fault_kind() and fault_name() are inverse over every fault_kind (the names
// are the enumerators' own); parse_fault_kind() returns nullopt for any other name and
// fault_name() "unknown" for a value outside the enum. fault_help is the part of fleetsim
// --help that says what each kind does.
#pragma once

#include <optional>
#include <string_view>

namespace fanout::fleetsim {

enum class fault_kind {
    none,
    refuse,
    blackhole,
    hang_banner,
    hang_auth,
    hang_after_auth,
    auth_fail,
    drop_mid_output,
    huge_output,
    slow_trickle,
    wrong_host_key,
    never_close,
    kbdint_only,
    one_channel,
    stderr_output,
    netconf_hang_after_hello,
    netconf_hang_rpc,
    netconf_broken_frame,
    netconf_short_chunk,
    netconf_short_chunk_close,
    netconf_oversized,
    netconf_rpc_error,
    slow_forward,  // a bastion answers direct-tcpip opens to it --slow-forward-ms late
};

std::optional<fault_kind> parse_fault_kind(std::string_view name);
std::string_view fault_name(fault_kind kind);

inline constexpr std::string_view fault_help =
    R"(Fault kinds (none: no fault, e.g. to exempt one router from --fault-every):
  refuse           nothing listens on the router's port (connection refused)
  blackhole        the TCP connect never completes: SYNs are dropped (a full accept queue)
  hang_banner      accepts TCP, never sends the SSH banner
  hang_auth        auth succeeds, exec (or the netconf subsystem) is accepted, then
                   nothing is ever sent
  hang_after_auth  auth succeeds, then the channel open is never answered
  auth_fail        every authentication attempt is rejected
  drop_mid_output  sends part of the output, then drops the TCP connection
  huge_output      streams --huge-bytes of text, stops when the client leaves
  slow_trickle     one line every --trickle-ms, forever, until the client leaves
  wrong_host_key   serves a host key other than the one in known_hosts
  never_close      sends output and exit status, never EOF or channel close
  kbdint_only      only keyboard-interactive auth (password auth rejected)
  one_channel      refuses a second channel on the same session
  stderr_output    writes a warning line to stderr as well, exit status 0
  slow_forward     behind a bastion: the bastion answers each direct-tcpip open to this
                   router --slow-forward-ms late (then connects as usual); direct
                   connections are not affected
drop_mid_output, huge_output, slow_trickle, never_close and stderr_output apply to exec only.
NETCONF faults (the netconf subsystem only; exec still answers normally):
  netconf_hang_after_hello   sends its hello, then never reads or answers anything
  netconf_hang_rpc           hello exchange done, then the first <rpc> is never answered
  netconf_broken_frame       answers with a garbage chunk header (base:1.1) or a reply cut
                             short before ]]>]]> (base:1.0), then stalls
  netconf_short_chunk        a chunk header announcing 4096 bytes more than follow (base:1.1)
                             or half a reply with no end marker (base:1.0), then stalls
  netconf_short_chunk_close  the same, then closes the channel
  netconf_oversized          answers each <command> with --huge-bytes of <output> text,
                             streamed; stops when the client leaves
  netconf_rpc_error          an <rpc-error> (application, operation-failed) for every <rpc>
                             but <close-session/>)";

}  // namespace fanout::fleetsim
