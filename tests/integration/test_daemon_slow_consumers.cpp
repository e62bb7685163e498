// Slow and absent consumers never hurt fanoutd: a subscriber that stops reading costs bounded
// memory and slows nobody, and the results it lost can be replayed; a `wait: true` client
// that disappears before its reply costs nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "tests/support/fanout_harness.hpp"
#include "tests/support/proc_status.hpp"

using namespace fanout::testing;
using fanout::protocol::accepted_reply;
using fanout::protocol::job_result;
using fanout::protocol::job_state;
using fanout::protocol::pong_reply;
using fanout::protocol::replay_reply;
using fanout::protocol::replay_request;
using fanout::protocol::router_result;

namespace {

// A SUB socket on `result.` that proves it is subscribed, then stops reading.
class stuck_subscriber {
  public:
    explicit stuck_subscriber(const std::string& endpoint)
        : socket_(context_, zmq::socket_type::sub) {
        socket_.set(zmq::sockopt::linger, 0);
        socket_.set(zmq::sockopt::rcvhwm, 1);
        socket_.set(zmq::sockopt::subscribe, "result.");
        socket_.connect(endpoint);
    }

    // Submits tiny jobs until one of their router results arrives here.
    void sync(client& jobs) {
        for (int attempt = 1; attempt <= 200; ++attempt) {
            expect_reply<job_result>(jobs.request(
                submit_of("stuck-sync-" + std::to_string(attempt), "show version", {"r1"})));
            if (receive(200ms)) return;
        }
        throw std::runtime_error("the stuck subscriber never received anything");
    }

    // Reads everything that is still coming, until nothing arrives for `quiet`; the seqs.
    std::set<std::uint64_t> drain(std::chrono::milliseconds quiet) {
        std::set<std::uint64_t> seqs;
        while (auto r = receive(quiet)) seqs.insert(r->seq);
        return seqs;
    }

  private:
    std::optional<router_result> receive(std::chrono::milliseconds timeout) {
        zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
        std::vector<zmq::message_t> frames;
        (void)zmq::recv_multipart(socket_, std::back_inserter(frames));
        auto decoded = fanout::protocol::decode_published(frames.at(1).to_string());
        return std::get<router_result>(decoded);
    }

    zmq::context_t context_{1};
    zmq::socket_t socket_;
};

constexpr int fleet_size = 100;
constexpr int warm_jobs = 2;
constexpr int loaded_jobs = 8;
constexpr int output_bytes = 32 * 1024;  // every command's output (fleetsim huge_output)
// fanoutd --results-hwm: small, so the stuck subscriber's share is small next to what is
// published, yet enough for the normal subscriber to ride out a loaded machine's stalls.
constexpr int results_hwm = 1000;
const std::vector<std::string> commands{"show version",           "show system uptime",
                                        "show interfaces terse",  "show chassis hardware",
                                        "show version | no-more", "show route summary",
                                        "show bgp summary",       "show system alarms"};

struct job_run {
    job_result aggregate;
    std::vector<router_result> streamed;
    double seconds = 0;
};

// Submits one 100-router x 8-command job and reads the normal subscriber until its aggregate.
job_run run_job(client& jobs, subscriber& normal, const std::string& id) {
    auto submit = submit_of(id, "", router_names(1, fleet_size), false);
    submit.commands = commands;
    submit.single_command = false;
    auto start = std::chrono::steady_clock::now();
    expect_reply<accepted_reply>(jobs.request(submit));
    job_run run;
    run.streamed = normal.until_job_result(id, run.aggregate, 120s);
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return run;
}

// Every router_result of the job reached the normal subscriber, the same ones as in the
// aggregate, consecutive in seq (jobs run one at a time here).
void expect_complete(const job_run& run) {
    const std::size_t total = fleet_size * commands.size();
    EXPECT_EQ(run.aggregate.state, job_state::done);
    EXPECT_EQ(run.aggregate.summary.successful, total) << run.aggregate.job_id;
    ASSERT_EQ(run.streamed.size(), total) << run.aggregate.job_id << ": a result was lost";
    std::vector<std::uint64_t> seqs;
    for (const auto& r : run.streamed) seqs.push_back(r.seq);
    std::sort(seqs.begin(), seqs.end());
    EXPECT_EQ(seqs.back() - seqs.front() + 1, total) << "consecutive seqs";
    for (const auto& r : run.streamed) EXPECT_EQ(r.output.size(), std::size_t{output_bytes});
}

double mean_seconds(const std::vector<job_run>& runs) {
    double sum = 0;
    for (const auto& r : runs) sum += r.seconds;
    return sum / static_cast<double>(runs.size());
}

}  // namespace

TEST(daemon_slow_consumers, a_stuck_subscriber_costs_bounded_memory_and_slows_nobody) {
    // 8 workers and 10 ms per answer cap the rate near 500 results/s, so even a test process
    // starved of CPU for a second does not fall --results-hwm behind on the normal subscriber.
    fleet_and_daemon setup(
        fleet_size,
        args{"--fault-every", "1:huge_output", "--huge-bytes", std::to_string(output_bytes),
             "--latency-ms", "10"},
        args{"--results-hwm", std::to_string(results_hwm), "--keep-jobs", "1", "--workers", "8"});
    const pid_t fanoutd = setup.daemon.process().pid();
    client jobs(setup.daemon.jobs());
    subscriber normal(setup.daemon.results(), "");
    normal.sync(jobs, "r1");

    // Warm up without the stuck subscriber: retention (--keep-jobs 1 plus the running job),
    // encoding buffers and allocator arenas reach their working size.
    std::vector<job_run> warm;
    for (int i = 1; i <= warm_jobs; ++i)
        warm.push_back(run_job(jobs, normal, "warm-" + std::to_string(i)));
    for (const auto& run : warm) expect_complete(run);
    const std::size_t peak_before = proc_status_bytes(fanoutd, "VmHWM");

    stuck_subscriber stuck(setup.daemon.results());
    stuck.sync(jobs);
    std::vector<job_run> loaded;
    for (int i = 1; i <= loaded_jobs; ++i)
        loaded.push_back(run_job(jobs, normal, "loaded-" + std::to_string(i)));
    const std::size_t peak_after = proc_status_bytes(fanoutd, "VmHWM");

    // (a) the normal subscriber got everything, and (b) no job stalled: each ended well
    // within the timeout, and on average not much slower than without the stuck subscriber.
    for (const auto& run : loaded) expect_complete(run);
    std::cout << "mean job seconds: " << mean_seconds(warm) << " without, " << mean_seconds(loaded)
              << " with the stuck subscriber\n";
    EXPECT_LT(mean_seconds(loaded), 10 * mean_seconds(warm) + 10);

    // (c) The stuck subscriber pins at most --results-hwm messages in fanoutd's PUB pipe
    // (ZeroMQ drops the rest). Pinned amid the churn of results, they cost up to about twice
    // their size in RSS (the allocator cannot reuse the space around them; ~1.9x measured),
    // plus allocator noise. Had the pipe no bound, fanoutd would hold every result it
    // published meanwhile: 8 x 800 x 32 KiB = 200 MiB.
    const std::size_t message_bytes =
        fanout::protocol::encode_router_result(loaded.back().streamed.front()).size();
    const std::size_t pipe_bound = 2 * results_hwm * message_bytes;
    const std::size_t slack = 24u << 20;  // allocator arenas (~5 MiB without the subscriber)
    const std::size_t published = loaded_jobs * fleet_size * commands.size() * message_bytes;
    const std::size_t growth = peak_after > peak_before ? peak_after - peak_before : 0;
    std::cout << "fanoutd peak RSS " << peak_before / 1024 << " KiB -> " << peak_after / 1024
              << " KiB; growth " << growth / 1024 << " KiB; bound " << (pipe_bound + slack) / 1024
              << " KiB; published meanwhile " << published / 1024 << " KiB\n";
    ASSERT_GT(published, 2 * (pipe_bound + slack)) << "the test could not tell";
    if (rss_is_meaningful)
        EXPECT_LT(growth, pipe_bound + slack);
    else
        std::cout << "AddressSanitizer build: the RSS bound is not checked\n";

    // (d) What the stuck subscriber lost is fetchable with replay while its job is kept.
    const std::set<std::uint64_t> received = stuck.drain(1s);
    const job_run& last = loaded.back();
    std::map<std::uint64_t, const router_result*> missing;
    for (const auto& r : last.aggregate.results)
        if (!received.count(r.seq)) missing.emplace(r.seq, &r);
    std::cout << "stuck subscriber received " << received.size() << " of "
              << published / message_bytes << " results\n";
    EXPECT_LT(received.size(), published / message_bytes / 2) << "it did lose messages";
    ASSERT_FALSE(missing.empty());

    std::uint64_t first_of_last = UINT64_MAX;
    for (const auto& r : last.aggregate.results) first_of_last = std::min(first_of_last, r.seq);
    std::map<std::uint64_t, router_result> replayed;
    std::uint64_t since = missing.begin()->first - 1;
    for (int page = 0; page < 100; ++page) {
        auto reply =
            expect_reply<replay_reply>(jobs.request(replay_request{since, 100, std::nullopt}));
        for (auto& r : reply.results) replayed.emplace(r.seq, std::move(r));
        since = reply.next_seq;
        // --keep-jobs 1: only the last job is retained; older results are a known gap.
        EXPECT_EQ(reply.oldest_seq, first_of_last);
        if (!reply.more) break;
    }
    for (const auto& [seq, original] : missing) {
        auto it = replayed.find(seq);
        ASSERT_NE(it, replayed.end()) << "seq " << seq << " not replayed";
        EXPECT_EQ(it->second.router_name, original->router_name);
        EXPECT_EQ(it->second.command_index, original->command_index);
        EXPECT_EQ(it->second.output, original->output);
    }
}

TEST(daemon_slow_consumers, wait_clients_that_vanish_cost_nothing) {
    temp_dir dir;
    fleet routers(dir, 3, args{"--latency-ms", "300"});
    const std::string jobs_endpoint = "ipc://" + dir.file("jobs.sock");
    child_process fanoutd({FANOUTD_BIN, "--inventory", routers.devices_json(), "--known-hosts",
                           routers.known_hosts(), "--jobs", jobs_endpoint, "--results",
                           "ipc://" + dir.file("results.sock"), "--log-level", "debug"},
                          child_process::capture::stderr_stream);
    fanoutd.wait_for_line(" ready: jobs on");  // not "already in use"

    constexpr int vanishing = 5;
    for (int i = 1; i <= vanishing; ++i) {
        const std::string id = "vanish-" + std::to_string(i);
        client gone(jobs_endpoint);
        gone.send_frames(
            {fanout::protocol::encode_request(submit_of(id, "show version", {"r1", "r2", "r3"}))});
        fanoutd.wait_for_line("job " + id + " accepted");
    }  // each client closes right after its job was accepted, long before the job ends

    for (int i = 0; i < vanishing; ++i) fanoutd.wait_for_line("its wait:true client is gone", 60s);

    client other(jobs_endpoint);
    for (int i = 1; i <= vanishing; ++i) {
        auto r = expect_reply<job_result>(
            other.request(fanout::protocol::result_request{"vanish-" + std::to_string(i)}));
        EXPECT_EQ(r.state, job_state::done);
        EXPECT_EQ(r.summary.successful, 3u);
    }
    auto mine = expect_reply<job_result>(other.request(submit_of("after", "show version", {"r2"})));
    EXPECT_EQ(mine.job_id, "after") << "a dropped reply never reaches another client";
    auto pong = expect_reply<pong_reply>(other.request(fanout::protocol::ping_request{}));
    EXPECT_EQ(pong.running_jobs + pong.queued_jobs, 0u);
    // A worker counts as busy until it has handed its task back, just after the job's reply
    // went out: poll briefly rather than race it.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (pong.busy_workers != 0 && std::chrono::steady_clock::now() < deadline)
        pong = expect_reply<pong_reply>(other.request(fanout::protocol::ping_request{}));
    EXPECT_EQ(pong.busy_workers, 0u);
}

namespace {

constexpr int big_routers = 20;
constexpr int big_output = 1 << 20;  // each router's output: a `result` reply is ~20 MiB

// A DEALER that sends requests and reads nothing: its own queue holds one message and its
// kernel buffer 4 KiB, so fanoutd cannot push its replies into this process meanwhile.
class non_reader {
  public:
    explicit non_reader(const std::string& endpoint) : socket_(context_, zmq::socket_type::dealer) {
        socket_.set(zmq::sockopt::linger, 0);
        socket_.set(zmq::sockopt::rcvhwm, 1);
        socket_.set(zmq::sockopt::rcvbuf, 4096);
        socket_.connect(endpoint);
    }
    void send(const std::string& body) { socket_.send(zmq::buffer(body), zmq::send_flags::none); }
    std::optional<std::string> receive(std::chrono::milliseconds timeout) {
        zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
        zmq::message_t frame;
        (void)socket_.recv(frame);
        return frame.to_string();
    }

  private:
    zmq::context_t context_{1};
    zmq::socket_t socket_;
};

}  // namespace

namespace {

// A fanoutd logging at debug level to a file, and its ended job "big": 20 routers x 1 MiB, so
// every `result` reply for it is ~20 MiB.
struct big_job_daemon {
    temp_dir dir;
    fleet routers{
        dir, big_routers,
        args{"--fault-every", "1:huge_output", "--huge-bytes", std::to_string(big_output)}};
    fanoutd_process daemon{dir, routers.devices_json(), routers.known_hosts(),
                           args{"--log-level", "debug"}, fanoutd_extras{{}, dir.file("log")}};
    client jobs{daemon.jobs()};
    job_result big = expect_reply<job_result>(
        jobs.request(submit_of("big", "show version", router_names(1, big_routers)), 120s));

    // Waits until fanoutd has logged `count` answers (each reply of 1 MiB or more that went
    // out, and each one replaced because it did not fit), at most 120 s; returns how many it
    // logged. A ping's round trip between two looks at the log.
    std::size_t wait_for_answers(std::size_t count) {
        std::size_t answered = 0;
        for (auto deadline = std::chrono::steady_clock::now() + 120s;
             answered < count && std::chrono::steady_clock::now() < deadline;) {
            std::ifstream log(dir.file("log"));
            std::string line;
            answered = 0;
            while (std::getline(log, line))
                if (line.find("bytes goes out") != std::string::npos ||
                    line.find("instead of a reply") != std::string::npos)
                    ++answered;
            if (answered < count) (void)jobs.request(fanout::protocol::ping_request{});
        }
        return answered;
    }
};

}  // namespace

// Finding 3: three clients that send 30 `result` requests each and read nothing once raised
// RSS from 43 to 1,387 MiB. Replies are now bounded in bytes: with the defaults (64 MiB per
// client, 256 MiB in all) each client gets 3 replies of ~20 MiB, then `busy`.
TEST(daemon_slow_consumers, clients_that_never_read_their_replies_hold_bounded_memory) {
    big_job_daemon setup;
    auto& [dir, routers, daemon, jobs, big] = setup;
    ASSERT_EQ(big.summary.successful, static_cast<std::uint64_t>(big_routers));
    const std::size_t reply_bytes =
        fanout::protocol::encode_reply(fanout::protocol::reply{big}).size();
    const pid_t pid = daemon.process().pid();
    const std::size_t peak_before = proc_status_bytes(pid, "VmHWM");

    constexpr int clients = 3, requests = 30;
    std::vector<std::unique_ptr<non_reader>> readers;
    for (int c = 0; c < clients; ++c) {
        readers.push_back(std::make_unique<non_reader>(daemon.jobs()));
        for (int i = 0; i < requests; ++i)
            readers.back()->send(
                fanout::protocol::encode_request(fanout::protocol::result_request{"big"}));
    }
    // A submit took effect even when its client's budget is spent: never `busy` (that would
    // say nothing ran); its wait:true job_result comes without outputs.
    readers.front()->send(fanout::protocol::encode_request(
        submit_of("big-again", "show version", router_names(1, big_routers))));
    // 3 replies fit each client's 64 MiB (a few more may drain into the client's own
    // buffers); the others are answered busy. Wait until fanoutd has answered all 90 (its
    // debug log names every large reply and every busy one) before anyone reads.
    const std::size_t fit = (std::size_t{64} << 20) / reply_bytes;
    ASSERT_EQ(fit, 3u) << "the reply size changed: " << reply_bytes;
    // The first job's own reply and the second submit's are logged too.
    ASSERT_EQ(setup.wait_for_answers(clients * requests + 2), std::size_t{clients * requests + 2});
    const std::size_t peak_after = proc_status_bytes(pid, "VmHWM");

    for (auto& reader : readers) {
        std::size_t results = 0, busy = 0;
        const int expected = requests + (reader == readers.front() ? 1 : 0);
        for (int i = 0; i < expected; ++i) {
            auto body = reader->receive(60s);
            ASSERT_TRUE(body);
            auto reply = reply_of(*body);
            if (auto* job = std::get_if<job_result>(&reply); job && job->job_id == "big-again") {
                EXPECT_EQ(job->summary.successful, static_cast<std::uint64_t>(big_routers));
                for (const auto& r : job->results) {
                    EXPECT_TRUE(r.output_withheld);
                    EXPECT_TRUE(r.output.empty());
                }
            } else if (std::holds_alternative<job_result>(reply)) {
                ++results;
            } else {
                const auto& e = expect_error(reply);
                EXPECT_EQ(e.code, fanout::protocol::error_code::busy);
                EXPECT_NE(e.message.find("--max-client-reply-bytes"), std::string::npos)
                    << e.message;
                ++busy;
            }
        }
        EXPECT_GE(results, fit);
        EXPECT_LE(results, fit + 3) << "the client's own queue and buffer take a few";
        EXPECT_EQ(results + busy, std::size_t{requests});
    }
    const std::size_t growth = peak_after > peak_before ? peak_after - peak_before : 0;
    // --max-reply-bytes, plus the second job: its retained output, the publisher's encoding of
    // its aggregate, intake's copy and the decoded copy it strips for the withheld reply.
    const std::size_t bound = (std::size_t{256} << 20) + 6 * reply_bytes;
    std::cout << "3 clients x 30 unread result replies of " << reply_bytes / 1024
              << " KiB: fanoutd peak RSS " << peak_before / 1024 << " KiB -> " << peak_after / 1024
              << " KiB; bound on the growth " << bound / 1024 << " KiB\n";
    if (rss_is_meaningful) {
        EXPECT_LT(growth, bound);
    }
}

// Finding 4: with the defaults one SUB that never reads once pinned 907 MiB after 20 jobs.
// Now what subscribers leave unread is bounded by --results-buffer-bytes (256 MiB, plus 1/8
// for results published without their output); the rest go out with `output_withheld`.
TEST(daemon_slow_consumers, a_stuck_subscriber_holds_at_most_the_results_buffer) {
    constexpr int routers = 10;
    constexpr int output = 4 << 20;
    constexpr int jobs_run = 20;
    temp_dir dir;
    fleet fleet_(dir, routers,
                 args{"--fault-every", "1:huge_output", "--huge-bytes", std::to_string(output)});
    fanoutd_process daemon(dir, fleet_.devices_json(), fleet_.known_hosts());
    client jobs(daemon.jobs());
    subscriber normal(daemon.results(), "");
    normal.sync(jobs, "r1");
    const pid_t pid = daemon.process().pid();
    const std::size_t peak_before = proc_status_bytes(pid, "VmHWM");

    std::size_t withheld = 0, streamed = 0;
    std::string withheld_job, withheld_router;
    {
        stuck_subscriber stuck(daemon.results());
        stuck.sync(jobs);
        for (int j = 1; j <= jobs_run; ++j) {
            const std::string id = "stuck-" + std::to_string(j);
            expect_reply<fanout::protocol::accepted_reply>(
                jobs.request(submit_of(id, "show version", router_names(1, routers), false)));
            job_result aggregate;
            for (const auto& r : normal.until_job_result(id, aggregate, 120s)) {
                ++streamed;
                if (!r.output_withheld) continue;
                ++withheld;
                EXPECT_TRUE(r.output.empty());
                withheld_job = r.job_id;
                withheld_router = r.router_name;
            }
            EXPECT_EQ(aggregate.summary.successful, static_cast<std::uint64_t>(routers));
        }
    }
    const std::size_t peak_after = proc_status_bytes(pid, "VmHWM");
    EXPECT_EQ(streamed, static_cast<std::size_t>(routers * jobs_run)) << "none was dropped";
    ASSERT_GT(withheld, 0u) << "the stuck subscriber never filled the buffer";

    // What was withheld from subscribers is in `result`.
    auto kept =
        expect_reply<job_result>(jobs.request(fanout::protocol::result_request{withheld_job}, 60s));
    for (const auto& r : kept.results)
        if (r.router_name == withheld_router) {
            EXPECT_EQ(r.output.size(), std::size_t{output});
        }

    // Published: 20 jobs x (10 results + an aggregate of them) x 4 MiB = 1.6 GiB. Held: at most
    // 1.125 x 256 MiB for subscribers, plus --keep-bytes (256 MiB) of retained results, plus
    // the encoding of one aggregate and allocator slack.
    const std::size_t growth = peak_after > peak_before ? peak_after - peak_before : 0;
    const std::size_t bound = (std::size_t{288} << 20) + (std::size_t{256} << 20) +
                              2 * std::size_t{routers} * output + (std::size_t{128} << 20);
    std::cout << "stuck subscriber, defaults, 1.6 GiB published: " << withheld << " of " << streamed
              << " results withheld; fanoutd peak RSS " << peak_before / 1024 << " KiB -> "
              << peak_after / 1024 << " KiB; bound on the growth " << bound / 1024 << " KiB\n";
    if (rss_is_meaningful) {
        EXPECT_LT(growth, bound);
    }

    // Once the stuck subscriber is gone, results carry their output again.
    bool whole = false;
    for (int attempt = 1; attempt <= 5 && !whole; ++attempt) {
        const std::string id = "after-" + std::to_string(attempt);
        expect_reply<fanout::protocol::accepted_reply>(
            jobs.request(submit_of(id, "show version", {"r1"}, false)));
        job_result aggregate;
        auto results = normal.until_job_result(id, aggregate, 60s);
        whole = results.size() == 1 && !results[0].output_withheld;
    }
    EXPECT_TRUE(whole);
}

// Replies that could not be routed (their clients had gone) give their bytes back: clients
// that ask for 20 MiB replies and leave at once do not leave the budget spent for everyone.
TEST(daemon_slow_consumers, replies_to_clients_that_left_give_their_budget_back) {
    big_job_daemon setup;
    auto& [dir, routers, daemon, jobs, big] = setup;
    ASSERT_EQ(big.summary.successful, static_cast<std::uint64_t>(big_routers));

    // 20 replies of ~20 MiB (400 MiB, over --max-reply-bytes) to clients gone by then.
    constexpr int leavers = 5, requests = 4;
    for (int c = 0; c < leavers; ++c) {
        zmq::context_t context(1);
        zmq::socket_t leaver(context, zmq::socket_type::dealer);
        leaver.set(zmq::sockopt::linger, 5000);  // the requests go out; then it is gone
        leaver.connect(daemon.jobs());
        for (int i = 0; i < requests; ++i)
            leaver.send(zmq::buffer(
                fanout::protocol::encode_request(fanout::protocol::result_request{"big"})));
    }
    // Every one of them was answered (each answer is logged) before the next check; the
    // first job's own reply is logged too.
    ASSERT_GE(setup.wait_for_answers(leavers * requests + 1), std::size_t{leavers * requests + 1});
    for (int i = 0; i < 3; ++i) {
        auto reply = jobs.request(fanout::protocol::result_request{"big"}, 60s);
        EXPECT_TRUE(std::holds_alternative<job_result>(reply))
            << "reply #" << i << " was not a job_result: the budget leaked";
    }
}
