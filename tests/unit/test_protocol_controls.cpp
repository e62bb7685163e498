// The execution controls on the wire (protocol/codec_controls.hpp): submit's max_parallel,
// stop_after_failures, max_fail_percent and canary are optional, strictly validated (the
// message names the field and its bound) and sent only when set; status and job_result carry
// `stopped_by` (and status `running`) only for jobs that have controls; the error kind
// `stopped` has a name.
#include <gtest/gtest.h>

#include "protocol/codec.hpp"
#include "tests/support/protocol_test_wire.hpp"

namespace fanout::protocol {
namespace {

using test_wire::wire;

// A submit with one control, `key`, set to the msgpack value the caller appends.
wire submit_with_control(std::string_view key) {
    wire w;
    w.map(4).kv("type", "submit").kv("command", "show version");
    w.str("routers").array(1).str("r1");
    w.str(key);
    return w;
}

std::string error_of(std::string_view frame, const request_limits& limits = {}) {
    auto decoded = decode_request(frame, limits);
    auto* error = std::get_if<error_reply>(&decoded);
    if (!error) return "accepted";
    EXPECT_EQ(error->code, error_code::bad_request);
    return error->message;
}

TEST(ProtocolControls, EachControlIsDecodedWhenPresent) {
    for (std::string_view key :
         {"max_parallel", "stop_after_failures", "max_fail_percent", "canary"}) {
        auto decoded = decode_request(submit_with_control(key).uint(7));
        ASSERT_TRUE(std::holds_alternative<request>(decoded)) << key;
        const auto& c = std::get<submit_request>(std::get<request>(decoded)).controls;
        EXPECT_TRUE(c.any());
        const std::optional<std::uint64_t>* value =
            key == "max_parallel"          ? &c.max_parallel
            : key == "stop_after_failures" ? &c.stop_after_failures
            : key == "max_fail_percent"    ? &c.max_fail_percent
                                           : &c.canary;
        EXPECT_EQ(*value, 7u) << key;
    }
    auto nil = decode_request(submit_with_control("canary").nil());
    ASSERT_TRUE(std::holds_alternative<request>(nil)) << "nil means absent";
    EXPECT_FALSE(std::get<submit_request>(std::get<request>(nil)).controls.any());
}

TEST(ProtocolControls, BadValuesNameTheFieldAndTheBound) {
    EXPECT_EQ(error_of(submit_with_control("max_parallel").uint(0)),
              "max_parallel: must be an integer from 1 to max_routers_per_job (10000), got 0");
    request_limits small;
    small.max_routers_per_job = 50;
    EXPECT_EQ(error_of(submit_with_control("canary").uint(51), small),
              "canary: must be an integer from 1 to max_routers_per_job (50), got 51");
    EXPECT_EQ(error_of(submit_with_control("stop_after_failures").uint(0)),
              "stop_after_failures: must be an integer from 1 to max_routers_per_job (10000), "
              "got 0");
    EXPECT_EQ(error_of(submit_with_control("max_fail_percent").uint(101)),
              "max_fail_percent: must be an integer from 1 to 100, got 101");
    EXPECT_EQ(error_of(submit_with_control("max_fail_percent").str("10%")),
              "max_fail_percent: must be an integer from 1 to 100, got string");
    EXPECT_EQ(error_of(submit_with_control("max_parallel").integer(-1)),
              "max_parallel: must be an integer from 1 to max_routers_per_job (10000), got -1");
}

TEST(ProtocolControls, ASubmitRoundTripsAndSendsOnlyTheControlsSet) {
    submit_request submit;
    submit.commands = {"show version"};
    submit.routers = {"r1", "r2"};
    const auto plain = encode_request(submit);
    submit.controls.canary = 1;
    submit.controls.max_fail_percent = 20;
    const auto with = encode_request(submit);
    EXPECT_EQ(with.find("max_parallel"), std::string::npos);
    EXPECT_NE(with.find("canary"), std::string::npos);
    EXPECT_EQ(plain.find("canary"), std::string::npos) << "no controls: the bytes of before";
    auto decoded = decode_request(with);
    ASSERT_TRUE(std::holds_alternative<request>(decoded));
    EXPECT_EQ(std::get<submit_request>(std::get<request>(decoded)).controls, submit.controls);
}

TEST(ProtocolControls, StatusAndJobResultSayWhichRuleStoppedTheJob) {
    status_reply status{"j", job_state::queued, 10, 4, 1, 3, "", ""};
    EXPECT_EQ(encode_reply(status).find("stopped_by"), std::string::npos);
    EXPECT_EQ(encode_reply(status).find("running"), std::string::npos);
    status.stopped_by = "stop_after_failures";
    status.running = 2;
    auto decoded = std::get<status_reply>(std::get<reply>(decode_reply(encode_reply(status))));
    EXPECT_EQ(decoded.stopped_by, "stop_after_failures");
    EXPECT_EQ(decoded.running, 2u);

    job_result job;
    job.job_id = "j";
    job.state = job_state::cancelled;
    job.summary.commands = {"show version"};
    EXPECT_EQ(encode_job_result(job).find("stopped_by"), std::string::npos);
    job.stopped_by = "canary";
    router_result r;
    r.job_id = "j";
    r.router_name = "r3";
    r.command = "show version";
    r.status = router_status::cancelled;
    r.error = router_error{error_kind::stopped, "not started: the canary failed"};
    job.results.push_back(r);
    auto published = decode_published(encode_job_result(job));
    const auto& back = std::get<job_result>(published);
    EXPECT_EQ(back.stopped_by, "canary");
    EXPECT_EQ(back.results.at(0).error->kind, error_kind::stopped);
    EXPECT_EQ(to_string(error_kind::stopped), "stopped");
    EXPECT_EQ(error_kind_from("stopped"), error_kind::stopped);
}

}  // namespace
}  // namespace fanout::protocol
