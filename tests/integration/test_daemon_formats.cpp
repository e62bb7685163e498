// Structured output over SSH exec (issue 11): `format: json` gives every router's `data`,
// `format: xml` checked text, output that does not parse a failed result of kind `parse`;
// fanoutctl --format json --select prints one value per router. Against fleetsim, whose exec
// path answers Junos's `| display json` and `| display xml`.
#include <gtest/gtest.h>

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::error_kind;
using fanout::protocol::job_result;
using fanout::protocol::output_format;
using fanout::protocol::router_status;

namespace {

constexpr int routers = 6;

struct formats_setup {
    fleet_and_daemon fleet{routers, args{}};
};
formats_setup* setup = nullptr;

class daemon_formats : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { setup = new formats_setup; }
    static void TearDownTestSuite() {
        delete setup;
        setup = nullptr;
    }
};

job_result run(const std::string& command, output_format format) {
    client jobs(setup->fleet.daemon.jobs());
    auto submit = submit_of("", command, router_names(1, routers));
    submit.format = format;
    return expect_reply<job_result>(jobs.request(submit, 60s));
}

nlohmann::json document_of(const std::string& msgpack_bytes) {
    return nlohmann::json::from_msgpack(msgpack_bytes);
}

}  // namespace

TEST_F(daemon_formats, json_gives_every_router_its_parsed_document) {
    auto job = run("show version", output_format::json);
    ASSERT_EQ(job.summary.successful, static_cast<std::uint64_t>(routers));
    for (const auto& r : job.results) {
        ASSERT_TRUE(r.data) << r.router_name;
        auto document = document_of(*r.data);
        EXPECT_EQ(document["software-information"][0]["host-name"][0]["data"], r.router_name);
        EXPECT_FALSE(r.output.empty()) << "the text stays beside the data";
        EXPECT_EQ(r.command, "show version") << "the command as the client wrote it";
    }
}

TEST_F(daemon_formats, xml_is_checked_text_without_data) {
    auto job = run("show system uptime", output_format::xml);
    ASSERT_EQ(job.summary.successful, static_cast<std::uint64_t>(routers));
    for (const auto& r : job.results) {
        EXPECT_FALSE(r.data);
        EXPECT_NE(r.output.find("<system-uptime-information"), std::string::npos) << r.output;
    }
}

TEST_F(daemon_formats, text_stays_as_it_was) {
    auto job = run("show version", output_format::text);
    ASSERT_EQ(job.summary.successful, static_cast<std::uint64_t>(routers));
    for (const auto& r : job.results) {
        EXPECT_FALSE(r.data);
        EXPECT_NE(r.output.find("Junos:"), std::string::npos) << r.output;
    }
}

TEST_F(daemon_formats, a_command_that_fails_keeps_its_own_error) {
    auto job = run("show no-such-thing", output_format::json);
    for (const auto& r : job.results) {
        EXPECT_EQ(r.status, router_status::failed);
        ASSERT_TRUE(r.error);
        EXPECT_EQ(r.error->kind, error_kind::exit_status) << r.error->message;
    }
}

TEST_F(daemon_formats, format_is_part_of_the_job_content_for_idempotent_resubmits) {
    client jobs(setup->fleet.daemon.jobs());
    auto submit = submit_of("fmt-same-id", "show version", {"r1"});
    expect_reply<job_result>(jobs.request(submit, 60s));
    submit.format = output_format::json;
    auto error = expect_error(jobs.request(submit, 60s));
    EXPECT_EQ(error.code, fanout::protocol::error_code::duplicate_job) << error.message;
}

TEST_F(daemon_formats, fanoutctl_select_prints_one_value_per_router) {
    child_process ctl({FANOUTCTL_BIN, "--jobs", setup->fleet.daemon.jobs(), "--results",
                       setup->fleet.daemon.results(), "run", "-r", "r[1-6]", "--format", "json",
                       "--select", "software-information.0.host-name.0.data", "--no-progress",
                       "show", "version"});
    ctl.drain(60s);
    EXPECT_EQ(ctl.wait(60s).value_or(-1), 0);
    std::set<std::string> lines;
    for (const auto& line : ctl.lines())
        if (line.rfind("r", 0) == 0 && line.find(": ") != std::string::npos) lines.insert(line);
    for (int i = 1; i <= routers; ++i) {
        const std::string name = "r" + std::to_string(i);
        EXPECT_EQ(lines.count(name + ": " + name), 1u) << name;
    }
}

// Output that is not the document asked for (fleetsim's huge_output fault answers filler text
// whatever the command), and a document cut by --max-output-bytes: failed, kind parse.
TEST(daemon_formats_faults, output_that_does_not_parse_or_was_cut_fails_with_kind_parse) {
    fleet_and_daemon setup(
        3, args{"--fault", "r1=huge_output", "--fault", "r2=huge_output", "--huge-bytes", "20000"},
        args{"--max-output-bytes", "10000"});
    client jobs(setup.daemon.jobs());
    auto submit = submit_of("", "show version", router_names(1, 3));
    submit.format = output_format::json;
    auto job = expect_reply<job_result>(jobs.request(submit, 60s));
    for (const auto& r : job.results) {
        if (r.router_name == "r3") {
            EXPECT_EQ(r.status, router_status::success);
            EXPECT_TRUE(r.data);
            continue;
        }
        EXPECT_EQ(r.status, router_status::failed) << r.router_name;
        ASSERT_TRUE(r.error) << r.router_name;
        EXPECT_EQ(r.error->kind, error_kind::parse);
        EXPECT_TRUE(r.truncated);
        EXPECT_NE(r.error->message.find("--max-output-bytes"), std::string::npos)
            << r.error->message;
        EXPECT_FALSE(r.data);
    }
    // Under the cap, the filler text is whole but not JSON: the byte offset is named.
    submit.job_id = "not-json";
    submit.routers = {"r1"};
    client again(setup.daemon.jobs());
    fleet_and_daemon small(1, args{"--fault", "r1=huge_output", "--huge-bytes", "500"});
    client small_jobs(small.daemon.jobs());
    auto one = expect_reply<job_result>(small_jobs.request(submit, 60s));
    ASSERT_TRUE(one.results.at(0).error);
    EXPECT_EQ(one.results.at(0).error->kind, error_kind::parse);
    const std::string& message = one.results.at(0).error->message;
    EXPECT_EQ(message.rfind("the output is not JSON at byte 0: ", 0), 0u) << message;
    EXPECT_EQ(message.find("at byte", message.find("at byte") + 1), std::string::npos)
        << "the offset is named once: " << message;
}
