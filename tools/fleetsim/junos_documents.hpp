// The operational XML documents of the commands a fake router knows (the single source of
// `| display xml`, `| display json` and NETCONF's <command format="xml|json">), built from
// the same junos_facts as the CLI text.
//
// Contract: command_document() takes a normalised command without pipes ("show version") and
// returns its document, or nothing for a command the router does not know. The cli_display_*
// functions render a document as the CLI prints it after `| display xml` / `| display json`.
// Pure functions (plus the wall clock for uptimes); no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tools/fleetsim/junos_element.hpp"
#include "tools/fleetsim/junos_facts.hpp"

namespace fanout::fleetsim {

// xmlns:junos of every reply that may carry junos: attributes.
inline constexpr const char* junos_namespace = "http://xml.juniper.net/junos/23.4R1/junos";

std::optional<junos_element> command_document(std::string_view command,
                                              const router_identity& router);

// <rpc-reply xmlns:junos="..."> document <cli><banner/></cli> </rpc-reply>, indented.
std::string cli_display_xml(const junos_element& document);

// The JSON document, indented, ending in '\n'.
std::string cli_display_json(const junos_element& document);

}  // namespace fanout::fleetsim
