#include "tools/fleetsim/junos_element.hpp"

#include <cstdio>

namespace fanout::fleetsim {
namespace {

void append_quoted(std::string& out, const std::string& text) {
    out += '"';
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
            out += escaped;
        } else {
            out += c;  // UTF-8 passes through
        }
    }
    out += '"';
}

void append_attributes(std::string& out, const junos_element& element) {
    out += "\"attributes\" : {";
    for (std::size_t i = 0; i < element.attributes.size(); ++i) {
        if (i > 0) out += ", ";
        append_quoted(out, element.attributes[i].first);
        out += " : ";
        append_quoted(out, element.attributes[i].second);
    }
    out += '}';
}

// The element's object, its braces at `indent` spaces and its members 4 further in.
void append_object(std::string& out, const junos_element& element, std::size_t indent) {
    const std::string pad(indent, ' '), inner(indent + 4, ' ');
    out += pad + "{";
    const char* separator = "\n";
    auto member = [&] {
        out += separator + inner;
        separator = ", \n";
    };
    if (!element.children.empty() && !element.attributes.empty()) {
        member();
        append_attributes(out, element);
    }
    if (element.children.empty()) {
        if (!element.text.empty()) {
            member();
            out += "\"data\" : ";
            append_quoted(out, element.text);
        }
        if (!element.attributes.empty()) {
            member();
            append_attributes(out, element);
        }
    }
    std::vector<const std::string*> names;  // child names in first-seen order
    for (const auto& child : element.children) {
        bool seen = false;
        for (const auto* name : names) seen = seen || *name == child.name;
        if (!seen) names.push_back(&child.name);
    }
    for (const auto* name : names) {
        member();
        append_quoted(out, *name);
        out += " : [";
        const char* item_separator = "\n";
        for (const auto& child : element.children) {
            if (child.name != *name) continue;
            out += item_separator;
            item_separator = ", \n";
            append_object(out, child, indent + 4);
        }
        out += "\n" + inner + "]";
    }
    out += "\n" + pad + "}";
}

}  // namespace

junos_element& junos_element::add(std::string child_name, std::string child_text) {
    children.push_back({std::move(child_name), std::move(child_text), {}, {}});
    return children.back();
}

junos_element& junos_element::attribute(std::string key, std::string value) {
    attributes.emplace_back(std::move(key), std::move(value));
    return *this;
}

void write_xml(const junos_element& element, pugi::xml_node parent) {
    pugi::xml_node node = parent.append_child(element.name.c_str());
    for (const auto& [key, value] : element.attributes) {
        node.append_attribute(key.c_str()).set_value(value.c_str());
    }
    if (element.children.empty()) {
        if (!element.text.empty()) {
            node.append_child(pugi::node_pcdata).set_value(element.text.c_str());
        }
        return;
    }
    for (const auto& child : element.children) write_xml(child, node);
}

std::string junos_json_text(const junos_element& root) {
    std::string out = "{\n    ";
    append_quoted(out, root.name);
    out += " : [\n";
    append_object(out, root, 4);
    out += "\n    ]\n}\n";
    return out;
}

}  // namespace fanout::fleetsim
