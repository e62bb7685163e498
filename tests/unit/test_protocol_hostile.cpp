// Hostile request frames: every one yields an error_reply (never a crash, hang or huge
// allocation), and a deterministic mutation fuzz over valid frames keeps that promise.
#include <gtest/gtest.h>

#include <random>

#include "protocol/codec.hpp"
#include "tests/support/protocol_test_wire.hpp"

namespace fanout::protocol {
namespace {

using namespace std::string_literals;
using test_wire::wire;

error_reply expect_error(std::string_view frame, error_code code, std::string_view needle = {}) {
    auto decoded = decode_request(frame);
    if (!std::holds_alternative<error_reply>(decoded)) {
        ADD_FAILURE() << "hostile frame was accepted";
        return {};
    }
    const error_reply& error = std::get<error_reply>(decoded);
    EXPECT_EQ(error.code, code) << error.message;
    EXPECT_FALSE(error.message.empty());
    if (!needle.empty()) {
        EXPECT_NE(error.message.find(needle), std::string::npos) << error.message;
    }
    return error;
}

std::string valid_submit() {
    submit_request submit;
    submit.job_id = "fuzz-1";
    submit.commands = {"show version", "show interfaces terse"};
    submit.single_command = false;
    submit.routers = {"r1", "r2", "r3"};
    submit.timeout = 12.5;
    submit.wait = true;
    return encode_request(submit);
}

TEST(ProtocolHostile, EmptyFrame) {
    expect_error("", error_code::bad_request, "empty");
}

TEST(ProtocolHostile, GarbageBytes) {
    expect_error("hello world", error_code::bad_request);
    expect_error("\x00\x01\x02\x03"s, error_code::bad_request);
    expect_error("{\"type\":\"ping\"}", error_code::bad_request);
}

TEST(ProtocolHostile, HugeArrayHeaderIsRefusedBeforeAllocating) {
    expect_error("\xdd\xff\xff\xff\xff", error_code::too_large, "array");
    expect_error("\xdc\xff\xff", error_code::too_large, "array");
    expect_error(wire()
                     .map(3)
                     .kv("type", "submit")
                     .kv("command", "c")
                     .str("routers")
                     .raw("\xdd\xff\xff\xff\xff"),
                 error_code::too_large, "routers: at most 10000");
}

TEST(ProtocolHostile, HugeMapHeader) {
    expect_error("\xdf\xff\xff\xff\xff", error_code::bad_request, "map");
    expect_error(wire().map(2).kv("type", "ping").str("x").raw("\xdf\x00\x10\x00\x00"s),
                 error_code::bad_request, "map");
}

TEST(ProtocolHostile, HugeStringHeaderIsTruncatedInput) {
    expect_error("\xdb\xff\xff\xff\xff", error_code::bad_request, "truncated");
    expect_error(wire().map(1).str("type").raw("\xdb\xff\xff\xff\xffping"), error_code::bad_request,
                 "truncated");
    expect_error("\xc6\xff\xff\xff\xff", error_code::bad_request, "truncated");  // bin32
}

TEST(ProtocolHostile, EveryTruncationOfAValidRequestIsRejected) {
    const std::string frame = valid_submit();
    ASSERT_TRUE(std::holds_alternative<request>(decode_request(frame)));
    for (std::size_t n = 0; n < frame.size(); ++n) {
        SCOPED_TRACE(n);
        auto decoded = decode_request(std::string_view(frame).substr(0, n));
        ASSERT_TRUE(std::holds_alternative<error_reply>(decoded));
        EXPECT_EQ(std::get<error_reply>(decoded).code, error_code::bad_request);
    }
}

TEST(ProtocolHostile, ReservedByte0xC1) {
    expect_error("\xc1", error_code::bad_request, "0xc1");
    expect_error(wire().map(1).str("type").raw("\xc1"), error_code::bad_request, "invalid msgpack");
}

TEST(ProtocolHostile, NonMapTopLevel) {
    expect_error(wire().array(0), error_code::bad_request, "map");
    expect_error(wire().boolean(true), error_code::bad_request, "map");
    expect_error(wire().f64(1.0), error_code::bad_request, "map");
    expect_error(wire().bin("ping"), error_code::bad_request, "map");
    expect_error("\xd4\x01\x00"s, error_code::bad_request, "map");  // fixext1
}

TEST(ProtocolHostile, NestedDepthBombs) {
    for (std::size_t depth : {9u, 100u, 100000u}) {
        SCOPED_TRACE(depth);
        std::string arrays(depth, '\x91');
        arrays += '\x90';
        expect_error(arrays, error_code::bad_request, "nesting");
        expect_error(
            wire().map(3).kv("type", "submit").kv("command", "c").str("routers").raw(arrays),
            error_code::bad_request, "nesting");
        std::string maps;
        for (std::size_t i = 0; i < depth; ++i) maps += "\x81\xa1k"s;
        maps += '\xc0';
        expect_error(maps, error_code::bad_request, "nesting");
    }
}

TEST(ProtocolHostile, ShallowNestingIsATypeErrorNotANestingError) {
    expect_error(wire()
                     .map(3)
                     .kv("type", "submit")
                     .kv("command", "c")
                     .str("routers")
                     .array(1)
                     .array(1)
                     .array(0),
                 error_code::bad_request, "routers[0]");
}

TEST(ProtocolHostile, TrailingBytes) {
    const std::string ping = wire().map(1).kv("type", "ping").bytes();
    expect_error(ping + "\xc0", error_code::bad_request, "1 trailing byte after");
    expect_error(ping + ping, error_code::bad_request, "trailing");
    expect_error(ping + std::string(1, '\0'), error_code::bad_request, "trailing");
}

TEST(ProtocolHostile, IntegersWhereStringsAreExpected) {
    expect_error(wire().map(1).str("type").integer(-1), error_code::bad_request, "type");
    expect_error(wire().map(2).kv("type", "status").str("job_id").uint(UINT64_MAX),
                 error_code::bad_request, "job_id");
    expect_error(
        wire().map(3).kv("type", "submit").str("command").uint(1).str("routers").array(1).str("r"),
        error_code::bad_request, "command");
    expect_error(wire()
                     .map(3)
                     .kv("type", "submit")
                     .kv("command", "c")
                     .str("routers")
                     .array(2)
                     .str("r")
                     .integer(-7),
                 error_code::bad_request, "routers[1]");
}

TEST(ProtocolHostile, ExtensionAndBinaryValuesAreTypeErrors) {
    expect_error(wire().map(1).str("type").raw("\xd4\x01\x00"s), error_code::bad_request,
                 "extension");
    expect_error(wire().map(2).kv("type", "status").str("job_id").bin("j1"),
                 error_code::bad_request, "binary");
}

TEST(ProtocolHostile, HostileStringsInMessagesAreEscapedAndCapped) {
    const std::string key = "\x1b[31m" + std::string(500, 'k');
    const auto error = expect_error(wire().map(2).kv("type", "ping").kv(key, "v"),
                                    error_code::bad_request, "unknown field");
    EXPECT_EQ(error.message.find('\x1b'), std::string::npos);
    EXPECT_LT(error.message.size(), 200u);
}

// Deterministic mutation fuzz: flips, inserts, deletes and splices bytes of valid frames.
TEST(ProtocolHostile, MutatedFramesNeverCrash) {
    const std::vector<std::string> seeds = {
        valid_submit(),
        encode_request(status_request{"j1"}),
        encode_request(ping_request{}),
        encode_reply(error_reply{error_code::unknown_routers, "m", "j", {"a", "b"}}),
    };
    std::mt19937 rng(20261126);
    const auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n)(rng);
    };
    const char interesting[] = {'\xc1', '\xdd', '\xdf', '\xdb', '\xff',
                                '\x00', '\x7f', '\xcb', '\xc0'};
    int accepted = 0;
    for (int i = 0; i < 30000; ++i) {
        std::string frame = seeds[pick(seeds.size() - 1)];
        const std::size_t edits = 1 + pick(3);
        for (std::size_t e = 0; e < edits && !frame.empty(); ++e) {
            const std::size_t at = pick(frame.size() - 1);
            switch (pick(4)) {
                case 0:
                    frame[at] = static_cast<char>(pick(255));
                    break;
                case 1:
                    frame[at] = interesting[pick(sizeof interesting - 1)];
                    break;
                case 2:
                    frame.insert(at, 1, static_cast<char>(pick(255)));
                    break;
                case 3:
                    frame.erase(at, 1 + pick(3));
                    break;
                default:
                    frame = frame.substr(0, at);
                    break;
            }
        }
        auto decoded = decode_request(frame);
        if (auto* req = std::get_if<request>(&decoded)) {
            ++accepted;
            // Whatever is accepted re-encodes to something that decodes the same way.
            EXPECT_TRUE(std::holds_alternative<request>(decode_request(encode_request(*req))));
        } else {
            EXPECT_FALSE(std::get<error_reply>(decoded).message.empty());
        }
        decode_reply(frame);
        decode_published(frame);
    }
    EXPECT_LT(accepted, 30000);
}

}  // namespace
}  // namespace fanout::protocol
