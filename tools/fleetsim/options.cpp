#include "tools/fleetsim/options.hpp"

#include <CLI/CLI.hpp>

#include <array>
#include <charconv>
#include <map>
#include <stdexcept>
#include <utility>

namespace fanout::fleetsim {
namespace {

constexpr std::array<std::pair<fault_kind, std::string_view>, 23> fault_names{{
    {fault_kind::none, "none"},
    {fault_kind::refuse, "refuse"},
    {fault_kind::blackhole, "blackhole"},
    {fault_kind::hang_banner, "hang_banner"},
    {fault_kind::hang_auth, "hang_auth"},
    {fault_kind::hang_after_auth, "hang_after_auth"},
    {fault_kind::auth_fail, "auth_fail"},
    {fault_kind::drop_mid_output, "drop_mid_output"},
    {fault_kind::huge_output, "huge_output"},
    {fault_kind::slow_trickle, "slow_trickle"},
    {fault_kind::wrong_host_key, "wrong_host_key"},
    {fault_kind::never_close, "never_close"},
    {fault_kind::kbdint_only, "kbdint_only"},
    {fault_kind::one_channel, "one_channel"},
    {fault_kind::stderr_output, "stderr_output"},
    {fault_kind::netconf_hang_after_hello, "netconf_hang_after_hello"},
    {fault_kind::netconf_hang_rpc, "netconf_hang_rpc"},
    {fault_kind::netconf_broken_frame, "netconf_broken_frame"},
    {fault_kind::netconf_short_chunk, "netconf_short_chunk"},
    {fault_kind::netconf_short_chunk_close, "netconf_short_chunk_close"},
    {fault_kind::netconf_oversized, "netconf_oversized"},
    {fault_kind::netconf_rpc_error, "netconf_rpc_error"},
    {fault_kind::slow_forward, "slow_forward"},
}};

constexpr std::string_view fault_help =
    R"(Fault kinds (none: no fault, e.g. to exempt one router from --fault-every):
  refuse           nothing listens on the router's port (connection refused)
  blackhole        the TCP connect never completes: SYNs are dropped (a full accept queue)
  hang_banner      accepts TCP, never sends the SSH banner
  hang_auth        auth succeeds, exec (or the netconf subsystem) is accepted, then
                   nothing is ever sent
  hang_after_auth  auth succeeds, then the channel open is never answered
  auth_fail        every authentication attempt is rejected
  drop_mid_output  sends part of the output, then drops the TCP connection
  huge_output      streams --huge-bytes of text, stops when the client leaves
  slow_trickle     one line every --trickle-ms, forever, until the client leaves
  wrong_host_key   serves a host key other than the one in known_hosts
  never_close      sends output and exit status, never EOF or channel close
  kbdint_only      only keyboard-interactive auth (password auth rejected)
  one_channel      refuses a second channel on the same session
  stderr_output    writes a warning line to stderr as well, exit status 0
  slow_forward     behind a bastion: the bastion answers each direct-tcpip open to this
                   router --slow-forward-ms late (then connects as usual); direct
                   connections are not affected
drop_mid_output, huge_output, slow_trickle, never_close and stderr_output apply to exec only.
NETCONF faults (the netconf subsystem only; exec still answers normally):
  netconf_hang_after_hello   sends its hello, then never reads or answers anything
  netconf_hang_rpc           hello exchange done, then the first <rpc> is never answered
  netconf_broken_frame       answers with a garbage chunk header (base:1.1) or a reply cut
                             short before ]]>]]> (base:1.0), then stalls
  netconf_short_chunk        a chunk header announcing 4096 bytes more than follow (base:1.1)
                             or half a reply with no end marker (base:1.0), then stalls
  netconf_short_chunk_close  the same, then closes the channel
  netconf_oversized          answers each <command> with --huge-bytes of <output> text,
                             streamed; stops when the client leaves
  netconf_rpc_error          an <rpc-error> (application, operation-failed) for every <rpc>
                             but <close-session/>)";

fault_kind require_fault(std::string_view text) {
    auto kind = parse_fault_kind(text);
    if (!kind) {
        throw CLI::ValidationError("fault", "unknown fault kind '" + std::string(text) + "'");
    }
    return *kind;
}

// Parses "NAME=KIND" or "K:KIND" around `separator`.
std::pair<std::string, fault_kind> split_fault(const std::string& text, char separator) {
    auto at = text.find(separator);
    if (at == std::string::npos || at == 0) {
        throw CLI::ValidationError(
            "fault", "expected X" + std::string(1, separator) + "KIND, got '" + text + "'");
    }
    return {text.substr(0, at), require_fault(std::string_view(text).substr(at + 1))};
}

// "K:MS" -> (K, MS ms); both positive integers.
std::pair<int, std::chrono::milliseconds> parse_slow_every(const std::string& text) {
    auto colon = text.find(':');
    int every = 0, ms = -1;
    auto parse = [](std::string_view digits, int& out) {
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
        return ec == std::errc() && end == digits.data() + digits.size();
    };
    std::string_view all(text);
    if (colon == std::string::npos || !parse(all.substr(0, colon), every) ||
        !parse(all.substr(colon + 1), ms) || every < 1 || ms < 0) {
        throw CLI::ValidationError("--slow-every",
                                   "expected K:MS (e.g. 10:5000), got '" + text + "'");
    }
    return {every, std::chrono::milliseconds(ms)};
}

// The per-router options as given, before they are resolved into the plan.
struct plan_inputs {
    std::vector<std::string> faults;
    std::vector<std::string> fault_every;
    std::vector<std::string> key_auth;
    int key_auth_every = 0;
    std::string slow_every;
    std::vector<std::string> netconf_only;
    int netconf_only_every = 0;
    std::vector<std::string> netconf_base10;
    int netconf_base10_every = 0;
    int direct_every = 0;
    bool bastion_key_auth = false;
};

std::vector<router_spec> build_plan(fleet_options& options, const plan_inputs& in) {
    std::vector<router_spec> plan;
    std::map<std::string, std::size_t, std::less<>> by_name;
    for (int i = 1; i <= options.routers; ++i) {
        plan.push_back({options.prefix + std::to_string(i), i, fault_kind::none, false,
                        std::nullopt, false, false});
        by_name.emplace(plan.back().name, plan.size() - 1);
    }
    auto find = [&](const std::string& name) -> router_spec& {
        auto it = by_name.find(name);
        if (it == by_name.end()) {
            throw CLI::ValidationError("router", "no router named '" + name + "' in this fleet");
        }
        return plan[it->second];
    };
    for (const auto& text : in.fault_every) {
        auto [every, kind] = split_fault(text, ':');
        int k = 0;
        auto [end, ec] = std::from_chars(every.data(), every.data() + every.size(), k);
        if (ec != std::errc() || end != every.data() + every.size() || k < 1) {
            throw CLI::ValidationError("--fault-every", "K must be a positive integer: " + text);
        }
        for (auto& router : plan) {
            if (router.index % k == 0) router.fault = kind;
        }
    }
    for (const auto& text : in.faults) {
        if (apply_bastion_fault(options.bastions, text)) continue;
        auto [name, kind] = split_fault(text, '=');
        find(name).fault = kind;
    }
    // NAME list and every-K option of one boolean per router.
    auto set_flag = [&](bool router_spec::*flag, const std::vector<std::string>& names, int every) {
        for (auto& router : plan) {
            if (every > 0 && router.index % every == 0) router.*flag = true;
        }
        for (const auto& name : names) find(name).*flag = true;
    };
    set_flag(&router_spec::key_auth, in.key_auth, in.key_auth_every);
    set_flag(&router_spec::netconf_only, in.netconf_only, in.netconf_only_every);
    set_flag(&router_spec::netconf_base10, in.netconf_base10, in.netconf_base10_every);
    if (!in.slow_every.empty()) {
        auto [every, delay] = parse_slow_every(in.slow_every);
        for (auto& router : plan)
            if (router.index % every == 0) router.latency = delay;
    }
    const int bastions = static_cast<int>(options.bastions.size());
    for (auto& router : plan) router.bastion = bastion_for(router.index, bastions, in.direct_every);
    return plan;
}

}  // namespace

std::optional<fault_kind> parse_fault_kind(std::string_view name) {
    for (const auto& [kind, text] : fault_names) {
        if (text == name) return kind;
    }
    return std::nullopt;
}

std::string_view fault_name(fault_kind kind) {
    for (const auto& [k, text] : fault_names) {
        if (k == kind) return text;
    }
    return "unknown";
}

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
