#include "daemon/config.hpp"

#include <cstdlib>
#include <map>

#include <CLI/CLI.hpp>

#include "daemon/version.hpp"

namespace fanout::daemon {
namespace {

std::filesystem::path default_known_hosts() {
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home && *home ? home : "/root") / ".ssh" / "known_hosts";
}

std::chrono::milliseconds to_ms(double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

}  // namespace

std::variant<config, int> parse_command_line(int argc, char** argv) {
    config c;
    c.transport.known_hosts = default_known_hosts();

    CLI::App app{
        "fanoutd: runs CLI commands on many routers at once over SSH and publishes every "
        "router's answer.\nJobs arrive on a ZeroMQ ROUTER socket (protocol v1, msgpack); "
        "results are published on a ZeroMQ PUB socket.",
        "fanoutd"};
    app.set_version_flag("--version", std::string(fanout_version));
    app.get_formatter()->column_width(40);
    app.footer(
        "Examples:\n"
        "  fanoutd --inventory /etc/fanout/devices.json --known-hosts /etc/fanout/known_hosts\n"
        "  fanoutd --inventory devices.json --workers 256 --host-key-policy accept-new\n"
        "Protocol: see protocol/PROTOCOL.md. Client: fanoutctl --help.");

    double connect_timeout = 10, command_timeout = 60, grace = 30;
    long long keep_seconds = 3600;
    std::map<std::string, host_key_policy> policies{{"strict", host_key_policy::strict},
                                                    {"accept-new", host_key_policy::accept_new},
                                                    {"off", host_key_policy::off}};

    app.add_option("--jobs", c.jobs_endpoint, "ZeroMQ endpoint to bind for jobs (ROUTER)")
        ->capture_default_str();
    app.add_option("--results", c.results_endpoint, "ZeroMQ endpoint to bind for results (PUB)")
        ->capture_default_str();
    app.add_option("-i,--inventory", c.inventory_path,
                   "Router inventory in junos-mcp-server devices.json format")
        ->capture_default_str();
    app.add_option("--known-hosts", c.transport.known_hosts,
                   "OpenSSH known_hosts file used to verify router host keys")
        ->capture_default_str();
    std::string policy = "strict";
    app.add_option("--host-key-policy", policy,
                   "strict: refuse unknown and changed keys; accept-new: record unknown keys, "
                   "refuse changed ones; off: do not check (unsafe)")
        ->check(CLI::IsMember({"strict", "accept-new", "off"}))
        ->capture_default_str();
    app.add_option("-w,--workers", c.workers, "Worker threads, i.e. routers served at once")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    app.add_option("--connect-timeout", connect_timeout,
                   "Seconds allowed for TCP connect, SSH handshake and authentication")
        ->check(CLI::Range(0.1, 3600.0))
        ->capture_default_str();
    app.add_option("--command-timeout", command_timeout,
                   "Seconds per router per command when a job sets no timeout")
        ->check(CLI::Range(0.1, 86400.0))
        ->capture_default_str();
    app.add_option("--max-output-bytes", c.transport.max_output_bytes,
                   "Cap on one command's captured stdout+stderr; beyond it the result is "
                   "marked truncated")
        ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
        ->capture_default_str();
    app.add_option("--max-queued-jobs", c.max_queued_jobs,
                   "Jobs accepted and not yet ended; beyond it submit answers busy")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
        ->capture_default_str();
    app.add_option("--max-pending-tasks", c.max_pending_tasks,
                   "Router tasks accepted and not yet finished; beyond it submit answers busy")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10000000}))
        ->capture_default_str();
    app.add_option("--max-routers-per-job", c.limits.max_routers_per_job,
                   "Routers one job may name; more answers too_large")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
        ->capture_default_str();
    app.add_option("--results-hwm", c.results_hwm,
                   "Messages the results socket queues for one subscriber; a subscriber that "
                   "falls further behind loses messages (replay or result fetch them)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10000000}))
        ->capture_default_str();
    app.add_option("--keep-jobs", c.keep_jobs, "Ended jobs whose results stay fetchable")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
        ->capture_default_str();
    app.add_option("--keep-seconds", keep_seconds, "How long ended jobs stay fetchable")
        ->check(CLI::Range(1LL, 30LL * 86400))
        ->capture_default_str();
    app.add_option("--shutdown-grace", grace,
                   "On SIGTERM/SIGINT, seconds to let running jobs finish before cancelling")
        ->check(CLI::Range(0.0, 3600.0))
        ->capture_default_str();
    app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    c.transport.host_keys = policies.at(policy);
    c.transport.connect_timeout = to_ms(connect_timeout);
    c.command_timeout = to_ms(command_timeout);
    c.shutdown_grace = to_ms(grace);
    c.keep_time = std::chrono::seconds(keep_seconds);
    if (c.max_pending_tasks < c.limits.max_routers_per_job) {
        std::fprintf(stderr,
                     "fanoutd: --max-pending-tasks (%zu) must be at least --max-routers-per-job "
                     "(%zu), or a maximal job could never be accepted\n",
                     c.max_pending_tasks, c.limits.max_routers_per_job);
        return 2;
    }
    return c;
}

}  // namespace fanout::daemon
