// fanout-proxy: the meeting point of a fanoutd pool. Clients and subscribers connect to the
// proxy only; daemons connect to its backends.
//   jobs:    ROUTER (--jobs, clients)   <-> DEALER (--jobs-backend, daemons' ROUTERs connect)
//   results: XPUB (--results, subscribers) <-> XSUB (--results-backend, daemons' PUBs connect)
// Each pair runs in zmq_proxy_steerable on its own thread; SIGTERM/SIGINT send TERMINATE on
// the control sockets, so the proxy stops cleanly (linger bounded on every socket).
//
// Why a separate binary and not a mode of fanoutd: the proxy holds no inventory, no SSH
// credentials and no journal, so the one process exposed to every client has nothing worth
// stealing and a small attack surface (no msgpack parsing: it forwards frames unread); it
// has a different lifecycle (it stays up while daemons are restarted or added); and it can
// run on a different host or user than the daemons.
//
// Optional CURVE on the client-facing sockets (--jobs, --results), with the same key files
// and ZAP allow-list as fanoutd (curve/curve_keys.hpp, curve/zap_handler.hpp), and on the
// backends (--backend-secret-key, --backend-daemons: only the daemons' keys may connect, so
// no other local process can take jobs or publish results). One ZAP handler serves both,
// one allow-list per ZAP domain. CURVE clients with plain backends would leave the pool
// unauthenticated behind the front end: refused unless --plain-backends says so.
#include <signal.h>

#include <cstdio>
#include <map>
#include <optional>
#include <string_view>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <zmq.hpp>

#include "curve/curve_keys.hpp"
#include "curve/zap_handler.hpp"
#include "fanout/version.hpp"
#include "tools/proxy/steerable_proxy.hpp"
#include "transports/ipc_endpoint.hpp"

namespace {

struct proxy_config {
    std::string jobs = "tcp://127.0.0.1:5555";
    std::string jobs_backend = "tcp://127.0.0.1:5565";
    std::string results = "tcp://127.0.0.1:5556";
    std::string results_backend = "tcp://127.0.0.1:5566";
    std::string curve_secret_key;
    std::string curve_clients;
    bool curve_allow_any_client = false;
    std::string backend_secret_key;
    std::string backend_daemons;
    bool plain_backends = false;
    int linger_ms = 1000;
    int hwm = 10000;
    int backend_hwm = 16;
    std::string log_level = "info";
};

const char* backend_usage_error(const proxy_config& c) {
    bool backend_curve = !c.backend_secret_key.empty();
    if (backend_curve != !c.backend_daemons.empty())
        return "--backend-secret-key and --backend-daemons DIR go together (the backends "
               "accept only the daemons' keys)";
    if (backend_curve && c.plain_backends)
        return "--plain-backends contradicts --backend-secret-key";
    if (!c.curve_secret_key.empty() && !backend_curve && !c.plain_backends)
        return "--curve-secret-key with plain backends lets any process that reaches "
               "--jobs-backend take jobs and any that reaches --results-backend forge "
               "results: add --backend-secret-key FILE --backend-daemons DIR, or "
               "--plain-backends if only the daemons can reach the backends (docs/pool.md)";
    return nullptr;
}

std::optional<proxy_config> parse(int argc, char** argv, int& exit_code) {
    proxy_config c;
    CLI::App app{
        "fanout-proxy: one address for a pool of fanoutd daemons. Clients submit jobs to "
        "--jobs and subscribe to --results; daemons connect to --jobs-backend and "
        "--results-backend (fanoutd --jobs-connect / --results-connect). Jobs are spread "
        "round robin over the daemons with room; every daemon's results reach every "
        "subscriber.",
        "fanout-proxy"};
    app.footer(
        "Example pool on one host:\n"
        "  fanout-proxy --jobs tcp://0.0.0.0:5555 --results tcp://0.0.0.0:5556\n"
        "  fanoutd --jobs tcp://127.0.0.1:5571 --results tcp://127.0.0.1:5581 \\\n"
        "          --jobs-connect tcp://127.0.0.1:5565 --results-connect tcp://127.0.0.1:5566 "
        "\\\n"
        "          --state-dir /var/lib/fanout/a ...   (one per daemon, own ports and dir)\n"
        "  fanoutctl --jobs tcp://HOST:5555 --results tcp://HOST:5556 run ...\n"
        "CURVE end to end: --curve-secret-key/--curve-clients for clients, "
        "--backend-secret-key/--backend-daemons for the daemons (fanoutd --pool-curve-key, "
        "--pool-server-key); see docs/pool.md.\n"
        "Use tcp:// backends: a full daemon is skipped once its pipe fills, and over ipc:// "
        "the kernel buffers thousands of requests first. status/result/cancel through the "
        "proxy reach any daemon (not_found unless it owns the job): ask the owner at the "
        "control_endpoint its accepted reply names (fanoutctl run does; fanoutctl status, "
        "result and cancel resend a not_found until the owner answers). The proxy never "
        "parses messages; it holds no inventory and no "
        "credentials. Exit codes: 0 stopped by SIGTERM/SIGINT, 1 cannot bind, 2 usage or "
        "CURVE key error.");
    app.set_version_flag("--version", std::string(fanout::fanout_version));
    app.add_option("--jobs", c.jobs, "Endpoint to bind for clients' requests (ROUTER)")
        ->capture_default_str();
    app.add_option("--jobs-backend", c.jobs_backend,
                   "Endpoint to bind for daemons' job sockets (DEALER; fanoutd --jobs-connect)")
        ->capture_default_str();
    app.add_option("--results", c.results, "Endpoint to bind for subscribers (XPUB)")
        ->capture_default_str();
    app.add_option("--results-backend", c.results_backend,
                   "Endpoint to bind for daemons' results (XSUB; fanoutd --results-connect)")
        ->capture_default_str();
    app.add_option("--hwm", c.hwm,
                   "Messages queued per peer and direction before ZeroMQ blocks (jobs) or "
                   "drops (results to a slow subscriber)")
        ->check(CLI::Range(1, 10'000'000))
        ->capture_default_str();
    app.add_option("--backend-hwm", c.backend_hwm,
                   "Jobs queued towards one daemon before round robin skips it. A daemon at "
                   "capacity stops reading, its pipe fills and it gets no more jobs until it "
                   "has room; keep this small so that happens soon")
        ->check(CLI::Range(1, 100'000))
        ->capture_default_str();
    app.add_option("--linger-ms", c.linger_ms,
                   "On stop, how long unsent messages may delay the exit")
        ->check(CLI::Range(0, 60'000))
        ->capture_default_str();
    app.add_option("--curve-secret-key", c.curve_secret_key,
                   "CURVE key pair file (mode 0600; `fanoutctl keygen --out FILE`): encrypts "
                   "--jobs and --results and authenticates clients. Clients use this key's "
                   "public half as the server key")
        ->check(CLI::ExistingFile);
    app.add_option("--curve-clients", c.curve_clients,
                   "With --curve-secret-key: directory of allowed client public keys (*.pub)")
        ->check(CLI::ExistingDirectory);
    app.add_flag("--curve-allow-any-client", c.curve_allow_any_client,
                 "With --curve-secret-key: encryption only, any client may connect");
    app.add_option("--backend-secret-key", c.backend_secret_key,
                   "CURVE key pair file (mode 0600; may be the --curve-secret-key file) for "
                   "--jobs-backend and --results-backend: daemons use its public half as "
                   "fanoutd --pool-server-key. Needs --backend-daemons")
        ->check(CLI::ExistingFile);
    app.add_option("--backend-daemons", c.backend_daemons,
                   "With --backend-secret-key: directory of the daemons' public keys (*.pub, "
                   "fanoutd --pool-curve-key FILE.pub); any other peer of a backend is refused")
        ->check(CLI::ExistingDirectory);
    app.add_flag("--plain-backends", c.plain_backends,
                 "Allow --curve-secret-key with plain backends (any process that reaches a "
                 "backend can take jobs and publish forged results; for a backend only the "
                 "daemons can reach, e.g. ipc:// in a private directory)");
    app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        exit_code = app.exit(e) == 0 ? 0 : 2;
        return std::nullopt;
    }
    bool curve = !c.curve_secret_key.empty();
    bool has_clients = !c.curve_clients.empty();
    if ((!curve && (has_clients || c.curve_allow_any_client)) ||
        (curve && has_clients == c.curve_allow_any_client)) {
        std::fprintf(stderr,
                     "--curve-secret-key needs exactly one of --curve-clients DIR or "
                     "--curve-allow-any-client, and they need --curve-secret-key\n");
        exit_code = 2;
        return std::nullopt;
    }
    if (auto error = backend_usage_error(c)) {
        std::fprintf(stderr, "fanout-proxy: %s\n", error);
        exit_code = 2;
        return std::nullopt;
    }
    return c;
}

// A CURVE server socket's key pair and ZAP domain (whose allow-list admits its peers).
struct curve_server {
    const fanout::curve::key_pair* keys = nullptr;  // null: plain
    std::string_view zap_domain;
};

// `send_hwm`: 0 for --hwm.
zmq::socket_t make_socket(zmq::context_t& context, zmq::socket_type type, const proxy_config& c,
                          const curve_server& curve, const std::string& endpoint,
                          int send_hwm = 0) {
    zmq::socket_t s(context, type);
    s.set(zmq::sockopt::linger, c.linger_ms);
    s.set(zmq::sockopt::sndhwm, send_hwm ? send_hwm : c.hwm);
    // The jobs backend: a small kernel send buffer too (tcp:// only; ZeroMQ leaves ipc://
    // buffers at the kernel's default, ~200 KiB), so a daemon that stops reading stops
    // receiving after a few KiB of requests.
    if (send_hwm) s.set(zmq::sockopt::sndbuf, 4096);
    s.set(zmq::sockopt::rcvhwm, c.hwm);
    if (curve.keys) fanout::curve::apply_curve_server(s.handle(), *curve.keys, curve.zap_domain);
    fanout::transports::refuse_live_ipc(endpoint);
    s.bind(endpoint);
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    auto parsed = parse(argc, argv, exit_code);
    if (!parsed) return exit_code;
    const auto& c = *parsed;

    auto logger = spdlog::stderr_color_mt("fanout-proxy");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(c.log_level));

    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &handled, nullptr);  // before any thread starts

    try {
        zmq::context_t context(1);
        namespace curve = fanout::curve;
        std::optional<curve::key_pair> keys, backend_keys;
        std::map<std::string, fanout::daemon::zap_policy> policies;
        if (!c.curve_secret_key.empty()) {
            keys = curve::load_key_pair(c.curve_secret_key);
            std::optional<std::set<std::string>> allowed;
            if (!c.curve_allow_any_client) allowed = curve::load_allow_list(c.curve_clients);
            policies[std::string(curve::client_zap_domain)] = {allowed, "--curve-clients"};
            spdlog::info("CURVE on --jobs and --results, server public key {}", keys->public_key);
        }
        if (!c.backend_secret_key.empty()) {
            backend_keys = curve::load_key_pair(c.backend_secret_key);
            auto daemons = curve::load_allow_list(c.backend_daemons);
            spdlog::info(
                "CURVE on --jobs-backend and --results-backend, server public key {}, "
                "{} daemon key(s) from {}",
                backend_keys->public_key, daemons.size(), c.backend_daemons);
            policies[std::string(curve::pool_zap_domain)] = {std::move(daemons),
                                                             "--backend-daemons"};
        } else if (keys) {
            spdlog::warn(
                "--plain-backends: the backends are not authenticated; any process "
                "that reaches --jobs-backend can take jobs and any that reaches "
                "--results-backend can forge results");
        }
        // Bound before any CURVE socket: without a ZAP handler ZeroMQ lets every client in.
        std::unique_ptr<fanout::daemon::zap_handler> zap;
        if (!policies.empty())
            zap = std::make_unique<fanout::daemon::zap_handler>(context, std::move(policies));
        const curve_server front{keys ? &*keys : nullptr, curve::client_zap_domain};
        const curve_server back{backend_keys ? &*backend_keys : nullptr, curve::pool_zap_domain};
        {
            using zmq::socket_type;
            auto jobs_front = make_socket(context, socket_type::router, c, front, c.jobs);
            auto jobs_back =
                make_socket(context, socket_type::dealer, c, back, c.jobs_backend, c.backend_hwm);
            auto results_front = make_socket(context, socket_type::xpub, c, front, c.results);
            auto results_back = make_socket(context, socket_type::xsub, c, back, c.results_backend);
            // The bound addresses (a `tcp://host:*` endpoint shows its chosen port here).
            spdlog::info("fanout-proxy {} ready: jobs {} -> {}, results {} <- {}",
                         fanout::fanout_version, jobs_front.get(zmq::sockopt::last_endpoint),
                         jobs_back.get(zmq::sockopt::last_endpoint),
                         results_front.get(zmq::sockopt::last_endpoint),
                         results_back.get(zmq::sockopt::last_endpoint));
            fanout::proxy::steerable_proxy jobs(context, "jobs", std::move(jobs_front),
                                                std::move(jobs_back));
            fanout::proxy::steerable_proxy results(context, "results", std::move(results_front),
                                                   std::move(results_back));
            int sig = 0;
            sigwait(&handled, &sig);
            spdlog::info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
        }  // both devices stop (TERMINATE) and join here
        if (zap) zap->stop();
    } catch (const fanout::curve::key_file_error& e) {
        spdlog::error("invalid CURVE setup: {}", e.what());
        return 2;
    } catch (const zmq::error_t& e) {
        spdlog::error("cannot start: {} (check the endpoints)", e.what());
        return 1;
    } catch (const std::runtime_error& e) {
        spdlog::error("cannot start: {}", e.what());
        return 1;
    }
    spdlog::info("stopped");
    return 0;
}
