// Hostile and broken requests get a clear error reply (or are dropped with a log line when no
// reply can be routed), and the daemon keeps serving everyone else.
#include <gtest/gtest.h>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::error_code;
using fanout::protocol::job_result;

namespace {

class daemon_bad_input : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        setup_ = std::make_unique<fleet_and_daemon>(
            3, args{}, args{"--max-routers-per-job", "3", "--max-pending-tasks", "10"});
    }
    static void TearDownTestSuite() { setup_.reset(); }

    // Sends raw frames and returns the decoded error reply.
    static fanout::protocol::error_reply error_for(const std::vector<std::string>& frames) {
        client c(setup_->daemon.jobs());
        c.send_frames(frames);
        auto body = c.receive(10s);
        if (!body) throw std::runtime_error("no reply");
        return expect_error(std::get<0>(fanout::protocol::decode_reply(*body)));
    }
    static fanout::protocol::error_reply error_for(const std::string& body) {
        return error_for(std::vector<std::string>{body});
    }

    void TearDown() override {
        // Whatever the test sent, the daemon still runs real jobs.
        client c(setup_->daemon.jobs());
        auto r = expect_reply<job_result>(c.request(submit_of("", "show version", {"r1"})));
        EXPECT_EQ(r.summary.successful, 1u);
    }

    static inline std::unique_ptr<fleet_and_daemon> setup_;
};

std::string bytes(std::initializer_list<unsigned char> b) {
    return std::string(b.begin(), b.end());
}

}  // namespace

TEST_F(daemon_bad_input, garbage_and_truncated_msgpack) {
    EXPECT_EQ(error_for("hello, fanoutd").code, error_code::bad_request);
    EXPECT_EQ(error_for(bytes({0xc1})).code, error_code::bad_request);
    EXPECT_EQ(error_for(bytes({0x82, 0xa4, 't', 'y'})).code, error_code::bad_request);
    EXPECT_EQ(error_for(std::string()).code, error_code::bad_request);
}

TEST_F(daemon_bad_input, not_a_map_or_no_known_type) {
    EXPECT_EQ(error_for(bytes({0x92, 0x01, 0x02})).code, error_code::bad_request);  // [1, 2]
    EXPECT_EQ(error_for(bytes({0x80})).code, error_code::bad_request);              // {}
    auto unknown = error_for(bytes({0x81, 0xa4, 't', 'y', 'p', 'e', 0xa3, 'f', 'o', 'o'}));
    EXPECT_EQ(unknown.code, error_code::bad_request);
    EXPECT_NE(unknown.message.find("type"), std::string::npos) << unknown.message;
}

TEST_F(daemon_bad_input, huge_length_headers_are_refused_without_allocating) {
    // An array header claiming 4 billion elements, and a string header claiming 4 GiB.
    for (auto header :
         {bytes({0xdd, 0xff, 0xff, 0xff, 0xff}), bytes({0xdb, 0xff, 0xff, 0xff, 0xff})}) {
        auto code = error_for(header).code;
        EXPECT_TRUE(code == error_code::bad_request || code == error_code::too_large);
    }
}

TEST_F(daemon_bad_input, wrong_field_types_name_the_field) {
    // {type: "submit", command: "x", routers: "r1"}: routers must be a list.
    auto e = error_for(bytes({0x83, 0xa4, 't', 'y', 'p', 'e', 0xa6, 's',  'u', 'b',  'm', 'i',
                              't',  0xa7, 'c', 'o', 'm', 'm', 'a',  'n',  'd', 0xa1, 'x', 0xa7,
                              'r',  'o',  'u', 't', 'e', 'r', 's',  0xa2, 'r', '1'}));
    EXPECT_EQ(e.code, error_code::bad_request);
    EXPECT_NE(e.message.find("routers"), std::string::npos) << e.message;
}

TEST_F(daemon_bad_input, unknown_routers_reject_the_whole_job_and_are_listed) {
    client c(setup_->daemon.jobs());
    auto e = expect_error(c.request(submit_of("ghosts", "show version", {"r1", "ghost", "r9"})));
    EXPECT_EQ(e.code, error_code::unknown_routers);
    EXPECT_EQ(e.routers, (std::vector<std::string>{"ghost", "r9"}));
    EXPECT_EQ(expect_error(c.request(fanout::protocol::status_request{"ghosts"})).code,
              error_code::not_found)
        << "nothing of a rejected job runs";
}

TEST_F(daemon_bad_input, too_many_routers_or_an_oversized_frame_is_too_large) {
    client c(setup_->daemon.jobs());
    auto e = expect_error(c.request(submit_of("many", "show version", router_names(1, 4))));
    EXPECT_EQ(e.code, error_code::too_large);
    // Over the 4 MiB request limit but under ZeroMQ's hard cap: a too_large reply.
    EXPECT_EQ(error_for(std::string(5 * 1024 * 1024, 'x')).code, error_code::too_large);
}

TEST_F(daemon_bad_input, too_many_frames) {
    std::vector<std::string> frames(40, "x");
    auto e = error_for(frames);
    EXPECT_EQ(e.code, error_code::bad_request);
    EXPECT_NE(e.message.find("frames"), std::string::npos);
}

// A known job_id with other content is duplicate_job; with the same content the submit is
// answered as the first (idempotent; test_daemon_idempotent.cpp has the details).
TEST_F(daemon_bad_input, duplicate_job_id) {
    client c(setup_->daemon.jobs());
    auto first = expect_reply<job_result>(c.request(submit_of("once", "show version", {"r2"})));
    EXPECT_EQ(expect_reply<job_result>(c.request(submit_of("once", "show version", {"r2"})))
                  .results.at(0)
                  .seq,
              first.results.at(0).seq);
    EXPECT_EQ(expect_error(c.request(submit_of("once", "show version", {"r3"}))).code,
              error_code::duplicate_job);
}

TEST_F(daemon_bad_input, a_frame_beyond_the_hard_cap_costs_only_that_client) {
    client rude(setup_->daemon.jobs());
    rude.send_frames({std::string(17 * 1024 * 1024, 'x')});  // ZeroMQ drops this peer
    client polite(setup_->daemon.jobs());
    expect_reply<fanout::protocol::pong_reply>(polite.request(fanout::protocol::ping_request{}));
}

TEST_F(daemon_bad_input, command_length_is_enforced_at_its_boundary) {
    client c(setup_->daemon.jobs());
    auto at_limit =
        c.request(submit_of("cmd-4096", std::string(4096, 'c'), {"r3"}, /*wait=*/false));
    EXPECT_EQ(expect_reply<fanout::protocol::accepted_reply>(at_limit).job_id, "cmd-4096");
    auto e = expect_error(c.request(submit_of("cmd-4097", std::string(4097, 'c'), {"r3"})));
    EXPECT_EQ(e.code, error_code::too_large);
    EXPECT_NE(e.message.find("max_command_bytes"), std::string::npos) << e.message;
}

TEST_F(daemon_bad_input, job_ids_outside_the_topic_safe_charset_are_refused) {
    // job_id goes into PUB topics (`result.<job_id>.<router>`): no spaces, wildcards,
    // separators, control bytes, non-ASCII, or more than 64 characters.
    const std::vector<std::string> hostile{"a b",
                                           "job/1",
                                           "job*",
                                           "job\n1",
                                           "job\t1",
                                           "j\xc3\xb6",
                                           std::string("j\0b", 3),
                                           std::string(65, 'j'),
                                           "job#1",
                                           "job>1"};
    client c(setup_->daemon.jobs());
    for (const auto& id : hostile) {
        auto e = expect_error(c.request(submit_of(id, "show version", {"r1"})));
        EXPECT_EQ(e.code, error_code::bad_request) << id;
        EXPECT_NE(e.message.find("job_id"), std::string::npos) << e.message;
        EXPECT_FALSE(e.job_id) << "an invalid id is never echoed back";
        for (fanout::protocol::request query :
             {fanout::protocol::request(fanout::protocol::status_request{id}),
              fanout::protocol::request(fanout::protocol::replay_request{0, std::nullopt, id})}) {
            EXPECT_EQ(expect_error(c.request(query)).code, error_code::bad_request) << id;
        }
    }
    EXPECT_EQ(expect_error(c.request(fanout::protocol::status_request{""})).code,
              error_code::bad_request);  // (submit_of leaves an empty id out of a submit)
    auto longest = std::string(64, 'j');
    expect_reply<job_result>(c.request(submit_of(longest, "show version", {"r1"})));
}
