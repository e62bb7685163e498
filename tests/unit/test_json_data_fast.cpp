// The simdjson fast path against the nlohmann-json reference: a corpus of documents (Junos's
// shape, numbers at every 64-bit and float64 edge, unicode, depth at and over the limit, empty
// containers, duplicate keys) converts to the same bytes both ways; the fast path takes every
// plain document itself and steps aside (nothing, never an error) on what only the reference
// reads or what neither reads, which json_to_msgpack then answers exactly as the reference;
// threads sharing the parser pool each get their own document's bytes.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "daemon/structured/json_data.hpp"
#include "daemon/structured/json_fast.hpp"

using namespace fanout::daemon;

namespace {

std::string hex(std::string_view bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

// A `show interfaces terse | display json` of `count` interfaces, as Junos prints it.
std::string junos_terse(int count) {
    std::string out =
        "{\n    \"interface-information\" : [\n    {\n"
        "        \"attributes\" : {\"xmlns\" : \"http://xml.juniper.net/junos/"
        "23.4R1/junos-interface\", \"junos:style\" : \"terse\"},\n"
        "        \"physical-interface\" : [\n";
    for (int i = 0; i < count; ++i) {
        const std::string name = "ge-0/0/" + std::to_string(i);
        out += std::string(i ? ",\n" : "") + "        {\n" +
               "            \"name\" : [{\"data\" : \"" + name + "\"}],\n" +
               "            \"admin-status\" : [{\"data\" : \"up\"}],\n" +
               "            \"oper-status\" : [{\"data\" : \"" + (i % 3 ? "up" : "down") +
               "\"}],\n" + "            \"speed\" : [{\"data\" : " + std::to_string(i * 1000) +
               "}],\n" + "            \"mtu\" : [{\"data\" : 1514.5e0}],\n" +
               "            \"logical-interface\" : [{\"name\" : [{\"data\" : \"" + name +
               ".0\"}], \"address-family\" : [{\"address-family-name\" : [{\"data\" : "
               "\"inet\"}], \"interface-address\" : [{\"ifa-local\" : [{\"data\" : \"10.0." +
               std::to_string(i % 256) + ".1/31\"}]}]}]}],\n" +
               "            \"description\" : [{\"data\" : \"uplink \\u00e9\\ud83d\\ude00 "
               "\\\"core\\\"\"}], \"flags\" : [{\"data\" : null}, {\"data\" : true}, "
               "{\"data\" : false}]\n        }";
    }
    return out + "\n        ]\n    }\n    ]\n}\n";
}

std::string nested(unsigned levels, bool objects) {
    std::string out;
    for (unsigned i = 0; i < levels; ++i) out += objects ? "{\"k\":" : "[";
    out += "0";
    for (unsigned i = 0; i < levels; ++i) out += objects ? "}" : "]";
    return out;
}

// Documents both paths read: the fast path must take each itself, with the reference's bytes.
std::vector<std::string> both_read() {
    std::vector<std::string> docs = {
        "0",
        "-0",
        "-0.0",
        "0.0",
        "1",
        "-1",
        "127",
        "128",
        "255",
        "256",
        "65535",
        "65536",
        "4294967295",
        "4294967296",
        "-32",
        "-33",
        "-128",
        "-129",
        "-32768",
        "-32769",
        "-2147483648",
        "-2147483649",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "-9223372036854775808",
        "-9223372036854775807",
        "1.5",
        "5.0",
        "1e2",
        "1E+2",
        "-1e-2",
        "1e-400",
        "-1e-400",
        "2.2250738585072014e-308",
        "4.9e-324",
        "1.7976931348623157e308",
        "0.1",
        "3.141592653589793238462643383279",
        "123456789012345678.5",
        "1e0000000000000000000001",
        "0.1e-2147483649",
        "true",
        "false",
        "null",
        "\"\"",
        " \"x\" ",
        "[]",
        "{}",
        "[[]]",
        "[{}]",
        "{\"a\":{}}",
        "[null,true,false,1,-1,\"x\",[],{}]",
        R"({"a":1,"a":2,"a":{"a":[]}})",
        R"("\u00e9é\ud83d\ude00\uD83D\uDE00😀")",
        R"("a\u0000b\n\t\"\\\/\b\f\r")",
        R"({"\u65e5\u672c":"\u0041\u007f\u0080\u07ff\u0800\uffff"})",
        "\"\x7f\"",
        std::string(31, ' ') + "[" + std::string(40, ' ') + "1 ]\n\t\r ",
        R"({"software-information": [{"host-name": [{"data": "r1"}]}]})",
        nested(64, false),
        nested(64, true),
        junos_terse(3),
        junos_terse(200)};
    std::string wide = "[";
    for (int i = 0; i < 70000; ++i) wide += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
    docs.push_back(wide + "]");  // an array32 header
    std::string map = "{";
    for (int i = 0; i < 300; ++i) map += (i ? ",\"" : "\"") + std::string(i, 'k') + "\":0";
    docs.push_back(map + "}");                              // keys of every str length class
    docs.push_back("\"" + std::string(70000, 'x') + "\"");  // a str32
    return docs;
}

// Documents only the reference reads: the fast path steps aside, the result is the reference's.
const std::string reference_only[] = {
    "18446744073709551616",      "-9223372036854775809", "123456789012345678901234567890",
    "[99999999999999999999999]", "\xef\xbb\xbf[1]",      std::string("[1]\0garbage", 11),
    std::string("1\0", 2)};

// Documents neither reads: the fast path steps aside, the error is the reference's.
const std::string neither_reads[] = {"",
                                     " ",
                                     "[1,2,]",
                                     "{} x",
                                     "[1] [2]",
                                     "1e400",
                                     "[-1e400]",
                                     "01",
                                     "1.",
                                     ".5",
                                     "-",
                                     "+1",
                                     "[1",
                                     "{\"a\"}",
                                     "{\"a\":1,}",
                                     "tru",
                                     "nul",
                                     "\"\\ud800\"",
                                     "\"\\udc00x\"",
                                     "\"\\ud800\\u0041\"",
                                     "\"\xff\"",
                                     "\"\xc0\xaf\"",
                                     "\"\xed\xa0\x80\"",
                                     "\"a\x01\"",
                                     "\"\\x\"",
                                     "'a'",
                                     "[NaN]",
                                     "Infinity",
                                     nested(65, false),
                                     nested(65, true),
                                     std::string(1'000'000, '[') + std::string(1'000'000, ']'),
                                     junos_terse(2) + "}",
                                     std::string("\xef\xbb\xbf")};

json_limits limits_for(std::size_t size) {
    json_limits limits;
    limits.max_input_bytes = std::max<std::size_t>(size, 1);
    return limits;
}

}  // namespace

TEST(json_data_fast, takes_every_plain_document_with_the_reference_bytes) {
    for (const auto& doc : both_read()) {
        const auto label = testing::PrintToString(doc.substr(0, 60));
        auto reference = json_to_msgpack_reference(doc, limits_for(doc.size()));
        ASSERT_TRUE(std::holds_alternative<std::string>(reference)) << label;
        auto fast = structured::json_to_msgpack_fast(doc, 64);
        ASSERT_TRUE(fast) << label << " fell back";
        EXPECT_EQ(hex(*fast), hex(std::get<std::string>(reference))) << label;
        auto public_path = json_to_msgpack(doc, limits_for(doc.size()));
        EXPECT_EQ(public_path, reference) << label;
    }
}

TEST(json_data_fast, steps_aside_for_what_only_the_reference_reads) {
    for (const auto& doc : reference_only) {
        const auto label = testing::PrintToString(doc);
        auto reference = json_to_msgpack_reference(doc, limits_for(doc.size()));
        ASSERT_TRUE(std::holds_alternative<std::string>(reference)) << label;
        EXPECT_FALSE(structured::json_to_msgpack_fast(doc, 64)) << label;
        EXPECT_EQ(json_to_msgpack(doc, limits_for(doc.size())), reference) << label;
    }
}

TEST(json_data_fast, steps_aside_for_what_neither_reads_and_the_error_is_the_reference_one) {
    for (const auto& doc : neither_reads) {
        const auto label = testing::PrintToString(doc.substr(0, 60));
        auto reference = json_to_msgpack_reference(doc, limits_for(doc.size()));
        ASSERT_TRUE(std::holds_alternative<json_data_error>(reference)) << label;
        EXPECT_FALSE(structured::json_to_msgpack_fast(doc, 64)) << label;
        auto got = json_to_msgpack(doc, limits_for(doc.size()));
        ASSERT_TRUE(std::holds_alternative<json_data_error>(got)) << label;
        EXPECT_EQ(std::get<json_data_error>(got).message,
                  std::get<json_data_error>(reference).message);
        EXPECT_EQ(std::get<json_data_error>(got).offset,
                  std::get<json_data_error>(reference).offset);
    }
}

TEST(json_data_fast, depth_at_and_over_every_small_limit_matches_the_reference) {
    for (unsigned limit = 1; limit <= 6; ++limit) {
        json_limits limits;
        limits.max_depth = limit;
        for (unsigned levels = 0; levels <= limit + 1; ++levels) {
            for (bool objects : {false, true}) {
                const auto doc = nested(levels, objects);
                auto reference = json_to_msgpack_reference(doc, limits);
                auto fast = structured::json_to_msgpack_fast(doc, limit);
                EXPECT_EQ(levels <= limit, std::holds_alternative<std::string>(reference)) << doc;
                EXPECT_EQ(levels <= limit, fast.has_value()) << doc << " limit " << limit;
                if (fast) {
                    EXPECT_EQ(*fast, std::get<std::string>(reference)) << doc;
                }
            }
        }
    }
}

TEST(json_data_fast, a_depth_limit_past_the_fast_path_bound_uses_the_reference) {
    json_limits limits;
    limits.max_depth = fast_path_max_depth + 1;
    const auto doc = nested(fast_path_max_depth + 1, false);
    EXPECT_EQ(json_to_msgpack(doc, limits), json_to_msgpack_reference(doc, limits));
    EXPECT_TRUE(std::holds_alternative<std::string>(json_to_msgpack(doc, limits)));
}

TEST(json_data_fast, a_document_over_the_retained_size_converts_and_the_next_small_one_too) {
    std::string big = "[";
    while (big.size() < structured::retained_bytes + 10) big += "12345678,";
    big += "0]";
    auto reference = json_to_msgpack_reference(big, limits_for(big.size()));
    auto fast = structured::json_to_msgpack_fast(big, 64);
    ASSERT_TRUE(fast);
    EXPECT_EQ(*fast, std::get<std::string>(reference));
    EXPECT_EQ(hex(structured::json_to_msgpack_fast("[1]", 64).value_or("")), "9101");
}

TEST(json_data_fast, threads_sharing_the_parser_pool_each_get_their_own_document) {
    std::vector<std::string> docs;
    for (int i = 0; i < 16; ++i) docs.push_back(junos_terse(1 + i * 7));
    std::vector<std::string> expected;
    for (const auto& doc : docs) {
        expected.push_back(std::get<std::string>(json_to_msgpack_reference(doc)));
    }
    std::vector<int> mismatches(16, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 20; ++round) {
                const int i = (t + round) % 16;
                auto got = json_to_msgpack(docs[i]);
                auto* bytes = std::get_if<std::string>(&got);
                if (!bytes || *bytes != expected[i]) ++mismatches[t];
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(mismatches, std::vector<int>(16, 0));
}
