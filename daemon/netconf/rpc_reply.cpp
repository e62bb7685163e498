#include "daemon/netconf/rpc_reply.hpp"

#include <algorithm>

#include "daemon/netconf/xml_util.hpp"

namespace fanout::daemon {

namespace xml = netconf_xml;

bool rpc_reply::failed() const {
    return std::any_of(errors.begin(), errors.end(), [](auto& e) { return !e.is_warning(); });
}

std::string rpc_reply::error_summary() const {
    std::string out;
    for (const auto& e : errors) {
        if (e.is_warning()) continue;
        if (!out.empty()) out += "; ";
        out += (e.tag.empty() ? std::string("error") : e.tag) + ": " + e.message;
    }
    return out;
}

namespace {

bool is_error_element(std::string_view name) {
    return name == "rpc-error" || name == "error" || name == "warning";
}

rpc_error_entry error_entry(const pugi::xml_node& node) {
    const auto name = xml::local_name(node);
    auto field = [&](std::string_view local) {
        return xml::trimmed(xml::text_content(xml::child(node, local)));
    };
    if (name == "rpc-error") {
        auto severity = field("error-severity");
        return {field("error-type"), field("error-tag"), severity.empty() ? "error" : severity,
                field("error-message")};
    }
    // Junos's own <xnm:error> and <xnm:warning>: a <message>, no tag.
    return {"application", "", name == "warning" ? "warning" : "error", field("message")};
}

// The <output> (or <configuration-output>) elements, in document order, not nested ones.
bool collect_output(const pugi::xml_node& reply, std::string& text) {
    bool found = false;
    pugi::xml_node current = reply.first_child();
    while (current) {
        const auto name = xml::local_name(current);
        const bool element = current.type() == pugi::node_element;
        if (element && (name == "output" || name == "configuration-output")) {
            text += xml::text_content(current);
            found = true;
        } else if (element && !is_error_element(name) && current.first_child()) {
            current = current.first_child();
            continue;
        }
        while (current && current != reply && !current.next_sibling()) current = current.parent();
        if (!current || current == reply) break;
        current = current.next_sibling();
    }
    return found;
}

bool collect_elements(const pugi::xml_node& reply, std::string& text) {
    bool found = false;
    for (auto node : reply.children()) {
        const auto name = xml::local_name(node);
        if (node.type() != pugi::node_element || is_error_element(name) || name == "ok") continue;
        if (found) text += '\n';
        text += xml::serialize_standalone(node);
        found = true;
    }
    return found;
}

std::string own_text(const pugi::xml_node& reply) {
    std::string text;
    for (auto node : reply.children()) {
        if (node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata) {
            text += node.value();
        }
    }
    return xml::trimmed(text);
}

void fill_content(const pugi::xml_node& root, output_format format, rpc_reply& reply) {
    if (format == output_format::json) {
        reply.text = own_text(root);
        if (!reply.text.empty()) {
            reply.kind = reply_kind::json;
            return;
        }
    }
    if (format != output_format::xml && collect_output(root, reply.text)) {
        reply.kind = reply_kind::text;
    } else if (collect_elements(root, reply.text)) {
        reply.kind = reply_kind::xml;
    }
}

}  // namespace

std::variant<rpc_reply, netconf_codec_error> parse_rpc_reply(std::string_view text,
                                                             std::uint64_t message_id,
                                                             output_format format) {
    pugi::xml_document doc;
    if (auto error = xml::parse(doc, text)) return netconf_codec_error{"rpc-reply: " + *error};
    const auto root = doc.document_element();
    if (xml::local_name(root) != "rpc-reply") {
        return netconf_codec_error{"expected <rpc-reply>, got <" + xml::excerpt(root.name()) + ">"};
    }
    const auto expected = std::to_string(message_id);
    const auto id = xml::attribute(root, "message-id");
    if (!id) return netconf_codec_error{"rpc-reply without a message-id (sent " + expected + ")"};
    if (expected != id.value()) {
        return netconf_codec_error{"rpc-reply message-id " + xml::excerpt(id.value()) +
                                   " does not match the rpc's " + expected};
    }
    rpc_reply reply;
    for (auto node : root.children()) {
        if (node.type() == pugi::node_element && is_error_element(xml::local_name(node))) {
            reply.errors.push_back(error_entry(node));
        }
    }
    fill_content(root, format, reply);
    return reply;
}

}  // namespace fanout::daemon
