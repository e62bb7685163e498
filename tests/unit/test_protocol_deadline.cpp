// `deadline` on the wire (issue 13): optional in submit, bounded, refused with bad_request
// naming the field, and echoed in the job summary and in status only when set.
#include <gtest/gtest.h>

#include <cmath>

#include "protocol/codec.hpp"
#include "tests/support/protocol_test_wire.hpp"

namespace p = fanout::protocol;

namespace {

using fanout::protocol::test_wire::wire;

// A submit map with `deadline` set to whatever `pack_deadline` writes.
template <class Pack>
std::string submit_with(Pack pack_deadline) {
    wire w;
    w.map(4).kv("type", "submit").kv("command", "show version").str("routers").array(1).str("r1");
    w.str("deadline");
    pack_deadline(w);
    return w.bytes();
}

p::error_reply refusal_of(const std::string& frame) {
    auto decoded = p::decode_request(frame);
    if (auto* refused = std::get_if<p::error_reply>(&decoded)) return *refused;
    ADD_FAILURE() << "accepted";
    return {};
}

p::submit_request submit_of(const std::string& frame) {
    auto decoded = p::decode_request(frame);
    if (auto* refused = std::get_if<p::error_reply>(&decoded)) {
        ADD_FAILURE() << refused->message;
        return {};
    }
    return std::get<p::submit_request>(std::get<p::request>(decoded));
}

}  // namespace

TEST(protocol_deadline, a_submit_without_deadline_has_none_and_encodes_without_it) {
    p::submit_request submit;
    submit.commands = {"show version"};
    submit.routers = {"r1"};
    auto bytes = p::encode_request(submit);
    EXPECT_EQ(bytes.find("deadline"), std::string::npos);
    auto decoded = submit_of(bytes);
    EXPECT_FALSE(decoded.deadline);
}

TEST(protocol_deadline, a_deadline_round_trips_as_a_number_integer_or_float) {
    p::submit_request submit;
    submit.commands = {"show version"};
    submit.routers = {"r1"};
    submit.deadline = 5.5;
    auto decoded = submit_of(p::encode_request(submit));
    ASSERT_TRUE(decoded.deadline);
    EXPECT_DOUBLE_EQ(*decoded.deadline, 5.5);
    auto as_integer = submit_of(submit_with([](auto& pk) { pk.uint(5); }));
    EXPECT_DOUBLE_EQ(as_integer.deadline.value_or(0), 5.0);
}

TEST(protocol_deadline, out_of_bounds_or_not_a_number_is_bad_request_naming_the_field) {
    for (double bad : {0.0, -1.0, 86400.5, std::nan("")}) {
        auto refusal = refusal_of(submit_with([&](auto& pk) { pk.f64(bad); }));
        EXPECT_EQ(refusal.code, p::error_code::bad_request) << bad;
        EXPECT_NE(refusal.message.find("deadline"), std::string::npos) << refusal.message;
    }
    auto text = refusal_of(submit_with([](auto& pk) { pk.str("5"); }));
    EXPECT_EQ(text.code, p::error_code::bad_request);
    EXPECT_NE(text.message.find("deadline"), std::string::npos) << text.message;
    auto most = submit_of(submit_with([](auto& pk) { pk.f64(86400.0); }));
    EXPECT_DOUBLE_EQ(most.deadline.value_or(0), 86400.0);
}

TEST(protocol_deadline, the_job_summary_echoes_it_only_when_set) {
    p::job_result job;
    job.job_id = "j1";
    job.summary.commands = {"show version"};
    auto plain = p::encode_job_result(job);
    EXPECT_EQ(plain.find("deadline"), std::string::npos);
    job.summary.deadline = 5.0;
    auto decoded = std::get<p::job_result>(p::decode_published(p::encode_job_result(job)));
    EXPECT_DOUBLE_EQ(decoded.summary.deadline.value_or(0), 5.0);
}

TEST(protocol_deadline, status_carries_it_only_when_set) {
    p::status_reply status;
    status.job_id = "j1";
    auto plain = p::encode_reply(status);
    EXPECT_EQ(plain.find("deadline"), std::string::npos);
    EXPECT_FALSE(std::get<p::status_reply>(std::get<p::reply>(p::decode_reply(plain))).deadline);
    status.deadline = 2.5;
    auto decoded =
        std::get<p::status_reply>(std::get<p::reply>(p::decode_reply(p::encode_reply(status))));
    EXPECT_DOUBLE_EQ(decoded.deadline.value_or(0), 2.5);
}
