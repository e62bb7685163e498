// Floods of connections and oversized messages (issue 10, findings 1, 2 and 5): fanoutd keeps
// running, keeps its descriptors for SSH, and holds bounded memory.
//
// fanoutd runs under `prlimit --nofile=512:512` here, so that more connections than its
// open-file limit are cheap to open; the test process raises its own limit to hold them.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <iostream>
#include <optional>

#include "tests/support/fanout_harness.hpp"
#include "tests/support/loopback_port.hpp"
#include "tests/support/proc_status.hpp"

using namespace fanout::testing;
using fanout::protocol::error_code;
using fanout::protocol::job_result;
using fanout::protocol::job_state;
using fanout::protocol::pong_reply;

namespace {

constexpr int open_file_limit = 512;
constexpr int flood_size = 700;       // more than the limit
constexpr int max_connections = 100;  // fanoutd --max-connections

// Raw connections that send nothing: the cheapest flood, before any ZeroMQ handshake.
class connection_flood {
  public:
    explicit connection_flood(const std::string& endpoint) {
        rlimit limit{};
        ::getrlimit(RLIMIT_NOFILE, &limit);
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        for (int i = 0; i < flood_size; ++i) {
            const int fd = connect_to(endpoint);
            if (fd < 0) throw std::runtime_error("flood: connect failed at #" + std::to_string(i));
            fds_.push_back(fd);
        }
    }
    ~connection_flood() {
        for (int fd : fds_) ::close(fd);
    }
    std::size_t size() const { return fds_.size(); }

  private:
    static int connect_to(const std::string& endpoint) {
        if (endpoint.rfind("ipc://", 0) == 0) {
            const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_un address{};
            address.sun_family = AF_UNIX;
            endpoint.copy(address.sun_path, sizeof address.sun_path - 1, 6);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0)
                return fd;
            ::close(fd);
            return -1;
        }
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port =
            htons(static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1))));
        if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) return fd;
        ::close(fd);
        return -1;
    }
    std::vector<int> fds_;
};

struct limited_daemon {
    limited_daemon(const std::string& kind, int routers, std::vector<std::string> fleet_args,
                   std::vector<std::string> daemon_args = {})
        : routers_served(dir, routers, std::move(fleet_args)) {
        if (kind == "ipc") {
            jobs = "ipc://" + dir.file("jobs.sock");
            results = "ipc://" + dir.file("results.sock");
            start(daemon_args);
            return;
        }
        // A port probed free may be taken before fanoutd binds it: fanoutd exits, and the
        // start is tried again on other ports.
        on_free_loopback_port([&](int jobs_port) {
            jobs = "tcp://127.0.0.1:" + std::to_string(jobs_port);
            results = "tcp://127.0.0.1:" + std::to_string(free_loopback_port());
            start(daemon_args);
            return 0;
        });
    }
    void start(const std::vector<std::string>& daemon_args) {
        std::vector<std::string> argv{
            "/usr/bin/prlimit",
            "--nofile=" + std::to_string(open_file_limit) + ":" + std::to_string(open_file_limit),
            "--",
            FANOUTD_BIN,
            "--inventory",
            routers_served.devices_json(),
            "--known-hosts",
            routers_served.known_hosts(),
            "--jobs",
            jobs,
            "--results",
            results,
            "--max-connections",
            std::to_string(max_connections)};
        argv.insert(argv.end(), daemon_args.begin(), daemon_args.end());
        process = std::make_unique<child_process>(argv, child_process::capture::stderr_stream);
        process->wait_for_line(" ready: jobs on");  // not "Address already in use"
    }
    temp_dir dir;
    fleet routers_served;
    std::string jobs, results;
    std::unique_ptr<child_process> process;
};

class daemon_floods : public ::testing::TestWithParam<std::string> {};

}  // namespace

// Finding 1 (ipc: libzmq aborted fanoutd on EMFILE) and finding 5 (tcp: SSH connects failed
// with "Too many open files"): a job runs while more connections than fanoutd's open-file
// limit arrive, and every router succeeds.
TEST_P(daemon_floods, a_job_runs_while_more_connections_than_the_open_file_limit_arrive) {
    constexpr int routers = 40;
    // 40 routers at 2 workers and 150 ms each: SSH connects go on for ~3 s, during the flood.
    limited_daemon setup(GetParam(), routers, args{"--latency-ms", "150"},
                         args{"--workers", "2", "--max-sessions", "64"});
    client submitter(setup.jobs);  // connected before the flood: it holds one of the slots
    expect_reply<pong_reply>(submitter.request(fanout::protocol::ping_request{}));
    submitter.send_frames({fanout::protocol::encode_request(
        submit_of("during-flood", "show version", router_names(1, routers)))});

    connection_flood flood(setup.jobs);
    setup.process->wait_for_line("connections open, the --max-connections cap", 30s);
    auto body = submitter.receive(120s);
    ASSERT_TRUE(body) << "no reply during the flood";
    auto aggregate = expect_reply<job_result>(reply_of(*body));
    EXPECT_EQ(aggregate.summary.successful, static_cast<std::uint64_t>(routers));
    for (const auto& r : aggregate.results)
        if (r.error) {
            ADD_FAILURE() << r.router_name << ": " << r.error->message;
        }
    EXPECT_FALSE(setup.process->wait(0ms)) << "fanoutd exited during the flood";
    std::cout << "flood of " << flood.size() << " connections over " << GetParam()
              << "; fanoutd open-file limit " << open_file_limit << "\n";

    // A new client gets in while the flood is still open: the connections that never began
    // the ZeroMQ handshake are closed after its timeout (10 s), and ZeroMQ's client reconnects.
    // Until then its connections are closed as they arrive; one that got its request in just
    // before being closed loses the reply, so it asks again on a new connection, as
    // fanoutctl does.
    // Until then new connections are closed as they arrive, and one may get its request in
    // just before; so the client submits again on a new connection until it gets a reply, as
    // fanoutctl does: with a job_id the submit is idempotent, and the job runs once.
    std::optional<std::string> reply;
    for (auto deadline = std::chrono::steady_clock::now() + 90s;
         !reply && std::chrono::steady_clock::now() < deadline;) {
        client late(setup.jobs);
        late.send_frames(
            {fanout::protocol::encode_request(submit_of("after-flood", "show version", {"r1"}))});
        reply = late.receive(10s);
    }
    ASSERT_TRUE(reply) << "no new client got in within 90 s";
    auto second = expect_reply<job_result>(reply_of(*reply));
    EXPECT_EQ(second.state, job_state::done);
    EXPECT_EQ(second.summary.successful, 1u);
}

INSTANTIATE_TEST_SUITE_P(endpoints, daemon_floods, ::testing::Values("ipc", "tcp"));

// Finding 2: frames beyond 2 x the request frame limit close the connection as they arrive,
// so the 80 x 15 MiB message that once raised fanoutd's peak RSS to 1,238 MiB costs little;
// a message of many smaller frames is freed once refused.
TEST(daemon_floods_messages, one_message_of_many_large_frames_is_dropped_without_holding_it) {
    limited_daemon setup("ipc", 1, {});
    const pid_t pid = setup.process->pid();
    const std::size_t peak_before = proc_status_bytes(pid, "VmHWM");
    {
        // One 15 MiB buffer sent 80 times without copying it (the test process holds 15 MiB).
        static const std::string frame(15u << 20, 'x');
        zmq::context_t context(1);
        zmq::socket_t attacker(context, zmq::socket_type::dealer);
        attacker.set(zmq::sockopt::linger, 0);
        attacker.connect(setup.jobs);
        for (int i = 0; i < 80; ++i) {
            zmq::message_t part(const_cast<char*>(frame.data()), frame.size(), nullptr);
            attacker.send(part, i + 1 < 80 ? zmq::send_flags::sndmore : zmq::send_flags::none);
        }
        zmq::pollitem_t item{attacker.handle(), 0, ZMQ_POLLIN, 0};
        EXPECT_EQ(zmq::poll(&item, 1, 3s), 0) << "no reply: ZeroMQ dropped the connection";
    }
    client jobs(setup.jobs);
    auto done = expect_reply<job_result>(jobs.request(submit_of("", "show version", {"r1"})));
    EXPECT_EQ(done.summary.successful, 1u);
    const std::size_t peak_after = proc_status_bytes(pid, "VmHWM");
    const std::size_t growth = peak_after > peak_before ? peak_after - peak_before : 0;
    std::cout << "80 x 15 MiB message: fanoutd peak RSS " << peak_before / 1024 << " KiB -> "
              << peak_after / 1024 << " KiB\n";
    // At most one frame up to the 8 MiB cap is buffered before the connection is dropped.
    if (rss_is_meaningful) {
        EXPECT_LT(growth, std::size_t{32} << 20);
    }

    // 17 frames of 4 MiB (each under the frame cap): held whole until the last frame, then
    // refused with bad_request for too many frames.
    {
        client heavy(setup.jobs);
        std::vector<std::string> frames(16, std::string(4u << 20, 'y'));
        frames.push_back(fanout::protocol::encode_request(fanout::protocol::ping_request{}));
        heavy.send_frames(frames);
        auto reply = heavy.receive(30s);
        ASSERT_TRUE(reply);
        EXPECT_EQ(expect_error(reply_of(*reply)).code, error_code::bad_request);
    }
    std::cout << "17 x 4 MiB message: fanoutd peak RSS " << proc_status_bytes(pid, "VmHWM") / 1024
              << " KiB\n";
}
