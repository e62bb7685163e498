// The ZAP handler on its own: RFC 27 requests sent over inproc, as libzmq sends them, get the
// right status; refusals are logged with the client's public key, once a minute per key.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <map>
#include <sstream>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "curve/curve_keys.hpp"
#include "curve/zap_handler.hpp"

namespace curve = fanout::curve;
using fanout::daemon::zap_handler;

namespace {

std::string binary_key(const std::string& z85) {
    std::string binary(curve::binary_key_length, '\0');
    zmq_z85_decode(reinterpret_cast<std::uint8_t*>(binary.data()), z85.c_str());
    return binary;
}

class zap_handler_test : public ::testing::Test {
  protected:
    zap_handler_test() {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
        previous_ = spdlog::default_logger();
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("zap-test", sink));
        spdlog::set_level(spdlog::level::debug);
    }
    ~zap_handler_test() override { spdlog::set_default_logger(previous_); }

    // Sends one request; returns the reply frames.
    std::vector<std::string> ask(zmq::socket_t& req, std::vector<std::string> request) {
        for (std::size_t i = 0; i < request.size(); ++i)
            req.send(zmq::buffer(request[i]),
                     i + 1 < request.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
        zmq::pollitem_t item{req.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, std::chrono::seconds(10)) == 0)
            throw std::runtime_error("no ZAP reply");
        std::vector<zmq::message_t> frames;
        (void)zmq::recv_multipart(req, std::back_inserter(frames));
        std::vector<std::string> reply;
        for (const auto& f : frames) reply.push_back(f.to_string());
        return reply;
    }
    static std::vector<std::string> curve_request(const std::string& id, const std::string& key) {
        return {"1.0", id, "fanoutd", "192.0.2.7", "", "CURVE", binary_key(key)};
    }
    std::size_t count(const std::string& needle) {
        auto text = log_.str();
        std::size_t n = 0;
        for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
            ++n;
        return n;
    }

    std::ostringstream log_;
    std::shared_ptr<spdlog::logger> previous_;
    zmq::context_t context_;
};

TEST_F(zap_handler_test, listed_keys_get_200_others_400_and_malformed_requests_500) {
    auto listed = curve::generate_key_pair(), stranger = curve::generate_key_pair();
    zap_handler handler(context_, std::set<std::string>{listed.public_key});
    zmq::socket_t req(context_, zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);
    req.connect("inproc://zeromq.zap.01");

    auto ok = ask(req, curve_request("1", listed.public_key));
    ASSERT_EQ(ok.size(), 6u);
    EXPECT_EQ(ok[0], "1.0");
    EXPECT_EQ(ok[1], "1");
    EXPECT_EQ(ok[2], "200");
    EXPECT_EQ(ok[4], listed.public_key);  // user id

    auto refused = ask(req, curve_request("2", stranger.public_key));
    EXPECT_EQ(refused[1], "2");
    EXPECT_EQ(refused[2], "400");
    EXPECT_EQ(refused[4], "");
    EXPECT_EQ(ask(req, {"1.0", "3", "fanoutd", "192.0.2.7", "", "PLAIN", "user",
                        "plain-password-4d2e"})[2],
              "400");
    EXPECT_EQ(ask(req, {"1.0", "4", "fanoutd", "192.0.2.7", "", "NULL"})[2], "400");
    EXPECT_EQ(ask(req, {"2.0", "5", "fanoutd", "192.0.2.7", "", "CURVE",
                        binary_key(listed.public_key)})[2],
              "500");
    EXPECT_EQ(ask(req, {"1.0", "6", "fanoutd", "192.0.2.7", "", "CURVE", "short"})[2], "500");

    handler.stop();
    EXPECT_EQ(count("refused CURVE client " + stranger.public_key + " from 192.0.2.7"), 1u)
        << log_.str();
    EXPECT_EQ(count("accepted CURVE client " + listed.public_key), 1u) << log_.str();
    EXPECT_EQ(log_.str().find(listed.secret_key), std::string::npos);
    EXPECT_EQ(log_.str().find("plain-password-4d2e"), std::string::npos)
        << "a PLAIN password was logged";
}

TEST_F(zap_handler_test, a_key_refused_again_within_a_minute_is_counted_not_logged) {
    auto stranger = curve::generate_key_pair(), other = curve::generate_key_pair();
    zap_handler handler(context_, std::set<std::string>{curve::generate_key_pair().public_key});
    zmq::socket_t req(context_, zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);
    req.connect("inproc://zeromq.zap.01");
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(ask(req, curve_request(std::to_string(i), stranger.public_key))[2], "400");
    EXPECT_EQ(ask(req, curve_request("x", other.public_key))[2], "400");
    handler.stop();
    EXPECT_EQ(count("refused CURVE client " + stranger.public_key), 1u) << log_.str();
    EXPECT_EQ(count("refused CURVE client " + other.public_key), 1u) << log_.str();
}

TEST_F(zap_handler_test, without_an_allow_list_every_curve_client_is_accepted) {
    zap_handler handler(context_, std::nullopt);
    zmq::socket_t req(context_, zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);
    req.connect("inproc://zeromq.zap.01");
    EXPECT_EQ(ask(req, curve_request("1", curve::generate_key_pair().public_key))[2], "200");
    EXPECT_EQ(ask(req, {"1.0", "2", "fanoutd", "", "", "NULL"})[2], "400");
}

// fanout-proxy's one handler: the clients' list for domain "fanoutd", the daemons' list for
// "fanout-pool"; a key listed in one domain is refused in the other, an unknown domain is.
TEST_F(zap_handler_test, each_zap_domain_has_its_own_allow_list) {
    auto client = curve::generate_key_pair(), daemon = curve::generate_key_pair();
    std::map<std::string, fanout::daemon::zap_policy> policies{
        {std::string(curve::client_zap_domain), {std::set{client.public_key}, "--curve-clients"}},
        {std::string(curve::pool_zap_domain), {std::set{daemon.public_key}, "--backend-daemons"}}};
    zap_handler handler(context_, policies);
    zmq::socket_t req(context_, zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);
    req.connect("inproc://zeromq.zap.01");
    auto in = [&](std::string domain, const std::string& key) {
        return ask(req, {"1.0", "1", domain, "", "", "CURVE", binary_key(key)})[2];
    };
    EXPECT_EQ(in("fanoutd", client.public_key), "200");
    EXPECT_EQ(in("fanout-pool", daemon.public_key), "200");
    EXPECT_EQ(in("fanout-pool", client.public_key), "400");
    EXPECT_EQ(in("fanoutd", daemon.public_key), "400");
    EXPECT_EQ(in("elsewhere", client.public_key), "400");
    handler.stop();
    EXPECT_EQ(count("refused CURVE client " + client.public_key +
                    " from a local socket: its public key is not in the allow-list "
                    "(--backend-daemons)"),
              1u)
        << log_.str();
    EXPECT_EQ(count("no allow-list for ZAP domain elsewhere"), 1u) << log_.str();
}

}  // namespace

// Audit (issue 14): the User-Id of an accepted client is its key file's name when the
// allow-list names it, else its Z85 key; a refused one gets none.
TEST_F(zap_handler_test, the_user_id_is_the_key_file_name_else_the_key) {
    auto named = curve::generate_key_pair(), unnamed = curve::generate_key_pair();
    auto stranger = curve::generate_key_pair();
    std::map<std::string, fanout::daemon::zap_policy> policies{
        {"fanoutd",
         fanout::daemon::zap_policy{std::set<std::string>{named.public_key, unnamed.public_key},
                                    "--curve-clients",
                                    {{named.public_key, "ops.pub"}}}}};
    zap_handler handler(context_, std::move(policies));
    zmq::socket_t req(context_, zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);
    req.connect("inproc://zeromq.zap.01");
    EXPECT_EQ(ask(req, curve_request("1", named.public_key))[4], "ops.pub");
    EXPECT_EQ(ask(req, curve_request("2", unnamed.public_key))[4], unnamed.public_key);
    EXPECT_EQ(ask(req, curve_request("3", stranger.public_key))[4], "");
}
