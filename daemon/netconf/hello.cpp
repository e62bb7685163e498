#include "daemon/netconf/hello.hpp"

#include <algorithm>
#include <charconv>

#include "daemon/netconf/xml_util.hpp"

namespace fanout::daemon {

namespace xml = netconf_xml;

bool server_hello::has(std::string_view capability) const {
    return std::find(capabilities.begin(), capabilities.end(), capability) != capabilities.end();
}

std::string client_hello() {
    pugi::xml_document doc;
    auto hello = doc.append_child("hello");
    hello.append_attribute("xmlns") = xml::base_namespace;
    auto capabilities = hello.append_child("capabilities");
    for (auto uri : {base_1_0_capability, base_1_1_capability}) {
        capabilities.append_child("capability").text() = std::string(uri).c_str();
    }
    return xml::serialize(doc);
}

namespace {

netconf_codec_error hello_error(const std::string& what) {
    return {"server hello: " + what};
}

}  // namespace

std::variant<server_hello, netconf_codec_error> parse_server_hello(std::string_view text) {
    pugi::xml_document doc;
    if (auto error = xml::parse(doc, text)) return hello_error(*error);
    const auto root = doc.document_element();
    if (xml::local_name(root) != "hello") {
        return hello_error("expected <hello>, got <" + xml::excerpt(root.name()) + ">");
    }
    server_hello hello;
    for (auto node : xml::child(root, "capabilities").children()) {
        if (node.type() != pugi::node_element || xml::local_name(node) != "capability") continue;
        auto uri = xml::trimmed(xml::text_content(node));
        if (!uri.empty()) hello.capabilities.push_back(std::move(uri));
    }
    if (!hello.has(base_1_0_capability) && !hello.has(base_1_1_capability)) {
        return hello_error("neither base:1.0 nor base:1.1 is advertised");
    }
    const auto session = xml::child(root, "session-id");
    if (!session) return hello_error("no session-id");
    const auto id_text = xml::trimmed(xml::text_content(session));
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc() || end != id_text.data() + id_text.size() || id == 0 ||
        id > 4'294'967'295) {
        return hello_error("session-id is not a number in 1..4294967295");
    }
    hello.session_id = static_cast<std::uint32_t>(id);
    return hello;
}

framing negotiated_framing(const server_hello& hello) {
    return hello.has(base_1_1_capability) ? framing::chunked : framing::end_of_message;
}

}  // namespace fanout::daemon
