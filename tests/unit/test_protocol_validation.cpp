// decode_request: every validation rule of protocol v1 gives the right code and names the field.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "protocol/codec.hpp"
#include "tests/support/protocol_test_wire.hpp"

namespace fanout::protocol {
namespace {

using test_wire::wire;

// Decodes `frame`, expects an error with `code` whose message contains every `needles`.
error_reply expect_error(std::string_view frame, error_code code,
                         std::initializer_list<std::string_view> needles,
                         const request_limits& limits = {}) {
    auto decoded = decode_request(frame, limits);
    if (!std::holds_alternative<error_reply>(decoded)) {
        ADD_FAILURE() << "expected error " << to_string(code) << ", but the request was accepted";
        return {};
    }
    const error_reply& error = std::get<error_reply>(decoded);
    EXPECT_EQ(error.code, code) << error.message;
    for (std::string_view needle : needles) {
        EXPECT_NE(error.message.find(needle), std::string::npos)
            << "message `" << error.message << "` does not mention `" << needle << "`";
    }
    return error;
}

submit_request expect_submit(std::string_view frame, const request_limits& limits = {}) {
    auto decoded = decode_request(frame, limits);
    if (auto* error = std::get_if<error_reply>(&decoded)) {
        ADD_FAILURE() << "unexpected error: " << error->message;
        return {};
    }
    return std::get<submit_request>(std::get<request>(decoded));
}

// A submit map with `extra` more entries appended by the caller after command and routers.
wire submit_with(std::uint32_t extra) {
    wire w;
    w.map(3 + extra).kv("type", "submit").kv("command", "show version");
    w.str("routers").array(2).str("r1").str("r2");
    return w;
}

// ---- type ----

TEST(ProtocolValidation, TypeIsRequiredAndMustBeAKnownString) {
    expect_error(wire().map(1).kv("job_id", "j"), error_code::bad_request, {"type", "missing"});
    expect_error(wire().map(0), error_code::bad_request, {"type", "missing"});
    expect_error(wire().map(1).str("type").uint(1), error_code::bad_request,
                 {"type", "string", "integer"});
    expect_error(wire().map(1).str("type").nil(), error_code::bad_request, {"type", "nil"});
    expect_error(wire().map(1).kv("type", "launch"), error_code::bad_request,
                 {"type", "launch", "submit"});
    expect_error(wire().map(1).kv("type", "PING"), error_code::bad_request, {"PING"});
}

TEST(ProtocolValidation, TopLevelMustBeAMap) {
    expect_error(wire().array(1).str("ping"), error_code::bad_request, {"request", "map", "array"});
    expect_error(wire().str("ping"), error_code::bad_request, {"map", "string"});
    expect_error(wire().uint(7), error_code::bad_request, {"map", "integer"});
    expect_error(wire().nil(), error_code::bad_request, {"map", "nil"});
}

TEST(ProtocolValidation, MapKeysMustBeUniqueStrings) {
    expect_error(wire().map(2).kv("type", "ping").kv("type", "ping"), error_code::bad_request,
                 {"duplicate", "type"});
    expect_error(wire().map(2).kv("type", "ping").uint(1).str("x"), error_code::bad_request,
                 {"keys must be strings", "integer"});
}

TEST(ProtocolValidation, UnknownKeysAreRejectedByName) {
    expect_error(submit_with(1).kv("priority", "high"), error_code::bad_request,
                 {"submit", "unknown field", "priority"});
    expect_error(wire().map(2).kv("type", "ping").kv("job_id", "j"), error_code::bad_request,
                 {"ping", "unknown field", "job_id"});
    expect_error(wire().map(2).kv("type", "routers").str("verbose").boolean(true),
                 error_code::bad_request, {"routers", "verbose"});
    expect_error(wire().map(3).kv("type", "status").kv("job_id", "j").kv("jobid", "j"),
                 error_code::bad_request, {"status", "jobid"});
}

// ---- status / result / cancel ----

TEST(ProtocolValidation, JobRequestsNeedAValidJobId) {
    for (std::string_view type : {"status", "result", "cancel"}) {
        SCOPED_TRACE(std::string(type));
        expect_error(wire().map(1).kv("type", type), error_code::bad_request,
                     {"job_id", "missing"});
        expect_error(wire().map(2).kv("type", type).str("job_id").uint(5), error_code::bad_request,
                     {"job_id", "string", "integer"});
        expect_error(wire().map(2).kv("type", type).str("job_id").nil(), error_code::bad_request,
                     {"job_id"});
        expect_error(wire().map(2).kv("type", type).kv("job_id", "a b"), error_code::bad_request,
                     {"job_id", "[A-Za-z0-9._:-]"});
    }
}

TEST(ProtocolValidation, JobIdCharsetViolations) {
    const std::vector<std::string> bad_ids = {
        "",
        "job 1",
        "job/1",
        std::string(65, 'a'),
        "j\xc3\xb6"
        "b",
        "job\n1",
        std::string("j\0b", 3),
        "job*",
        "job#1",
        "r\xe2\x80\xa8",
    };
    for (const auto& id : bad_ids) {
        SCOPED_TRACE(id);
        expect_error(wire().map(2).kv("type", "status").kv("job_id", id), error_code::bad_request,
                     {"job_id", "1-64 characters"});
        expect_error(submit_with(1).kv("job_id", id), error_code::bad_request, {"job_id"});
    }
    EXPECT_EQ(expect_submit(submit_with(1).kv("job_id", std::string(64, 'z'))).job_id,
              std::string(64, 'z'));
}

TEST(ProtocolValidation, SubmitRefusesADotInTheJobId) {
    // A dot ends the job id in PUB topics (`result.<job_id>.<router_name>\n`).
    for (std::string id : {"a.b", ".", "a.", ".a", "nightly.42"}) {
        SCOPED_TRACE(id);
        auto error = expect_error(submit_with(1).kv("job_id", id), error_code::bad_request,
                                  {"job_id", "[A-Za-z0-9_:-]", "dot"});
        EXPECT_FALSE(error.job_id.has_value()) << "an invalid id is never echoed back";
    }
}

TEST(ProtocolValidation, LookupsStillTakeADottedJobId) {
    // A journal written before dots were refused may still hold such a job: it stays reachable.
    for (std::string_view type : {"status", "result", "cancel"}) {
        auto decoded = decode_request(wire().map(2).kv("type", type).kv("job_id", "a.b").bytes());
        ASSERT_TRUE(std::holds_alternative<request>(decoded)) << type;
    }
    auto replay = decode_request(
        wire().map(3).kv("type", "replay").kv("job_id", "a.b").str("since_seq").uint(0).bytes());
    ASSERT_TRUE(std::holds_alternative<request>(replay));
    EXPECT_EQ(std::get<replay_request>(std::get<request>(replay)).job_id, "a.b");
}

TEST(ProtocolValidation, ErrorCarriesTheJobIdWhenItIsValid) {
    auto error = expect_error(submit_with(2).kv("job_id", "nightly-1").str("wait").uint(1),
                              error_code::bad_request, {"wait"});
    EXPECT_EQ(error.job_id, "nightly-1");
    error = expect_error(submit_with(2).kv("job_id", "bad id").str("wait").uint(1),
                         error_code::bad_request, {"job_id"});
    EXPECT_FALSE(error.job_id.has_value());
}

// ---- submit: command / commands ----

TEST(ProtocolValidation, SubmitNeedsExactlyOneOfCommandAndCommands) {
    wire neither;
    neither.map(2).kv("type", "submit").str("routers").array(1).str("r1");
    expect_error(neither, error_code::bad_request, {"command", "missing"});
    expect_error(submit_with(1).str("commands").array(1).str("show version"),
                 error_code::bad_request, {"command", "commands", "not both"});
}

TEST(ProtocolValidation, CommandMustBeANonEmptyStringWithinLimits) {
    const auto submit_command = [](auto&& write_command) {
        wire w;
        w.map(3).kv("type", "submit").str("routers").array(1).str("r1").str("command");
        write_command(w);
        return w;
    };
    expect_error(submit_command([](wire& w) { w.uint(5); }), error_code::bad_request,
                 {"command", "string", "integer"});
    expect_error(submit_command([](wire& w) { w.bin("show version"); }), error_code::bad_request,
                 {"command", "binary"});
    expect_error(submit_command([](wire& w) { w.array(1).str("show version"); }),
                 error_code::bad_request, {"command", "array"});
    expect_error(submit_command([](wire& w) { w.str(""); }), error_code::bad_request,
                 {"command", "empty"});
    expect_error(submit_command([](wire& w) { w.str("show \xff"); }), error_code::bad_request,
                 {"command", "UTF-8"});
    expect_error(submit_command([](wire& w) { w.str(std::string(4097, 'x')); }),
                 error_code::too_large, {"command", "4097", "max_command_bytes"});
    EXPECT_EQ(expect_submit(submit_command([](wire& w) { w.str(std::string(4096, 'x')); }))
                  .commands.front()
                  .size(),
              4096u);
}

TEST(ProtocolValidation, CommandsMustBeANonEmptyListOfNonEmptyStrings) {
    const auto submit_commands = [](auto&& write_commands) {
        wire w;
        w.map(3).kv("type", "submit").str("routers").array(1).str("r1").str("commands");
        write_commands(w);
        return w;
    };
    expect_error(submit_commands([](wire& w) { w.str("show version"); }), error_code::bad_request,
                 {"commands", "array", "string"});
    expect_error(submit_commands([](wire& w) { w.array(0); }), error_code::bad_request,
                 {"commands", "empty"});
    expect_error(submit_commands([](wire& w) { w.array(2).str("a").uint(1); }),
                 error_code::bad_request, {"commands[1]", "string"});
    expect_error(submit_commands([](wire& w) { w.array(2).str("a").str(""); }),
                 error_code::bad_request, {"commands[1]", "empty"});
    expect_error(submit_commands([](wire& w) { w.array(2).str("a").str(std::string(5000, 'c')); }),
                 error_code::too_large, {"commands[1]", "max_command_bytes"});
    expect_error(submit_commands([](wire& w) {
                     w.array(65);
                     for (int i = 0; i < 65; ++i) w.str("show version");
                 }),
                 error_code::too_large, {"commands", "65", "max_commands_per_job"});
    const auto ok = expect_submit(submit_commands([](wire& w) { w.array(2).str("a").str("b"); }));
    EXPECT_EQ(ok.commands, (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(ok.single_command);
}

// ---- submit: routers ----

wire submit_routers(const std::function<void(wire&)>& write_routers) {
    wire w;
    w.map(3).kv("type", "submit").kv("command", "show version").str("routers");
    write_routers(w);
    return w;
}

TEST(ProtocolValidation, RoutersIsARequiredNonEmptyListOfNames) {
    expect_error(wire().map(2).kv("type", "submit").kv("command", "c"), error_code::bad_request,
                 {"routers", "missing"});
    expect_error(submit_routers([](wire& w) { w.str("r1"); }), error_code::bad_request,
                 {"routers", "array", "string"});
    expect_error(submit_routers([](wire& w) { w.array(0); }), error_code::bad_request,
                 {"routers", "empty"});
    expect_error(submit_routers([](wire& w) { w.array(3).str("r1").str("r2").uint(3); }),
                 error_code::bad_request, {"routers[2]", "string", "integer"});
    expect_error(submit_routers([](wire& w) { w.array(2).str("").str("r2"); }),
                 error_code::bad_request, {"routers[0]", "empty"});
    expect_error(submit_routers([](wire& w) { w.array(1).str(std::string(256, 'r')); }),
                 error_code::too_large, {"routers[0]", "max_router_name_bytes"});
    expect_error(submit_routers([](wire& w) { w.array(1).str("r\xc0\xaf"); }),
                 error_code::bad_request, {"routers[0]", "UTF-8"});
}

TEST(ProtocolValidation, DuplicateRoutersAreRejectedByName) {
    const auto error = expect_error(
        submit_routers([](wire& w) { w.array(3).str("r1").str("edge7").str("edge7"); }),
        error_code::bad_request, {"routers", "duplicate", "edge7"});
    EXPECT_TRUE(error.routers.empty());
}

TEST(ProtocolValidation, RouterCountIsLimited) {
    request_limits limits;
    limits.max_routers_per_job = 3;
    const auto routers = [](int n) {
        return submit_routers([n](wire& w) {
            w.array(static_cast<std::uint32_t>(n));
            for (int i = 0; i < n; ++i) w.str("r" + std::to_string(i));
        });
    };
    EXPECT_EQ(expect_submit(routers(3), limits).routers.size(), 3u);
    expect_error(routers(4), error_code::too_large, {"4", "max_routers_per_job"}, limits);
    // Beyond every array limit the unpacker itself refuses, before allocating.
    expect_error(routers(100), error_code::too_large, {"routers: at most 3"}, limits);
}

TEST(ProtocolValidation, DefaultRouterLimitIsTenThousand) {
    const auto routers = [](int n) {
        return submit_routers([n](wire& w) {
            w.array(static_cast<std::uint32_t>(n));
            for (int i = 0; i < n; ++i) w.str("router-" + std::to_string(i));
        });
    };
    EXPECT_EQ(expect_submit(routers(10000)).routers.size(), 10000u);
    expect_error(routers(10001), error_code::too_large, {"10000"});
}

// ---- submit: timeout and wait ----

TEST(ProtocolValidation, TimeoutMustBeAPositiveNumberWithinTheLimit) {
    expect_error(submit_with(1).kv("timeout", "30"), error_code::bad_request,
                 {"timeout", "number", "string"});
    expect_error(submit_with(1).str("timeout").boolean(true), error_code::bad_request,
                 {"timeout", "boolean"});
    expect_error(submit_with(1).str("timeout").integer(-5), error_code::bad_request,
                 {"timeout", "greater than 0"});
    expect_error(submit_with(1).str("timeout").uint(0), error_code::bad_request,
                 {"timeout", "greater than 0"});
    expect_error(submit_with(1).str("timeout").f64(0.0), error_code::bad_request, {"timeout"});
    expect_error(submit_with(1).str("timeout").f64(-0.5), error_code::bad_request, {"timeout"});
    expect_error(submit_with(1).str("timeout").f64(std::nan("")), error_code::bad_request,
                 {"timeout"});
    expect_error(submit_with(1).str("timeout").f64(-INFINITY), error_code::bad_request,
                 {"timeout"});
    expect_error(submit_with(1).str("timeout").f64(INFINITY), error_code::bad_request,
                 {"timeout", "max_timeout_seconds"});
    expect_error(submit_with(1).str("timeout").uint(86401), error_code::bad_request,
                 {"timeout", "max_timeout_seconds"});

    EXPECT_EQ(expect_submit(submit_with(1).str("timeout").uint(30)).timeout, 30.0);
    EXPECT_EQ(expect_submit(submit_with(1).str("timeout").f64(0.25)).timeout, 0.25);
    EXPECT_EQ(expect_submit(submit_with(1).str("timeout").f32(1.5f)).timeout, 1.5);
    EXPECT_EQ(expect_submit(submit_with(1).str("timeout").uint(86400)).timeout, 86400.0);
    EXPECT_FALSE(expect_submit(submit_with(1).str("timeout").nil()).timeout.has_value());
}

TEST(ProtocolValidation, WaitMustBeABoolean) {
    expect_error(submit_with(1).str("wait").uint(1), error_code::bad_request,
                 {"wait", "boolean", "integer"});
    expect_error(submit_with(1).kv("wait", "true"), error_code::bad_request, {"wait", "string"});
    EXPECT_TRUE(expect_submit(submit_with(1).str("wait").boolean(true)).wait);
    EXPECT_FALSE(expect_submit(submit_with(1).str("wait").boolean(false)).wait);
    EXPECT_FALSE(expect_submit(submit_with(1).str("wait").nil()).wait);
}

TEST(ProtocolValidation, OptionalFieldsMayBeNil) {
    const auto submit =
        expect_submit(submit_with(3).str("job_id").nil().str("timeout").nil().str("wait").nil());
    EXPECT_FALSE(submit.job_id.has_value());
    EXPECT_FALSE(submit.timeout.has_value());
    EXPECT_FALSE(submit.wait);
}

// ---- frame size ----

TEST(ProtocolValidation, OversizedFrameIsTooLarge) {
    request_limits limits;
    limits.max_frame_bytes = 64;
    const std::string ping = wire().map(1).kv("type", "ping").bytes();
    std::string big = submit_with(1).kv("job_id", std::string(40, 'j')).bytes();
    ASSERT_GT(big.size(), 64u);
    expect_error(big, error_code::too_large, {"max_frame_bytes", std::to_string(big.size())},
                 limits);
    EXPECT_TRUE(std::holds_alternative<request>(decode_request(ping, limits)));
}

}  // namespace
}  // namespace fanout::protocol
