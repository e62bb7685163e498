// The hello exchange: our hello read back with pugixml, Junos-like and prefixed server hellos,
// the framing chosen from both capability lists, and every refusal of a bad server hello.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "daemon/netconf/hello.hpp"

using namespace fanout::daemon;

namespace {

server_hello parsed(std::string_view xml) {
    auto out = parse_server_hello(xml);
    if (auto* error = std::get_if<netconf_codec_error>(&out)) {
        ADD_FAILURE() << error->message;
        return {};
    }
    return std::get<server_hello>(out);
}

std::string error_of(std::string_view xml) {
    auto out = parse_server_hello(xml);
    auto* error = std::get_if<netconf_codec_error>(&out);
    return error ? error->message : "(parsed)";
}

const char* junos_hello =
    R"(<!-- No zombies were killed during the creation of this user interface -->
<!-- user lab, class j-super-user -->
<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <capabilities>
    <capability>urn:ietf:params:netconf:base:1.0</capability>
    <capability>urn:ietf:params:netconf:capability:candidate:1.0</capability>
    <capability>
      urn:ietf:params:netconf:base:1.1
    </capability>
    <capability>http://xml.juniper.net/netconf/junos/1.0</capability>
  </capabilities>
  <session-id>27700</session-id>
</hello>
)";

}  // namespace

TEST(netconf_hello, our_hello_offers_both_bases_in_the_base_namespace) {
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(client_hello().c_str()));
    auto hello = doc.child("hello");
    EXPECT_STREQ(hello.attribute("xmlns").value(), "urn:ietf:params:xml:ns:netconf:base:1.0");
    std::vector<std::string> capabilities;
    for (auto c : hello.child("capabilities").children("capability")) {
        capabilities.push_back(c.text().get());
    }
    EXPECT_EQ(capabilities, (std::vector<std::string>{"urn:ietf:params:netconf:base:1.0",
                                                      "urn:ietf:params:netconf:base:1.1"}));
    EXPECT_EQ(client_hello().find("]]>]]>"), std::string::npos);
}

TEST(netconf_hello, reads_a_junos_hello_with_comments_and_whitespace) {
    auto hello = parsed(junos_hello);
    EXPECT_EQ(hello.session_id, 27700u);
    ASSERT_EQ(hello.capabilities.size(), 4u);
    EXPECT_EQ(hello.capabilities[2], "urn:ietf:params:netconf:base:1.1");
    EXPECT_EQ(negotiated_framing(hello), framing::chunked);
}

TEST(netconf_hello, base_1_0_only_gives_end_of_message_framing) {
    auto hello = parsed(
        "<hello><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability>"
        "</capabilities><session-id>1</session-id></hello>");
    EXPECT_EQ(negotiated_framing(hello), framing::end_of_message);
}

TEST(netconf_hello, prefixed_and_unqualified_names_are_the_same_elements) {
    auto hello = parsed(
        "<nc:hello xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><nc:capabilities>"
        "<nc:capability>urn:ietf:params:netconf:base:1.1</nc:capability></nc:capabilities>"
        "<nc:session-id>4294967295</nc:session-id></nc:hello>");
    EXPECT_EQ(hello.session_id, 4294967295u);
    EXPECT_EQ(negotiated_framing(hello), framing::chunked);
}

TEST(netconf_hello, refuses_bad_server_hellos) {
    const std::string caps =
        "<capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities>";
    const std::pair<std::string, std::string> cases[] = {
        {"", "not well-formed XML"},
        {"<hello>", "not well-formed XML at byte"},
        {"<rpc-reply/>", "expected <hello>, got <rpc-reply>"},
        {"<hello>" + caps + "</hello>", "no session-id"},
        {"<hello>" + caps + "<session-id>0</session-id></hello>", "session-id is not a number"},
        {"<hello>" + caps + "<session-id>4294967296</session-id></hello>", "1..4294967295"},
        {"<hello>" + caps + "<session-id>12a</session-id></hello>", "session-id is not"},
        {"<hello>" + caps + "<session-id>-1</session-id></hello>", "session-id is not"},
        {"<hello><capabilities><capability>urn:x</capability></capabilities><session-id>1"
         "</session-id></hello>",
         "neither base:1.0 nor base:1.1"},
    };
    for (const auto& [xml, expected] : cases) {
        EXPECT_NE(error_of(xml).find(expected), std::string::npos)
            << xml << " gave: " << error_of(xml);
    }
}
