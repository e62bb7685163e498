// The rpc-reply parser: Junos text, xml and json replies, <ok/>, <rpc-error> mapped field by
// field, a warning beside a good reply, message-id mismatches, namespace variants (default
// namespace, nc: and junos: prefixes, none), Junos's xnm:error, and hostile documents.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "daemon/netconf/rpc_reply.hpp"

using namespace fanout::daemon;

namespace {

rpc_reply parsed(std::string_view xml, output_format format = output_format::text,
                 std::uint64_t id = 1) {
    auto out = parse_rpc_reply(xml, id, format);
    if (auto* error = std::get_if<netconf_codec_error>(&out)) {
        ADD_FAILURE() << error->message;
        return {};
    }
    return std::get<rpc_reply>(out);
}

std::string error_of(std::string_view xml, std::uint64_t id = 1) {
    auto out = parse_rpc_reply(xml, id, output_format::text);
    auto* error = std::get_if<netconf_codec_error>(&out);
    return error ? error->message : "(parsed)";
}

const char* junos_text_reply =
    R"(<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" xmlns:junos="http://xml.juniper.net/junos/23.4R1/junos" message-id="1">
<output>
Hostname: r1
Model: mx960
Junos: 23.4R1.9 &lt;ok&gt; &amp; more
</output>
</rpc-reply>)";

const char* junos_xml_reply =
    R"(<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" xmlns:junos="http://xml.juniper.net/junos/23.4R1/junos" message-id="1">
<software-information>
<host-name>r1</host-name>
<junos-version junos:style="brief">23.4R1.9</junos-version>
</software-information>
</rpc-reply>)";

const char* junos_json_reply =
    R"(<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" xmlns:junos="http://xml.juniper.net/junos/23.4R1/junos" message-id="1">
{"software-information" : [{"host-name" : [{"data" : "r1 &lt;&amp;&gt;"}]}]}
</rpc-reply>)";

const char* error_reply =
    R"(<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="1">
<rpc-error>
<error-type>protocol</error-type>
<error-tag>operation-failed</error-tag>
<error-severity>error</error-severity>
<error-message>
syntax error, expecting &lt;command&gt;
</error-message>
</rpc-error>
</rpc-reply>)";

}  // namespace

TEST(netconf_rpc_reply, text_is_the_output_element_raw) {
    auto reply = parsed(junos_text_reply);
    EXPECT_EQ(reply.kind, reply_kind::text);
    EXPECT_EQ(reply.text, "\nHostname: r1\nModel: mx960\nJunos: 23.4R1.9 <ok> & more\n");
    EXPECT_FALSE(reply.failed());
    EXPECT_TRUE(reply.errors.empty());
}

TEST(netconf_rpc_reply, xml_is_the_operational_element_standing_alone) {
    auto reply = parsed(junos_xml_reply, output_format::xml);
    EXPECT_EQ(reply.kind, reply_kind::xml);
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(reply.text.c_str())) << reply.text;
    auto info = doc.child("software-information");
    EXPECT_STREQ(info.child("host-name").text().get(), "r1");
    EXPECT_STREQ(info.child("junos-version").attribute("junos:style").value(), "brief");
    // The junos: prefix it uses is declared on it, so the text is XML on its own.
    EXPECT_STREQ(info.attribute("xmlns:junos").value(),
                 "http://xml.juniper.net/junos/23.4R1/junos");
}

TEST(netconf_rpc_reply, several_elements_are_one_per_line) {
    auto reply =
        parsed("<rpc-reply message-id=\"1\"><a>1</a> <b/></rpc-reply>", output_format::xml);
    EXPECT_EQ(reply.text, "<a>1</a>\n<b/>");
}

TEST(netconf_rpc_reply, json_is_the_replys_own_text) {
    auto reply = parsed(junos_json_reply, output_format::json);
    EXPECT_EQ(reply.kind, reply_kind::json);
    EXPECT_EQ(reply.text, R"({"software-information" : [{"host-name" : [{"data" : "r1 <&>"}]}]})");
}

TEST(netconf_rpc_reply, json_asked_but_output_answered_falls_back_to_text) {
    auto reply = parsed(junos_text_reply, output_format::json);
    EXPECT_EQ(reply.kind, reply_kind::text);
    EXPECT_NE(reply.text.find("Hostname: r1"), std::string::npos);
}

TEST(netconf_rpc_reply, text_asked_but_elements_answered_gives_xml) {
    auto reply = parsed(junos_xml_reply, output_format::text);
    EXPECT_EQ(reply.kind, reply_kind::xml);
    EXPECT_NE(reply.text.find("<host-name>r1</host-name>"), std::string::npos);
}

TEST(netconf_rpc_reply, ok_and_an_empty_reply) {
    for (auto format : {output_format::text, output_format::xml, output_format::json}) {
        auto reply = parsed("<rpc-reply message-id=\"1\"><ok/></rpc-reply>", format);
        EXPECT_EQ(reply.kind, reply_kind::ok);
        EXPECT_FALSE(reply.failed());
        EXPECT_EQ(parsed("<rpc-reply message-id=\"1\"/>", format).kind, reply_kind::ok);
    }
}

TEST(netconf_rpc_reply, an_rpc_error_is_mapped_field_by_field_and_fails_the_reply) {
    auto reply = parsed(error_reply);
    ASSERT_EQ(reply.errors.size(), 1u);
    const auto& e = reply.errors[0];
    EXPECT_EQ(e.type, "protocol");
    EXPECT_EQ(e.tag, "operation-failed");
    EXPECT_EQ(e.severity, "error");
    EXPECT_EQ(e.message, "syntax error, expecting <command>");
    EXPECT_TRUE(reply.failed());
    EXPECT_EQ(reply.error_summary(), "operation-failed: syntax error, expecting <command>");
}

TEST(netconf_rpc_reply, a_warning_beside_a_good_reply_is_not_a_failure) {
    auto reply = parsed(
        "<rpc-reply message-id=\"1\"><rpc-error><error-type>application</error-type>"
        "<error-tag>operation-failed</error-tag><error-severity>warning</error-severity>"
        "<error-message>statement has no effect</error-message></rpc-error>"
        "<output>Hostname: r1</output></rpc-reply>");
    EXPECT_FALSE(reply.failed());
    EXPECT_EQ(reply.kind, reply_kind::text);
    EXPECT_EQ(reply.text, "Hostname: r1");
    ASSERT_EQ(reply.errors.size(), 1u);
    EXPECT_TRUE(reply.errors[0].is_warning());
    EXPECT_EQ(reply.error_summary(), "");
}

TEST(netconf_rpc_reply,
     an_error_without_severity_counts_as_an_error_and_warnings_stay_out_of_the_summary) {
    auto reply = parsed(
        "<rpc-reply message-id=\"1\"><rpc-error><error-tag>a</error-tag>"
        "<error-message>one</error-message></rpc-error><rpc-error><error-tag>b</error-tag>"
        "<error-severity>warning</error-severity></rpc-error><rpc-error><error-tag>c</error-tag>"
        "<error-severity>error</error-severity><error-message>two</error-message></rpc-error>"
        "</rpc-reply>");
    EXPECT_TRUE(reply.failed());
    EXPECT_EQ(reply.errors.size(), 3u);
    EXPECT_EQ(reply.errors[0].severity, "error");
    EXPECT_EQ(reply.error_summary(), "a: one; c: two");
}

TEST(netconf_rpc_reply, junos_xnm_error_and_warning) {
    auto reply = parsed(
        "<rpc-reply message-id=\"1\" xmlns:xnm=\"http://xml.juniper.net/xnm/1.1/xnm\">"
        "<xnm:warning><message>careful</message></xnm:warning>"
        "<xnm:error><source-daemon>mgd</source-daemon><message>\nsyntax error\n</message>"
        "</xnm:error></rpc-reply>");
    ASSERT_EQ(reply.errors.size(), 2u);
    EXPECT_TRUE(reply.errors[0].is_warning());
    EXPECT_EQ(reply.errors[1].message, "syntax error");
    EXPECT_TRUE(reply.failed());
}

TEST(netconf_rpc_reply, the_message_id_must_be_the_one_sent) {
    EXPECT_EQ(error_of("<rpc-reply message-id=\"2\"><ok/></rpc-reply>", 1),
              "rpc-reply message-id 2 does not match the rpc's 1");
    EXPECT_EQ(error_of("<rpc-reply><ok/></rpc-reply>", 7),
              "rpc-reply without a message-id (sent 7)");
    EXPECT_NE(error_of("<rpc-reply message-id=\" 1\"><ok/></rpc-reply>", 1).find("does not match"),
              std::string::npos);
    EXPECT_NE(error_of("<rpc-reply message-id=\"1\x01\xff\"/>", 1).find("1??"), std::string::npos);
    EXPECT_EQ(error_of("<rpc-reply message-id=\"18446744073709551615\"/>", 18446744073709551615u),
              "(parsed)");
}

TEST(netconf_rpc_reply, namespace_variants_are_all_read) {
    const char* variants[] = {
        "<rpc-reply message-id=\"1\"><output>x</output></rpc-reply>",
        "<rpc-reply xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\" message-id=\"1\">"
        "<output>x</output></rpc-reply>",
        "<nc:rpc-reply xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\" message-id=\"1\">"
        "<output>x</output></nc:rpc-reply>",
        "<nc:rpc-reply xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\" nc:message-id=\"1\">"
        "<nc:output>x</nc:output></nc:rpc-reply>",
        "<junos:rpc-reply xmlns:junos=\"http://xml.juniper.net/junos/23.4R1/junos\" "
        "message-id=\"1\"><junos:output>x</junos:output></junos:rpc-reply>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rpc-reply message-id=\"1\">"
        "<multi-routing-engine-results><multi-routing-engine-item><output>x</output>"
        "</multi-routing-engine-item></multi-routing-engine-results></rpc-reply>",
    };
    for (auto xml : variants) {
        auto reply = parsed(xml);
        EXPECT_EQ(reply.kind, reply_kind::text) << xml;
        EXPECT_EQ(reply.text, "x") << xml;
    }
    auto errors = parsed(
        "<nc:rpc-reply xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\" message-id=\"1\">"
        "<nc:rpc-error><nc:error-tag>t</nc:error-tag><nc:error-message>m</nc:error-message>"
        "</nc:rpc-error></nc:rpc-reply>");
    ASSERT_EQ(errors.errors.size(), 1u);
    EXPECT_EQ(errors.error_summary(), "t: m");
}

TEST(netconf_rpc_reply, refuses_what_is_not_an_rpc_reply) {
    EXPECT_NE(error_of("").find("not well-formed"), std::string::npos);
    EXPECT_NE(error_of("<rpc-reply message-id=\"1\">").find("not well-formed XML at byte"),
              std::string::npos);
    EXPECT_EQ(error_of("<hello/>"), "expected <rpc-reply>, got <hello>");
    EXPECT_NE(error_of("{\"json\": 1}").find("not well-formed"), std::string::npos);
}

TEST(netconf_rpc_reply, a_deeply_nested_reply_does_not_overflow_the_stack) {
    std::string xml = "<rpc-reply message-id=\"1\">";
    for (int i = 0; i < 200'000; ++i) xml += "<a>";
    xml += "deep";
    for (int i = 0; i < 200'000; ++i) xml += "</a>";
    xml += "</rpc-reply>";
    auto text = parsed(xml, output_format::text);
    EXPECT_EQ(text.kind, reply_kind::xml);
    auto json = parsed(xml, output_format::json);
    EXPECT_EQ(json.kind, reply_kind::xml);
}

TEST(netconf_rpc_reply, entities_are_not_expanded_beyond_the_predefined_ones) {
    auto out = parse_rpc_reply(
        "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
        "<rpc-reply message-id=\"1\"><output>&b;&amp;</output></rpc-reply>",
        1, output_format::text);
    if (auto* reply = std::get_if<rpc_reply>(&out)) {
        EXPECT_LE(reply->text.size(), 16u) << reply->text;
    }
}
