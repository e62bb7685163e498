// request_limits, the job_id charset and the UTF-8 helpers.
#include <gtest/gtest.h>

#include "protocol/codec.hpp"
#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"
#include "tests/support/protocol_test_wire.hpp"

namespace fanout::protocol {
namespace {

using test_wire::wire;

TEST(ProtocolLimits, DefaultsMatchTheDocumentedValues) {
    const request_limits limits;
    EXPECT_EQ(limits.max_frame_bytes, 4u * 1024 * 1024);
    EXPECT_EQ(limits.max_routers_per_job, 10000u);
    EXPECT_EQ(limits.max_commands_per_job, 64u);
    EXPECT_EQ(limits.max_command_bytes, 4096u);
    EXPECT_EQ(limits.max_router_name_bytes, 255u);
    EXPECT_EQ(limits.max_timeout_seconds, 86400.0);
    EXPECT_EQ(max_job_id_bytes, 64u);
}

TEST(ProtocolLimits, JobIdCharset) {
    EXPECT_TRUE(is_valid_job_id("a"));
    EXPECT_TRUE(is_valid_job_id("AZaz09_:-"));
    EXPECT_TRUE(is_valid_job_id("nightly:2026-11-26T10-00_run-3"));
    EXPECT_FALSE(is_valid_job_id("AZaz09._:-"));  // no dot: PUB topics (codec.hpp)
    EXPECT_TRUE(is_valid_job_id_to_look_up("AZaz09._:-"));
    EXPECT_FALSE(is_valid_job_id_to_look_up("a b"));
    EXPECT_TRUE(is_valid_job_id(std::string(64, '9')));
    EXPECT_FALSE(is_valid_job_id(""));
    EXPECT_FALSE(is_valid_job_id(std::string(65, '9')));
    for (char c : std::string(" /\\*#?+=,;'\"`!@$%^&()[]{}<>|~\t\n\r")) {
        EXPECT_FALSE(is_valid_job_id(std::string("job") + c + "1")) << int(c);
    }
    EXPECT_FALSE(is_valid_job_id(std::string("job\0", 4)));
    EXPECT_FALSE(is_valid_job_id("j\xc3\xb6"));  // ö
    EXPECT_FALSE(is_valid_job_id("\xff"));
}

wire submit(std::string_view command, std::string_view router) {
    wire w;
    w.map(3).kv("type", "submit").kv("command", command).str("routers").array(1).str(router);
    return w;
}

// The error code, or nullopt (`accepted`) when the frame decodes to a request.
std::optional<error_code> code_of(std::string_view frame, const request_limits& limits) {
    auto decoded = decode_request(frame, limits);
    if (std::holds_alternative<request>(decoded)) return std::nullopt;
    return std::get<error_reply>(decoded).code;
}

constexpr std::optional<error_code> accepted = std::nullopt;

TEST(ProtocolLimits, ConfiguredLimitsAreEnforcedAtTheirBoundaries) {
    request_limits limits;
    limits.max_command_bytes = 10;
    limits.max_router_name_bytes = 4;
    EXPECT_EQ(code_of(submit(std::string(10, 'c'), "r123"), limits), accepted);
    EXPECT_EQ(code_of(submit(std::string(11, 'c'), "r123"), limits), error_code::too_large);
    EXPECT_EQ(code_of(submit("c", "r1234"), limits), error_code::too_large);

    limits = {};
    limits.max_commands_per_job = 2;
    wire three;
    three.map(3).kv("type", "submit").str("commands").array(3).str("a").str("b").str("c");
    three.str("routers").array(1).str("r");
    EXPECT_EQ(code_of(three, limits), error_code::too_large);
    limits.max_commands_per_job = 3;
    EXPECT_EQ(code_of(three, limits), accepted);

    limits = {};
    limits.max_timeout_seconds = 60;
    wire timeout = submit("c", "r");
    std::string frame = timeout.bytes();
    frame[0] = static_cast<char>(0x84);  // one more entry: timeout
    EXPECT_EQ(code_of(frame + wire().str("timeout").uint(60).bytes(), limits), accepted);
    EXPECT_EQ(code_of(frame + wire().str("timeout").f64(60.5).bytes(), limits),
              error_code::bad_request);
}

TEST(ProtocolLimits, FrameLimitIsInclusive) {
    const std::string frame = submit("show version", "r1").bytes();
    request_limits limits;
    limits.max_frame_bytes = frame.size();
    EXPECT_EQ(code_of(frame, limits), accepted);
    limits.max_frame_bytes = frame.size() - 1;
    EXPECT_EQ(code_of(frame, limits), error_code::too_large);
}

TEST(ProtocolUtf8, ValidatesStrictly) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii\n"));
    EXPECT_TRUE(is_valid_utf8("gr\xc3\xbc\xc3\x9f"));  // grüß
    EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));        // €
    EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));    // U+1F600
    EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));    // U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xff"));
    EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
    EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xf0\x9f\x98"));      // truncated 4-byte
}

// Long ASCII runs are checked 8 bytes at a time: a bad byte at any offset, also in the tail
// shorter than 8 bytes, and a multi-byte sequence split across words must still be judged.
TEST(ProtocolUtf8, ValidatesEveryOffsetOfLongText) {
    const std::string ascii(37, 'a');
    for (std::size_t at = 0; at < ascii.size(); ++at) {
        std::string bad = ascii;
        bad[at] = '\xff';
        EXPECT_FALSE(is_valid_utf8(bad)) << "0xff at " << at;
        std::string euro = ascii;
        euro.insert(at, "\xe2\x82\xac");
        EXPECT_TRUE(is_valid_utf8(euro)) << "euro at " << at;
        EXPECT_FALSE(is_valid_utf8(euro.substr(0, at + 2))) << "truncated euro at " << at;
    }
}

TEST(ProtocolUtf8, RepairReplacesEachInvalidByte) {
    EXPECT_EQ(to_valid_utf8("ok"), "ok");
    EXPECT_EQ(to_valid_utf8("a\xffz"), "a\xef\xbf\xbdz");
    EXPECT_EQ(to_valid_utf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_EQ(to_valid_utf8("\xe2\x82\xac\xe2\x82"), "\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_TRUE(is_valid_utf8(to_valid_utf8("\xf0\x9f\x98 \xed\xa0\x80 \x80")));
}

}  // namespace
}  // namespace fanout::protocol
