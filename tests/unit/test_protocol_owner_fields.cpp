// The optional owner fields (`node`, `control_endpoint`) on accepted, status, pong,
// router_result and job_result: written only when set, read back when present, and absent
// (older daemons) decodes to empty.
#include <gtest/gtest.h>

#include "protocol/codec.hpp"

namespace fanout::protocol {
namespace {

constexpr const char* node = "core1:127.0.0.1:5571";
constexpr const char* endpoint = "tcp://127.0.0.1:5571";

template <typename T>
T round_trip(const reply& r) {
    auto decoded = decode_reply(encode_reply(r));
    EXPECT_TRUE(std::holds_alternative<reply>(decoded));
    return std::get<T>(std::get<reply>(decoded));
}

TEST(ProtocolOwnerFields, RepliesCarryThemWhenSetAndOmitThemWhenEmpty) {
    auto accepted = round_trip<accepted_reply>(accepted_reply{"j", 2, node, endpoint});
    EXPECT_EQ(accepted.node, node);
    EXPECT_EQ(accepted.control_endpoint, endpoint);
    status_reply status{"j", job_state::running, 2, 1, 1, 0, node, ""};
    auto read = round_trip<status_reply>(status);
    EXPECT_EQ(read.node, node);
    EXPECT_TRUE(read.control_endpoint.empty());
    pong_reply pong;
    pong.version = "1.0.0";
    pong.node = node;
    pong.control_endpoint = endpoint;
    auto pong_read = round_trip<pong_reply>(pong);
    EXPECT_EQ(pong_read.node, node);
    EXPECT_EQ(pong_read.control_endpoint, endpoint);

    // Empty: the keys are not on the wire at all.
    const auto bare = encode_reply(accepted_reply{"j", 2});
    EXPECT_EQ(bare.find("node"), std::string::npos);
    EXPECT_EQ(bare.find("control_endpoint"), std::string::npos);
    EXPECT_TRUE(round_trip<accepted_reply>(accepted_reply{"j", 2}).node.empty());
}

TEST(ProtocolOwnerFields, PublishedResultsCarryThem) {
    router_result r;
    r.job_id = "j";
    r.router_name = "r1";
    r.command = "show version";
    r.start_time = r.end_time = "2026-11-26T10:00:00.000Z";
    r.node = node;
    r.control_endpoint = endpoint;
    auto decoded = decode_published(encode_router_result(r));
    ASSERT_TRUE(std::holds_alternative<router_result>(decoded));
    EXPECT_EQ(std::get<router_result>(decoded).node, node);
    EXPECT_EQ(std::get<router_result>(decoded).control_endpoint, endpoint);

    job_result job;
    job.job_id = "j";
    job.summary.commands = {"show version"};
    job.results = {r};
    job.node = node;
    job.control_endpoint = endpoint;
    auto aggregate = decode_published(encode_job_result(job));
    ASSERT_TRUE(std::holds_alternative<job_result>(aggregate));
    const auto& read = std::get<job_result>(aggregate);
    EXPECT_EQ(read.node, node);
    EXPECT_EQ(read.control_endpoint, endpoint);
    ASSERT_EQ(read.results.size(), 1u);
    EXPECT_EQ(read.results[0].node, node);
}

}  // namespace
}  // namespace fanout::protocol
