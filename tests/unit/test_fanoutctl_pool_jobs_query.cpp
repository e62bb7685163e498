// ask_pool_jobs (session 9): when the listing stops. A scripted stand-in for fanout-proxy (a
// ROUTER on loopback) answers the ping with a given node and each `jobs` with the next node of
// a script, so the round robin, and other clients taking turns of it, are exact: the real
// proxy's behaviour with concurrent clients cannot be reproduced on demand.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "protocol/codec.hpp"
#include "tools/fanoutctl/job_query.hpp"
#include "tools/fanoutctl/pool_jobs.hpp"

namespace {

using namespace fanout;
using namespace fanout::ctl;
using namespace std::chrono_literals;

class scripted_pool {
  public:
    // `pinged`: the pong's node; `script`: the node of each jobs reply in turn (then repeats
    // the last). With `direct`, the pong names the endpoint as its own control_endpoint.
    scripted_pool(std::string pinged, std::vector<std::string> script, bool direct = false)
        : pinged_(std::move(pinged)), script_(std::move(script)), direct_(direct) {
        router_.bind("tcp://127.0.0.1:*");
        endpoint_ = router_.get(zmq::sockopt::last_endpoint);
        thread_ = std::thread([this] { serve(); });
    }
    ~scripted_pool() {
        stop_ = true;
        thread_.join();
    }
    const std::string& endpoint() const { return endpoint_; }
    int jobs_asked() const { return jobs_asked_; }

  private:
    void serve() {
        while (!stop_) {
            zmq::pollitem_t item{router_.handle(), 0, ZMQ_POLLIN, 0};
            zmq::poll(&item, 1, 20ms);
            if (!(item.revents & ZMQ_POLLIN)) continue;
            std::vector<zmq::message_t> parts;
            (void)zmq::recv_multipart(router_, std::back_inserter(parts));
            auto decoded = protocol::decode_request(parts.back().to_string_view());
            const auto& request = std::get<protocol::request>(decoded);
            protocol::reply reply;
            if (std::holds_alternative<protocol::ping_request>(request)) {
                protocol::pong_reply pong;
                pong.node = pinged_;
                pong.control_endpoint = direct_ ? endpoint_ : "tcp://elsewhere:1";
                reply = pong;
            } else {
                const auto i = std::min<std::size_t>(jobs_asked_++, script_.size() - 1);
                protocol::jobs_reply list;
                list.node = script_[i];
                list.matched = 1;
                protocol::job_entry e;
                e.job_id = "job-" + std::to_string(i);
                e.submitted_at = "2026-12-06T12:00:0" + std::to_string(i % 10) + ".000Z";
                list.jobs = {e};
                reply = list;
            }
            parts.back() = zmq::message_t(protocol::encode_reply(reply));
            zmq::send_multipart(router_, parts);
        }
    }

    zmq::context_t context_{1};
    zmq::socket_t router_{context_, zmq::socket_type::router};
    std::string endpoint_, pinged_;
    std::vector<std::string> script_;
    bool direct_;
    std::atomic<int> jobs_asked_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

pool_answers ask(scripted_pool& pool) {
    job_client client(pool.endpoint(), 10s);
    auto asked = ask_pool_jobs(client, protocol::jobs_request{});
    if (!std::holds_alternative<pool_answers>(asked)) throw std::runtime_error("not a pool");
    return std::get<pool_answers>(asked);
}

std::vector<std::string> nodes_of(const pool_answers& answers) {
    std::vector<std::string> out;
    for (const auto& r : answers.replies) out.push_back(r.node);
    return out;
}

TEST(FanoutctlPoolJobsQuery, StopsWhenTheRoundRobinComesRound) {
    scripted_pool pool("c", {"a", "b", "c", "a"});
    const auto answers = ask(pool);
    EXPECT_EQ(nodes_of(answers), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(answers.incomplete.empty()) << answers.incomplete;
    EXPECT_EQ(pool.jobs_asked(), 4);
}

TEST(FanoutctlPoolJobsQuery, AnotherNodeRepeatingFirstMeansTurnsWereTakenSoAskingGoesOn) {
    // After a, b: others took c's and a's turns, so b comes again; then c, then a.
    scripted_pool pool("c", {"a", "b", "b", "c", "a"});
    const auto answers = ask(pool);
    EXPECT_EQ(nodes_of(answers), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(answers.incomplete.empty());
    EXPECT_EQ(pool.jobs_asked(), 5);
}

TEST(FanoutctlPoolJobsQuery, ThePingedDaemonIsWaitedFor) {
    // b's turn was taken between a and c; a comes back, but b answered the ping.
    scripted_pool pool("b", {"a", "c", "a", "b", "c", "a"});
    const auto answers = ask(pool);
    EXPECT_EQ(nodes_of(answers), (std::vector<std::string>{"a", "c", "b"}));
    EXPECT_TRUE(answers.incomplete.empty());
    EXPECT_EQ(pool.jobs_asked(), 6);
}

TEST(FanoutctlPoolJobsQuery, GivesUpAfterOnePlusPoolProbesRequestsAndSaysSo) {
    std::vector<std::string> many;
    for (unsigned i = 0; i < 2 * pool_probes; ++i) many.push_back("n" + std::to_string(i));
    scripted_pool pool("n0", many);
    const auto answers = ask(pool);
    EXPECT_EQ(answers.replies.size(), pool_probes + 1);
    EXPECT_NE(answers.incomplete.find("did not answer again in 17 requests"), std::string::npos)
        << answers.incomplete;
    EXPECT_EQ(pool.jobs_asked(), static_cast<int>(pool_probes + 1));
}

// A daemon (wildcard bind, or reached as localhost) whose pong does not name the endpoint
// asked: the only node comes back, and its answer is the plain, direct one.
TEST(FanoutctlPoolJobsQuery, OneDaemonNotRecognisedAsDirectGetsItsPlainAnswer) {
    scripted_pool pool("a", {"a", "a"});
    job_client client(pool.endpoint(), 10s);
    auto asked = ask_pool_jobs(client, protocol::jobs_request{});
    ASSERT_TRUE(std::holds_alternative<request_outcome>(asked));
    const auto& reply = std::get<protocol::reply>(std::get<request_outcome>(asked));
    EXPECT_EQ(std::get<protocol::jobs_reply>(reply).jobs.size(), 1u);
    EXPECT_EQ(pool.jobs_asked(), 2);
}

TEST(FanoutctlPoolJobsQuery, AFirstReplyWithoutNodeIsThePlainAnswer) {
    scripted_pool pool("", {"", "a"});
    job_client client(pool.endpoint(), 10s);
    auto asked = ask_pool_jobs(client, protocol::jobs_request{});
    ASSERT_TRUE(std::holds_alternative<request_outcome>(asked));
    EXPECT_EQ(pool.jobs_asked(), 1);
}

TEST(FanoutctlPoolJobsQuery, AReplyWithoutNodeEndsTheListing) {
    scripted_pool pool("", {"a", "", "b"});
    const auto answers = ask(pool);
    EXPECT_EQ(nodes_of(answers), (std::vector<std::string>{"a", ""}));
    EXPECT_NE(answers.incomplete.find("without its node"), std::string::npos);
}

TEST(FanoutctlPoolJobsQuery, ADirectDaemonGetsOneRequest) {
    scripted_pool pool("a", {"a", "a"}, /*direct=*/true);
    job_client client(pool.endpoint(), 10s);
    auto asked = ask_pool_jobs(client, protocol::jobs_request{});
    ASSERT_TRUE(std::holds_alternative<request_outcome>(asked));
    EXPECT_EQ(pool.jobs_asked(), 1);
}

}  // namespace
