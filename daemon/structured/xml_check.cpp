#include "daemon/structured/xml_check.hpp"

#include <pugixml.hpp>

namespace fanout::daemon {

std::optional<xml_error> check_xml(std::string_view text) {
    pugi::xml_document document;
    const auto parsed = document.load_buffer(text.data(), text.size(),
                                             pugi::parse_default | pugi::parse_ws_pcdata_single,
                                             pugi::encoding_utf8);
    if (!parsed) return xml_error{parsed.description(), static_cast<std::size_t>(parsed.offset)};
    if (!document.document_element()) return xml_error{"no root element", 0};
    return std::nullopt;
}

}  // namespace fanout::daemon
