// output_format: the command sent for each format, and what a successful result becomes.
#include "daemon/workers/output_format.hpp"

#include <gtest/gtest.h>

#include <msgpack.hpp>

using fanout::daemon::apply_format;
using fanout::daemon::exec_command;
using fanout::protocol::error_kind;
using fanout::protocol::output_format;
using fanout::protocol::router_result;
using fanout::protocol::router_status;

namespace {

router_result success(std::string output) {
    router_result r;
    r.status = router_status::success;
    r.output = std::move(output);
    return r;
}

}  // namespace

TEST(output_format, exec_appends_junos_display_for_json_and_xml_only) {
    EXPECT_EQ(exec_command("show version", output_format::text), "show version");
    EXPECT_EQ(exec_command("show version", output_format::json), "show version | display json");
    EXPECT_EQ(exec_command("show version", output_format::xml), "show version | display xml");
}

TEST(output_format, json_output_becomes_data_and_keeps_its_text) {
    const std::string text =
        R"({"software-information": [{"junos-version": [{"data": "23.4R1.9"}]}]})";
    auto r = success(text);
    apply_format(r, output_format::json);
    ASSERT_EQ(r.status, router_status::success);
    ASSERT_TRUE(r.data);
    EXPECT_EQ(r.output, text);
    auto document = msgpack::unpack(r.data->data(), r.data->size());
    const auto& map = document.get().via.map;
    ASSERT_EQ(map.size, 1u);
    EXPECT_EQ(map.ptr[0].key.as<std::string>(), "software-information");
    const auto& version = map.ptr[0].val.via.array.ptr[0].via.map.ptr[0].val.via.array.ptr[0];
    EXPECT_EQ(version.via.map.ptr[0].val.as<std::string>(), "23.4R1.9");
}

TEST(output_format, output_that_is_not_json_fails_with_kind_parse_and_the_offset) {
    auto r = success("{\"a\": [1, 2,, 3]}");
    apply_format(r, output_format::json);
    EXPECT_EQ(r.status, router_status::failed);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->kind, error_kind::parse);
    EXPECT_NE(r.error->message.find("at byte 12"), std::string::npos) << r.error->message;
    EXPECT_FALSE(r.data);
    EXPECT_EQ(r.output, "{\"a\": [1, 2,, 3]}") << "the text stays";
}

TEST(output_format, a_truncated_document_is_never_parsed) {
    auto r = success("[1, 2, 3]");  // whole-looking, but the cap cut the real document
    r.truncated = true;
    apply_format(r, output_format::json);
    EXPECT_EQ(r.status, router_status::failed);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->kind, error_kind::parse);
    EXPECT_NE(r.error->message.find("--max-output-bytes"), std::string::npos);
    EXPECT_FALSE(r.data);
}

TEST(output_format, xml_is_checked_and_gets_no_data) {
    auto good = success("<rpc-reply><software-information/></rpc-reply>\n");
    apply_format(good, output_format::xml);
    EXPECT_EQ(good.status, router_status::success);
    EXPECT_FALSE(good.data);

    auto bad = success("<a><b></a>");
    apply_format(bad, output_format::xml);
    EXPECT_EQ(bad.status, router_status::failed);
    ASSERT_TRUE(bad.error);
    EXPECT_EQ(bad.error->kind, error_kind::parse);
    EXPECT_NE(bad.error->message.find("not well-formed XML at byte"), std::string::npos);
}

TEST(output_format, text_and_failed_results_are_left_alone) {
    auto text = success("not json at all");
    apply_format(text, output_format::text);
    EXPECT_EQ(text.status, router_status::success);
    EXPECT_FALSE(text.data);

    auto failed = success("syntax error");
    failed.status = router_status::failed;
    apply_format(failed, output_format::json);
    EXPECT_FALSE(failed.error) << "its own error is kept, not replaced by parse";
    EXPECT_FALSE(failed.data);
}
