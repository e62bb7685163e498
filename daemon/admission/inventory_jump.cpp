// "role" and "jump" (issue 12): see inventory.hpp for the format, inventory_entry.hpp for
// the contract.
#include <algorithm>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/admission/inventory.hpp"
#include "daemon/admission/inventory_entry.hpp"

namespace fanout::daemon::inventory_entry {
namespace {

using json = nlohmann::json;

// "user@host:port" (also "user@[v6addr]:port"); port 1-65535, every part non-empty.
bool split_host(const std::string& text, device& d) {
    auto at = text.find('@');
    if (at == std::string::npos || at == 0) return false;
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon < at + 2 || colon + 1 == text.size()) return false;
    std::string host = text.substr(at + 1, colon - at - 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.empty() || host.find_first_of("[]@/ ") != std::string::npos) return false;
    const std::string port = text.substr(colon + 1);
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    const int number = std::stoi(port);
    if (number < 1 || number > 65535) return false;
    d.username = text.substr(0, at);
    d.ip = host;
    d.port = static_cast<std::uint16_t>(number);
    return true;
}

// The credentials of an inline bastion, to tell two descriptions of one name apart.
bool same_credentials(const device& a, const device& b) {
    return a.auth == b.auth && a.password.reveal() == b.password.reveal() &&
           a.private_key_path == b.private_key_path &&
           a.passphrase.reveal() == b.passphrase.reveal();
}

device inline_hop(const json& hop, std::string_view source, const std::string& router,
                  const std::string& field) {
    for (const auto& item : hop.items())
        if (item.key() != "host" && item.key() != "auth")
            fail(source, router, field + "." + item.key(),
                 "is not a key of an inline hop (\"host\", \"auth\")");
    auto host = hop.find("host");
    if (host == hop.end() || !host->is_string())
        fail(source, router, field + ".host", "must be a string \"user@host:port\"");
    device d;
    d.name = host->get<std::string>();
    if (!split_host(d.name, d))
        fail(source, router, field + ".host",
             "must be \"user@host:port\" (got \"" + escaped(d.name) + "\")");
    if (hop.find("auth") == hop.end()) fail(source, router, field + ".auth", "is missing");
    // read_auth names the entry it reads in its messages: name the hop.
    device named;
    named.name = router + "." + field;
    read_auth(hop, source, named);
    d.auth = named.auth;
    d.password = named.password;
    d.private_key_path = named.private_key_path;
    d.passphrase = named.passphrase;
    d.bastion = true;
    return d;
}

}  // namespace

void read_reach(const json& entry, std::string_view source, device& d, inline_bastions& hops) {
    if (auto role = entry.find("role"); role != entry.end()) {
        if (!role->is_string() || (*role != "bastion" && *role != "router"))
            fail(source, d.name, "role", "must be \"bastion\" or \"router\"");
        d.bastion = *role == "bastion";
    }
    auto jump = entry.find("jump");
    if (jump == entry.end()) return;
    if (d.bastion)
        fail(source, d.name, "jump",
             "is not allowed on a bastion (list the whole chain on each router instead)");
    if (!jump->is_array() || jump->empty() || jump->size() > max_jump_hops)
        fail(source, d.name, "jump",
             "must be a list of 1-" + std::to_string(max_jump_hops) +
                 " hops (bastion names, or {\"host\": \"user@host:port\", \"auth\": {...}})");
    for (std::size_t i = 0; i < jump->size(); ++i) {
        const auto& hop = (*jump)[i];
        const std::string field = "jump[" + std::to_string(i) + "]";
        if (hop.is_string() && !hop.get_ref<const std::string&>().empty()) {
            d.jump.push_back(hop.get<std::string>());
            continue;
        }
        if (!hop.is_object())
            fail(source, d.name, field,
                 "must be a bastion's name or {\"host\": \"user@host:port\", \"auth\": {...}}");
        device bastion = inline_hop(hop, source, d.name, field);
        auto known = hops.find(bastion.name);
        if (known != hops.end() && !same_credentials(known->second.bastion, bastion))
            fail(source, d.name, field,
                 "describes '" + escaped(bastion.name) + "' with other credentials than " +
                     known->second.described_by + " (one name, one set of credentials)");
        d.jump.push_back(bastion.name);
        if (known == hops.end()) {
            std::string name = bastion.name;
            hops.emplace(std::move(name),
                         inline_bastion{std::move(bastion), d.name + "'s " + field});
        }
    }
}

void resolve_jumps(std::vector<device>& devices, inline_bastions hops, std::string_view source) {
    std::set<std::string, std::less<>> bastions, others;
    for (const auto& d : devices) (d.bastion ? bastions : others).insert(d.name);
    for (const auto& [name, hop] : hops) {
        if (bastions.count(name) || others.count(name))
            throw inventory_error(std::string(source) + ": the inline hop '" + escaped(name) +
                                  "' (" + hop.described_by +
                                  ") has the name of an inventory entry; name that entry "
                                  "in the chain instead");
        bastions.insert(name);
    }
    for (auto& d : devices) {
        if (d.bastion) d.transport = transport_kind::ssh;  // it forwards; it runs no commands
        std::set<std::string, std::less<>> seen;
        for (std::size_t i = 0; i < d.jump.size(); ++i) {
            const std::string field = "jump[" + std::to_string(i) + "]";
            const std::string& hop = d.jump[i];
            if (others.count(hop))
                fail(source, d.name, field,
                     "names '" + escaped(hop) +
                         "', which is not a bastion (give it \"role\": \"bastion\")");
            if (!bastions.count(hop))
                fail(source, d.name, field,
                     "names '" + escaped(hop) + "', which is not in the inventory");
            if (!seen.insert(hop).second)
                fail(source, d.name, "jump", "names '" + escaped(hop) + "' twice");
        }
    }
    for (auto& [name, hop] : hops) devices.push_back(std::move(hop.bastion));
}

}  // namespace fanout::daemon::inventory_entry
