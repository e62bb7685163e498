#include "tests/support/fanout_harness.hpp"

#include <signal.h>

#include <atomic>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fanout::testing {

fleet::fleet(const temp_dir& dir, int routers, std::vector<std::string> extra_args)
    : dir_(dir.path()) {
    std::vector<std::string> argv{FLEETSIM_BIN, "--routers", std::to_string(routers), "--out-dir",
                                  dir_};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<child_process>(argv);
    process_->wait_for_line("ready", 60s);
}

fleet_counts fleet::counts() {
    if (::kill(process_->pid(), SIGUSR1) != 0) throw std::runtime_error("fleetsim is gone");
    // "connections <C> netconf_sessions <S> netconf_rpcs <R>"
    std::istringstream line(process_->wait_for_line("connections ", 10s));
    fleet_counts counts;
    std::string name;
    std::uint64_t value = 0;
    while (line >> name >> value) {
        if (name == "connections") counts.connections = value;
        if (name == "netconf_sessions") counts.netconf_sessions = value;
        if (name == "netconf_rpcs") counts.netconf_rpcs = value;
        if (name == "bastion_connections") counts.bastion_connections = value;
        if (name == "bastion_sessions") counts.bastion_sessions = value;
        if (name == "bastion_channels") counts.bastion_channels = value;
        if (name == "bastion_channels_open") counts.bastion_channels_open = value;
        if (name == "exec_running") counts.exec_running = value;
        if (name == "exec_peak") counts.exec_peak = value;
        if (name.starts_with("bastion") && name.find('.') != std::string::npos) {
            counts.per_bastion[name] = value;
        }
    }
    return counts;
}

fanoutd_process::fanoutd_process(const temp_dir& dir, const std::string& inventory,
                                 const std::string& known_hosts,
                                 std::vector<std::string> extra_args, fanoutd_extras extras)
    : jobs_("ipc://" + dir.file("jobs.sock")), results_("ipc://" + dir.file("results.sock")) {
    std::vector<std::string> argv{FANOUTD_BIN,     "--inventory", inventory,
                                  "--known-hosts", known_hosts,   "--jobs",
                                  jobs_,           "--results",   results_};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    if (!extras.log_file.empty())  // sh execs fanoutd, so the pid stays fanoutd's
        argv.insert(argv.begin(), {"/bin/sh", "-c", "exec \"$@\" 2>>\"$0\"", extras.log_file});
    // The daemon logs to stderr, which the test inherits; readiness is a ping answered.
    process_ = std::make_unique<child_process>(argv, child_process::capture::stdout_stream);
    client probe(jobs_, zmq::socket_type::dealer, extras.curve);
    probe.send_frames({protocol::encode_request(protocol::ping_request{})});
    const auto give_up = std::chrono::steady_clock::now() + 30s;
    std::optional<std::string> pong;
    while (!(pong = probe.receive(100ms))) {
        if (auto code = process_->wait(0ms))  // it said why on stderr, which the test shows
            throw std::runtime_error("fanoutd exited at start, status " + std::to_string(*code));
        if (std::chrono::steady_clock::now() > give_up)
            throw std::runtime_error("no reply from fanoutd in time");
    }
    expect_reply<protocol::pong_reply>(reply_of(*pong));
}

client::client(const std::string& endpoint, zmq::socket_type type, const curve_credentials& curve)
    : socket_(context_, type) {
    socket_.set(zmq::sockopt::linger, 0);
    if (curve) curve::apply_curve_client(socket_.handle(), *curve);
    socket_.connect(endpoint);
}

void client::send_frames(const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i)
        socket_.send(zmq::buffer(frames[i]),
                     i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

std::optional<std::string> client::receive(std::chrono::milliseconds timeout) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(socket_, std::back_inserter(frames))) return std::nullopt;
    return frames.back().to_string();
}

protocol::reply client::request(const protocol::request& r, std::chrono::milliseconds timeout) {
    send_frames({protocol::encode_request(r)});
    auto body = receive(timeout);
    if (!body) throw std::runtime_error("no reply from fanoutd in time");
    return reply_of(*body);
}

protocol::reply reply_of(const std::string& body) {
    auto decoded = protocol::decode_reply(body);
    if (decoded.index() == 1)
        throw std::runtime_error("undecodable reply: " + std::get<1>(decoded).message);
    return std::get<0>(decoded);
}

subscriber::subscriber(const std::string& endpoint, const std::string& prefix,
                       const curve_credentials& curve)
    : socket_(context_, zmq::socket_type::sub) {
    socket_.set(zmq::sockopt::linger, 0);
    if (curve) curve::apply_curve_client(socket_.handle(), *curve);
    socket_.set(zmq::sockopt::rcvhwm, 0);
    socket_.set(zmq::sockopt::subscribe, prefix);
    socket_.set(zmq::sockopt::subscribe, "job.sync-");
    socket_.connect(endpoint);
}

void subscriber::sync(client& jobs, const std::string& router) {
    for (int attempt = 0; attempt < 200; ++attempt) {
        // Unique across subscribers: a daemon restarted on a --state-dir still knows old ids.
        static std::atomic<int> sync_counter{0};
        std::string id = "sync-" + std::to_string(++sync_counter);
        expect_reply<protocol::job_result>(
            jobs.request(submit_of(id, "show version", {router}, true)));
        // The aggregate was published before the reply was sent; if subscribed, it is here.
        zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
        while (zmq::poll(&item, 1, std::chrono::milliseconds(200)) > 0) {
            std::vector<zmq::message_t> frames;
            (void)zmq::recv_multipart(socket_, std::back_inserter(frames));
            if (!frames.empty() && frames[0].to_string() == protocol::job_result_topic(id)) return;
        }
    }
    throw std::runtime_error("subscriber never received a sync aggregate");
}

std::optional<std::variant<protocol::router_result, protocol::job_result>> subscriber::next(
    std::chrono::milliseconds timeout) {
    for (;;) {
        zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
        std::vector<zmq::message_t> frames;
        (void)zmq::recv_multipart(socket_, std::back_inserter(frames));
        if (frames.size() != 2) throw std::runtime_error("published message without 2 frames");
        auto topic = frames[0].to_string();
        if (topic.rfind("job.sync-", 0) == 0 || topic.rfind("result.sync-", 0) == 0) continue;
        auto decoded = protocol::decode_published(frames[1].to_string());
        if (auto* r = std::get_if<protocol::router_result>(&decoded)) return *r;
        if (auto* j = std::get_if<protocol::job_result>(&decoded)) return *j;
        throw std::runtime_error("undecodable published message on " + topic);
    }
}

std::vector<protocol::router_result> subscriber::until_job_result(
    const std::string& job_id, protocol::job_result& aggregate, std::chrono::milliseconds timeout) {
    std::vector<protocol::router_result> seen;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto m = next(std::max(left, std::chrono::milliseconds(1)));
        if (!m) throw std::runtime_error("no job_result for " + job_id + " in time");
        if (auto* r = std::get_if<protocol::router_result>(&*m)) {
            if (r->job_id == job_id) seen.push_back(*r);
        } else if (auto* j = std::get_if<protocol::job_result>(&*m); j->job_id == job_id) {
            aggregate = *j;
            return seen;
        }
    }
}

protocol::session_figures session_figures_of(client& jobs) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (;;) {
        auto pong = expect_reply<protocol::pong_reply>(jobs.request(protocol::ping_request{}, 30s));
        if (!pong.sessions) throw std::runtime_error("pong without session figures");
        if (pong.busy_workers == 0) return *pong.sessions;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("workers still busy 30 s after the job's reply");
        std::this_thread::yield();
    }
}

protocol::submit_request submit_of(std::string job_id, std::string command,
                                   std::vector<std::string> routers, bool wait,
                                   std::optional<double> timeout) {
    protocol::submit_request s;
    if (!job_id.empty()) s.job_id = std::move(job_id);
    s.commands = {std::move(command)};
    s.single_command = true;
    s.routers = std::move(routers);
    s.wait = wait;
    s.timeout = timeout;
    return s;
}

std::vector<std::string> router_names(int first, int last) {
    std::vector<std::string> names;
    for (int i = first; i <= last; ++i) names.push_back("r" + std::to_string(i));
    return names;
}

}  // namespace fanout::testing
