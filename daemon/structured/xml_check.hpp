// Whether a text is one well-formed XML document: the check behind `format: xml` (Junos's
// `| display xml` over exec), parsed with pugixml, never by hand.
//
// Contract: returns nothing for a well-formed document (one root element, after an optional
// declaration, comments and whitespace), else the parser's message and the byte offset where
// it stopped. Pure, thread-safe; the parse is bounded by the text's size (no entity expansion
// beyond XML's five predefined entities: pugixml reads no DTD).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fanout::daemon {

struct xml_error {
    std::string message;
    std::size_t offset = 0;
};

std::optional<xml_error> check_xml(std::string_view text);

}  // namespace fanout::daemon
