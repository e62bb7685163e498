// The <rpc> builders: the command is escaped by the XML library so any text round-trips and
// nothing in it can end the frame early, every format, a generic operation, <close-session/>,
// and the refusals (control characters, invalid UTF-8, a bad operation).
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "daemon/netconf/framing.hpp"
#include "daemon/netconf/rpc.hpp"

using namespace fanout::daemon;

namespace {

std::string built(std::variant<std::string, netconf_codec_error> out) {
    if (auto* error = std::get_if<netconf_codec_error>(&out)) {
        ADD_FAILURE() << error->message;
        return {};
    }
    return std::get<std::string>(out);
}

pugi::xml_node rpc_of(pugi::xml_document& doc, const std::string& xml) {
    EXPECT_TRUE(doc.load_string(xml.c_str())) << xml;
    auto rpc = doc.document_element();
    EXPECT_STREQ(rpc.name(), "rpc");
    EXPECT_STREQ(rpc.attribute("xmlns").value(), "urn:ietf:params:xml:ns:netconf:base:1.0");
    return rpc;
}

}  // namespace

TEST(netconf_rpc, a_command_rpc_carries_the_message_id_and_format) {
    const std::pair<output_format, const char*> formats[] = {
        {output_format::text, "text"}, {output_format::xml, "xml"}, {output_format::json, "json"}};
    for (auto [format, name] : formats) {
        pugi::xml_document doc;
        auto rpc = rpc_of(doc, built(command_rpc(42, "show version", format)));
        EXPECT_STREQ(rpc.attribute("message-id").value(), "42");
        EXPECT_STREQ(rpc.child("command").attribute("format").value(), name);
        EXPECT_STREQ(rpc.child("command").text().get(), "show version");
    }
}

TEST(netconf_rpc, a_command_with_markup_round_trips_and_cannot_end_the_frame) {
    const std::string command = "show log \"a<b>&c\" | match ']]>]]>' </command></rpc>\ttab é";
    const auto xml = built(command_rpc(18446744073709551615u, command, output_format::text));
    EXPECT_EQ(xml.find("]]>]]>"), std::string::npos) << xml;
    EXPECT_EQ(xml.find("</command></rpc></command>"), std::string::npos) << xml;
    EXPECT_TRUE(std::holds_alternative<std::string>(encode_frame(framing::end_of_message, xml)));
    pugi::xml_document doc;
    auto rpc = rpc_of(doc, xml);
    EXPECT_STREQ(rpc.attribute("message-id").value(), "18446744073709551615");
    EXPECT_EQ(std::string(rpc.child("command").text().get()), command);
}

TEST(netconf_rpc, refuses_a_command_xml_cannot_carry) {
    for (std::string command : {std::string("show\x01version"), std::string("a\0b", 3),
                                std::string("bad \xff utf8"), std::string("\x1b[0m")}) {
        auto out = command_rpc(1, command, output_format::text);
        EXPECT_TRUE(std::holds_alternative<netconf_codec_error>(out))
            << testing::PrintToString(command);
    }
}

TEST(netconf_rpc, an_operation_is_wrapped_as_given) {
    pugi::xml_document doc;
    auto rpc = rpc_of(
        doc, built(operation_rpc(7, " <get-config><source><running/></source></get-config>\n")));
    EXPECT_STREQ(rpc.attribute("message-id").value(), "7");
    EXPECT_TRUE(rpc.child("get-config").child("source").child("running"));
    EXPECT_EQ(std::distance(rpc.children().begin(), rpc.children().end()), 1);
}

TEST(netconf_rpc, refuses_an_operation_that_is_not_one_element) {
    for (const char* operation : {"", "<get-config>", "<a/><b/>", "text"}) {
        EXPECT_TRUE(std::holds_alternative<netconf_codec_error>(operation_rpc(1, operation)))
            << operation;
    }
}

TEST(netconf_rpc, close_session) {
    pugi::xml_document doc;
    auto rpc = rpc_of(doc, close_session_rpc(9));
    EXPECT_STREQ(rpc.attribute("message-id").value(), "9");
    EXPECT_TRUE(rpc.child("close-session"));
    EXPECT_FALSE(rpc.child("close-session").first_child());
}
