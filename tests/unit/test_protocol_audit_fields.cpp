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

}  // namespace
}  // namespace fanout::protocol
