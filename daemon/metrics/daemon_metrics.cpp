#include "daemon/metrics/daemon_metrics.hpp"

#include <atomic>

#include "daemon/metrics/registry.hpp"

namespace fanout::metrics {
namespace {

std::atomic<bool> on{false};

// Router results and commands: from a few ms (pooled, L=0) to the longest --command-timeout.
const std::vector<double> duration_bounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                          2.5,   5,    10,    30,   60,  120,  300, 900};
// TCP connect + SSH handshake + authentication (+ retries): LAN ms to a slow TACACS login.
const std::vector<double> connect_bounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                         1,     2.5,  5,     10,   30,  60};
// fdatasync: from page-cache-backed tmpfs (us) to a busy spinning disk (hundreds of ms).
const std::vector<double> sync_bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                      0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};

struct all {
    registry r;
    counter& jobs_accepted = r.add_counter("fanout_jobs_accepted_total",
                                           "Submits accepted as new jobs (resubmits not counted)");
    counter_family<1>& jobs_refused = r.add_counter_family<1>(
        "fanout_jobs_refused_total",
        "Submits refused, by error code (requests that could not be decoded count here too: "
        "their type is unknown)",
        {"code"});
    counter_family<1>& jobs_ended = r.add_counter_family<1>(
        "fanout_jobs_ended_total", "Jobs ended (aggregate published), by final state", {"state"});
    counter_family<2>& results = r.add_counter_family<2>(
        "fanout_router_results_total",
        "Router results published (one per router and command), by status and error kind "
        "(kind=\"none\" when there is no error)",
        {"status", "kind"});
    histogram& result_seconds = r.add_histogram(
        "fanout_router_result_duration_seconds",
        "Execution duration of each router result (the command on the router, as the result's "
        "execution_duration)",
        duration_bounds);
    histogram& connect_seconds = r.add_histogram(
        "fanout_session_connect_duration_seconds",
        "Time to open a router session: TCP connect, SSH handshake and authentication, retries "
        "included (sessions that opened)",
        connect_bounds);
    counter& connect_failures = r.add_counter("fanout_session_connect_failures_total",
                                              "Router sessions that could not be opened");
    counter_family<1>& pub_sent = r.add_counter_family<1>(
        "fanout_pub_messages_sent_total",
        "Messages handed to the results PUB socket, by whether their output was withheld "
        "(libzmq does not report what it drops at a subscriber's HWM)",
        {"output"});
    counter& pub_dropped = r.add_counter(
        "fanout_pub_messages_dropped_total",
        "Messages not published because subscribers held --results-buffer-bytes and more "
        "unread (replay and result still have them)");
    histogram& sync_seconds = r.add_histogram(
        "fanout_journal_fsync_duration_seconds",
        "Duration of each journal fdatasync (with the directory fsync)", sync_bounds);
    counter& journal_bytes = r.add_counter("fanout_journal_written_bytes_total",
                                           "Bytes appended to the journal (records and framing)");

    all() {
        for (const char* code : {"bad_request", "unknown_routers", "duplicate_job", "busy",
                                 "too_large", "forbidden_command"})
            jobs_refused.at({code});
        for (const char* state : {"done", "cancelled"}) jobs_ended.at({state});
        results.at({"success", "none"});
        for (const char* status : {"failed", "cancelled"})
            for (const char* kind :
                 {"none", "connect", "auth", "host_key", "timeout", "channel", "exit_status",
                  "internal", "interrupted", "parse", "rpc_error", "stopped"})
                results.at({status, kind});
        pub_sent.at({"full"});
        pub_sent.at({"withheld"});
    }
};

all& metrics() {
    static all instance;
    return instance;
}

}  // namespace

void enable() {
    metrics();  // built before the first event
    on.store(true, std::memory_order_relaxed);
}

bool enabled() {
    return on.load(std::memory_order_relaxed);
}

void record_job_accepted() {
    if (enabled()) metrics().jobs_accepted.inc();
}

void record_job_refused(std::string_view code) {
    if (enabled()) metrics().jobs_refused.inc({code});
}

void record_job_ended(std::string_view state) {
    if (enabled()) metrics().jobs_ended.inc({state});
}

void record_router_result(std::string_view status, std::string_view kind, double seconds) {
    if (!enabled()) return;
    auto& m = metrics();
    m.results.inc({status, kind});
    m.result_seconds.observe(seconds);
}

void record_session_open(double seconds, bool ok) {
    if (!enabled()) return;
    if (ok)
        metrics().connect_seconds.observe(seconds);
    else
        metrics().connect_failures.inc();
}

void record_pub_sent(bool withheld) {
    if (enabled()) metrics().pub_sent.inc({withheld ? "withheld" : "full"});
}

void record_pub_dropped() {
    if (enabled()) metrics().pub_dropped.inc();
}

void record_journal_sync(double seconds) {
    if (enabled()) metrics().sync_seconds.observe(seconds);
}

void record_journal_bytes(std::size_t bytes) {
    if (enabled()) metrics().journal_bytes.inc(bytes);
}

std::string render() {
    return metrics().r.render();
}

}  // namespace fanout::metrics
