#include "tools/fleetsim/bastion_options.hpp"

#include <CLI/CLI.hpp>

#include <charconv>

namespace fanout::fleetsim {

std::string bastion_name(int index) {
    return "bastion" + std::to_string(index);
}

void parse_bastion_fault(std::string_view kind, bastion_spec& spec) {
    constexpr std::string_view drop_prefix = "drop_after=";
    if (kind == "none") {
        spec.fault = bastion_fault::none;
    } else if (kind == "down") {
        spec.fault = bastion_fault::down;
    } else if (kind == "auth_fail") {
        spec.fault = bastion_fault::auth_fail;
    } else if (kind == "changed_key") {
        spec.fault = bastion_fault::changed_key;
    } else if (kind == "refuse_channels") {
        spec.fault = bastion_fault::refuse_channels;
    } else if (kind.substr(0, drop_prefix.size()) == drop_prefix) {
        const auto digits = kind.substr(drop_prefix.size());
        std::uint32_t n = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
            throw CLI::ValidationError(
                "fault", "drop_after=N needs a count, got '" + std::string(kind) + "'");
        }
        spec.fault = bastion_fault::drop_after;
        spec.drop_after = n;
    } else {
        throw CLI::ValidationError(
            "fault", "unknown bastion fault '" + std::string(kind) + "' for " + spec.name);
    }
}

int bastion_for(int router_index, int bastions, int direct_every) {
    if (bastions <= 0) return 0;
    if (direct_every > 0 && router_index % direct_every == 0) return 0;
    return (router_index - 1) % bastions + 1;
}

std::vector<bastion_spec> make_bastions(int count, bool key_auth) {
    std::vector<bastion_spec> bastions;
    for (int j = 1; j <= count; ++j) {
        bastions.push_back({bastion_name(j), j, bastion_fault::none, 0, key_auth});
    }
    return bastions;
}

bool apply_bastion_fault(std::vector<bastion_spec>& bastions, std::string_view text) {
    const auto at = text.find('=');
    if (at == std::string_view::npos) return false;
    for (auto& bastion : bastions) {
        if (bastion.name != text.substr(0, at)) continue;
        parse_bastion_fault(text.substr(at + 1), bastion);
        return true;
    }
    return false;
}

}  // namespace fanout::fleetsim
