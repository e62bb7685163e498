// CURVE on fanoutd's sockets, end to end: listed clients work on both sockets; an unlisted
// key is refused on both (no reply, nothing published to it) and the refusal is logged with
// its public key; bad key setups stop fanoutd at start with exit 2; fanoutctl's options.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
namespace curve = fanout::curve;
using fanout::protocol::job_result;
using fanout::protocol::ping_request;
using fanout::protocol::pong_reply;

namespace {

// Polls fanoutd's log file: nothing to wait on but the file itself.
bool log_has(const std::string& path, const std::string& needle, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (read_text(path).find(needle) == std::string::npos) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

struct finished {
    int code;
    std::string output;
};

// Runs a command to its end; its exit code and the captured stream.
finished run_to_exit(std::vector<std::string> argv,
                     child_process::capture which = child_process::capture::stderr_stream) {
    child_process p(std::move(argv), which);
    p.drain(60s);
    auto code = p.wait(30s);
    std::string output;
    for (const auto& line : p.lines()) output += line + "\n";
    return {code ? *code : -1, output};
}

curve::key_pair keygen_with_fanoutctl(const std::string& file) {
    auto made = run_to_exit({FANOUTCTL_BIN, "keygen", "--out", file},
                            child_process::capture::stdout_stream);
    EXPECT_EQ(made.code, 0) << made.output;
    auto keys = curve::load_key_pair(file);
    EXPECT_NE(made.output.find("public key: " + keys.public_key), std::string::npos);
    return keys;
}

class daemon_curve : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { suite_ = std::make_unique<setup>(); }
    static void TearDownTestSuite() { suite_.reset(); }

    struct setup {
        temp_dir dir;
        fleet routers{dir, 3};
        curve::key_pair server = keygen_with_fanoutctl(dir.file("server.key"));
        curve::key_pair allowed = keygen_with_fanoutctl(dir.file("allowed.key"));
        std::string log = dir.file("fanoutd.log");
        std::unique_ptr<fanoutd_process> daemon;

        setup() {
            std::filesystem::create_directory(dir.file("clients"));
            std::filesystem::copy_file(dir.file("allowed.key.pub"), dir.file("clients/ops.pub"));
            daemon = std::make_unique<fanoutd_process>(
                dir, routers.devices_json(), routers.known_hosts(),
                args{"--curve-secret-key", dir.file("server.key"), "--curve-clients",
                     dir.file("clients"), "--log-level", "debug"},
                fanoutd_extras{credentials(allowed), log});
        }
        curve::client_credentials credentials(const curve::key_pair& client) const {
            return {client, server.public_key};
        }
    };

    // No secret key of any party ever reaches the log.
    static void expect_no_secret_in_log(std::initializer_list<curve::key_pair> clients) {
        auto text = read_text(suite_->log);
        ASSERT_NE(text.find("CURVE on"), std::string::npos) << "the log is not being written";
        EXPECT_EQ(text.find(suite_->server.secret_key), std::string::npos);
        for (const auto& c : clients) EXPECT_EQ(text.find(c.secret_key), std::string::npos);
    }

    static inline std::unique_ptr<setup> suite_;
};

TEST_F(daemon_curve, a_listed_client_runs_jobs_and_its_subscriber_gets_every_result) {
    auto keys = suite_->credentials(suite_->allowed);
    client jobs(suite_->daemon->jobs(), zmq::socket_type::dealer, keys);
    subscriber results(suite_->daemon->results(), "", keys);
    results.sync(jobs, "r1");
    expect_reply<fanout::protocol::accepted_reply>(
        jobs.request(submit_of("curve-job", "show version", router_names(1, 3), false)));
    job_result aggregate;
    auto seen = results.until_job_result("curve-job", aggregate, 60s);
    EXPECT_EQ(seen.size(), 3u);
    EXPECT_EQ(aggregate.summary.successful, 3u);
    EXPECT_TRUE(log_has(suite_->log, "accepted CURVE client " + suite_->allowed.public_key, 10s));
}

TEST_F(daemon_curve, an_unlisted_key_gets_no_reply_and_its_refusal_is_logged) {
    auto stranger = curve::generate_key_pair();
    client refused(suite_->daemon->jobs(), zmq::socket_type::dealer, suite_->credentials(stranger));
    client plain(suite_->daemon->jobs());  // no CURVE at all: the handshake cannot succeed
    refused.send_frames({fanout::protocol::encode_request(ping_request{})});
    plain.send_frames({fanout::protocol::encode_request(ping_request{})});
    ASSERT_TRUE(log_has(suite_->log, "refused CURVE client " + stranger.public_key, 30s))
        << read_text(suite_->log);
    // The refusal ended the handshake: the ping was never delivered, while a listed client
    // is answered at once.
    client listed(suite_->daemon->jobs(), zmq::socket_type::dealer,
                  suite_->credentials(suite_->allowed));
    expect_reply<pong_reply>(listed.request(ping_request{}, 30s));
    EXPECT_FALSE(refused.receive(500ms));
    EXPECT_FALSE(plain.receive(500ms));
    expect_no_secret_in_log({suite_->allowed, stranger});
}

TEST_F(daemon_curve, an_unlisted_subscriber_receives_nothing) {
    auto allowed = suite_->credentials(suite_->allowed);
    auto stranger = curve::generate_key_pair();
    zmq::context_t context;
    zmq::socket_t refused(context, zmq::socket_type::sub);
    refused.set(zmq::sockopt::linger, 0);
    refused.set(zmq::sockopt::subscribe, "");
    curve::apply_curve_client(refused.handle(), suite_->credentials(stranger));
    refused.connect(suite_->daemon->results());
    ASSERT_TRUE(log_has(suite_->log, "refused CURVE client " + stranger.public_key, 30s));

    client jobs(suite_->daemon->jobs(), zmq::socket_type::dealer, allowed);
    subscriber results(suite_->daemon->results(), "", allowed);
    results.sync(jobs, "r2");
    expect_reply<job_result>(jobs.request(submit_of("unseen", "show version", {"r1", "r2"})));
    job_result aggregate;
    results.until_job_result("unseen", aggregate, 60s);
    // Everything above went out to every joined subscriber before the listed one got it.
    zmq::pollitem_t item{refused.handle(), 0, ZMQ_POLLIN, 0};
    EXPECT_EQ(zmq::poll(&item, 1, std::chrono::milliseconds(500)), 0)
        << "a refused SUB received a published message";
    expect_no_secret_in_log({suite_->allowed, stranger});
}

TEST_F(daemon_curve, fanoutctl_uses_its_curve_options_and_environment) {
    const auto& d = *suite_->daemon;
    auto ctl = [&](std::vector<std::string> env, std::vector<std::string> tail,
                   std::string timeout = "30") {
        std::vector<std::string> argv{"/usr/bin/env"};
        argv.insert(argv.end(), env.begin(), env.end());
        argv.insert(argv.end(), {FANOUTCTL_BIN, "--jobs", d.jobs(), "--results", d.results(),
                                 "--timeout-reply", timeout});
        argv.insert(argv.end(), tail.begin(), tail.end());
        return run_to_exit(argv);
    };
    auto server_pub = suite_->dir.file("server.key.pub");
    auto mine = suite_->dir.file("allowed.key");
    EXPECT_EQ(ctl({}, {"--curve-server-key", server_pub, "--curve-client-key", mine, "ping"}).code,
              0);
    EXPECT_EQ(ctl({"FANOUT_CURVE_SERVER_KEY=" + suite_->server.public_key,
                   "FANOUT_CURVE_CLIENT_KEY=" + mine},
                  {"run", "-r", "all", "--no-progress", "show version"})
                  .code,
              0);

    keygen_with_fanoutctl(suite_->dir.file("other.key"));
    auto refused = ctl({"FANOUT_CURVE_SERVER_KEY=" + server_pub,
                        "FANOUT_CURVE_CLIENT_KEY=" + suite_->dir.file("other.key")},
                       {"ping"});
    EXPECT_EQ(refused.code, 3);
    EXPECT_NE(refused.output.find("refused this client's CURVE key (ZAP status 400)"),
              std::string::npos)
        << refused.output;

    // A wrong server key fails before any key check: silence, then a hint.
    auto wrong_server = ctl({},
                            {"--curve-server-key", curve::generate_key_pair().public_key,
                             "--curve-client-key", mine, "ping"},
                            "2");
    EXPECT_EQ(wrong_server.code, 3);
    EXPECT_NE(wrong_server.output.find("also check the server key"), std::string::npos)
        << wrong_server.output;

    auto half = ctl({}, {"--curve-server-key", server_pub, "ping"});
    EXPECT_EQ(half.code, 2);
    EXPECT_NE(half.output.find("needs both"), std::string::npos) << half.output;
    ::chmod(suite_->dir.file("other.key").c_str(), 0644);
    auto open_key = ctl({}, {"--curve-server-key", server_pub, "--curve-client-key",
                             suite_->dir.file("other.key"), "ping"});
    EXPECT_EQ(open_key.code, 2);
    EXPECT_NE(open_key.output.find("chmod 600"), std::string::npos) << open_key.output;
}

// fanoutd started to its end (or its readiness line), stderr captured.
class daemon_curve_setup : public ::testing::Test {
  protected:
    daemon_curve_setup() {
        std::ofstream(dir.file("devices.json"))
            << R"({"r1": {"ip": "127.0.0.1", "username": "u", "auth": {"type": "ssh_key",)"
            << R"( "private_key_path": "/nonexistent"}}})";
        std::filesystem::create_directory(dir.file("clients"));
        curve::write_key_pair(dir.file("server.key"), curve::generate_key_pair());
        curve::write_key_pair(dir.file("client.key"), curve::generate_key_pair());
        std::filesystem::copy_file(dir.file("client.key.pub"), dir.file("clients/c.pub"));
    }
    std::vector<std::string> fanoutd(std::vector<std::string> extra, std::string jobs = "",
                                     std::string results = "") const {
        std::vector<std::string> argv{
            FANOUTD_BIN,
            "--inventory",
            dir.file("devices.json"),
            "--known-hosts",
            dir.file("known_hosts"),
            "--jobs",
            jobs.empty() ? "ipc://" + dir.file("jobs.sock") : jobs,
            "--results",
            results.empty() ? "ipc://" + dir.file("results.sock") : results};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
    }
    temp_dir dir;
};

TEST_F(daemon_curve_setup, unusable_keys_stop_fanoutd_with_exit_2_and_a_clear_message) {
    auto key = dir.file("server.key");
    auto secret = curve::load_key_pair(key).secret_key;
    auto clients = dir.file("clients");
    auto expect_refusal = [&](std::vector<std::string> extra, const std::string& message) {
        auto run = run_to_exit(fanoutd(std::move(extra)));
        EXPECT_EQ(run.code, 2) << run.output;
        EXPECT_NE(run.output.find(message), std::string::npos) << run.output;
        EXPECT_EQ(run.output.find(secret), std::string::npos) << run.output;
    };
    expect_refusal({"--curve-secret-key", key}, "exactly one of --curve-clients");
    expect_refusal({"--curve-clients", clients}, "need --curve-secret-key");
    expect_refusal(
        {"--curve-secret-key", key, "--curve-clients", clients, "--curve-allow-any-client"},
        "exactly one of");
    std::filesystem::create_directory(dir.file("empty"));
    expect_refusal({"--curve-secret-key", key, "--curve-clients", dir.file("empty")},
                   "no *.pub file");

    ::chmod(key.c_str(), 0640);
    expect_refusal({"--curve-secret-key", key, "--curve-clients", clients}, "chmod 600");
    std::ofstream(dir.file("garbled.key")) << "secret-key = \"" << secret.substr(0, 20) << "\"\n";
    ::chmod(dir.file("garbled.key").c_str(), 0600);
    expect_refusal({"--curve-secret-key", dir.file("garbled.key"), "--curve-clients", clients},
                   "invalid CURVE setup");
}

TEST_F(daemon_curve_setup, a_non_loopback_bind_warns_only_while_curve_is_off) {
    auto start = [&](std::vector<std::string> extra) {
        child_process d(fanoutd(std::move(extra), "tcp://0.0.0.0:*", "tcp://0.0.0.0:*"),
                        child_process::capture::stderr_stream);
        d.wait_for_line(" ready: jobs on", 30s);
        EXPECT_EQ(d.stop(SIGTERM), 0);
        std::string log;
        for (const auto& line : d.lines()) log += line + "\n";
        return log;
    };
    auto open = start({});
    EXPECT_NE(open.find("tcp://0.0.0.0:* is not a loopback address and CURVE is off"),
              std::string::npos)
        << open;
    auto encrypted = start(
        {"--curve-secret-key", dir.file("server.key"), "--curve-clients", dir.file("clients")});
    EXPECT_NE(encrypted.find("CURVE on"), std::string::npos) << encrypted;
    EXPECT_EQ(encrypted.find("not a loopback"), std::string::npos) << encrypted;
    auto any = start({"--curve-secret-key", dir.file("server.key"), "--curve-allow-any-client"});
    EXPECT_EQ(any.find("not a loopback"), std::string::npos) << any;
    EXPECT_NE(any.find("--curve-allow-any-client: traffic is encrypted"), std::string::npos) << any;
}

}  // namespace
