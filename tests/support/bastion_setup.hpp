// Inventories of routers behind bastions, for the bastion integration tests (issue 12).
//
// Contract: routers_behind() rewrites a devices.json (fleetsim's, or any) so that every router
// has `chain` as its "jump", and adds one "role": "bastion" entry per bastion given (root, by
// key, as sshd_server serves). merged_known_hosts() concatenates known_hosts files, so one
// file vouches for the routers' and the bastions' host keys. Both write `out` and return it.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fanout::testing {

struct bastion_entry {
    std::string name;
    std::string ip = "127.0.0.1";
    std::uint16_t port = 22;
    std::string private_key_path;
};

inline std::string routers_behind(const std::string& devices_json,
                                  const std::vector<std::string>& chain,
                                  const std::vector<bastion_entry>& bastions,
                                  const std::string& out) {
    std::ifstream in(devices_json);
    auto doc = nlohmann::json::parse(in);
    for (auto& [name, entry] : doc.items()) entry["jump"] = chain;
    for (const auto& b : bastions)
        doc[b.name] = {{"ip", b.ip},
                       {"port", b.port},
                       {"username", "root"},
                       {"role", "bastion"},
                       {"auth", {{"type", "ssh_key"}, {"private_key_path", b.private_key_path}}}};
    std::ofstream(out) << doc.dump(1);
    return out;
}

inline std::string merged_known_hosts(const std::vector<std::string>& files,
                                      const std::string& out) {
    std::ofstream merged(out);
    for (const auto& file : files) {
        std::ifstream in(file);
        if (!in) throw std::runtime_error("cannot read " + file);
        std::stringstream text;
        text << in.rdbuf();
        merged << text.str();
        if (!text.str().empty() && text.str().back() != '\n') merged << '\n';
    }
    return out;
}

// sshd_config lines of a bastion: forwarding on, OpenSSH's default MaxStartups (sshd_server's
// own default raises it; the first value given wins).
inline std::vector<std::string> bastion_sshd_config() {
    return {"AllowTcpForwarding yes", "MaxStartups 10:30:100"};
}

}  // namespace fanout::testing
