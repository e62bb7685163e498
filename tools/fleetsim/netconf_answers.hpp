// What a fake Junos router answers to one NETCONF <rpc> (no faults: netconf_server adds them).
//
// Contract: answer_rpc() returns the unframed <rpc-reply> for any request: <ok/> for
// <close-session/>; for <command>, <output> text (format "text" or "ascii"), the operational
// document (format "xml" or none, Junos's default) or the JSON document as the reply's text
// (format "json") for a known command, and for anything else an <rpc-error> shaped like
// Junos's (a syntax error names the bad word in <bad-element>). Pure; no I/O.
#pragma once

#include <string>

#include "tools/fleetsim/junos_facts.hpp"
#include "tools/fleetsim/netconf_messages.hpp"
#include "tools/fleetsim/netconf_replies.hpp"

namespace fanout::fleetsim {

std::string answer_rpc(const rpc_request& request, const router_identity& router);

// The <rpc-error> of the netconf_rpc_error fault.
rpc_error_fields injected_rpc_error();

}  // namespace fanout::fleetsim
