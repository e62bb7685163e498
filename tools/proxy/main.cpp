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
// and ZAP allow-list as fanoutd (curve/curve_keys.hpp, curve/zap_handler.hpp). The
// backends are meant for daemons on loopback or a private network.
#include <signal.h>

#include <cstdio>
#include <optional>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <zmq.hpp>

#include "curve/curve_keys.hpp"
#include "curve/zap_handler.hpp"
#include "fanout/version.hpp"
#include "tools/proxy/steerable_proxy.hpp"

namespace {

struct proxy_config {
    std::string jobs = "tcp://127.0.0.1:5555";
    std::string jobs_backend = "tcp://127.0.0.1:5565";
    std::string results = "tcp://127.0.0.1:5556";
    std::string results_backend = "tcp://127.0.0.1:5566";
    std::string curve_secret_key;
    std::string curve_clients;
    bool curve_allow_any_client = false;
    int linger_ms = 1000;
    int hwm = 10000;
    int backend_hwm = 16;
    std::string log_level = "info";
};

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
        "Use tcp:// backends: a full daemon is skipped once its pipe fills, and over ipc:// "
        "the kernel buffers thousands of requests first. status/result/cancel through the "
        "proxy reach any daemon (not_found unless it owns the job): ask the owner at the "
        "control_endpoint its accepted reply names (fanoutctl run does). The proxy never "
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
    return c;
}

// `send_hwm`: 0 for --hwm.
zmq::socket_t make_socket(zmq::context_t& context, zmq::socket_type type, const proxy_config& c,
                          const fanout::curve::key_pair* curve_server, const std::string& endpoint,
                          int send_hwm = 0) {
    zmq::socket_t s(context, type);
    s.set(zmq::sockopt::linger, c.linger_ms);
    s.set(zmq::sockopt::sndhwm, send_hwm ? send_hwm : c.hwm);
    // The jobs backend: a small kernel send buffer too (tcp:// only; ZeroMQ leaves ipc://
    // buffers at the kernel's default, ~200 KiB), so a daemon that stops reading stops
    // receiving after a few KiB of requests.
    if (send_hwm) s.set(zmq::sockopt::sndbuf, 4096);
    s.set(zmq::sockopt::rcvhwm, c.hwm);
    if (curve_server) fanout::curve::apply_curve_server(s.handle(), *curve_server);
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
        std::optional<fanout::curve::key_pair> keys;
        std::unique_ptr<fanout::daemon::zap_handler> zap;
        if (!c.curve_secret_key.empty()) {
            keys = fanout::curve::load_key_pair(c.curve_secret_key);
            std::optional<std::set<std::string>> allowed;
            if (!c.curve_allow_any_client)
                allowed = fanout::curve::load_allow_list(c.curve_clients);
            zap = std::make_unique<fanout::daemon::zap_handler>(context, allowed);
            spdlog::info("CURVE on --jobs and --results, server public key {}", keys->public_key);
        }
        const auto* server = keys ? &*keys : nullptr;
        {
            using zmq::socket_type;
            auto jobs_front = make_socket(context, socket_type::router, c, server, c.jobs);
            auto jobs_back = make_socket(context, socket_type::dealer, c, nullptr, c.jobs_backend,
                                         c.backend_hwm);
            auto results_front = make_socket(context, socket_type::xpub, c, server, c.results);
            auto results_back =
                make_socket(context, socket_type::xsub, c, nullptr, c.results_backend);
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
    }
    spdlog::info("stopped");
    return 0;
}
