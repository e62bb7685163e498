#include "tools/fleetsim/options.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <utility>

#include "tools/fleetsim/router_plan.hpp"

namespace fanout::fleetsim {

parse_result parse_options(int argc, char** argv) {
    fleet_options options;
    plan_inputs in;
    int latency_ms = 0;
    int jitter_ms = 0;
    int trickle_ms = 200;
    int slow_forward_ms = 3000;
    int netconf_port = 0;

    CLI::App app{
        "fleetsim: N fake Junos routers over real SSH (exec and the netconf subsystem), one\n"
        "127.0.0.1 port each.\n"
        "Writes devices.json and known_hosts to --out-dir, then prints 'ready <N> routers'\n"
        "on stdout and serves until SIGTERM/SIGINT.",
        "fleetsim"};
    app.footer(std::string(fault_help) + "\n" + std::string(bastion_fault_help));
    app.add_option("--routers,-n", options.routers, "Number of routers")
        ->required()
        ->check(CLI::Range(1, 60000));
    app.add_option("--prefix", options.prefix, "Router name prefix (names are <prefix>1..N)")
        ->capture_default_str();
    app.add_option("--out-dir", options.out_dir, "Directory for devices.json, known_hosts, keys")
        ->capture_default_str();
    app.add_option("--latency-ms", latency_ms, "Delay before each command's answer")
        ->check(CLI::Range(0, 3'600'000))
        ->capture_default_str();
    app.add_option("--jitter-ms", jitter_ms, "Extra uniform random delay in [0, J] ms")
        ->check(CLI::Range(0, 3'600'000))
        ->capture_default_str();
    app.add_option("--slow-every", in.slow_every,
                   "K:MS: every K-th router answers each command after MS ms instead of "
                   "--latency-ms/--jitter-ms (e.g. 10:5000)");
    app.add_option("--fault", in.faults,
                   "NAME=KIND: give router (or bastion) NAME a fault (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--fault-every", in.fault_every,
                   "K:KIND: give every K-th router (K, 2K, ...) a fault (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--username", options.username, "Accepted username")->capture_default_str();
    app.add_option("--password", options.password, "Accepted password")->capture_default_str();
    app.add_option("--key-auth", in.key_auth,
                   "NAME: router accepts only publickey auth with DIR/client_ed25519 "
                   "(repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--key-auth-every", in.key_auth_every,
                   "K: every K-th router uses key auth like --key-auth (1: all routers)")
        ->check(CLI::Range(1, 1'000'000));
    app.add_option("--huge-bytes", options.huge_bytes,
                   "Output size of the huge_output and netconf_oversized faults")
        ->capture_default_str();
    app.add_option("--netconf-only", in.netconf_only,
                   "NAME: router serves only the netconf subsystem and refuses exec and shell, "
                   "like Junos's port 830 (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--netconf-only-every", in.netconf_only_every,
                   "K: every K-th router is netconf-only like --netconf-only (1: all routers)")
        ->check(CLI::Range(1, 1'000'000));
    app.add_option("--netconf-port", netconf_port,
                   "PORT: netconf-only routers listen on 127.1.x.y:PORT, one loopback address "
                   "each (830: devices.json as junos-mcp-server writes it; below 1024 needs "
                   "root); default: a 127.0.0.1 port each, with \"transport\": \"netconf\"")
        ->check(CLI::Range(1, 65535));
    app.add_option("--netconf-base10", in.netconf_base10,
                   "NAME: router's NETCONF hello offers base:1.0 only, so sessions use "
                   "]]>]]> framing (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--netconf-base10-every", in.netconf_base10_every,
                   "K: every K-th router offers base:1.0 only, like --netconf-base10")
        ->check(CLI::Range(1, 1'000'000));
    app.add_option("--interfaces", options.interfaces,
                   "Physical interfaces in 'show interfaces terse' (the first 10 are fixed, "
                   "the rest ge-2/0/K)")
        ->check(CLI::Range(1, 100'000))
        ->capture_default_str();
    app.add_option("--trickle-ms", trickle_ms, "Line interval of the slow_trickle fault")
        ->check(CLI::Range(1, 3'600'000))
        ->capture_default_str();
    app.add_option("--slow-forward-ms", slow_forward_ms,
                   "How late a bastion answers a direct-tcpip open to a slow_forward router")
        ->check(CLI::Range(0, 3'600'000))
        ->capture_default_str();
    app.add_option("--seed", options.seed, "Seed of the latency jitter")->capture_default_str();
    int bastions = 0;
    app.add_option("--bastions", bastions,
                   "K: also run K bastion (jump) hosts, bastion1..K, each on its own 127.0.0.1 "
                   "port with its own host key; they accept direct-tcpip channels to this "
                   "fleet's routers only, and devices.json puts the routers behind them "
                   "round-robin (\"jump\": [\"bastionJ\"])")
        ->check(CLI::Range(0, 1000))
        ->capture_default_str();
    app.add_option("--direct-every", in.direct_every,
                   "K: with --bastions, every K-th router stays direct (no \"jump\"; 1: all)")
        ->check(CLI::Range(1, 1'000'000));
    app.add_flag("--bastion-key-auth", in.bastion_key_auth,
                 "Bastions accept only publickey auth with DIR/client_ed25519 (default: "
                 "password and keyboard-interactive, like routers)");
    app.add_flag("--verbose,-v", options.verbose, "Log connections and commands to stderr");

    try {
        app.parse(argc, argv);
        options.latency = std::chrono::milliseconds(latency_ms);
        options.jitter = std::chrono::milliseconds(jitter_ms);
        options.trickle = std::chrono::milliseconds(trickle_ms);
        options.slow_forward = std::chrono::milliseconds(slow_forward_ms);
        if (options.prefix.empty()) throw CLI::ValidationError("--prefix", "must not be empty");
        if (bastions > 0 && options.prefix == "bastion") {
            throw CLI::ValidationError("--prefix", "'bastion' is the bastions' name prefix");
        }
        if (options.username.empty()) {
            throw CLI::ValidationError("--username", "must not be empty");
        }
        if (netconf_port > 0) options.netconf_port = static_cast<std::uint16_t>(netconf_port);
        options.bastions = make_bastions(bastions, in.bastion_key_auth);
        options.plan = build_plan(options, in);
    } catch (const CLI::ParseError& e) {
        return {std::nullopt, app.exit(e)};
    }
    return {std::move(options), 0};
}

}  // namespace fanout::fleetsim
