// JSON → msgpack: Junos's shape read back with msgpack-cxx, exact bytes for the shortest
// headers and every JSON type, big numbers at and beyond the 64-bit edges, unicode (escapes,
// surrogate pairs, lone surrogates, invalid UTF-8), the depth and size limits, and syntax
// errors naming their byte offset.
#include <gtest/gtest.h>

#include <msgpack.hpp>

#include "daemon/structured/json_data.hpp"

using namespace fanout::daemon;

namespace {

std::string packed(std::string_view json, const json_limits& limits = {}) {
    auto out = json_to_msgpack(json, limits);
    if (auto* error = std::get_if<json_data_error>(&out)) {
        ADD_FAILURE() << json.substr(0, 80) << ": " << error->message;
        return {};
    }
    return std::get<std::string>(out);
}

json_data_error error_of(std::string_view json, const json_limits& limits = {}) {
    auto out = json_to_msgpack(json, limits);
    if (auto* error = std::get_if<json_data_error>(&out)) return *error;
    return {"(converted)", std::nullopt};
}

std::string hex(std::string_view bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

msgpack::object_handle unpacked(const std::string& bytes) {
    return msgpack::unpack(bytes.data(), bytes.size());
}

}  // namespace

TEST(json_data, junos_show_version_reads_back_as_maps_of_single_element_arrays) {
    const auto bytes = packed(R"({"software-information": [{
        "host-name": [{"data": "r1"}],
        "junos-version": [{"data": "23.4R1.9", "attributes": {"junos:style": "brief"}}]}]})");
    auto handle = unpacked(bytes);
    auto root = handle.get().as<std::map<std::string, msgpack::object>>();
    auto info = root.at("software-information").as<std::vector<msgpack::object>>();
    ASSERT_EQ(info.size(), 1u);
    auto fields = info[0].as<std::map<std::string, msgpack::object>>();
    auto version = fields.at("junos-version")
                       .as<std::vector<msgpack::object>>()[0]
                       .as<std::map<std::string, msgpack::object>>();
    EXPECT_EQ(version.at("data").as<std::string>(), "23.4R1.9");
    using attributes = std::map<std::string, std::string>;
    EXPECT_EQ(version.at("attributes").as<attributes>().at("junos:style"), "brief");
}

TEST(json_data, every_json_type_in_its_shortest_msgpack_form) {
    EXPECT_EQ(hex(packed("[]")), "90");
    EXPECT_EQ(hex(packed("{}")), "80");
    EXPECT_EQ(hex(packed(R"({"a":[null,true,false,1,-1,"x"]})")), "81a16196c0c3c201ffa178");
    EXPECT_EQ(hex(packed("1.5")), "cb3ff8000000000000");
    EXPECT_EQ(hex(packed("5.0")), "cb4014000000000000");  // stays a float
    EXPECT_EQ(hex(packed("-0")), "00");
    EXPECT_EQ(hex(packed("300")), "cd012c");
    EXPECT_EQ(hex(packed(" \"\" ")), "a0");
    std::string sixteen = "[" + std::string(31, ',') + "]";
    for (std::size_t i = 1; i < sixteen.size(); i += 2) sixteen[i] = '0';
    EXPECT_EQ(hex(packed(sixteen)).substr(0, 6), "dc0010");  // 16 elements: array16
    std::string map = "{";
    for (int i = 0; i < 16; ++i) map += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
    EXPECT_EQ(hex(packed(map + "}")).substr(0, 6), "de0010");
}

TEST(json_data, nested_containers_get_their_own_counts) {
    EXPECT_EQ(hex(packed(R"([[1,2],{"k":[]},[[[]]]])")),
              "93920102"
              "81a16b90"
              "919190");
}

TEST(json_data, duplicate_keys_are_kept_in_order) {
    EXPECT_EQ(hex(packed(R"({"a":1,"a":2})")), "82a16101a16102");
}

TEST(json_data, integers_at_the_64_bit_edges_stay_integers) {
    EXPECT_EQ(hex(packed("18446744073709551615")), "cfffffffffffffffff");
    EXPECT_EQ(hex(packed("-9223372036854775808")), "d38000000000000000");
    EXPECT_EQ(hex(packed("9223372036854775808")), "cf8000000000000000");
}

TEST(json_data, integers_beyond_64_bits_become_the_nearest_float64) {
    auto big = unpacked(packed("18446744073709551616"));
    EXPECT_EQ(big.get().type, msgpack::type::FLOAT64);
    EXPECT_DOUBLE_EQ(big.get().as<double>(), 18446744073709551616.0);
    auto small = unpacked(packed("-9223372036854775809"));
    EXPECT_EQ(small.get().type, msgpack::type::FLOAT64);
    auto huge = unpacked(packed("123456789012345678901234567890"));
    EXPECT_DOUBLE_EQ(huge.get().as<double>(), 1.2345678901234568e29);
}

TEST(json_data, a_number_beyond_float64_is_an_error) {
    auto error = error_of("[1e400]");
    EXPECT_NE(error.message.find("number overflow"), std::string::npos) << error.message;
    EXPECT_TRUE(error.offset);
}

TEST(json_data, unicode_escapes_and_raw_utf8_become_utf8) {
    EXPECT_EQ(hex(packed(R"("\u00e9é")")),
              "a4"
              "c3a9"
              "c3a9");
    EXPECT_EQ(hex(packed(R"("\ud83d\ude00")")), "a4f09f9880");
    EXPECT_EQ(hex(packed("\"\xf0\x9f\x98\x80\"")), "a4f09f9880");
    EXPECT_EQ(hex(packed(R"("a\u0000b")")), "a3610062");
    EXPECT_EQ(hex(packed(R"({"\u65e5\u672c":"\n\t\"\\\/"})")),
              "81a6e697a5e69cac"
              "a50a09225c2f");
}

TEST(json_data, lone_surrogates_and_invalid_utf8_are_errors) {
    for (std::string json :
         {std::string(R"("\ud800")"), std::string(R"("\udc00x")"), std::string("\"\xff\""),
          std::string("\"\xc0\xaf\""), std::string("\"\xed\xa0\x80\""), std::string("\"a\x01\"")}) {
        auto error = error_of(json);
        EXPECT_NE(error.message.find("not JSON at byte"), std::string::npos)
            << testing::PrintToString(json) << ": " << error.message;
    }
}

TEST(json_data, nesting_up_to_the_limit_passes_one_more_level_fails) {
    json_limits limits;
    limits.max_depth = 64;
    const std::string at_limit = std::string(64, '[') + std::string(64, ']');
    EXPECT_EQ(packed(at_limit, limits).size(), 64u);
    const std::string deeper = std::string(65, '[') + std::string(65, ']');
    EXPECT_EQ(error_of(deeper, limits).message, "JSON nested deeper than 64 arrays and objects");
    std::string objects;
    for (int i = 0; i < 65; ++i) objects += "{\"a\":";
    objects += "1" + std::string(65, '}');
    EXPECT_NE(error_of(objects, limits).message.find("deeper than 64"), std::string::npos);
}

TEST(json_data, a_million_levels_is_refused_without_exhausting_the_stack) {
    const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
    EXPECT_NE(error_of(deep).message.find("deeper than 64"), std::string::npos);
}

TEST(json_data, the_input_size_limit_is_checked_before_parsing) {
    json_limits limits;
    limits.max_input_bytes = 10;
    EXPECT_EQ(hex(packed("[1,2,3,4] ", limits)), "9401020304");
    EXPECT_EQ(error_of("[1,2,3,4]  ", limits).message,
              "JSON document of 11 bytes is over the limit of 10");
}

TEST(json_data, limits_out_of_range_are_configuration_errors) {
    EXPECT_THROW(json_to_msgpack("1", {0, 64}), std::invalid_argument);
    EXPECT_THROW(json_to_msgpack("1", {10, 0}), std::invalid_argument);
    EXPECT_THROW(json_to_msgpack("1", {std::size_t{1} << 32, 64}), std::invalid_argument);
}

TEST(json_data, syntax_errors_name_the_byte_offset) {
    const std::pair<std::string, std::size_t> cases[] = {
        {R"({"a": tru})", 9},
        {"[1,2,]", 5},
        {"{} x", 3},
        {"", 0},
        {R"({"software-information": [{"host-name": [{"da)", 45},
        {"[1] [2]", 4},
    };
    for (const auto& [json, offset] : cases) {
        auto error = error_of(json);
        EXPECT_EQ(error.offset, offset) << json << ": " << error.message;
        EXPECT_NE(error.message.find("not JSON at byte " + std::to_string(offset) + ": "),
                  std::string::npos)
            << error.message;
        EXPECT_EQ(error.message.find("[json.exception"), std::string::npos) << error.message;
    }
}
