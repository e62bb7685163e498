// The audit trail through the request handler (issue 14), without ZeroMQ: each submit,
// refusal and cancel gives exactly one record in the audit file, naming who sent it; the job's
// status carries submitted_by and requested_by; requested_by does not change the job's content
// (a resubmit with another one is the same job) while a resubmit is still recorded with its
// own sender; a full disk refuses submits with busy before the scheduler sees them; the info
// log line holds every command in full, escaped; job_end_written names a job only once its
// job_end is on stable storage (crash completeness, docs/audit.md "Crash semantics").
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "daemon/api/request_handler.hpp"
#include "protocol/codec.hpp"
#include "tests/support/disk_full.hpp"
#include "tests/support/numbered_inventory.hpp"
#include "tests/support/temp_dir.hpp"

namespace fanout::daemon {
namespace {

namespace p = protocol;
using nlohmann::json;

struct null_sink : result_sink {
    void router_result_ready(const p::router_result&) override {}
    void job_ended(std::shared_ptr<const p::job_result>) override {}
};

struct audit_test : ::testing::Test {
    testing::temp_dir dir;
    std::string path = dir.file("audit.jsonl");
    audit_log file{path};
    audit_trail trail{&file};
    null_sink sink;
    scheduler tasks{scheduler_limits{}, sink, nullptr, node_identity{"node-a", "tcp://a:5555"}};
    request_handler handler{request_settings{}, tasks, test::numbered_inventory(3),
                            std::make_shared<const command_policy>(command_policy::builtin())};
    std::ostringstream log_text;
    std::shared_ptr<spdlog::logger> saved = spdlog::default_logger();

    audit_test() {
        handler.set_audit_trail(&trail);
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text);
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
        spdlog::set_level(spdlog::level::info);
    }
    ~audit_test() override { spdlog::set_default_logger(saved); }

    p::reply ask(const p::request& r, const std::string& who) {
        auto answer = handler.handle(p::encode_request(r), who);
        return std::get<p::reply>(p::decode_reply(answer.reply));
    }
    static p::submit_request submit(std::string id, std::vector<std::string> routers,
                                    std::optional<std::string> requested_by = std::nullopt,
                                    std::string command = "show version") {
        p::submit_request s;
        s.job_id = std::move(id);
        s.commands = {std::move(command)};
        s.routers = std::move(routers);
        s.requested_by = std::move(requested_by);
        return s;
    }
    std::vector<json> records() const {
        std::ifstream in(path);
        std::vector<json> out;
        for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
        return out;
    }
};

TEST_F(audit_test, an_accepted_submit_is_one_record_and_its_status_names_who) {
    auto reply = ask(submit("job-1", {"r1", "r2"}, "CHG-1"), "ops.pub");
    ASSERT_TRUE(std::holds_alternative<p::accepted_reply>(reply));
    auto all = records();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].at("event"), "submit");
    EXPECT_EQ(all[0].at("job_id"), "job-1");
    EXPECT_EQ(all[0].at("by"), "ops.pub");
    EXPECT_EQ(all[0].at("requested_by"), "CHG-1");
    EXPECT_EQ(all[0].at("routers"), 2);
    EXPECT_EQ(all[0].at("resubmit"), false);
    auto status = std::get<p::status_reply>(ask(p::status_request{"job-1"}, "other.pub"));
    EXPECT_EQ(status.submitted_by, "ops.pub");
    EXPECT_EQ(status.requested_by, "CHG-1");
    EXPECT_EQ(records().size(), 1u) << "a status request is not an audit event";
}

TEST_F(audit_test, handle_without_a_principal_is_local) {
    handler.handle(p::encode_request(submit("job-local", {"r1"})));
    auto status = std::get<p::status_reply>(ask(p::status_request{"job-local"}, "x"));
    EXPECT_EQ(status.submitted_by, "local");
    EXPECT_EQ(status.requested_by, "");
    EXPECT_FALSE(records().at(0).contains("requested_by"));
}

TEST_F(audit_test, every_refusal_is_one_record_with_its_code_and_sender) {
    ask(submit("bad-1", {"r1"}, std::nullopt, "request system reboot"), "a.pub");
    ask(submit("bad-2", {"r1", "nowhere"}), "b.pub");
    ask(submit("dup", {"r1"}), "c.pub");
    ask(submit("dup", {"r2"}), "c.pub");  // same id, other content
    handler.handle("\xc1 not msgpack", "d.pub");
    auto all = records();
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all[0].at("code"), "forbidden_command");
    EXPECT_EQ(all[0].at("by"), "a.pub");
    EXPECT_EQ(all[0].at("request"), "submit");
    EXPECT_EQ(all[1].at("code"), "unknown_routers");
    EXPECT_EQ(all[1].at("by"), "b.pub");
    EXPECT_EQ(all[2].at("event"), "submit");
    EXPECT_EQ(all[3].at("event"), "refusal");
    EXPECT_EQ(all[3].at("code"), "duplicate_job");
    EXPECT_EQ(all[4].at("code"), "bad_request");
    EXPECT_EQ(all[4].at("by"), "d.pub");
    EXPECT_FALSE(all[4].contains("request"));
    const auto log = log_text.str();
    EXPECT_NE(log.find("audit: refused a submit from a.pub: forbidden_command"), std::string::npos)
        << log;
    EXPECT_NE(log.find("audit: refused a submit from b.pub: unknown_routers"), std::string::npos);
}

TEST_F(audit_test, requested_by_is_not_content_but_a_resubmit_is_recorded_with_its_sender) {
    ask(submit("job-r", {"r1"}, "CHG-1"), "ops.pub");
    auto again = ask(submit("job-r", {"r1"}, "CHG-2"), "other.pub");
    ASSERT_TRUE(std::holds_alternative<p::accepted_reply>(again)) << "requested_by changed the job";
    EXPECT_FALSE(std::get<p::accepted_reply>(again).first_accepted_at.empty());
    auto all = records();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1].at("resubmit"), true);
    EXPECT_EQ(all[1].at("by"), "other.pub");
    EXPECT_EQ(all[1].at("requested_by"), "CHG-2");
    auto status = std::get<p::status_reply>(ask(p::status_request{"job-r"}, "x"));
    EXPECT_EQ(status.submitted_by, "ops.pub") << "a resubmit took over the job";
    EXPECT_EQ(status.requested_by, "CHG-1");
}

TEST_F(audit_test, a_cancel_is_one_record_found_or_not) {
    ask(submit("job-c", {"r1", "r2"}, "CHG-3"), "ops.pub");
    ask(p::cancel_request{"job-c"}, "other.pub");
    ask(p::cancel_request{"nope"}, "other.pub");
    auto all = records();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[1].at("event"), "cancel");
    EXPECT_EQ(all[1].at("by"), "other.pub");
    EXPECT_EQ(all[1].at("found"), true);
    EXPECT_EQ(all[1].at("state"), "cancelled");
    EXPECT_EQ(all[1].at("submitted_by"), "ops.pub");
    EXPECT_EQ(all[2].at("found"), false);
}

TEST_F(audit_test, the_info_line_holds_every_command_in_full_escaped) {
    // Accepted commands are printable ASCII (the policy refuses control characters): quotes
    // and backslashes are what the JSON quoting must keep unambiguous.
    p::submit_request s = submit("job-l", {"r1"}, "CHG \"7\"");
    s.commands = {"show version", "show log messages | match \"a\\b\""};
    s.single_command = false;
    ASSERT_TRUE(std::holds_alternative<p::accepted_reply>(ask(s, "ops.pub")));
    // A refused one with a newline: its line stays one line.
    ask(submit("job-n", {"r1"}, std::nullopt, "show version\n2026 info audit: forged"), "x.pub");
    const auto log = log_text.str();
    EXPECT_NE(log.find("audit: job job-l accepted by ops.pub (requested_by \"CHG \\\"7\\\"\"): 1 "
                       "routers, commands [\"show version\",\"show log messages | match "
                       "\\\"a\\\\b\\\"\"]"),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find("\n2026 info audit: forged"), std::string::npos) << "a forged log line";
    EXPECT_EQ(records().at(0).at("commands"), json(s.commands));
}

TEST_F(audit_test, while_the_file_cannot_be_written_submits_are_refused_before_the_scheduler) {
    fanout::testing::disk_full full(std::filesystem::file_size(path));
    auto first = ask(submit("job-f", {"r1"}), "ops.pub");  // accepted; its record is held
    auto second = ask(submit("job-g", {"r1"}), "ops.pub");
    full.lift();
    EXPECT_TRUE(std::holds_alternative<p::accepted_reply>(first));
    ASSERT_TRUE(std::holds_alternative<p::error_reply>(second));
    EXPECT_EQ(std::get<p::error_reply>(second).code, p::error_code::busy);
    EXPECT_NE(std::get<p::error_reply>(second).message.find("--audit-log"), std::string::npos);
    EXPECT_TRUE(std::holds_alternative<p::error_reply>(ask(p::status_request{"job-g"}, "x")))
        << "the refused job reached the scheduler";
    EXPECT_TRUE(std::holds_alternative<p::accepted_reply>(ask(submit("job-h", {"r1"}), "ops.pub")));
    auto all = records();
    ASSERT_EQ(all.size(), 3u);  // job-f's submit, job-g's refusal (held), job-h's submit
    EXPECT_EQ(all[0].at("job_id"), "job-f");
    EXPECT_EQ(all[1].at("code"), "busy");
    EXPECT_EQ(all[2].at("job_id"), "job-h");
}

TEST_F(audit_test, job_end_written_names_a_job_once_its_record_is_on_stable_storage) {
    std::vector<std::string> written;
    audit_trail reporting(&file, [&](const std::string& id) { written.push_back(id); });
    p::job_result job;
    job.job_id = "job-a";
    job.state = p::job_state::done;
    EXPECT_TRUE(reporting.ended(job));
    EXPECT_EQ(written, std::vector<std::string>{"job-a"});
    fanout::testing::disk_full full(std::filesystem::file_size(path));
    job.job_id = "job-b";
    EXPECT_FALSE(reporting.ended(job));
    job.job_id = "job-c";
    EXPECT_FALSE(reporting.ended(job, /*recovered=*/true));
    EXPECT_FALSE(reporting.ready());
    full.lift();
    EXPECT_EQ(written.size(), 1u) << "a job_end held in memory was reported written";
    EXPECT_TRUE(reporting.ready());  // writes the held records
    EXPECT_EQ(written, (std::vector<std::string>{"job-a", "job-b", "job-c"}));
    EXPECT_TRUE(reporting.ready());
    EXPECT_EQ(written.size(), 3u) << "a job reported twice";
    auto all = records();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_FALSE(all[1].contains("recovered"));
    EXPECT_EQ(all[2].at("recovered"), true);
}

}  // namespace
}  // namespace fanout::daemon
