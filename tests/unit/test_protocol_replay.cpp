// Protocol v1 `replay`: request validation, the exact wire form, reply round trip.
#include <gtest/gtest.h>

#include "protocol/codec.hpp"
#include "tests/support/protocol_test_wire.hpp"

namespace fanout::protocol {
namespace {

using test_wire::wire;

replay_request decoded_replay(std::string_view frame) {
    auto decoded = decode_request(frame);
    if (auto* error = std::get_if<error_reply>(&decoded)) {
        ADD_FAILURE() << "refused: " << error->message;
        return {};
    }
    return std::get<replay_request>(std::get<request>(decoded));
}

error_reply refusal(std::string_view frame) {
    auto decoded = decode_request(frame);
    if (!std::holds_alternative<error_reply>(decoded)) {
        ADD_FAILURE() << "accepted a bad replay request";
        return {};
    }
    return std::get<error_reply>(decoded);
}

TEST(ProtocolReplay, MinimalRequest) {
    auto r = decoded_replay(wire().map(2).kv("type", "replay").str("since_seq").uint(0));
    EXPECT_EQ(r.since_seq, 0u);
    EXPECT_FALSE(r.limit);
    EXPECT_FALSE(r.job_id);
}

TEST(ProtocolReplay, FullRequestAndNilOptionals) {
    auto r = decoded_replay(wire()
                                .map(4)
                                .kv("type", "replay")
                                .str("since_seq")
                                .uint(UINT64_MAX)
                                .str("limit")
                                .uint(max_replay_results)
                                .kv("job_id", "nightly-42"));
    EXPECT_EQ(r.since_seq, UINT64_MAX);
    EXPECT_EQ(r.limit, max_replay_results);
    EXPECT_EQ(r.job_id, "nightly-42");
    auto nils = decoded_replay(wire()
                                   .map(4)
                                   .kv("type", "replay")
                                   .str("since_seq")
                                   .uint(7)
                                   .str("limit")
                                   .nil()
                                   .str("job_id")
                                   .nil());
    EXPECT_FALSE(nils.limit);
    EXPECT_FALSE(nils.job_id);
}

TEST(ProtocolReplay, EncoderWritesTheDocumentedBytes) {
    replay_request r{300, 50, std::string("j1")};
    EXPECT_EQ(encode_request(r), wire()
                                     .map(4)
                                     .kv("type", "replay")
                                     .str("since_seq")
                                     .uint(300)
                                     .str("limit")
                                     .uint(50)
                                     .kv("job_id", "j1")
                                     .bytes());
    EXPECT_EQ(encode_request(replay_request{}),
              wire().map(2).kv("type", "replay").str("since_seq").uint(0).bytes());
}

TEST(ProtocolReplay, BadRequestsNameTheField) {
    struct bad_case {
        wire frame;
        std::string field;
    };
    const bad_case cases[] = {
        {wire().map(1).kv("type", "replay"), "since_seq"},
        {wire().map(2).kv("type", "replay").str("since_seq").integer(-1), "since_seq"},
        {wire().map(2).kv("type", "replay").kv("since_seq", "5"), "since_seq"},
        {wire().map(2).kv("type", "replay").str("since_seq").f64(1.0), "since_seq"},
        {wire().map(3).kv("type", "replay").str("since_seq").uint(0).str("limit").uint(0), "limit"},
        {wire()
             .map(3)
             .kv("type", "replay")
             .str("since_seq")
             .uint(0)
             .str("limit")
             .uint(max_replay_results + 1),
         "limit"},
        {wire().map(3).kv("type", "replay").str("since_seq").uint(0).kv("job_id", "a b"), "job_id"},
        {wire().map(3).kv("type", "replay").str("since_seq").uint(0).kv("router", "r1"), "router"},
    };
    for (const auto& c : cases) {
        auto e = refusal(c.frame);
        EXPECT_EQ(e.code, error_code::bad_request) << e.message;
        EXPECT_NE(e.message.find(c.field), std::string::npos) << e.message;
    }
}

router_result result_with_seq(std::uint64_t seq) {
    router_result r;
    r.job_id = "j1";
    r.router_name = "r" + std::to_string(seq);
    r.command = "show version";
    r.status = router_status::success;
    r.output = "Hostname: r1\n";
    r.exit_status = 0;
    r.start_time = r.end_time = "2026-11-26T10:00:00.000Z";
    r.seq = seq;
    return r;
}

TEST(ProtocolReplay, ReplyRoundTripAndKeyOrder) {
    replay_reply page;
    page.next_seq = 12;
    page.more = true;
    page.oldest_seq = 3;
    page.last_seq = 40;
    page.results = {result_with_seq(11), result_with_seq(12)};
    const std::string bytes = encode_reply(page);
    // type first, then the paging fields, then the results.
    const std::string head = wire()
                                 .map(6)
                                 .kv("type", "replay")
                                 .str("next_seq")
                                 .uint(12)
                                 .str("more")
                                 .boolean(true)
                                 .str("oldest_seq")
                                 .uint(3)
                                 .str("last_seq")
                                 .uint(40)
                                 .str("results")
                                 .array(2)
                                 .bytes();
    EXPECT_EQ(bytes.substr(0, head.size()), head);
    EXPECT_EQ(bytes.substr(head.size()),
              encode_router_result(page.results[0]) + encode_router_result(page.results[1]));

    auto decoded = decode_reply(bytes);
    ASSERT_EQ(decoded.index(), 0u);
    const auto& back = std::get<replay_reply>(std::get<reply>(decoded));
    EXPECT_EQ(back.next_seq, 12u);
    EXPECT_TRUE(back.more);
    EXPECT_EQ(back.oldest_seq, 3u);
    EXPECT_EQ(back.last_seq, 40u);
    ASSERT_EQ(back.results.size(), 2u);
    EXPECT_EQ(back.results[1].router_name, "r12");
    EXPECT_EQ(back.results[1].seq, 12u);
}

TEST(ProtocolReplay, ReplyMissingAPagingFieldIsMalformed) {
    auto decoded = decode_reply(wire()
                                    .map(5)
                                    .kv("type", "replay")
                                    .str("next_seq")
                                    .uint(1)
                                    .str("more")
                                    .boolean(false)
                                    .str("oldest_seq")
                                    .uint(1)
                                    .str("results")
                                    .array(0));
    ASSERT_EQ(decoded.index(), 1u);
    EXPECT_NE(std::get<error_reply>(decoded).message.find("last_seq"), std::string::npos);
}

}  // namespace
}  // namespace fanout::protocol
