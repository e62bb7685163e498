#include "daemon/netconf/xml_util.hpp"

namespace fanout::daemon::netconf_xml {

namespace {

struct string_writer : pugi::xml_writer {
    std::string out;
    void write(const void* data, std::size_t size) override {
        out.append(static_cast<const char*>(data), size);
    }
};

constexpr unsigned parse_options = pugi::parse_default & ~pugi::parse_doctype;
constexpr unsigned output_options = pugi::format_raw | pugi::format_no_declaration;

bool is_namespace_declaration(const pugi::xml_attribute& a) {
    const std::string_view name = a.name();
    return name == "xmlns" || name.starts_with("xmlns:");
}

}  // namespace

std::optional<std::string> parse(pugi::xml_document& doc, std::string_view text) {
    const auto result =
        doc.load_buffer(text.data(), text.size(), parse_options, pugi::encoding_utf8);
    if (result) {
        if (!doc.document_element()) return "no XML element in the message";
        return std::nullopt;
    }
    return "not well-formed XML at byte " + std::to_string(result.offset) + ": " +
           result.description();
}

std::string_view local_name(const pugi::xml_node& node) {
    const std::string_view name = node.name();
    const auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string_view local_name(const pugi::xml_attribute& attribute) {
    const std::string_view name = attribute.name();
    const auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(const pugi::xml_node& parent, std::string_view local) {
    for (auto node : parent.children()) {
        if (node.type() == pugi::node_element && local_name(node) == local) return node;
    }
    return {};
}

pugi::xml_attribute attribute(const pugi::xml_node& node, std::string_view local) {
    for (auto a : node.attributes()) {
        if (!is_namespace_declaration(a) && local_name(a) == local) return a;
    }
    return {};
}

std::string text_content(const pugi::xml_node& node) {
    std::string out;
    if (node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata) return node.value();
    // Depth-first, in document order, without recursion.
    pugi::xml_node current = node.first_child();
    while (current) {
        if (current.type() == pugi::node_pcdata || current.type() == pugi::node_cdata) {
            out += current.value();
        }
        if (current.first_child()) {
            current = current.first_child();
            continue;
        }
        while (current && current != node && !current.next_sibling()) current = current.parent();
        if (!current || current == node) break;
        current = current.next_sibling();
    }
    return out;
}

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

std::string excerpt(std::string_view text) {
    std::string out(text.substr(0, 64));
    for (char& c : out) {
        if (c < 0x20 || c > 0x7e) c = '?';
    }
    return out;
}

std::string serialize_standalone(const pugi::xml_node& node) {
    pugi::xml_document out;
    auto copy = out.append_copy(node);
    for (auto ancestor = node.parent(); ancestor; ancestor = ancestor.parent()) {
        for (auto a : ancestor.attributes()) {
            if (is_namespace_declaration(a) && !copy.attribute(a.name())) {
                copy.append_attribute(a.name()) = a.value();
            }
        }
    }
    return serialize(out);
}

std::string serialize(const pugi::xml_document& doc) {
    string_writer writer;
    doc.save(writer, "", output_options, pugi::encoding_utf8);
    return std::move(writer.out);
}

}  // namespace fanout::daemon::netconf_xml
