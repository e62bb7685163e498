// The NETCONF <hello> exchange (RFC 6241 section 8.1, RFC 6242 section 4.1): our client hello,
// the server's hello parsed, and the framing both sides then use.
//
// Contract: client_hello() advertises base:1.0 and base:1.1 and is sent, like the server's
// hello, with the base:1.0 end marker. parse_server_hello() matches elements by local name (any
// prefix or namespace) and returns an error value, never throws, when the message is not
// well-formed XML, is not a <hello>, advertises neither base capability, or has no
// session-id in 1..4294967295 (a server must send one). Capabilities are kept as sent, trimmed
// of surrounding whitespace. The size of the hello is bounded by the frame_decoder's limit.
// negotiated_framing: chunked if and only if the server also advertised base:1.1.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/netconf/codec_error.hpp"
#include "daemon/netconf/framing.hpp"

namespace fanout::daemon {

inline constexpr std::string_view base_1_0_capability = "urn:ietf:params:netconf:base:1.0";
inline constexpr std::string_view base_1_1_capability = "urn:ietf:params:netconf:base:1.1";

struct server_hello {
    std::vector<std::string> capabilities;
    std::uint32_t session_id = 0;

    bool has(std::string_view capability) const;
};

std::string client_hello();

std::variant<server_hello, netconf_codec_error> parse_server_hello(std::string_view xml);

framing negotiated_framing(const server_hello& hello);

}  // namespace fanout::daemon
