// fleetsim's command line and the per-router plan derived from it.
//
// Contract: parse_options() either returns complete options (every router named exactly once
// in `plan`, in index order, with its fault, auth mode and NETCONF mode resolved) or an exit
// code after printing help or an error. An explicit --fault NAME=KIND overrides --fault-every;
// key auth is on for routers named by --key-auth and for every K-th router with
// --key-auth-every K; --netconf-only and --netconf-base10 (and their -every forms) work alike.
// With --bastions K, `bastions` holds K bastions (faults from --fault bastionJ=KIND) and each
// router's `bastion` says which one it sits behind (bastion_for(); 0: reached directly).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/fleetsim/bastion_options.hpp"
#include "tools/fleetsim/fault_kinds.hpp"
#include "tools/fleetsim/junos_facts.hpp"

namespace fanout::fleetsim {

struct router_spec {
    std::string name;  // <prefix><index>
    int index = 0;     // 1-based
    fault_kind fault = fault_kind::none;
    bool key_auth = false;  // publickey only, with the fleet's client key
    std::optional<std::chrono::milliseconds> latency;  // --slow-every: replaces the fleet's
    bool netconf_only = false;    // refuses exec and shell: serves only the netconf subsystem
    bool netconf_base10 = false;  // its NETCONF hello offers base:1.0 only
    int bastion = 0;              // 1-based bastion it sits behind in devices.json; 0: direct
};

struct fleet_options {
    int routers = 0;
    std::string prefix = "r";
    std::filesystem::path out_dir = ".";
    std::chrono::milliseconds latency{0};
    std::chrono::milliseconds jitter{0};
    std::chrono::milliseconds trickle{200};
    std::chrono::milliseconds slow_forward{3000};  // the slow_forward fault's delay
    std::string username = "fanout";
    std::string password = "fanout-secret";
    std::uint64_t huge_bytes = 100ull * 1024 * 1024;
    int interfaces = default_interfaces;        // physical interfaces in `show interfaces terse`
    std::optional<std::uint16_t> netconf_port;  // netconf-only routers: 127.1.x.y:<port>
    std::uint64_t seed = 1;
    bool verbose = false;
    std::vector<router_spec> plan;
    std::vector<bastion_spec> bastions;  // --bastions K: bastion1..K
};

struct parse_result {
    std::optional<fleet_options> options;  // empty: exit with exit_code
    int exit_code = 0;
};

parse_result parse_options(int argc, char** argv);

}  // namespace fanout::fleetsim
