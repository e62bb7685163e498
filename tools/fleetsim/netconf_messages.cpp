#include "tools/fleetsim/netconf_messages.hpp"

#include <pugixml.hpp>

#include <cstring>

#include "tools/fleetsim/junos_cli.hpp"

namespace fanout::fleetsim {
namespace {

std::string_view local_name(const char* name) {
    const char* colon = std::strrchr(name, ':');
    return colon != nullptr ? std::string_view(colon + 1) : std::string_view(name);
}

bool is_namespace_declaration(std::string_view attribute) {
    return attribute == "xmlns" || attribute.starts_with("xmlns:");
}

// The document's root element, or an empty node (with `problem` set) if it does not parse.
pugi::xml_node root_of(pugi::xml_document& document, std::string_view message,
                       std::string& problem) {
    const pugi::xml_parse_result parsed =
        document.load_buffer(message.data(), message.size(), pugi::parse_default);
    if (!parsed) {
        problem = std::string("not well-formed XML: ") + parsed.description() + " at byte " +
                  std::to_string(parsed.offset);
        return {};
    }
    pugi::xml_node root = document.document_element();
    if (!root) problem = "no root element";
    return root;
}

}  // namespace

std::optional<client_hello> parse_client_hello(std::string_view message) {
    pugi::xml_document document;
    std::string problem;
    pugi::xml_node root = root_of(document, message, problem);
    if (!root || local_name(root.name()) != "hello") return std::nullopt;
    client_hello hello;
    for (pugi::xml_node list : root.children()) {
        if (local_name(list.name()) != "capabilities") continue;
        for (pugi::xml_node capability : list.children()) {
            if (local_name(capability.name()) == "capability" &&
                normalise_command(capability.child_value()) == netconf_base11) {
                hello.base11 = true;
            }
        }
    }
    return hello;
}

rpc_request parse_rpc(std::string_view message) {
    rpc_request request;
    pugi::xml_document document;
    pugi::xml_node root = root_of(document, message, request.problem);
    if (!root) return request;
    if (local_name(root.name()) != "rpc") {
        request.problem = "expected <rpc>, got <" + std::string(root.name()) + ">";
        return request;
    }
    for (pugi::xml_attribute a : root.attributes()) {
        if (!is_namespace_declaration(a.name()))
            request.attributes.emplace_back(a.name(), a.value());
    }
    pugi::xml_node operation =
        root.find_child([](pugi::xml_node n) { return n.type() == pugi::node_element; });
    if (!operation) {
        request.problem = "<rpc> has no operation element";
        return request;
    }
    request.operation = local_name(operation.name());
    if (request.operation == "close-session") {
        request.kind = rpc_kind::close_session;
    } else if (request.operation == "command") {
        request.kind = rpc_kind::command;
        request.command = normalise_command(operation.child_value());
        request.format = operation.attribute("format").value();
    } else {
        request.kind = rpc_kind::other;
    }
    return request;
}

}  // namespace fanout::fleetsim
