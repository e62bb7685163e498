// CURVE on fanout-proxy's backends (issue 10, finding 18): rogue local peers on the backends,
// with a key of their own, with a key the front end accepts, or with no CURVE at all, never
// get a submit and never get a forged result to a subscriber; the same attack on plain
// backends (--plain-backends) succeeds, which is what that flag documents. A daemon with a
// listed key works end to end, also when it has CURVE on its own sockets; bad setups exit 2.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "daemon/config.hpp"
#include "tests/support/pool_harness.hpp"

using namespace fanout::testing;
namespace curve = fanout::curve;
namespace protocol = fanout::protocol;

namespace {

constexpr const char* forged_output = "FORGED by a rogue peer";
constexpr const char* rogue_node = "rogue";

curve::key_pair make_key_file(const temp_dir& dir, const std::string& name) {
    auto keys = curve::generate_key_pair();
    curve::write_key_pair(dir.file(name), keys);
    return keys;
}

// A directory holding one *.pub file: the public half of `key_file`.
std::string allow_list_of(const temp_dir& dir, const std::string& name,
                          const std::string& key_file) {
    std::filesystem::create_directory(dir.file(name));
    std::filesystem::copy_file(dir.file(key_file + ".pub"), dir.file(name + "/member.pub"));
    return dir.file(name);
}

// One proxy with CURVE clients (--curve-clients), one daemon; the backends are CURVE
// (--backend-secret-key, the daemon's key listed) or plain (--plain-backends).
struct curve_pool {
    explicit curve_pool(bool curve_backends)
        : proxy(dir, proxy_args(curve_backends)),
          member(proxy, routers, member_args(curve_backends)) {}

    std::vector<std::string> proxy_args(bool curve_backends) {
        std::vector<std::string> a{"--curve-secret-key", dir.file("proxy.key"), "--curve-clients",
                                   clients_dir};
        if (curve_backends)
            a.insert(a.end(), {"--backend-secret-key", dir.file("backend.key"), "--backend-daemons",
                               daemons_dir});
        else
            a.push_back("--plain-backends");
        return a;
    }
    std::vector<std::string> member_args(bool curve_backends) {
        std::vector<std::string> a{"--workers", "4", "--node-id", "daemon"};
        if (curve_backends)
            a.insert(a.end(), {"--pool-curve-key", dir.file("daemon.key"), "--pool-server-key",
                               dir.file("backend.key.pub")});
        return a;
    }
    curve::client_credentials client_keys() const { return {client, front.public_key}; }

    temp_dir dir;
    curve::key_pair front = make_key_file(dir, "proxy.key");
    curve::key_pair backend = make_key_file(dir, "backend.key");
    curve::key_pair daemon = make_key_file(dir, "daemon.key");
    curve::key_pair client = make_key_file(dir, "client.key");
    std::string clients_dir = allow_list_of(dir, "clients", "client.key");
    std::string daemons_dir = allow_list_of(dir, "daemons", "daemon.key");
    fleet routers{dir, 4, {"--latency-ms", "100"}};
    proxy_process proxy;
    pool_member member;
};

// The first line the proxy logged with `needle` (lines already read count); throws when none
// comes in time.
std::string expect_logged(proxy_process& proxy, const std::string& needle) {
    for (const auto& line : proxy.process().lines())
        if (line.find(needle) != std::string::npos) return line;
    return proxy.process().wait_for_line(needle, 30s);
}

// A socket of a rogue local process on one of the proxy's backends: plain, or a CURVE client
// with any key. A socket monitor tells how its first handshake ended.
class rogue_peer {
  public:
    rogue_peer(zmq::socket_type type, const std::string& endpoint,
               const std::optional<curve::client_credentials>& keys)
        : socket_(context_, type), monitor_(context_, zmq::socket_type::pair) {
        socket_.set(zmq::sockopt::linger, 0);
        if (type == zmq::socket_type::sub) socket_.set(zmq::sockopt::subscribe, "");
        if (keys) curve::apply_curve_client(socket_.handle(), *keys);
        char where[64];
        std::snprintf(where, sizeof where, "inproc://rogue-monitor-%p", static_cast<void*>(this));
        if (zmq_socket_monitor(socket_.handle(), where, ZMQ_EVENT_ALL) != 0)
            throw std::runtime_error("cannot monitor the rogue socket");
        monitor_.connect(where);
        socket_.connect(endpoint);
    }

    // Whether the backend let it in: its first handshake succeeded (true) or failed, or the
    // backend dropped the connection (false). Throws when neither happens in time.
    bool admitted(std::chrono::milliseconds timeout = 30s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            zmq::pollitem_t item{monitor_.handle(), 0, ZMQ_POLLIN, 0};
            if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
            std::vector<zmq::message_t> frames;
            (void)zmq::recv_multipart(monitor_, std::back_inserter(frames));
            std::uint16_t event = 0;
            std::memcpy(&event, frames.at(0).data(), sizeof event);
            if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) return true;
            if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
                event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
                event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH || event == ZMQ_EVENT_DISCONNECTED)
                return false;
        }
        throw std::runtime_error("the rogue peer's handshake never ended");
    }

    // One message, if any arrived within `timeout`.
    std::optional<std::vector<std::string>> receive(std::chrono::milliseconds timeout) {
        zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
        std::vector<zmq::message_t> frames;
        (void)zmq::recv_multipart(socket_, std::back_inserter(frames));
        std::vector<std::string> out;
        for (const auto& f : frames) out.push_back(f.to_string());
        return out;
    }

    void send(const std::vector<std::string>& frames) {
        for (std::size_t i = 0; i < frames.size(); ++i)
            (void)socket_.send(
                zmq::buffer(frames[i]),
                (i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none) |
                    zmq::send_flags::dontwait);
    }

  private:
    zmq::context_t context_{1};
    zmq::socket_t socket_, monitor_;
};

struct jobs_attack {
    int accepted_by_daemon = 0;
    int taken_by_rogues = 0;  // submits a rogue received
    int forged_accepted = 0;  // the rogues' forged replies the client received
};

// Submits `count` jobs through the proxy, pipelined on one CURVE client; every rogue that
// receives a submit answers it with a forged accepted reply. Ends when every submit has a
// reply, or after 30 s.
jobs_attack submit_past_rogues(curve_pool& pool, std::vector<rogue_peer*> rogues, int count) {
    zmq::context_t context(1);
    zmq::socket_t submitter(context, zmq::socket_type::dealer);
    submitter.set(zmq::sockopt::linger, 0);
    curve::apply_curve_client(submitter.handle(), pool.client_keys());
    submitter.connect(pool.proxy.jobs());
    for (int n = 0; n < count; ++n)
        submitter.send(zmq::buffer(protocol::encode_request(submit_of(
                           "attack-" + std::to_string(n), "show version", {"r1"}, false))),
                       zmq::send_flags::none);
    jobs_attack seen;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (seen.accepted_by_daemon + seen.forged_accepted < count &&
           std::chrono::steady_clock::now() < deadline) {
        for (auto* rogue : rogues) {
            auto got = rogue->receive(0ms);
            if (!got) continue;
            ++seen.taken_by_rogues;
            auto reply = *got;  // the envelope as received, then a forged body
            protocol::accepted_reply forged{"attack-forged", 1, rogue_node, ""};
            reply.back() = protocol::encode_reply(forged);
            rogue->send(reply);
        }
        zmq::pollitem_t item{submitter.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, std::chrono::milliseconds(10)) == 0) continue;
        zmq::message_t frame;
        (void)submitter.recv(frame);
        auto decoded = protocol::decode_reply(frame.to_string());
        if (decoded.index() != 0) continue;
        auto accepted = expect_reply<protocol::accepted_reply>(std::get<0>(decoded));
        (accepted.node == rogue_node ? seen.forged_accepted : seen.accepted_by_daemon)++;
    }
    return seen;
}

struct results_attack {
    int real_messages = 0;
    int forged_messages = 0;
    bool real_aggregate = false;
};

// A CURVE subscriber of the proxy watches a real job on four routers while every rogue PUB
// publishes forged results for it, until the real aggregate has arrived and then a forged
// message or one more second (30 s at most).
results_attack forge_results(curve_pool& pool, std::vector<rogue_peer*> rogues) {
    client via_proxy(pool.proxy.jobs(), zmq::socket_type::dealer, pool.client_keys());
    subscriber watcher(pool.proxy.results(), "", pool.client_keys());
    watcher.sync(via_proxy, "r1");
    expect_reply<protocol::accepted_reply>(
        via_proxy.request(submit_of("real", "show version", router_names(1, 4), false)));

    protocol::router_result fake;
    fake.job_id = "real";
    fake.router_name = "r1";
    fake.command = "show version";
    fake.status = protocol::router_status::success;
    fake.output = forged_output;
    protocol::job_result fake_end;
    fake_end.job_id = "real";
    fake_end.results = {fake};
    fake_end.node = rogue_node;
    const std::vector<std::string> forged_result{protocol::router_result_topic(fake),
                                                 protocol::encode_router_result(fake)};
    const std::vector<std::string> forged_end{protocol::job_result_topic("real"),
                                              protocol::encode_job_result(fake_end)};

    results_attack seen;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    std::optional<std::chrono::steady_clock::time_point> stop_at;
    while (std::chrono::steady_clock::now() < std::min(deadline, stop_at.value_or(deadline))) {
        for (auto* rogue : rogues) {
            rogue->send(forged_result);
            rogue->send(forged_end);
        }
        auto m = watcher.next(10ms);
        if (!m) continue;
        bool forged = false;
        if (auto* r = std::get_if<protocol::router_result>(&*m))
            forged = r->output == forged_output;
        if (auto* j = std::get_if<protocol::job_result>(&*m)) {
            forged = j->node == rogue_node;
            if (!forged && j->job_id == "real") {
                seen.real_aggregate = true;
                stop_at = std::chrono::steady_clock::now() + 1s;
            }
        }
        (forged ? seen.forged_messages : seen.real_messages)++;
        if (seen.real_aggregate && seen.forged_messages > 0) break;
    }
    return seen;
}

TEST(proxy_curve, rogue_peers_on_curve_backends_never_get_a_submit) {
    curve_pool pool(true);
    // A key of its own; the key of a client the front end accepts; no CURVE at all.
    auto backend_key = pool.backend.public_key;
    rogue_peer stranger(zmq::socket_type::router, pool.proxy.jobs_backend(),
                        curve::client_credentials{curve::generate_key_pair(), backend_key});
    rogue_peer a_client(zmq::socket_type::router, pool.proxy.jobs_backend(),
                        curve::client_credentials{pool.client, backend_key});
    rogue_peer plain_router(zmq::socket_type::router, pool.proxy.jobs_backend(), std::nullopt);
    rogue_peer plain_dealer(zmq::socket_type::dealer, pool.proxy.jobs_backend(), std::nullopt);
    for (auto* rogue : {&stranger, &a_client, &plain_router, &plain_dealer})
        ASSERT_FALSE(rogue->admitted());
    // The client's key is refused on the backends: one ZAP handler, one list per domain.
    auto refusal = expect_logged(pool.proxy, "refused CURVE client " + pool.client.public_key);
    EXPECT_NE(refusal.find("not in the allow-list (--backend-daemons)"), std::string::npos)
        << refusal;

    auto seen = submit_past_rogues(pool, {&stranger, &a_client, &plain_router, &plain_dealer}, 20);
    EXPECT_EQ(seen.accepted_by_daemon, 20);
    EXPECT_EQ(seen.taken_by_rogues, 0);
    EXPECT_EQ(seen.forged_accepted, 0);
}

TEST(proxy_curve, rogue_publishers_on_curve_backends_reach_no_subscriber) {
    curve_pool pool(true);
    auto backend_key = pool.backend.public_key;
    rogue_peer stranger(zmq::socket_type::pub, pool.proxy.results_backend(),
                        curve::client_credentials{curve::generate_key_pair(), backend_key});
    rogue_peer a_client(zmq::socket_type::pub, pool.proxy.results_backend(),
                        curve::client_credentials{pool.client, backend_key});
    rogue_peer plain(zmq::socket_type::pub, pool.proxy.results_backend(), std::nullopt);
    for (auto* rogue : {&stranger, &a_client, &plain}) ASSERT_FALSE(rogue->admitted());

    auto seen = forge_results(pool, {&stranger, &a_client, &plain});
    EXPECT_TRUE(seen.real_aggregate);
    EXPECT_GE(seen.real_messages, 5);  // four router results and the aggregate
    EXPECT_EQ(seen.forged_messages, 0);
}

// What --plain-backends exposes (finding 18 as reported): the same rogues, plain, are let in;
// they take submits and answer them, and their forged results reach CURVE subscribers.
TEST(proxy_curve, on_plain_backends_the_same_rogues_take_jobs_and_forge_results) {
    curve_pool pool(false);
    expect_logged(pool.proxy, "--plain-backends: the backends are not authenticated");
    rogue_peer forger(zmq::socket_type::pub, pool.proxy.results_backend(), std::nullopt);
    ASSERT_TRUE(forger.admitted());
    auto results = forge_results(pool, {&forger});
    std::cout << "plain backends: the subscriber got " << results.forged_messages
              << " forged messages\n";
    EXPECT_GT(results.forged_messages, 0);

    // Last: from here on the rogue takes submits, the result attack's own included.
    rogue_peer taker(zmq::socket_type::router, pool.proxy.jobs_backend(), std::nullopt);
    ASSERT_TRUE(taker.admitted());
    auto jobs = submit_past_rogues(pool, {&taker}, 20);
    std::cout << "plain backends: a rogue took " << jobs.taken_by_rogues << " of 20 submits\n";
    EXPECT_GT(jobs.taken_by_rogues, 0);
    EXPECT_EQ(jobs.forged_accepted, jobs.taken_by_rogues);
    EXPECT_EQ(jobs.accepted_by_daemon + jobs.forged_accepted, 20);
}

// A daemon with a listed key: jobs (wait:true and not), results through the proxy, with CURVE
// on its own sockets too (the PUB binds as a CURVE server and connects as a CURVE client).
// A second daemon whose key is not listed gets no job.
TEST(proxy_curve, a_listed_daemon_works_end_to_end_and_an_unlisted_one_gets_nothing) {
    curve_pool pool(true);
    auto own_keys = make_key_file(pool.dir, "own.key");  // the daemon's own CURVE server key
    auto direct_keys = curve::client_credentials{pool.client, own_keys.public_key};
    pool_member curve_daemon(
        pool.proxy, pool.routers,
        {"--workers", "4", "--node-id", "curve-daemon", "--curve-secret-key",
         pool.dir.file("own.key"), "--curve-clients", pool.clients_dir, "--pool-curve-key",
         pool.dir.file("daemon.key"), "--pool-server-key", pool.backend.public_key},
        fanoutd_extras{direct_keys, {}});
    auto unlisted_key = make_key_file(pool.dir, "unlisted.key").public_key;
    pool_member unlisted(
        pool.proxy, pool.routers,
        {"--workers", "4", "--node-id", "unlisted", "--pool-curve-key",
         pool.dir.file("unlisted.key"), "--pool-server-key", pool.dir.file("backend.key.pub")});
    expect_logged(pool.proxy, "refused CURVE client " + unlisted_key);

    client via_proxy(pool.proxy.jobs(), zmq::socket_type::dealer, pool.client_keys());
    subscriber watcher(pool.proxy.results(), "", pool.client_keys());
    std::set<std::string> nodes;
    for (int n = 0; n < 40 && nodes.size() < 2; ++n) {
        auto done = expect_reply<protocol::job_result>(
            via_proxy.request(submit_of("wait-" + std::to_string(n), "show version", {"r2"})));
        EXPECT_EQ(done.summary.successful, 1u);
        nodes.insert(done.node);
    }
    EXPECT_EQ(nodes, (std::set<std::string>{"daemon", "curve-daemon"}));

    client plain_direct(pool.member.jobs());
    client curve_direct(curve_daemon.jobs(), zmq::socket_type::dealer, direct_keys);
    watcher.sync(plain_direct, "r1");  // both daemons' PUB -> proxy -> subscriber are live
    watcher.sync(curve_direct, "r1");
    std::map<std::string, int> owners;
    for (int n = 0; n < 20; ++n) {
        auto id = "e2e-" + std::to_string(n);
        auto accepted = expect_reply<protocol::accepted_reply>(
            via_proxy.request(submit_of(id, "show version", {"r3", "r4"}, false)));
        ++owners[accepted.node];
        protocol::job_result aggregate;
        auto results = watcher.until_job_result(id, aggregate, 60s);
        EXPECT_EQ(results.size(), 2u) << id;
        EXPECT_EQ(aggregate.summary.successful, 2u) << id;
    }
    EXPECT_EQ(owners.count("unlisted"), 0u);
    EXPECT_EQ(owners["daemon"] + owners["curve-daemon"], 20);

    // The CURVE daemon's own endpoint still takes its own clients directly.
    expect_reply<protocol::pong_reply>(curve_direct.request(protocol::ping_request{}));
}

struct finished {
    int code;
    std::string output;
};

finished run_proxy(std::vector<std::string> args) {
    args.insert(args.begin(), FANOUT_PROXY_BIN);
    child_process p(std::move(args), child_process::capture::stderr_stream);
    p.drain(30s);
    auto code = p.wait(30s);
    std::string output;
    for (const auto& line : p.lines()) output += line + "\n";
    return {code ? *code : -1, output};
}

TEST(proxy_curve_options, curve_clients_with_plain_backends_need_plain_backends_flag) {
    temp_dir dir;
    make_key_file(dir, "proxy.key");
    auto clients = allow_list_of(dir, "clients", "proxy.key");
    std::filesystem::create_directory(dir.file("empty"));
    std::vector<std::string> front{"--jobs",
                                   "ipc://" + dir.file("j"),
                                   "--results",
                                   "ipc://" + dir.file("r"),
                                   "--curve-secret-key",
                                   dir.file("proxy.key"),
                                   "--curve-clients",
                                   clients};

    auto refused = run_proxy(front);
    EXPECT_EQ(refused.code, 2);
    EXPECT_NE(refused.output.find("--plain-backends"), std::string::npos) << refused.output;

    auto half = front;
    half.insert(half.end(), {"--backend-secret-key", dir.file("proxy.key")});
    EXPECT_EQ(run_proxy(half).code, 2);
    auto both = half;
    both.push_back("--plain-backends");
    both.insert(both.end(), {"--backend-daemons", clients});
    EXPECT_EQ(run_proxy(both).code, 2);
    auto no_keys = half;
    no_keys.insert(no_keys.end(), {"--backend-daemons", dir.file("empty")});
    auto empty = run_proxy(no_keys);
    EXPECT_EQ(empty.code, 2);
    EXPECT_NE(empty.output.find("has no *.pub file"), std::string::npos) << empty.output;
}

std::variant<fanout::daemon::config, int> parse_daemon_args(std::vector<std::string> args) {
    args.insert(args.begin(), "fanoutd");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return fanout::daemon::parse_command_line(static_cast<int>(argv.size()), argv.data());
}

TEST(proxy_curve_options, fanoutd_pool_keys_parse_and_go_together) {
    temp_dir dir;
    make_key_file(dir, "daemon.key");
    make_key_file(dir, "server.key");
    auto server = curve::load_key_pair(dir.file("server.key")).public_key;
    std::vector<std::string> pool{"--jobs-connect", "tcp://127.0.0.1:5565", "--results-connect",
                                  "tcp://127.0.0.1:5566"};
    std::vector<std::string> keys{"--pool-curve-key", dir.file("daemon.key"), "--pool-server-key",
                                  server};
    auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
        a.insert(a.end(), b.begin(), b.end());
        return a;
    };
    auto parsed = parse_daemon_args(with(pool, keys));
    ASSERT_TRUE(std::holds_alternative<fanout::daemon::config>(parsed));
    EXPECT_EQ(std::get<fanout::daemon::config>(parsed).pool_curve.server_key, server);

    std::vector<std::string> own{"--curve-secret-key", dir.file("server.key"),
                                 "--curve-allow-any-client"};
    EXPECT_TRUE(std::holds_alternative<fanout::daemon::config>(
        parse_daemon_args(with(with(pool, keys), own))));
    EXPECT_EQ(std::get<int>(parse_daemon_args(with(pool, own))), 2);  // CURVE behind plain
    EXPECT_EQ(
        std::get<int>(parse_daemon_args(with(pool, {"--pool-curve-key", dir.file("daemon.key")}))),
        2);
    EXPECT_EQ(std::get<int>(parse_daemon_args(keys)), 2);  // no pool to connect to
}

}  // namespace
