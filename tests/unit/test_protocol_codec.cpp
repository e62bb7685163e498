// Protocol v1 codec: round trips of every message, exact wire bytes, enum names and topics.
#include <gtest/gtest.h>

#include <cmath>

#include "protocol/codec.hpp"
#include "protocol/utf8.hpp"
#include "tests/support/protocol_test_wire.hpp"

namespace fanout::protocol {
namespace {

using test_wire::wire;

router_result sample_router_result() {
    router_result r;
    r.job_id = "job-1";
    r.router_name = "r17.lab";
    r.command = "show version";
    r.command_index = 2;
    r.status = router_status::failed;
    r.output = "Hostname: r17\nModel: mx480\n";
    r.stderr_output = "warning: something";
    r.exit_status = -1;
    r.error = router_error{error_kind::exit_status, "exit status 1"};
    r.truncated = true;
    r.execution_duration = 1.25;
    r.start_time = "2026-11-26T10:00:00.123Z";
    r.end_time = "2026-11-26T10:00:01.373Z";
    r.seq = 1ULL << 40;
    return r;
}

job_result sample_job_result() {
    job_result j;
    j.job_id = "job-1";
    j.state = job_state::cancelled;
    j.summary.commands = {"show version", "show system uptime"};
    j.summary.single_command = false;
    j.summary.total_routers = 2;
    j.summary.total = 4;
    j.summary.successful = 1;
    j.summary.failed = 2;
    j.summary.cancelled = 1;
    j.summary.total_duration = 3.5;
    router_result ok = sample_router_result();
    ok.status = router_status::success;
    ok.exit_status = 0;
    ok.error.reset();
    ok.truncated = false;
    j.results = {ok, sample_router_result()};
    return j;
}

void expect_same(const router_result& a, const router_result& b) {
    EXPECT_EQ(a.job_id, b.job_id);
    EXPECT_EQ(a.router_name, b.router_name);
    EXPECT_EQ(a.command, b.command);
    EXPECT_EQ(a.command_index, b.command_index);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.output, b.output);
    EXPECT_EQ(a.stderr_output, b.stderr_output);
    EXPECT_EQ(a.exit_status, b.exit_status);
    ASSERT_EQ(a.error.has_value(), b.error.has_value());
    if (a.error) {
        EXPECT_EQ(a.error->kind, b.error->kind);
        EXPECT_EQ(a.error->message, b.error->message);
    }
    EXPECT_EQ(a.truncated, b.truncated);
    EXPECT_EQ(a.transport, b.transport);
    EXPECT_EQ(a.execution_duration, b.execution_duration);
    EXPECT_EQ(a.start_time, b.start_time);
    EXPECT_EQ(a.end_time, b.end_time);
    EXPECT_EQ(a.seq, b.seq);
}

void expect_same(const job_result& a, const job_result& b) {
    EXPECT_EQ(a.job_id, b.job_id);
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.summary.commands, b.summary.commands);
    EXPECT_EQ(a.summary.single_command, b.summary.single_command);
    EXPECT_EQ(a.summary.total_routers, b.summary.total_routers);
    EXPECT_EQ(a.summary.total, b.summary.total);
    EXPECT_EQ(a.summary.successful, b.summary.successful);
    EXPECT_EQ(a.summary.failed, b.summary.failed);
    EXPECT_EQ(a.summary.cancelled, b.summary.cancelled);
    EXPECT_EQ(a.summary.total_duration, b.summary.total_duration);
    ASSERT_EQ(a.results.size(), b.results.size());
    for (std::size_t i = 0; i < a.results.size(); ++i) expect_same(a.results[i], b.results[i]);
}

template <typename T>
T decode_reply_as(const std::string& frame) {
    auto decoded = decode_reply(frame);
    if (auto* failure = std::get_if<error_reply>(&decoded)) {
        ADD_FAILURE() << "decode_reply failed: " << failure->message;
        return T{};
    }
    auto& r = std::get<reply>(decoded);
    if (!std::holds_alternative<T>(r)) {
        ADD_FAILURE() << "decode_reply gave alternative " << r.index();
        return T{};
    }
    return std::get<T>(r);
}

template <typename T>
T round_trip_request(const request& r) {
    auto decoded = decode_request(encode_request(r));
    if (auto* failure = std::get_if<error_reply>(&decoded)) {
        ADD_FAILURE() << "decode_request failed: " << failure->message;
        return T{};
    }
    auto& req = std::get<request>(decoded);
    if (!std::holds_alternative<T>(req)) {
        ADD_FAILURE() << "decode_request gave alternative " << req.index();
        return T{};
    }
    return std::get<T>(req);
}

// ---- requests ----

TEST(ProtocolCodecRequest, SubmitWithSingleCommandRoundTrips) {
    submit_request in;
    in.job_id = "nightly:2026-11-26_a_b-c";
    in.commands = {"show version"};
    in.single_command = true;
    in.routers = {"r1", "r2", "edge.lon"};
    in.timeout = 2.5;
    in.wait = true;
    const auto out = round_trip_request<submit_request>(in);
    EXPECT_EQ(out.job_id, in.job_id);
    EXPECT_EQ(out.commands, in.commands);
    EXPECT_TRUE(out.single_command);
    EXPECT_EQ(out.routers, in.routers);
    EXPECT_EQ(out.timeout, 2.5);
    EXPECT_TRUE(out.wait);
}

TEST(ProtocolCodecRequest, SubmitWithCommandListAndDefaultsRoundTrips) {
    submit_request in;
    in.commands = {"show version", "show interfaces terse"};
    in.single_command = false;
    in.routers = {"r1"};
    const auto out = round_trip_request<submit_request>(in);
    EXPECT_FALSE(out.job_id.has_value());
    EXPECT_EQ(out.commands, in.commands);
    EXPECT_FALSE(out.single_command);
    EXPECT_FALSE(out.timeout.has_value());
    EXPECT_FALSE(out.wait);
}

TEST(ProtocolCodecRequest, OneCommandSentAsListStaysAList) {
    submit_request in;
    in.commands = {"show version"};
    in.single_command = false;
    in.routers = {"r1"};
    const std::string frame = encode_request(in);
    EXPECT_NE(frame.find("commands"), std::string::npos);
    EXPECT_FALSE(round_trip_request<submit_request>(in).single_command);
}

TEST(ProtocolCodecRequest, JobRequestsRoundTrip) {
    EXPECT_EQ(round_trip_request<status_request>(status_request{"j1"}).job_id, "j1");
    EXPECT_EQ(round_trip_request<result_request>(result_request{"j2"}).job_id, "j2");
    EXPECT_EQ(round_trip_request<cancel_request>(cancel_request{"j3"}).job_id, "j3");
    round_trip_request<ping_request>(ping_request{});
    round_trip_request<routers_request>(routers_request{});
}

TEST(ProtocolCodecRequest, EncodesExactBytes) {
    EXPECT_EQ(encode_request(ping_request{}), wire().map(1).kv("type", "ping").bytes());
    EXPECT_EQ(encode_request(status_request{"j1"}),
              wire().map(2).kv("type", "status").kv("job_id", "j1").bytes());
    submit_request submit;
    submit.commands = {"show version"};
    submit.routers = {"r1", "r2"};
    submit.timeout = 5;
    EXPECT_EQ(encode_request(submit), wire()
                                          .map(5)
                                          .kv("type", "submit")
                                          .kv("command", "show version")
                                          .str("routers")
                                          .array(2)
                                          .str("r1")
                                          .str("r2")
                                          .str("timeout")
                                          .f64(5.0)
                                          .str("wait")
                                          .boolean(false)
                                          .bytes());
}

TEST(ProtocolCodecRequest, HandWrittenSubmitInAnyKeyOrderDecodes) {
    const wire frame = wire()
                           .map(4)
                           .str("routers")
                           .array(1)
                           .str("r9")
                           .str("timeout")
                           .uint(30)
                           .kv("command", "show system uptime")
                           .kv("type", "submit");
    auto decoded = decode_request(frame);
    ASSERT_TRUE(std::holds_alternative<request>(decoded));
    const auto& submit = std::get<submit_request>(std::get<request>(decoded));
    EXPECT_EQ(submit.routers, std::vector<std::string>{"r9"});
    EXPECT_EQ(submit.commands, std::vector<std::string>{"show system uptime"});
    EXPECT_EQ(submit.timeout, 30.0);
}

// ---- replies ----

TEST(ProtocolCodecReply, AcceptedEncodesExactBytes) {
    EXPECT_EQ(
        encode_reply(accepted_reply{"j1", 800}),
        wire().map(3).kv("type", "accepted").kv("job_id", "j1").str("total").uint(800).bytes());
    const auto out = decode_reply_as<accepted_reply>(encode_reply(accepted_reply{"j1", 800}));
    EXPECT_EQ(out.job_id, "j1");
    EXPECT_EQ(out.total, 800u);
}

TEST(ProtocolCodecReply, StatusRoundTripsForEveryState) {
    for (job_state state :
         {job_state::queued, job_state::running, job_state::done, job_state::cancelled}) {
        const status_reply in{"j1", state, 10, 7, 5, 2};
        const auto out = decode_reply_as<status_reply>(encode_reply(in));
        EXPECT_EQ(out.job_id, "j1");
        EXPECT_EQ(out.state, state);
        EXPECT_EQ(out.total, 10u);
        EXPECT_EQ(out.completed, 7u);
        EXPECT_EQ(out.successful, 5u);
        EXPECT_EQ(out.failed, 2u);
    }
    EXPECT_EQ(encode_reply(status_reply{"j", job_state::running, 1, 0, 0, 0}),
              wire()
                  .map(7)
                  .kv("type", "status")
                  .kv("job_id", "j")
                  .kv("state", "running")
                  .str("total")
                  .uint(1)
                  .str("completed")
                  .uint(0)
                  .str("successful")
                  .uint(0)
                  .str("failed")
                  .uint(0)
                  .bytes());
}

TEST(ProtocolCodecReply, PongRoundTripsWithFloatUptime) {
    const pong_reply in{"1", 64, 3, 2, 1, 12.5, std::nullopt};
    const std::string frame = encode_reply(in);
    EXPECT_EQ(frame, wire()
                         .map(7)
                         .kv("type", "pong")
                         .kv("version", "1")
                         .str("workers")
                         .uint(64)
                         .str("busy_workers")
                         .uint(3)
                         .str("queued_jobs")
                         .uint(2)
                         .str("running_jobs")
                         .uint(1)
                         .str("uptime")
                         .f64(12.5)
                         .bytes());
    const auto out = decode_reply_as<pong_reply>(frame);
    EXPECT_EQ(out.version, "1");
    EXPECT_EQ(out.workers, 64u);
    EXPECT_EQ(out.busy_workers, 3u);
    EXPECT_EQ(out.queued_jobs, 2u);
    EXPECT_EQ(out.running_jobs, 1u);
    EXPECT_EQ(out.uptime, 12.5);
    EXPECT_FALSE(out.sessions.has_value()) << "a pong without `sessions` still decodes";
    // Integral values stay float64 on the wire (msgpack-cxx's pack_double would write an int).
    const std::string whole = encode_reply(pong_reply{"1", 1, 0, 0, 0, 3.0, std::nullopt});
    EXPECT_EQ(whole.substr(whole.size() - 9), wire().f64(3.0).bytes());
}

TEST(ProtocolCodecReply, PongCarriesSessionPoolFigures) {
    pong_reply in{"1", 4, 0, 0, 0, 1.5, std::nullopt};
    in.sessions = session_figures{3, 2, 40, 5, 1, 6, 7, std::nullopt};
    const std::string frame = encode_reply(in);
    EXPECT_NE(frame.find(wire().str("sessions").map(7).str("open").uint(3).bytes()),
              std::string::npos);
    const auto out = decode_reply_as<pong_reply>(frame);
    ASSERT_TRUE(out.sessions.has_value());
    EXPECT_EQ(*out.sessions, *in.sessions);
    EXPECT_FALSE(out.sessions->reopened) << "a daemon before `reopened` still decodes";
    in.sessions->reopened = 9;
    const std::string with_reopened = encode_reply(in);
    EXPECT_NE(with_reopened.find(wire().str("sessions").map(8).bytes()), std::string::npos);
    EXPECT_NE(with_reopened.find(wire().str("reopened").uint(9).bytes()), std::string::npos);
    EXPECT_EQ(decode_reply_as<pong_reply>(with_reopened).sessions, in.sessions);
}

TEST(ProtocolCodecReply, PongCarriesBastionFigures) {
    pong_reply in{"1", 4, 0, 0, 0, 1.5, std::nullopt};
    EXPECT_FALSE(decode_reply_as<pong_reply>(encode_reply(in)).bastions)
        << "a pong without `bastions` (a daemon before issue 12) still decodes";
    in.bastions = fanout::protocol::bastion_figures{3, 150, 4, 1, 1, 0, 49};
    const std::string frame = encode_reply(in);
    EXPECT_NE(frame.find(wire().str("bastions").map(7).str("sessions").uint(3).bytes()),
              std::string::npos);
    EXPECT_NE(frame.find(wire().str("memo_failures").uint(49).bytes()), std::string::npos);
    const auto out = decode_reply_as<pong_reply>(frame);
    ASSERT_TRUE(out.bastions.has_value());
    EXPECT_EQ(*out.bastions, *in.bastions);
}

TEST(ProtocolCodecReply, RoutersRoundTripsWithoutSecrets) {
    routers_reply in;
    in.routers = {{"r1", "127.0.0.1", 2201, "lab"}, {"r2", "::1", 65535, "ops"}};
    const std::string frame = encode_reply(in);
    const auto out = decode_reply_as<routers_reply>(frame);
    ASSERT_EQ(out.routers.size(), 2u);
    EXPECT_EQ(out.routers[0].name, "r1");
    EXPECT_EQ(out.routers[0].ip, "127.0.0.1");
    EXPECT_EQ(out.routers[0].port, 2201);
    EXPECT_EQ(out.routers[0].username, "lab");
    EXPECT_EQ(out.routers[1].port, 65535);
    const std::string prefix =
        wire().map(2).kv("type", "routers").str("routers").array(2).map(4).bytes();
    EXPECT_EQ(frame.substr(0, prefix.size()), prefix);
    EXPECT_EQ(frame.find("password"), std::string::npos);
    EXPECT_EQ(frame.find("groups"), std::string::npos) << "no groups: no key (older clients)";
}

TEST(ProtocolCodecReply, RouterGroupsAreAnOptionalField) {
    routers_reply in;
    in.routers = {{"r1", "10.0.0.1", 22, "u", {"core", "lon"}}, {"r2", "10.0.0.2", 22, "u"}};
    const std::string frame = encode_reply(in);
    EXPECT_NE(frame.find(wire().str("groups").array(2).str("core").str("lon").bytes()),
              std::string::npos);
    const auto out = decode_reply_as<routers_reply>(frame);
    EXPECT_EQ(out.routers[0].groups, (std::vector<std::string>{"core", "lon"}));
    EXPECT_TRUE(out.routers[1].groups.empty());
}

TEST(ProtocolCodecReply, ErrorOmitsAbsentJobIdAndEmptyRouters) {
    EXPECT_EQ(
        encode_reply(error_reply{error_code::busy, "queue full", std::nullopt, {}}),
        wire().map(3).kv("type", "error").kv("code", "busy").kv("message", "queue full").bytes());
    const error_reply in{error_code::unknown_routers, "2 unknown routers", "j1", {"x", "y"}};
    const std::string frame = encode_reply(in);
    EXPECT_EQ(frame, wire()
                         .map(5)
                         .kv("type", "error")
                         .kv("code", "unknown_routers")
                         .kv("message", "2 unknown routers")
                         .kv("job_id", "j1")
                         .str("routers")
                         .array(2)
                         .str("x")
                         .str("y")
                         .bytes());
    const auto out = decode_reply_as<error_reply>(frame);
    EXPECT_EQ(out.code, error_code::unknown_routers);
    EXPECT_EQ(out.message, "2 unknown routers");
    EXPECT_EQ(out.job_id, "j1");
    EXPECT_EQ(out.routers, (std::vector<std::string>{"x", "y"}));
}

TEST(ProtocolCodecReply, JobResultRoundTripsAsReply) {
    const job_result in = sample_job_result();
    expect_same(decode_reply_as<job_result>(encode_reply(in)), in);
    EXPECT_EQ(encode_reply(in), encode_job_result(in));
}

TEST(ProtocolCodecReply, UnknownReplyKeysAreIgnoredForForwardCompatibility) {
    const wire frame =
        wire().map(4).kv("type", "accepted").kv("job_id", "j").str("total").uint(1).kv("new", "x");
    EXPECT_EQ(decode_reply_as<accepted_reply>(frame.bytes()).total, 1u);
}

TEST(ProtocolCodecReply, MalformedRepliesAreReported) {
    const auto failure = [](std::string_view frame) {
        auto decoded = decode_reply(frame);
        EXPECT_TRUE(std::holds_alternative<error_reply>(decoded));
        return std::holds_alternative<error_reply>(decoded) ? std::get<error_reply>(decoded).message
                                                            : std::string();
    };
    EXPECT_NE(failure(wire().map(2).kv("type", "accepted").kv("job_id", "j")).find("total"),
              std::string::npos);
    EXPECT_NE(failure(wire().map(3).kv("type", "accepted").kv("job_id", "j").kv("total", "1"))
                  .find("total"),
              std::string::npos);
    EXPECT_NE(failure(wire().map(1).kv("type", "hello")).find("hello"), std::string::npos);
    EXPECT_NE(failure(wire().map(3).kv("type", "error").kv("code", "oops").kv("message", "m"))
                  .find("code"),
              std::string::npos);
    EXPECT_NE(failure("\xdd\xff\xff\xff\xff").find("array"), std::string::npos);
    failure("");
    failure("\xc1");
}

// ---- published messages ----

TEST(ProtocolCodecPublished, RouterResultRoundTrips) {
    const router_result in = sample_router_result();
    auto decoded = decode_published(encode_router_result(in));
    ASSERT_TRUE(std::holds_alternative<router_result>(decoded));
    expect_same(std::get<router_result>(decoded), in);
}

TEST(ProtocolCodecPublished, RouterResultWireFormat) {
    router_result in = sample_router_result();
    in.exit_status.reset();
    in.error.reset();
    in.seq = 7;
    in.command_index = 0;
    in.status = router_status::success;
    in.truncated = false;
    const std::string expected = wire()
                                     .map(15)
                                     .kv("type", "router_result")
                                     .kv("job_id", in.job_id)
                                     .kv("router_name", in.router_name)
                                     .kv("command", in.command)
                                     .str("command_index")
                                     .uint(0)
                                     .kv("status", "success")
                                     .kv("output", in.output)
                                     .kv("stderr", in.stderr_output)
                                     .str("exit_status")
                                     .nil()
                                     .str("error")
                                     .nil()
                                     .str("truncated")
                                     .boolean(false)
                                     .str("execution_duration")
                                     .f64(1.25)
                                     .kv("start_time", in.start_time)
                                     .kv("end_time", in.end_time)
                                     .str("seq")
                                     .uint(7)
                                     .bytes();
    EXPECT_EQ(encode_router_result(in), expected);
    auto decoded = decode_published(expected);
    ASSERT_TRUE(std::holds_alternative<router_result>(decoded));
    EXPECT_FALSE(std::get<router_result>(decoded).exit_status.has_value());
    EXPECT_FALSE(std::get<router_result>(decoded).error.has_value());
}

// `transport` (issue 11): one more map entry, after `truncated`, only when set; a result
// without it (an older daemon) still decodes, with it empty.
TEST(ProtocolCodecPublished, RouterResultTransportIsOptional) {
    router_result in = sample_router_result();
    in.transport = "netconf";
    const std::string frame = encode_router_result(in);
    const std::string without = encode_router_result(sample_router_result());
    EXPECT_EQ(frame.substr(0, 3), wire().map(16).bytes());  // 15 entries and `transport`
    EXPECT_NE(frame.find(wire().str("truncated").boolean(true).kv("transport", "netconf").bytes()),
              std::string::npos);
    EXPECT_EQ(without.find("transport"), std::string::npos);
    auto decoded = decode_published(frame);
    ASSERT_TRUE(std::holds_alternative<router_result>(decoded));
    EXPECT_EQ(std::get<router_result>(decoded).transport, "netconf");
    auto old = decode_published(without);
    ASSERT_TRUE(std::holds_alternative<router_result>(old));
    EXPECT_TRUE(std::get<router_result>(old).transport.empty());
}

TEST(ProtocolCodecPublished, RouterResultErrorIsKindAndMessageMap) {
    router_result in = sample_router_result();
    const std::string frame = encode_router_result(in);
    const std::string error_map =
        wire().str("error").map(2).kv("kind", "exit_status").kv("message", "exit status 1").bytes();
    EXPECT_NE(frame.find(error_map), std::string::npos);
    const std::string exit_status = wire().str("exit_status").integer(-1).bytes();
    EXPECT_NE(frame.find(exit_status), std::string::npos);
}

TEST(ProtocolCodecPublished, EveryErrorKindRoundTrips) {
    for (error_kind kind : {error_kind::connect, error_kind::auth, error_kind::host_key,
                            error_kind::timeout, error_kind::channel, error_kind::exit_status,
                            error_kind::internal, error_kind::interrupted, error_kind::rpc_error}) {
        router_result in = sample_router_result();
        in.error = router_error{kind, "details"};
        auto decoded = decode_published(encode_router_result(in));
        ASSERT_TRUE(std::holds_alternative<router_result>(decoded));
        EXPECT_EQ(std::get<router_result>(decoded).error->kind, kind);
    }
}

TEST(ProtocolCodecPublished, JobResultRoundTripsWithCommandList) {
    const job_result in = sample_job_result();
    auto decoded = decode_published(encode_job_result(in));
    ASSERT_TRUE(std::holds_alternative<job_result>(decoded));
    expect_same(std::get<job_result>(decoded), in);
}

TEST(ProtocolCodecPublished, JobSummaryEchoesSingleCommandAsString) {
    job_result in;
    in.job_id = "j";
    in.state = job_state::done;
    in.summary.commands = {"show version"};
    in.summary.single_command = true;
    in.summary.total_routers = 3;
    in.summary.total = 3;
    in.summary.successful = 3;
    in.summary.total_duration = 0.5;
    const std::string expected = wire()
                                     .map(5)
                                     .kv("type", "job_result")
                                     .kv("job_id", "j")
                                     .kv("state", "done")
                                     .str("summary")
                                     .map(7)
                                     .kv("command", "show version")
                                     .str("total_routers")
                                     .uint(3)
                                     .str("total")
                                     .uint(3)
                                     .str("successful")
                                     .uint(3)
                                     .str("failed")
                                     .uint(0)
                                     .str("cancelled")
                                     .uint(0)
                                     .str("total_duration")
                                     .f64(0.5)
                                     .str("results")
                                     .array(0)
                                     .bytes();
    EXPECT_EQ(encode_job_result(in), expected);
    auto decoded = decode_published(expected);
    ASSERT_TRUE(std::holds_alternative<job_result>(decoded));
    EXPECT_TRUE(std::get<job_result>(decoded).summary.single_command);
    EXPECT_EQ(std::get<job_result>(decoded).summary.commands, in.summary.commands);
}

TEST(ProtocolCodecPublished, RejectsOtherMessageTypesAndBadFields) {
    auto decoded = decode_published(encode_reply(accepted_reply{"j", 1}));
    ASSERT_TRUE(std::holds_alternative<error_reply>(decoded));
    EXPECT_NE(std::get<error_reply>(decoded).message.find("accepted"), std::string::npos);

    std::string frame = encode_router_result(sample_router_result());
    const std::string status = wire().kv("status", "failed").bytes();
    frame.replace(frame.find(status), status.size(), wire().kv("status", "FAILED").bytes());
    decoded = decode_published(frame);
    ASSERT_TRUE(std::holds_alternative<error_reply>(decoded));
    EXPECT_NE(std::get<error_reply>(decoded).message.find("status"), std::string::npos);

    job_result job = sample_job_result();
    frame = encode_job_result(job);
    const std::string kind = wire().kv("kind", "exit_status").bytes();
    frame.replace(frame.find(kind), kind.size(), wire().str("kind").uint(5).bytes());
    decoded = decode_published(frame);
    ASSERT_TRUE(std::holds_alternative<error_reply>(decoded));
    EXPECT_NE(std::get<error_reply>(decoded).message.find("results[1].error.kind"),
              std::string::npos);
}

TEST(ProtocolCodecPublished, InvalidUtf8InRouterOutputBecomesReplacementCharacter) {
    router_result in = sample_router_result();
    in.output = std::string("ok \xff\xfe end", 9);
    in.stderr_output = "\xc3";  // a lead byte without its continuation
    auto decoded = decode_published(encode_router_result(in));
    ASSERT_TRUE(std::holds_alternative<router_result>(decoded));
    const auto& out = std::get<router_result>(decoded);
    EXPECT_EQ(out.output, "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
    EXPECT_EQ(out.stderr_output, "\xEF\xBF\xBD");
    EXPECT_TRUE(is_valid_utf8(out.output));
}

TEST(ProtocolCodecPublished, LargeOutputRoundTrips) {
    router_result in = sample_router_result();
    in.output.assign(3 * 1024 * 1024, 'x');
    auto decoded = decode_published(encode_router_result(in));
    ASSERT_TRUE(std::holds_alternative<router_result>(decoded));
    EXPECT_EQ(std::get<router_result>(decoded).output.size(), in.output.size());
}

TEST(ProtocolCodecPublished, EveryMessageStartsWithTypeKey) {
    const std::string type_key = wire().str("type").bytes();
    const std::vector<std::string> frames = {
        encode_router_result(sample_router_result()),
        encode_job_result(sample_job_result()),
        encode_reply(accepted_reply{"j", 1}),
        encode_reply(status_reply{}),
        encode_reply(pong_reply{}),
        encode_reply(routers_reply{}),
        encode_reply(error_reply{}),
        encode_request(ping_request{}),
        encode_request(submit_request{std::nullopt, {"c"}, true, {"r"}, std::nullopt, false}),
    };
    for (const auto& frame : frames) {
        // A map header of 1 (fixmap) or 3 (map16) bytes, then the `type` key.
        const std::size_t header = (static_cast<unsigned char>(frame[0]) & 0xf0) == 0x80 ? 1 : 3;
        EXPECT_EQ(frame.substr(header, type_key.size()), type_key);
    }
}

// ---- names and topics ----

TEST(ProtocolNames, EnumsUseTheWireStrings) {
    EXPECT_EQ(to_string(job_state::queued), "queued");
    EXPECT_EQ(to_string(job_state::running), "running");
    EXPECT_EQ(to_string(job_state::done), "done");
    EXPECT_EQ(to_string(job_state::cancelled), "cancelled");
    EXPECT_EQ(to_string(router_status::success), "success");
    EXPECT_EQ(to_string(router_status::failed), "failed");
    EXPECT_EQ(to_string(router_status::cancelled), "cancelled");
    EXPECT_EQ(to_string(error_kind::connect), "connect");
    EXPECT_EQ(to_string(error_kind::auth), "auth");
    EXPECT_EQ(to_string(error_kind::host_key), "host_key");
    EXPECT_EQ(to_string(error_kind::timeout), "timeout");
    EXPECT_EQ(to_string(error_kind::channel), "channel");
    EXPECT_EQ(to_string(error_kind::exit_status), "exit_status");
    EXPECT_EQ(to_string(error_kind::internal), "internal");
    EXPECT_EQ(to_string(error_kind::interrupted), "interrupted");
    EXPECT_EQ(to_string(error_kind::rpc_error), "rpc_error");
    EXPECT_EQ(to_string(error_code::bad_request), "bad_request");
    EXPECT_EQ(to_string(error_code::unknown_routers), "unknown_routers");
    EXPECT_EQ(to_string(error_code::duplicate_job), "duplicate_job");
    EXPECT_EQ(to_string(error_code::busy), "busy");
    EXPECT_EQ(to_string(error_code::not_found), "not_found");
    EXPECT_EQ(to_string(error_code::too_large), "too_large");
}

TEST(ProtocolNames, ParsingIsTheInverseAndRejectsOtherStrings) {
    for (auto v : {job_state::queued, job_state::running, job_state::done, job_state::cancelled}) {
        EXPECT_EQ(job_state_from(to_string(v)), v);
    }
    for (auto v : {router_status::success, router_status::failed, router_status::cancelled}) {
        EXPECT_EQ(router_status_from(to_string(v)), v);
    }
    for (auto v : {error_kind::connect, error_kind::auth, error_kind::host_key, error_kind::timeout,
                   error_kind::channel, error_kind::exit_status, error_kind::internal,
                   error_kind::interrupted}) {
        EXPECT_EQ(error_kind_from(to_string(v)), v);
    }
    for (auto v : {error_code::bad_request, error_code::unknown_routers, error_code::duplicate_job,
                   error_code::busy, error_code::not_found, error_code::too_large}) {
        EXPECT_EQ(error_code_from(to_string(v)), v);
    }
    EXPECT_FALSE(job_state_from("Done").has_value());
    EXPECT_FALSE(router_status_from("").has_value());
    EXPECT_FALSE(error_kind_from("ssh").has_value());
    EXPECT_FALSE(error_code_from("timeout").has_value());
}

TEST(ProtocolTopics, FollowTheV1Scheme) {
    router_result r;
    r.job_id = "j-1";
    r.router_name = "edge1.lon";
    EXPECT_EQ(router_result_topic(r), "result.j-1.edge1.lon\n");
    EXPECT_EQ(job_result_topic("j-1"), "job.j-1\n");
    EXPECT_EQ(job_results_prefix("j-1"), "result.j-1.");
}

}  // namespace
}  // namespace fanout::protocol
