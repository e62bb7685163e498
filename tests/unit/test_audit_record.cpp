// The audit records (issue 14): one JSON object each, on one line whatever the commands hold
// (newlines, control characters, quotes, invalid UTF-8), with the fields docs/audit.md lists;
// optional fields are left out when unset.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon/audit/audit_record.hpp"

namespace fanout::daemon {
namespace {

namespace p = protocol;
using nlohmann::json;

json parsed(const std::string& text) {
    EXPECT_EQ(text.find('\n'), std::string::npos) << "a record spans lines: " << text;
    EXPECT_EQ(text.find('\r'), std::string::npos) << text;
    return json::parse(text);
}

TEST(audit_record, a_submit_keeps_every_command_in_full_on_one_line) {
    const std::vector<std::string> commands{
        "show version", "show \"x\"\n2026-12-06T10:00:00.000 info audit: forged", "a\tb\x01\x7f"};
    auto r = parsed(submit_record({"ops.pub", "CHG-42"}, "job-1", commands, 3, false,
                                  std::chrono::system_clock::time_point{}));
    EXPECT_EQ(r.at("event"), "submit");
    EXPECT_EQ(r.at("time"), "1970-01-01T00:00:00.000Z");  // the time given: when it arrived
    EXPECT_EQ(r.at("job_id"), "job-1");
    EXPECT_EQ(r.at("by"), "ops.pub");
    EXPECT_EQ(r.at("requested_by"), "CHG-42");
    EXPECT_EQ(r.at("commands"), json(commands));
    EXPECT_EQ(r.at("routers"), 3);
    EXPECT_EQ(r.at("resubmit"), false);
}

TEST(audit_record, unset_optional_fields_are_left_out) {
    auto r = parsed(submit_record({"local", std::nullopt}, "job-2", {"show version"}, 1, true,
                                  std::chrono::system_clock::now()));
    EXPECT_FALSE(r.contains("requested_by"));
    EXPECT_EQ(r.at("resubmit"), true);
    auto refusal =
        parsed(refusal_record({"local", std::nullopt}, "",
                              p::error_reply{p::error_code::bad_request, "type: bad", {}, {}}));
    EXPECT_FALSE(refusal.contains("job_id"));
    EXPECT_FALSE(refusal.contains("request"));
    EXPECT_FALSE(refusal.contains("requested_by"));
}

TEST(audit_record, a_refusal_names_its_code_message_and_sender) {
    p::error_reply error{
        p::error_code::forbidden_command, "command \"reboot\" is forbidden\n", "job-3", {}};
    auto r = parsed(refusal_record({"Z85KEY", "CHG-1"}, "submit", error));
    EXPECT_EQ(r.at("event"), "refusal");
    EXPECT_EQ(r.at("request"), "submit");
    EXPECT_EQ(r.at("code"), "forbidden_command");
    EXPECT_EQ(r.at("message"), error.message);
    EXPECT_EQ(r.at("job_id"), "job-3");
    EXPECT_EQ(r.at("by"), "Z85KEY");
    EXPECT_EQ(r.at("requested_by"), "CHG-1");
}

TEST(audit_record, invalid_utf8_is_replaced_not_thrown) {
    p::error_reply error{p::error_code::bad_request, std::string("bad \xff\xfe bytes"), {}, {}};
    auto r = parsed(refusal_record({"local", std::nullopt}, "", error));
    EXPECT_NE(r.at("message").get<std::string>().find("\xef\xbf\xbd"), std::string::npos);
}

TEST(audit_record, a_cancel_says_whether_the_job_was_found_and_whose_it_is) {
    p::status_reply job{"job-4", p::job_state::cancelled, 4, 4, 1, 0, "", "", "ops.pub", "CHG-9"};
    auto r = parsed(cancel_record({"other.pub", std::nullopt}, "job-4", job));
    EXPECT_EQ(r.at("event"), "cancel");
    EXPECT_EQ(r.at("by"), "other.pub");
    EXPECT_EQ(r.at("found"), true);
    EXPECT_EQ(r.at("state"), "cancelled");
    EXPECT_EQ(r.at("submitted_by"), "ops.pub");
    EXPECT_EQ(r.at("job_requested_by"), "CHG-9");
    auto missing = parsed(cancel_record({"local", std::nullopt}, "nope", std::nullopt));
    EXPECT_EQ(missing.at("found"), false);
    EXPECT_FALSE(missing.contains("state"));
}

TEST(audit_record, a_job_end_carries_counts_and_principals_never_outputs) {
    p::job_result job;
    job.job_id = "job-5";
    job.state = p::job_state::done;
    job.submitted_by = "ops.pub";
    job.requested_by = "CHG-5";
    job.summary = {{"show version"}, true, 2, 2, 1, 1, 0, 1.5};
    p::router_result r;
    r.output = "OUTPUT-MUST-NOT-APPEAR";
    job.results = {r, r};
    const auto text = job_end_record(job);
    EXPECT_EQ(text.find("OUTPUT-MUST-NOT-APPEAR"), std::string::npos);
    auto j = parsed(text);
    EXPECT_EQ(j.at("event"), "job_end");
    EXPECT_EQ(j.at("state"), "done");
    EXPECT_EQ(j.at("submitted_by"), "ops.pub");
    EXPECT_EQ(j.at("requested_by"), "CHG-5");
    EXPECT_EQ(j.at("routers"), 2);
    EXPECT_EQ(j.at("successful"), 1);
    EXPECT_EQ(j.at("failed"), 1);
    EXPECT_DOUBLE_EQ(j.at("duration").get<double>(), 1.5);
    EXPECT_FALSE(j.contains("stopped_by")) << "only a job stopped by its rule says so";
}

TEST(audit_record, a_job_stopped_by_its_rule_says_which) {
    p::job_result job;
    job.job_id = "job-6";
    job.state = p::job_state::cancelled;
    job.stopped_by = "max_fail_percent";
    auto j = parsed(job_end_record(job));
    EXPECT_EQ(j.at("state"), "cancelled");
    EXPECT_EQ(j.at("stopped_by"), "max_fail_percent");
}

}  // namespace
}  // namespace fanout::daemon
