#include "tools/fleetsim/router_plan.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <map>
#include <utility>

namespace fanout::fleetsim {
namespace {

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

}  // namespace

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

}  // namespace fanout::fleetsim
