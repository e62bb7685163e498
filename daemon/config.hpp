// fanoutd's configuration: every tunable, its default, and the command line that sets it.
//
// Contract: parse_command_line() either returns a complete, range-checked config or an
// exit code (0 after --help/--version, 2 for a usage error or an invalid --command-policy
// file, with the message already printed).
// Defaults are safe: loopback binds, strict host keys.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <variant>

#include "daemon/admission/command_policy.hpp"
#include "daemon/admission/device.hpp"
#include "daemon/jump/jump_options.hpp"
#include "daemon/ssh/session_options.hpp"
#include "daemon/ssh/transport_options.hpp"
#include "protocol/limits.hpp"

namespace fanout::daemon {

struct config {
    std::string jobs_endpoint = "tcp://127.0.0.1:5555";
    std::string results_endpoint = "tcp://127.0.0.1:5556";
    std::filesystem::path inventory_path = "devices.json";
    // --default-transport: for inventory entries with no "transport" and a port other than 830.
    transport_kind default_transport = transport_kind::ssh;
    // Pool mode (fanout-proxy): also connect the jobs ROUTER to the proxy's DEALER backend and
    // the results PUB to its XSUB backend. The binds above stay: they are the daemon's own
    // directly reachable endpoints (control requests for the jobs it owns). Empty: no proxy.
    std::string jobs_connect;
    std::string results_connect;
    // Who owns this daemon's jobs, named in replies and results (PROTOCOL.md, "Pool").
    // parse_command_line fills the defaults: hostname + ":" + --jobs without its scheme, and
    // --jobs itself unless it binds a wildcard (then advertise_endpoint stays empty: not sent).
    std::string node_id;
    std::string advertise_endpoint;

    std::size_t workers = 1024;               // 1000 routers at 1 s latency in one wave
    std::size_t max_sessions_per_router = 1;  // tasks running against one ip:port, all jobs
    std::size_t max_queued_jobs = 1000;       // jobs accepted and not yet ended
    std::size_t max_pending_tasks = 50000;    // router tasks accepted and not yet finished
    std::size_t keep_jobs = 1000;             // ended jobs whose job_result `result` can fetch
    std::chrono::seconds keep_time{3600};     // ... and for how long
    std::size_t keep_bytes = 256u << 20;      // ... and in how much output, in all
    std::chrono::milliseconds command_timeout{60'000};  // when a job gives no `timeout`
    std::chrono::milliseconds shutdown_grace{30'000};
    std::size_t results_hwm = 10000;  // PUB messages queued per subscriber before it loses some
    // Bytes of published messages that subscribers may leave unread, in all; beyond it results
    // go out without output (publisher.hpp).
    std::size_t results_buffer_bytes = std::size_t{256} << 20;
    // Bytes of replies one client, and all clients, may leave unread; beyond it `busy`.
    std::size_t max_client_reply_bytes = std::size_t{64} << 20;
    std::size_t max_reply_bytes = std::size_t{256} << 20;
    // Connections each listening socket (jobs, results) accepts at once (connection_guard).
    std::size_t max_connections = 200;

    transport_options transport;    // connect timeout, known_hosts, host key policy, output cap
    session_pool_options sessions;  // --session-idle, --max-sessions, --session-keepalive
    // --max-sessions was given; otherwise main() sizes it from RLIMIT_NOFILE (open_files.hpp).
    bool max_sessions_set = false;
    // Routers behind bastions (--bastion-channels, --bastion-sessions, --bastion-connect-rate;
    // the idle and keepalive times and the connect timeout are the sessions' and transport's).
    jump::hub_options bastions;
    // --connect-rate: new router sessions per second, daemon-wide (TACACS/RADIUS); 0: no limit.
    double connect_rate = 0;
    protocol::request_limits limits;  // per-request limits (--max-routers-per-job, ...)
    // Which commands may be sent (--command-policy FILE; else the built-in deny list).
    command_policy commands = command_policy::builtin();
    std::filesystem::path command_policy_path;  // empty: the built-in list; re-read on SIGHUP

    std::filesystem::path state_dir;  // empty: no journal, accepted jobs are lost on a crash
    bool rerun_interrupted = false;   // after a crash, run in-flight routers again
    std::filesystem::path audit_log;  // --audit-log (issue 14); empty: the audit trail only logs

    std::string log_level = "info";
    // --metrics-listen ADDR:PORT: Prometheus /metrics, /healthz, /readyz over HTTP
    // (docs/metrics.md). Empty: off, and nothing is recorded.
    std::string metrics_listen;

    // CURVE on both sockets when secret_key_file is set (see curve/curve_keys.hpp for the
    // file formats). Then exactly one of clients_dir (the allow-list) or allow_any_client.
    struct curve_options {
        std::filesystem::path secret_key_file;
        std::filesystem::path clients_dir;
        bool allow_any_client = false;  // encryption only: any client knowing the server key
        bool enabled() const { return !secret_key_file.empty(); }
    } curve;

    // Pool mode with CURVE backends (fanout-proxy --backend-secret-key): the --jobs-connect
    // and --results-connect connections are CURVE clients with this key pair, to the proxy's
    // backend public key. Both or neither; needed when `curve` is enabled in pool mode.
    struct pool_curve_options {
        std::filesystem::path key_file;  // --pool-curve-key
        std::string server_key;          // --pool-server-key: Z85, or a public key file
        bool enabled() const { return !key_file.empty(); }
    } pool_curve;
};

std::variant<config, int> parse_command_line(int argc, char** argv);

// The --node-id default for a daemon bound on `jobs_endpoint`: stable across restarts with
// the same configuration, e.g. "host1:127.0.0.1:5555".
std::string default_node_id(const std::string& jobs_endpoint);
// The --advertise-endpoint default: `jobs_endpoint` unless it binds a wildcard (`*`,
// 0.0.0.0, [::]), whose address a client cannot use; then empty.
std::string default_advertise_endpoint(const std::string& jobs_endpoint);

}  // namespace fanout::daemon
