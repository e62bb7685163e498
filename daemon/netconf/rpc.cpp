#include "daemon/netconf/rpc.hpp"

#include "daemon/netconf/xml_util.hpp"
#include "protocol/utf8.hpp"

namespace fanout::daemon {

namespace xml = netconf_xml;

const char* format_name(output_format format) {
    switch (format) {
        case output_format::xml:
            return "xml";
        case output_format::json:
            return "json";
        case output_format::text:
            break;
    }
    return "text";
}

namespace {

pugi::xml_node rpc_element(pugi::xml_document& doc, std::uint64_t message_id) {
    auto rpc = doc.append_child("rpc");
    rpc.append_attribute("message-id") = std::to_string(message_id).c_str();
    rpc.append_attribute("xmlns") = xml::base_namespace;
    return rpc;
}

bool allowed_in_xml(std::string_view text) {
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') return false;
    }
    return true;
}

}  // namespace

std::variant<std::string, netconf_codec_error> command_rpc(std::uint64_t message_id,
                                                           std::string_view command,
                                                           output_format format) {
    if (!protocol::is_valid_utf8(command)) return netconf_codec_error{"command is not UTF-8"};
    if (!allowed_in_xml(command)) {
        return netconf_codec_error{"command holds a control character XML cannot carry"};
    }
    pugi::xml_document doc;
    auto element = rpc_element(doc, message_id).append_child("command");
    element.append_attribute("format") = format_name(format);
    // pugixml keeps the text as is and escapes it when it writes the document.
    element.append_child(pugi::node_pcdata).set_value(command.data(), command.size());
    return xml::serialize(doc);
}

std::variant<std::string, netconf_codec_error> operation_rpc(std::uint64_t message_id,
                                                             std::string_view operation_xml) {
    pugi::xml_document operation;
    if (auto error = xml::parse(operation, operation_xml)) {
        return netconf_codec_error{"operation: " + *error};
    }
    int elements = 0;
    for (auto node : operation.children()) elements += node.type() == pugi::node_element;
    if (elements != 1) return netconf_codec_error{"operation: expected exactly one element"};
    pugi::xml_document doc;
    rpc_element(doc, message_id).append_copy(operation.document_element());
    return xml::serialize(doc);
}

std::string close_session_rpc(std::uint64_t message_id) {
    pugi::xml_document doc;
    rpc_element(doc, message_id).append_child("close-session");
    return xml::serialize(doc);
}

}  // namespace fanout::daemon
