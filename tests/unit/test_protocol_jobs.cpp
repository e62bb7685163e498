// Protocol v1 `jobs` (issue 13): request validation, the exact wire form, reply round trip;
// an entry's optional `deadline` and the reply's optional `node` (session 9).
#include <gtest/gtest.h>

#include <cstdio>

#include "protocol/codec.hpp"
#include "protocol/limits.hpp"
#include "tests/support/protocol_test_wire.hpp"

namespace fanout::protocol {
namespace {

using test_wire::wire;

jobs_request decoded_jobs(std::string_view frame) {
    auto decoded = decode_request(frame);
    if (auto* error = std::get_if<error_reply>(&decoded)) {
        ADD_FAILURE() << "refused: " << error->message;
        return {};
    }
    return std::get<jobs_request>(std::get<request>(decoded));
}

TEST(ProtocolJobs, MinimalRequestHasNoFilter) {
    auto r = decoded_jobs(wire().map(1).kv("type", "jobs"));
    EXPECT_FALSE(r.limit);
    EXPECT_FALSE(r.state);
    EXPECT_FALSE(r.job_id);
}

TEST(ProtocolJobs, FullRequestAndNilOptionals) {
    auto r = decoded_jobs(wire()
                              .map(4)
                              .kv("type", "jobs")
                              .str("limit")
                              .uint(max_jobs_listed)
                              .kv("state", "running")
                              .kv("job_id", "old.id-1"));
    EXPECT_EQ(r.limit, max_jobs_listed);
    EXPECT_EQ(r.state, job_state::running);
    EXPECT_EQ(r.job_id, "old.id-1");
    auto nils =
        decoded_jobs(wire().map(3).kv("type", "jobs").str("limit").nil().str("state").nil());
    EXPECT_FALSE(nils.limit);
    EXPECT_FALSE(nils.state);
}

TEST(ProtocolJobs, EncoderWritesTheDocumentedBytes) {
    jobs_request r{20, job_state::done, std::string("j1")};
    EXPECT_EQ(encode_request(r), wire()
                                     .map(4)
                                     .kv("type", "jobs")
                                     .str("limit")
                                     .uint(20)
                                     .kv("state", "done")
                                     .kv("job_id", "j1")
                                     .bytes());
    EXPECT_EQ(encode_request(jobs_request{}), wire().map(1).kv("type", "jobs").bytes());
}

TEST(ProtocolJobs, BadRequestsNameTheField) {
    struct bad_case {
        wire frame;
        std::string field;
    };
    const bad_case cases[] = {
        {wire().map(2).kv("type", "jobs").str("limit").uint(0), "limit"},
        {wire().map(2).kv("type", "jobs").str("limit").uint(max_jobs_listed + 1), "limit"},
        {wire().map(2).kv("type", "jobs").kv("limit", "5"), "limit"},
        {wire().map(2).kv("type", "jobs").kv("state", "finished"), "state"},
        {wire().map(2).kv("type", "jobs").str("state").uint(1), "state"},
        {wire().map(2).kv("type", "jobs").kv("job_id", "a b"), "job_id"},
        {wire().map(2).kv("type", "jobs").kv("router", "r1"), "router"},
    };
    for (const auto& c : cases) {
        auto decoded = decode_request(c.frame.bytes());
        ASSERT_TRUE(std::holds_alternative<error_reply>(decoded)) << c.field;
        const auto& e = std::get<error_reply>(decoded);
        EXPECT_EQ(e.code, error_code::bad_request) << e.message;
        EXPECT_NE(e.message.find(c.field), std::string::npos) << e.message;
    }
}

job_entry entry(std::string id, job_state state) {
    return job_entry{
        std::move(id), state, "2026-12-06T12:00:00.000Z", "show version", 2, 3, 6, 4, 3, 1, 0};
}

TEST(ProtocolJobs, ReplyRoundTripAndKeyOrder) {
    jobs_reply list;
    list.matched = 7;
    list.more = true;
    list.jobs = {entry("b", job_state::running), entry("a", job_state::cancelled)};
    list.jobs[1].cancelled = 2;
    const std::string bytes = encode_reply(list);
    const std::string head = wire()
                                 .map(4)
                                 .kv("type", "jobs")
                                 .str("matched")
                                 .uint(7)
                                 .str("more")
                                 .boolean(true)
                                 .str("jobs")
                                 .array(2)
                                 .map(11)
                                 .kv("job_id", "b")
                                 .kv("state", "running")
                                 .kv("submitted_at", "2026-12-06T12:00:00.000Z")
                                 .kv("command", "show version")
                                 .str("command_count")
                                 .uint(2)
                                 .str("total_routers")
                                 .uint(3)
                                 .bytes();
    EXPECT_EQ(bytes.substr(0, head.size()), head);

    auto decoded = decode_reply(bytes);
    ASSERT_EQ(decoded.index(), 0u);
    const auto& back = std::get<jobs_reply>(std::get<reply>(decoded));
    EXPECT_EQ(back.matched, 7u);
    EXPECT_TRUE(back.more);
    ASSERT_EQ(back.jobs.size(), 2u);
    EXPECT_EQ(back.jobs[0], list.jobs[0]);
    EXPECT_EQ(back.jobs[1], list.jobs[1]);
}

TEST(ProtocolJobs, AuditAndStopFieldsAreSentOnlyWhenSetAndReadBack) {
    jobs_reply list;
    list.jobs = {entry("stopped", job_state::cancelled), entry("plain", job_state::done)};
    list.jobs[0].submitted_by = "ops-laptop";
    list.jobs[0].requested_by = "CHG-1234";
    list.jobs[0].stopped_by = "max_fail_percent";
    const std::string bytes = encode_reply(list);
    const std::string stopped_tail = wire()
                                         .str("cancelled")
                                         .uint(0)
                                         .kv("submitted_by", "ops-laptop")
                                         .kv("requested_by", "CHG-1234")
                                         .kv("stopped_by", "max_fail_percent")
                                         .map(11)
                                         .kv("job_id", "plain")
                                         .bytes();
    EXPECT_NE(bytes.find(stopped_tail), std::string::npos) << "14 keys, then the plain job's 11";
    const std::string stopped_head = wire().map(14).kv("job_id", "stopped").bytes();
    EXPECT_NE(bytes.find(stopped_head), std::string::npos);

    const auto back = std::get<jobs_reply>(std::get<reply>(decode_reply(bytes)));
    ASSERT_EQ(back.jobs.size(), 2u);
    EXPECT_EQ(back.jobs[0], list.jobs[0]);
    EXPECT_EQ(back.jobs[1], list.jobs[1]);
    EXPECT_TRUE(back.jobs[1].stopped_by.empty());
}

TEST(ProtocolJobs, DeadlineAndNodeAreSentOnlyWhenSetAndReadBack) {
    jobs_reply list;
    list.node = "core1:127.0.0.1:5571";
    list.jobs = {entry("bounded", job_state::running), entry("plain", job_state::done)};
    list.jobs[0].deadline = 5.0;  // a float64 on the wire even when integral, as in status
    const std::string bytes = encode_reply(list);
    EXPECT_NE(bytes.find(wire().map(5).kv("type", "jobs").bytes()), std::string::npos);
    EXPECT_NE(bytes.find(wire().str("deadline").f64(5.0).bytes()), std::string::npos);
    EXPECT_NE(bytes.find(wire().map(12).kv("job_id", "bounded").bytes()), std::string::npos);
    EXPECT_NE(bytes.find(wire().map(11).kv("job_id", "plain").bytes()), std::string::npos);
    EXPECT_EQ(bytes.rfind(wire().kv("node", "core1:127.0.0.1:5571").bytes()),
              bytes.size() - wire().kv("node", "core1:127.0.0.1:5571").bytes().size())
        << "node comes last, after the jobs";

    const auto back = std::get<jobs_reply>(std::get<reply>(decode_reply(bytes)));
    EXPECT_EQ(back.node, list.node);
    ASSERT_EQ(back.jobs.size(), 2u);
    EXPECT_EQ(back.jobs[0], list.jobs[0]);
    EXPECT_EQ(back.jobs[0].deadline, 5.0);
    EXPECT_FALSE(back.jobs[1].deadline);

    // Without them (a daemon before they existed): nothing on the wire, nothing read back.
    jobs_reply old;
    old.jobs = {entry("plain", job_state::done)};
    const std::string old_bytes = encode_reply(old);
    EXPECT_EQ(old_bytes.find("deadline"), std::string::npos);
    EXPECT_EQ(old_bytes.find("node"), std::string::npos);
    const auto old_back = std::get<jobs_reply>(std::get<reply>(decode_reply(old_bytes)));
    EXPECT_TRUE(old_back.node.empty());
    EXPECT_FALSE(old_back.jobs[0].deadline);
}

TEST(ProtocolJobs, AnIntegerDeadlineIsReadAndABadOneIsMalformed) {
    const auto with_deadline = [](auto pack) {
        auto w = wire().map(4).kv("type", "jobs").str("matched").uint(1).str("more");
        w.boolean(false).str("jobs").array(1).map(12).kv("job_id", "j").kv("state", "done");
        w.kv("submitted_at", "2026-12-06T12:00:00.000Z").kv("command", "show version");
        for (const char* key : {"command_count", "total_routers", "total", "completed",
                                "successful", "failed", "cancelled"})
            w.str(key).uint(1);
        w.str("deadline");
        pack(w);
        return decode_reply(w.bytes());
    };
    auto integral = with_deadline([](auto& w) { w.uint(30); });
    ASSERT_EQ(integral.index(), 0u) << std::get<error_reply>(integral).message;
    EXPECT_EQ(std::get<jobs_reply>(std::get<reply>(integral)).jobs[0].deadline, 30.0);
    auto text = with_deadline([](auto& w) { w.str("soon"); });
    ASSERT_EQ(text.index(), 1u);
    EXPECT_NE(std::get<error_reply>(text).message.find("jobs[0].deadline"), std::string::npos)
        << std::get<error_reply>(text).message;
}

TEST(ProtocolJobs, AFullReplyStaysUnderOnePointOneMebibytes) {
    // Every field at its bound: the longest id, command, requested_by, key name and node, and a
    // deadline (session 9 added `deadline` and `node`: from 1,046,036 bytes to about 1,064,300).
    jobs_reply list;
    list.matched = max_jobs_listed;
    list.node = std::string(256, 'n');  // --node-id: at most 256 characters
    for (std::size_t i = 0; i < max_jobs_listed; ++i) {
        auto e = entry(std::string(64, 'j'), job_state::cancelled);
        e.command = std::string(max_listed_command_bytes, 'c');
        e.command_count = e.total_routers = e.total = e.completed = e.successful = e.failed =
            e.cancelled = UINT64_MAX;
        e.submitted_by = std::string(255, 'k');  // a CURVE key file name: 1-255 characters
        e.requested_by = std::string(max_requested_by_bytes, 'r');
        e.stopped_by = "stop_after_failures";
        e.deadline = 86400.0;  // request_limits' max_deadline_seconds
        list.jobs.push_back(std::move(e));
    }
    const auto size = encode_reply(list).size();
    std::printf("[ measured ] a full jobs reply: %zu bytes (%zu per entry)\n", size,
                size / max_jobs_listed);
    EXPECT_LT(size, 11u * 1024u * 1024u / 10u)
        << "PROTOCOL.md and configuration.md say under 1.1 MiB";
}

TEST(ProtocolJobs, ReplyMissingAFieldIsMalformed) {
    auto decoded = decode_reply(
        wire().map(3).kv("type", "jobs").str("more").boolean(false).str("jobs").array(0));
    ASSERT_EQ(decoded.index(), 1u);
    EXPECT_NE(std::get<error_reply>(decoded).message.find("matched"), std::string::npos);
    auto entry_without_state = decode_reply(wire()
                                                .map(4)
                                                .kv("type", "jobs")
                                                .str("matched")
                                                .uint(1)
                                                .str("more")
                                                .boolean(false)
                                                .str("jobs")
                                                .array(1)
                                                .map(1)
                                                .kv("job_id", "a"));
    ASSERT_EQ(entry_without_state.index(), 1u);
    EXPECT_NE(std::get<error_reply>(entry_without_state).message.find("jobs[0]"),
              std::string::npos);
}

}  // namespace
}  // namespace fanout::protocol
