// The audit fields (issue 14): submit's optional `requested_by` (1..max_requested_by_bytes of
// UTF-8, else bad_request or too_large naming the field), and `submitted_by` / `requested_by`
// on status and job_result: written only when set, read back when present, absent (older
// daemons) decodes to empty.
#include <gtest/gtest.h>

#include "protocol/codec.hpp"

namespace fanout::protocol {
namespace {

submit_request with_requested_by(std::string text) {
    submit_request s;
    s.commands = {"show version"};
    s.routers = {"r1"};
    s.requested_by = std::move(text);
    return s;
}

std::variant<request, error_reply> decoded(const submit_request& s) {
    return decode_request(encode_request(s), request_limits{});
}

error_reply refusal(const submit_request& s) {
    auto d = decoded(s);
    EXPECT_TRUE(std::holds_alternative<error_reply>(d)) << "accepted";
    return std::holds_alternative<error_reply>(d) ? std::get<error_reply>(d) : error_reply{};
}

TEST(ProtocolAuditFields, RequestedByRoundTripsAndIsOptional) {
    auto d = decoded(with_requested_by("CHG-1234 (Ansible run 77)"));
    ASSERT_TRUE(std::holds_alternative<request>(d));
    auto& s = std::get<submit_request>(std::get<request>(d));
    EXPECT_EQ(s.requested_by, "CHG-1234 (Ansible run 77)");

    submit_request bare = with_requested_by("x");
    bare.requested_by.reset();
    EXPECT_EQ(encode_request(bare).find("requested_by"), std::string::npos);
    auto plain = decoded(bare);
    ASSERT_TRUE(std::holds_alternative<request>(plain));
    EXPECT_FALSE(std::get<submit_request>(std::get<request>(plain)).requested_by);
}

TEST(ProtocolAuditFields, RequestedByIsBoundedAndChecked) {
    auto max = std::string(max_requested_by_bytes, 'a');
    EXPECT_TRUE(std::holds_alternative<request>(decoded(with_requested_by(max))));
    auto long_one = refusal(with_requested_by(max + "a"));
    EXPECT_EQ(long_one.code, error_code::too_large);
    EXPECT_NE(long_one.message.find("requested_by"), std::string::npos) << long_one.message;
    EXPECT_NE(long_one.message.find("max_requested_by_bytes"), std::string::npos);
    auto empty = refusal(with_requested_by(""));
    EXPECT_EQ(empty.code, error_code::bad_request);
    EXPECT_NE(empty.message.find("requested_by"), std::string::npos);
    // The encoder repairs invalid UTF-8, so the bad byte goes in after encoding.
    auto bytes = encode_request(with_requested_by("CHG-Z"));
    bytes[bytes.find("CHG-Z") + 4] = '\xff';
    auto bad = decode_request(bytes, request_limits{});
    ASSERT_TRUE(std::holds_alternative<error_reply>(bad));
    auto bad_utf8 = std::get<error_reply>(bad);
    EXPECT_EQ(bad_utf8.code, error_code::bad_request);
    EXPECT_NE(bad_utf8.message.find("UTF-8"), std::string::npos) << bad_utf8.message;
}

template <typename T>
T round_trip(const T& r) {
    std::string bytes;
    if constexpr (std::is_same_v<T, job_result>)
        bytes = encode_job_result(r);
    else
        bytes = encode_reply(r);
    auto d = decode_reply(bytes);
    EXPECT_TRUE(std::holds_alternative<reply>(d));
    return std::get<T>(std::get<reply>(d));
}

TEST(ProtocolAuditFields, StatusAndJobResultCarryThemWhenSet) {
    status_reply status{"j", job_state::running, 2, 1, 1, 0, "", "", "ops.pub", "CHG-1"};
    auto s = round_trip(status);
    EXPECT_EQ(s.submitted_by, "ops.pub");
    EXPECT_EQ(s.requested_by, "CHG-1");
    job_result job;
    job.job_id = "j";
    job.submitted_by = "local";
    auto j = round_trip(job);
    EXPECT_EQ(j.submitted_by, "local");
    EXPECT_EQ(j.requested_by, "");
    // Empty: not on the wire at all, as from a daemon before issue 14.
    const auto bare = encode_reply(status_reply{"j", job_state::done, 1, 1, 1, 0});
    EXPECT_EQ(bare.find("submitted_by"), std::string::npos);
    EXPECT_EQ(bare.find("requested_by"), std::string::npos);
    EXPECT_EQ(round_trip(status_reply{"j", job_state::done, 1, 1, 1, 0}).submitted_by, "");
}

// A job_result whose outputs are left out (a reply or PUB message over its budget) keeps every
// other field: who submitted it, why it stopped, and each result's transport.
TEST(ProtocolAuditFields, WithoutOutputKeepsEveryFieldButTheOutputs) {
    job_result job;
    job.job_id = "j1";
    job.state = job_state::cancelled;
    job.node = "n1";
    job.control_endpoint = "tcp://127.0.0.1:5571";
    job.first_accepted_at = "2026-12-06T12:00:00.000Z";
    job.submitted_by = "ops.pub";
    job.requested_by = "CHG-1";
    job.stopped_by = "canary";
    router_result r;
    r.job_id = "j1";
    r.router_name = "r1";
    r.output = "big";
    r.transport = "netconf";
    job.results.push_back(r);
    const auto copy = without_output(job);
    EXPECT_EQ(copy.submitted_by, "ops.pub");
    EXPECT_EQ(copy.requested_by, "CHG-1");
    EXPECT_EQ(copy.stopped_by, "canary");
    EXPECT_EQ(copy.first_accepted_at, job.first_accepted_at);
    EXPECT_EQ(copy.control_endpoint, job.control_endpoint);
    ASSERT_EQ(copy.results.size(), 1u);
    EXPECT_TRUE(copy.results[0].output.empty());
    EXPECT_TRUE(copy.results[0].output_withheld);
    EXPECT_EQ(copy.results[0].transport, "netconf");
}

}  // namespace
}  // namespace fanout::protocol
