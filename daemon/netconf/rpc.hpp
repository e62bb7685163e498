// The <rpc> messages fanout sends (RFC 6241 section 4.1), as XML text ready for encode_frame.
// Every <rpc> carries message-id="N" (decimal) and the base namespace as default namespace, so
// the operation inside it is in the base namespace unless it declares its own.
//
// Contract:
// - command_rpc: Junos's <command format="text|xml|json">, the CLI command as XML character
//   data escaped by pugixml (never concatenated by hand: "<", "&", ">" and "]]>]]>" cannot
//   escape it). An error value when the command is not valid UTF-8, or holds a character XML
//   1.0 forbids (a control character other than tab, LF and CR); nothing is sent then.
// - operation_rpc: any operation given as one XML element, e.g.
//   <get-config><source><running/></source></get-config>; an error value when it is not
//   well-formed or not exactly one element (comments around it are dropped, and so is text
//   after it, which pugixml does not report).
// - close_session_rpc: <close-session/>. All pure, thread-safe, no exceptions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/netconf/codec_error.hpp"

namespace fanout::daemon {

enum class output_format { text, xml, json };

const char* format_name(output_format format);  // "text", "xml", "json"

std::variant<std::string, netconf_codec_error> command_rpc(std::uint64_t message_id,
                                                           std::string_view command,
                                                           output_format format);

std::variant<std::string, netconf_codec_error> operation_rpc(std::uint64_t message_id,
                                                             std::string_view operation_xml);

std::string close_session_rpc(std::uint64_t message_id);

}  // namespace fanout::daemon
