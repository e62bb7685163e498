// Parses an <rpc-reply> (RFC 6241 section 4.2) into a value: what the router answered to a
// command_rpc or operation_rpc, and its <rpc-error> entries.
//
// Contract:
// - Elements are matched by local name: the base namespace as default namespace, an nc: or
//   junos: prefix, or no namespace at all are all accepted.
// - An error value (never an exception) when the message is not well-formed XML, is not an
//   <rpc-reply>, or its message-id is missing or is not the one sent: the session is out of step
//   then, and must not be reused.
// - Otherwise a reply, by the format asked for:
//     text: the text of every <output> (or Junos's <configuration-output>) element, raw and
//           concatenated in document order; without one, the elements as for xml;
//     xml:  every element child other than <rpc-error> and <ok/>, serialized unindented, each
//           standing alone (it gets the namespace declarations it inherits from <rpc-reply>),
//           one per line;
//     json: the <rpc-reply>'s own character data, trimmed: the JSON document (not parsed here;
//           see daemon/structured/json_data.hpp); without any, as for text.
//   kind is ok when there is none of these (an <ok/> or an empty reply).
// - errors holds every <rpc-error> (and Junos's <xnm:error>/<xnm:warning>), warnings included.
//   The reply failed iff one of them has a severity other than "warning": a warning beside a
//   good reply is not a failure. The text is kept even then.
// Sizes are bounded by the frame_decoder's limit on the message. Text is passed on as the router
// sent it, line ends normalised to LF as XML requires; it is not checked as UTF-8 (the protocol
// encoder repairs invalid bytes). Pure, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/netconf/codec_error.hpp"
#include "daemon/netconf/rpc.hpp"

namespace fanout::daemon {

enum class reply_kind { ok, text, xml, json };

struct rpc_error_entry {
    std::string type;      // transport, rpc, protocol, application
    std::string tag;       // e.g. operation-failed, unknown-element
    std::string severity;  // error or warning ("error" when the reply leaves it out)
    std::string message;

    bool is_warning() const { return severity == "warning"; }
};

struct rpc_reply {
    reply_kind kind = reply_kind::ok;
    std::string text;
    std::vector<rpc_error_entry> errors;

    bool failed() const;
    // One line for a failed router result: each error (not the warnings) as
    // "<tag>: <message>", joined with "; ".
    std::string error_summary() const;
};

std::variant<rpc_reply, netconf_codec_error> parse_rpc_reply(std::string_view xml,
                                                             std::uint64_t message_id,
                                                             output_format format);

}  // namespace fanout::daemon
