#include "daemon/config.hpp"

#include <unistd.h>

#include <cstdlib>
#include <map>

#include <CLI/CLI.hpp>

#include "daemon/api/metrics_server.hpp"
#include "fanout/version.hpp"

namespace fanout::daemon {
namespace {

std::filesystem::path default_known_hosts() {
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home && *home ? home : "/root") / ".ssh" / "known_hosts";
}

std::chrono::milliseconds to_ms(double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

const char* curve_usage_error(const config& c) {
    const auto& curve = c.curve;
    bool has_clients = !curve.clients_dir.empty();
    if (!curve.enabled() && (has_clients || curve.allow_any_client))
        return "--curve-clients and --curve-allow-any-client need --curve-secret-key";
    bool pooled = !c.jobs_connect.empty() || !c.results_connect.empty();
    if (c.pool_curve.enabled() == c.pool_curve.server_key.empty())
        return "--pool-curve-key FILE and --pool-server-key KEY go together";
    if (c.pool_curve.enabled() && !pooled)
        return "--pool-curve-key needs --jobs-connect or --results-connect";
    if (curve.enabled() && pooled && !c.pool_curve.enabled())
        return "with --curve-secret-key, --jobs-connect/--results-connect need "
               "--pool-curve-key and --pool-server-key: clients are authenticated, so the "
               "proxy's backends must be too (fanout-proxy --backend-secret-key, docs/pool.md)";
    if (curve.enabled() && has_clients == curve.allow_any_client)
        return "--curve-secret-key needs exactly one of --curve-clients DIR (allow-list) or "
               "--curve-allow-any-client (encryption only)";
    return nullptr;
}

constexpr std::size_t max_node_field_bytes = 256;

// A --node-id or --advertise-endpoint the wire can carry: printable ASCII, no blanks.
bool is_printable_token(const std::string& s) {
    if (s.empty() || s.size() > max_node_field_bytes) return false;
    for (unsigned char ch : s)
        if (ch <= 0x20 || ch >= 0x7f) return false;
    return true;
}

}  // namespace

std::string default_node_id(const std::string& jobs_endpoint) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
        std::snprintf(host, sizeof host, "fanoutd");
    auto scheme_end = jobs_endpoint.find("://");
    std::string where =
        scheme_end == std::string::npos ? jobs_endpoint : jobs_endpoint.substr(scheme_end + 3);
    return (std::string(host) + ":" + where).substr(0, max_node_field_bytes);
}

std::string default_advertise_endpoint(const std::string& jobs_endpoint) {
    for (const char* wildcard : {"*", "0.0.0.0", "[::]"})
        if (jobs_endpoint.find(wildcard) != std::string::npos) return "";
    return jobs_endpoint;
}

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
        "  fanoutd --inventory devices.json --command-policy /etc/fanout/command-policy.conf\n"
        "  fanoutd --config /etc/fanout/fanoutd.conf   (the systemd unit's form)\n"
        "  fanoutd --jobs tcp://0.0.0.0:5555 --results tcp://0.0.0.0:5556 \\\n"
        "          --curve-secret-key /etc/fanout/server.key --curve-clients /etc/fanout/clients\n"
        "Signals: SIGTERM/SIGINT shut down gracefully; SIGHUP re-reads the inventory and the "
        "--command-policy file (a bad file keeps the old one; jobs already accepted keep their "
        "inventory) and reopens the --audit-log file by its path (logrotate).\n"
        "Protocol: see protocol/PROTOCOL.md. Client: fanoutctl --help.");

    double connect_timeout = 10, command_timeout = 60, grace = 30, connect_backoff = 0.5;
    double session_idle = 300, session_keepalive = 30;
    long long keep_seconds = 3600;
    std::map<std::string, host_key_policy> policies{{"strict", host_key_policy::strict},
                                                    {"accept-new", host_key_policy::accept_new},
                                                    {"off", host_key_policy::off}};

    // Every long option can also come from a file: `workers = 128`; the command line wins.
    app.set_config("--config", "",
                   "Read options from a TOML/INI file: one `long-option-name = value` per line "
                   "(e.g. /etc/fanout/fanoutd.conf); options given on the command line win");
    app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error
    app.add_option("--jobs", c.jobs_endpoint, "ZeroMQ endpoint to bind for jobs (ROUTER)")
        ->capture_default_str();
    app.add_option("--results", c.results_endpoint, "ZeroMQ endpoint to bind for results (PUB)")
        ->capture_default_str();
    app.add_option("--jobs-connect", c.jobs_connect,
                   "Pool mode: also connect the jobs socket to a fanout-proxy's jobs backend "
                   "(e.g. tcp://proxy:5565); --jobs stays bound for requests sent to this "
                   "daemon directly. With --curve-secret-key, needs --pool-curve-key");
    app.add_option("--results-connect", c.results_connect,
                   "Pool mode: also publish results to a fanout-proxy's results backend "
                   "(e.g. tcp://proxy:5566); --results stays bound");
    app.add_option("--node-id", c.node_id,
                   "This daemon's name in replies and results (`node`), so pool clients see "
                   "who owns a job. Keep it stable across restarts: the journal's jobs keep it. "
                   "Default: HOSTNAME:JOBS-ENDPOINT-WITHOUT-SCHEME");
    app.add_option("--advertise-endpoint", c.advertise_endpoint,
                   "Where clients send status/result/cancel for this daemon's jobs "
                   "(`control_endpoint` in replies and results). Default: --jobs, unless it "
                   "binds a wildcard (*, 0.0.0.0): then none is sent");
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
    std::string default_transport = "ssh";
    app.add_option("--default-transport", default_transport,
                   "How routers whose inventory entry has no \"transport\" and a port other "
                   "than 830 run commands: ssh (SSH exec) or netconf (the SSH netconf "
                   "subsystem); port 830 is always netconf")
        ->check(CLI::IsMember({"ssh", "netconf"}))
        ->capture_default_str();
    app.add_option("-w,--workers", c.workers, "Worker threads, i.e. routers served at once")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    app.add_option("--connect-timeout", connect_timeout,
                   "Seconds allowed for TCP connect, SSH handshake and authentication")
        ->check(CLI::Range(0.1, 3600.0))
        ->capture_default_str();
    app.add_option("--connect-retries", c.transport.connect_retries,
                   "Further connect attempts after a refused, unreachable or timed-out connect "
                   "(never after an auth or host key failure, never once a command was sent)")
        ->check(CLI::Range(0u, 10u))
        ->capture_default_str();
    app.add_option("--connect-backoff", connect_backoff,
                   "Seconds before the first connect retry; doubles for each next one, with "
                   "a random factor of 0.5-1.5 so routers are not retried in lockstep")
        ->check(CLI::Range(0.0, 10.0))
        ->capture_default_str();
    app.add_option("--max-sessions-per-router", c.max_sessions_per_router,
                   "Router tasks running against one router (ip:port) at once, across all "
                   "jobs; more wait while other routers are served")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
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
    app.add_option("--session-idle", session_idle,
                   "Seconds an authenticated SSH session stays open, idle, for reuse by later "
                   "commands and jobs on the same router; 0 disables reuse")
        ->check(CLI::Range(0.0, 86400.0))
        ->capture_default_str();
    auto* max_sessions =
        app.add_option(
               "--max-sessions", c.sessions.max_sessions,
               "Open SSH sessions, in use and idle, kept at most; each holds one file "
               "descriptor. Default: the open-file limit (raised to its hard limit at "
               "start) minus 128 + 2 x --max-connections reserved for fanoutd's own files and "
               "ZeroMQ connections. At "
               "the cap a new session first closes an idle one that no queued or running "
               "job needs, the most recently used first")
            ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
    app.add_option("--session-keepalive", session_keepalive,
                   "Seconds between keepalives on idle SSH sessions, to find dead ones before "
                   "a job does; 0 sends none")
        ->check(CLI::Range(0.0, 86400.0))
        ->capture_default_str();
    app.add_option("--bastion-channels", c.bastions.channels_per_session,
                   "Routers one bastion session carries at once (direct-tcpip channels); more "
                   "open another session to that bastion")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
        ->capture_default_str();
    app.add_option("--bastion-sessions", c.bastions.sessions_per_bastion,
                   "Sessions to one bastion at once, the first opened alone, then at most 3 at "
                   "once (under OpenSSH's MaxStartups); when all carry --bastion-channels "
                   "routers, more routers wait")
        ->check(CLI::Range(std::size_t{1}, std::size_t{256}))
        ->capture_default_str();
    app.add_option("--bastion-connect-rate", c.bastions.connect_rate,
                   "New router connections per second through one bastion (a burst of one "
                   "second's worth goes at once); 0: no limit")
        ->check(CLI::Range(0.0, 1e6))
        ->capture_default_str();
    app.add_option("--connect-rate", c.connect_rate,
                   "New router sessions per second, daemon-wide, direct or through bastions, "
                   "to spare TACACS/RADIUS servers a login storm (a burst of one second's "
                   "worth goes at once); 0: no limit")
        ->check(CLI::Range(0.0, 1e6))
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
    app.add_option("--results-buffer-bytes", c.results_buffer_bytes,
                   "Bytes of published results that subscribers may leave unread, in all; "
                   "beyond it results are published without output (output_withheld), and "
                   "beyond 1/8 more not at all (replay or result fetch them)")
        ->check(CLI::Range(std::size_t{1} << 20, std::size_t{1} << 40))
        ->capture_default_str();
    app.add_option("--max-client-reply-bytes", c.max_client_reply_bytes,
                   "Bytes of replies one client may leave unread; a reply beyond it is "
                   "replaced by a busy error (one reply always goes out when none is unread)")
        ->check(CLI::Range(std::size_t{1} << 20, std::size_t{1} << 40))
        ->capture_default_str();
    app.add_option("--max-reply-bytes", c.max_reply_bytes,
                   "Bytes of replies all clients together may leave unread; beyond it busy")
        ->check(CLI::Range(std::size_t{1} << 20, std::size_t{1} << 40))
        ->capture_default_str();
    app.add_option("--max-connections", c.max_connections,
                   "Connections the jobs socket, and the results socket, each accept at once; "
                   "more are closed at once (each holds a descriptor: see --max-sessions)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
        ->capture_default_str();
    app.add_option("--keep-jobs", c.keep_jobs, "Ended jobs whose results stay fetchable")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
        ->capture_default_str();
    app.add_option("--keep-seconds", keep_seconds, "How long ended jobs stay fetchable")
        ->check(CLI::Range(1LL, 30LL * 86400))
        ->capture_default_str();
    app.add_option("--keep-bytes", c.keep_bytes,
                   "Output (stdout+stderr) that ended jobs keep in memory, in all; the oldest "
                   "ended jobs are forgotten first, the newest is always kept")
        ->check(CLI::Range(std::size_t{1} << 20, std::size_t{1} << 40))
        ->capture_default_str();
    app.add_option("--shutdown-grace", grace,
                   "On SIGTERM/SIGINT, seconds to let running jobs finish before cancelling")
        ->check(CLI::Range(0.0, 3600.0))
        ->capture_default_str();
    std::string policy_file;
    app.add_option(
        "--command-policy", policy_file,
        "Command policy file (deny/allow rules; see docs/security.md, \"Command policy\"). "
        "Default: the built-in deny list (reboot, configuration, shell, ...). A "
        "missing or invalid file stops fanoutd with exit code 2");
    app.add_option("--state-dir", c.state_dir,
                   "Directory for the crash-safety journal (created 0700; an existing one must be "
                   "fanoutd's own and private). After a crash or "
                   "kill, fanoutd resumes the unfinished jobs from it. Default: none (accepted "
                   "jobs are lost on a crash)");
    app.add_flag("--rerun-interrupted", c.rerun_interrupted,
                 "After a crash, run again the routers whose command was in flight, instead "
                 "of reporting them failed with error kind interrupted (needs --state-dir)");
    app.add_option("--audit-log", c.audit_log,
                   "Audit trail file (issue 14): one JSON line per submit, refusal, cancel and "
                   "job end, synced before the reply (schema: docs/audit.md). Created 0600 and "
                   "appended to; an existing file must not be readable by group or others. "
                   "While it cannot be written (disk full), submits get busy. SIGHUP reopens it "
                   "(logrotate; a failed reopen keeps the old file). Default: none "
                   "(the audit lines go to the log only)");
    app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error, critical, off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    app.add_option("--metrics-listen", c.metrics_listen,
                   "Serve Prometheus metrics on http://ADDR:PORT/metrics, and /healthz and "
                   "/readyz for health checks (e.g. 127.0.0.1:9464; [::1]:9464). Off by "
                   "default. No authentication: a non-loopback address gets a warning; the "
                   "figures name no router or command (docs/metrics.md)")
        ->check([](const std::string& text) {
            return parse_listen_address(text) ? std::string()
                                              : "expected ADDR:PORT, e.g. 127.0.0.1:9464";
        });
    app.add_option("--curve-secret-key", c.curve.secret_key_file,
                   "CURVE key pair file of fanoutd (mode 0600; create it with `fanoutctl keygen "
                   "--out FILE`): encrypts both sockets and authenticates clients")
        ->check(CLI::ExistingFile);
    app.add_option("--curve-clients", c.curve.clients_dir,
                   "With --curve-secret-key: directory of allowed client public keys, one "
                   "*.pub file each; other clients are refused and logged")
        ->check(CLI::ExistingDirectory);
    app.add_flag("--curve-allow-any-client", c.curve.allow_any_client,
                 "With --curve-secret-key: encryption only, any client that knows fanoutd's "
                 "public key may connect (instead of --curve-clients)");
    app.add_option("--pool-curve-key", c.pool_curve.key_file,
                   "Pool mode: CURVE key pair file (mode 0600) of this daemon as a client of "
                   "fanout-proxy's CURVE backends; its FILE.pub goes in the proxy's "
                   "--backend-daemons directory. Needs --pool-server-key")
        ->check(CLI::ExistingFile);
    app.add_option("--pool-server-key", c.pool_curve.server_key,
                   "Pool mode: fanout-proxy's backend public key (--backend-secret-key's "
                   "public half), as 40 Z85 characters or a public key file");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    c.transport.host_keys = policies.at(policy);
    c.default_transport =
        default_transport == "netconf" ? transport_kind::netconf : transport_kind::ssh;
    c.transport.connect_timeout = to_ms(connect_timeout);
    c.transport.connect_backoff = to_ms(connect_backoff);
    c.command_timeout = to_ms(command_timeout);
    c.shutdown_grace = to_ms(grace);
    c.sessions.idle_timeout = to_ms(session_idle);
    c.max_sessions_set = max_sessions->count() > 0;
    c.sessions.keepalive_interval = to_ms(session_keepalive);
    c.bastions.idle_timeout = c.sessions.idle_timeout;
    c.bastions.keepalive_interval = c.sessions.keepalive_interval;
    c.bastions.connect_timeout = c.transport.connect_timeout;
    c.keep_time = std::chrono::seconds(keep_seconds);
    if (!policy_file.empty()) {
        try {
            c.commands = command_policy::load(policy_file);
            c.command_policy_path = policy_file;
        } catch (const command_policy_error& e) {
            std::fprintf(stderr, "fanoutd: invalid --command-policy: %s\n", e.what());
            return 2;
        }
    }
    if (c.node_id.empty()) c.node_id = default_node_id(c.jobs_endpoint);
    if (c.advertise_endpoint.empty())
        c.advertise_endpoint = default_advertise_endpoint(c.jobs_endpoint);
    if (!is_printable_token(c.node_id) ||
        (!c.advertise_endpoint.empty() && !is_printable_token(c.advertise_endpoint))) {
        std::fprintf(stderr,
                     "fanoutd: --node-id and --advertise-endpoint must be 1-%zu printable "
                     "characters without blanks\n",
                     max_node_field_bytes);
        return 2;
    }
    if (c.rerun_interrupted && c.state_dir.empty()) {
        std::fprintf(stderr, "fanoutd: --rerun-interrupted needs --state-dir\n");
        return 2;
    }
    if (c.max_pending_tasks < c.limits.max_routers_per_job) {
        std::fprintf(stderr,
                     "fanoutd: --max-pending-tasks (%zu) must be at least --max-routers-per-job "
                     "(%zu), or a maximal job could never be accepted\n",
                     c.max_pending_tasks, c.limits.max_routers_per_job);
        return 2;
    }
    if (auto error = curve_usage_error(c)) {
        std::fprintf(stderr, "fanoutd: %s\n", error);
        return 2;
    }
    return c;
}

}  // namespace fanout::daemon
