// data_select: a router's `data` as JSON text, and --select paths into it.
#include "tools/fanoutctl/data_select.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using fanout::ctl::data_text;
using fanout::ctl::select_value;

namespace {

std::string bytes_of(const char* json) {
    auto packed = nlohmann::json::to_msgpack(nlohmann::json::parse(json));
    return std::string(packed.begin(), packed.end());
}

const std::string version = bytes_of(
    R"({"software-information": [{"host-name": [{"data": "r1"}],
        "junos-version": [{"data": "23.4R1.9"}], "package": [{"n": 1}, {"n": 2}]}]})");

}  // namespace

TEST(fanoutctl_data_select, a_path_of_keys_and_indexes_reaches_a_leaf) {
    EXPECT_EQ(select_value(version, "software-information.0.junos-version.0.data"), "23.4R1.9");
    EXPECT_EQ(select_value(version, "software-information.0.package.1.n"), "2");
    EXPECT_EQ(select_value(version, "software-information.0.package.1"), R"({"n":2})");
}

TEST(fanoutctl_data_select, a_path_that_leads_nowhere_gives_nothing) {
    EXPECT_FALSE(select_value(version, "software-information.1.host-name"));
    EXPECT_FALSE(select_value(version, "software-information.0.nope"));
    EXPECT_FALSE(select_value(version, "software-information.0.junos-version.0.data.more"));
    EXPECT_FALSE(select_value("\xc1", "a")) << "not msgpack";
}

TEST(fanoutctl_data_select, the_document_prints_as_indented_json) {
    EXPECT_EQ(data_text(bytes_of(R"({"a": [1]})")), "{\n  \"a\": [\n    1\n  ]\n}");
    EXPECT_EQ(data_text("\xc1"), "(data is not valid msgpack)");
}
