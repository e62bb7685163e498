// The NETCONF messages a fake Junos router reads: the client's <hello> and its <rpc>s, parsed
// with pugixml. Element names are matched by local name, so <nc:rpc xmlns:nc="..."> (what
// ncclient and PyEZ send) and a plain <rpc> are the same.
//
// Contract: parse_client_hello() returns nothing unless the message is a well-formed <hello>;
// parse_rpc() never throws: a message that is not well-formed, or not an <rpc> with one
// operation element, comes back as rpc_kind::malformed with the reason. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanout::fleetsim {

inline constexpr std::string_view netconf_base10 = "urn:ietf:params:netconf:base:1.0";
inline constexpr std::string_view netconf_base11 = "urn:ietf:params:netconf:base:1.1";

struct client_hello {
    bool base11 = false;  // it advertised urn:ietf:params:netconf:base:1.1
};
std::optional<client_hello> parse_client_hello(std::string_view message);

enum class rpc_kind { command, close_session, other, malformed };

struct rpc_request {
    rpc_kind kind = rpc_kind::malformed;
    // The <rpc>'s attributes (message-id among them) but its xmlns declarations, in order:
    // the <rpc-reply> repeats them (RFC 6241 4.2).
    std::vector<std::pair<std::string, std::string>> attributes;
    std::string operation;  // the operation's local name, e.g. "command", "get-config"
    std::string command;    // <command>'s text, whitespace-normalised
    std::string format;     // <command format="...">; empty when absent (Junos: xml)
    std::string problem;    // for malformed: why
};
rpc_request parse_rpc(std::string_view message);

}  // namespace fanout::fleetsim
