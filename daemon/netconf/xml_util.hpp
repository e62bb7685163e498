// Internal to fanout_netconf (only its .cpp files include it): the pugixml helpers that hello
// and rpc_reply share. Names are matched by local name, so <rpc-reply>, <nc:rpc-reply> and
// <junos:rpc-reply> are the same element whatever the prefix or default namespace.
//
// Contract: parsing never throws (pugixml reports errors as values, here a message with the
// byte offset), expands no external entities and reads no DTD. Every traversal is iterative,
// so a deeply nested document cannot overflow the stack.
#pragma once

#include <pugixml.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace fanout::daemon::netconf_xml {

// The base namespace of RFC 6241.
inline constexpr const char* base_namespace = "urn:ietf:params:xml:ns:netconf:base:1.0";

// Parses `text` into `doc`; returns an error message ("not well-formed XML at byte N: ...").
std::optional<std::string> parse(pugi::xml_document& doc, std::string_view text);

std::string_view local_name(const pugi::xml_node& node);
std::string_view local_name(const pugi::xml_attribute& attribute);
pugi::xml_node child(const pugi::xml_node& parent, std::string_view local);
pugi::xml_attribute attribute(const pugi::xml_node& node, std::string_view local);

// Every PCDATA and CDATA below `node`, in document order.
std::string text_content(const pugi::xml_node& node);
std::string trimmed(std::string_view text);
// At most 64 bytes of untrusted text for an error message, each byte outside printable ASCII
// shown as '?'.
std::string excerpt(std::string_view text);

// `node` as XML text, unindented, with the namespace declarations it inherits from its
// ancestors copied onto it so that it stands alone.
std::string serialize_standalone(const pugi::xml_node& node);
// A whole document, unindented, without the XML declaration.
std::string serialize(const pugi::xml_document& doc);

}  // namespace fanout::daemon::netconf_xml
