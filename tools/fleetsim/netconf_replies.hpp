// The NETCONF messages a fake Junos router writes: its <hello> and its <rpc-reply>s, built
// with pugixml so text and attributes are always escaped.
//
// Contract: every reply is an <rpc-reply> in the NETCONF base namespace, declaring xmlns:junos
// (Junos documents carry junos: attributes) and repeating the request's attributes, so the
// message-id comes back unchanged. Unframed: the caller frames them. No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "tools/fleetsim/junos_element.hpp"
#include "tools/fleetsim/netconf_messages.hpp"

namespace fanout::fleetsim {

// Junos-like capabilities; base:1.1 only when `offer_base11`.
std::string server_hello(std::uint64_t session_id, bool offer_base11);

struct rpc_error_fields {
    std::string type;  // transport, rpc, protocol, application
    std::string tag;   // e.g. operation-failed
    std::string severity = "error";
    std::string message;
    std::string bad_element;  // <error-info><bad-element>, when not empty
};

std::string reply_ok(const rpc_request& request);
std::string reply_error(const rpc_request& request, const rpc_error_fields& error);
std::string reply_output(const rpc_request& request, std::string_view text);  // format text
std::string reply_document(const rpc_request& request, const junos_element& document);  // xml
std::string reply_json(const rpc_request& request, std::string_view json);  // format json

// A text reply cut around its output, for streaming one too big to build: the first part ends
// with "<output>\n", the second starts with "</output>". The text between must be escaped.
std::pair<std::string, std::string> reply_output_envelope(const rpc_request& request);

}  // namespace fanout::fleetsim
