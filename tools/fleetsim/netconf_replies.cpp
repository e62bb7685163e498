#include "tools/fleetsim/netconf_replies.hpp"

#include <pugixml.hpp>

#include <sstream>

#include "tools/fleetsim/junos_documents.hpp"

namespace fanout::fleetsim {
namespace {

constexpr const char* base_namespace = "urn:ietf:params:xml:ns:netconf:base:1.0";

std::string serialise(const pugi::xml_document& document) {
    std::ostringstream out;
    document.save(out, "", pugi::format_raw | pugi::format_no_declaration);
    return out.str();
}

pugi::xml_node start_reply(pugi::xml_document& document, const rpc_request& request) {
    pugi::xml_node reply = document.append_child("rpc-reply");
    reply.append_attribute("xmlns").set_value(base_namespace);
    reply.append_attribute("xmlns:junos").set_value(junos_namespace);
    for (const auto& [key, value] : request.attributes) {
        reply.append_attribute(key.c_str()).set_value(value.c_str());
    }
    return reply;
}

void add_text(pugi::xml_node parent, const char* name, const std::string& text) {
    parent.append_child(name).append_child(pugi::node_pcdata).set_value(text.c_str());
}

}  // namespace

std::string server_hello(std::uint64_t session_id, bool offer_base11) {
    pugi::xml_document document;
    document.append_child(pugi::node_comment)
        .set_value(" No zombies were killed during the creation of this user interface ");
    pugi::xml_node hello = document.append_child("hello");
    hello.append_attribute("xmlns").set_value(base_namespace);
    pugi::xml_node list = hello.append_child("capabilities");
    std::string capabilities[] = {
        std::string(netconf_base10),
        offer_base11 ? std::string(netconf_base11) : std::string(),
        "urn:ietf:params:netconf:capability:candidate:1.0",
        "urn:ietf:params:netconf:capability:confirmed-commit:1.0",
        "urn:ietf:params:netconf:capability:validate:1.0",
        "urn:ietf:params:netconf:capability:url:1.0?scheme=http,ftp,file",
        "urn:ietf:params:xml:ns:netconf:base:1.0",
        "http://xml.juniper.net/netconf/junos/1.0",
        "http://xml.juniper.net/dmi/system/1.0",
    };
    for (const auto& capability : capabilities) {
        if (!capability.empty()) add_text(list, "capability", capability);
    }
    add_text(hello, "session-id", std::to_string(session_id));
    return serialise(document);
}

std::string reply_ok(const rpc_request& request) {
    pugi::xml_document document;
    start_reply(document, request).append_child("ok");
    return serialise(document);
}

std::string reply_error(const rpc_request& request, const rpc_error_fields& error) {
    pugi::xml_document document;
    pugi::xml_node e = start_reply(document, request).append_child("rpc-error");
    add_text(e, "error-type", error.type);
    add_text(e, "error-tag", error.tag);
    add_text(e, "error-severity", error.severity);
    add_text(e, "error-message", error.message);
    if (!error.bad_element.empty()) {
        add_text(e.append_child("error-info"), "bad-element", error.bad_element);
    }
    return serialise(document);
}

std::string reply_output(const rpc_request& request, std::string_view text) {
    pugi::xml_document document;
    add_text(start_reply(document, request), "output", "\n" + std::string(text));
    return serialise(document);
}

std::string reply_document(const rpc_request& request, const junos_element& document_root) {
    pugi::xml_document document;
    write_xml(document_root, start_reply(document, request));
    return serialise(document);
}

std::string reply_json(const rpc_request& request, std::string_view json) {
    pugi::xml_document document;
    start_reply(document, request)
        .append_child(pugi::node_pcdata)
        .set_value(("\n" + std::string(json)).c_str());
    return serialise(document);
}

std::pair<std::string, std::string> reply_output_envelope(const rpc_request& request) {
    static constexpr std::string_view marker = "@@fleetsim-output@@";
    const std::string whole = reply_output(request, marker);
    const std::size_t at = whole.find(marker);
    return {whole.substr(0, at), whole.substr(at + marker.size())};
}

}  // namespace fanout::fleetsim
