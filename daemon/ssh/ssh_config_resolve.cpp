#include "daemon/ssh/ssh_config_resolve.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "daemon/ssh/ssh_config.hpp"

namespace fanout::daemon {
namespace {

[[noreturn]] void fail(const device& d, const std::string& problem) {
    throw inventory_error("router '" + d.name + "': ssh_config '" + d.ssh_config.string() + "' " +
                          problem);
}

// libssh 0.10 cannot report StrictHostKeyChecking back, so whether the file mentions it at all
// is read here, only to warn: this decides nothing about which block applies to whom.
bool mentions_strict_host_key_checking(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        auto start = line.find_first_not_of(" \t");
        if (start == std::string::npos) continue;
        std::string word = line.substr(start, 21);
        std::transform(word.begin(), word.end(), word.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (word == "stricthostkeychecking") return true;
    }
    return false;
}

bool same_auth(const device& a, const device& b) {
    return a.auth == b.auth && a.username == b.username && a.port == b.port && a.ip == b.ip &&
           a.private_key_path == b.private_key_path && a.password.reveal() == b.password.reveal() &&
           a.passphrase.reveal() == b.passphrase.reveal();
}

class resolver {
  public:
    explicit resolver(const inventory& loaded) : loaded_(loaded) {}

    resolved_inventory run() {
        std::vector<device> out;
        std::map<std::filesystem::path, std::vector<std::string>> files;  // file -> routers
        for (const auto& original : loaded_.devices()) {
            device d = original;
            if (!d.ssh_config.empty()) {
                resolve(d);
                files[d.ssh_config].push_back(d.name);
                // A bastion's own stream is its TCP connection: the hub runs no ProxyCommand
                // for it and follows only the routers' chains.
                if (d.bastion && (!d.proxy_command.empty() || !d.jump.empty()))
                    fail(d,
                         "is a bastion, and its ssh_config gives it a ProxyCommand or "
                         "ProxyJump, which bastions cannot use: list the whole chain in "
                         "each router's \"jump\" instead");
            }
            out.push_back(std::move(d));
        }
        for (auto& [name, bastion] : made_) out.push_back(std::move(bastion));
        for (const auto& [file, routers] : files)
            if (mentions_strict_host_key_checking(file))
                warnings_.push_back(
                    "ssh_config '" + file.string() + "' (router '" + routers.front() + "'" +
                    (routers.size() > 1 ? " and " + std::to_string(routers.size() - 1) + " more"
                                        : std::string()) +
                    ") sets StrictHostKeyChecking: ignored; fanoutd checks host keys itself "
                    "(--known-hosts, --host-key-policy)");
        return {inventory::from_devices(std::move(out)), std::move(warnings_)};
    }

  private:
    ssh_config_entry lookup(const device& d, const std::string& host, std::uint16_t port) {
        try {
            return lookup_ssh_config(d.ssh_config, host, port);
        } catch (const ssh_config_error& e) {
            fail(d, e.what());
        }
    }

    void resolve(device& d) {
        if (d.ssh_config_host.empty()) d.ssh_config_host = d.ip;
        auto entry = lookup(d, d.ssh_config_host, d.port);
        if (entry.sets_known_hosts_file)
            warnings_.push_back("router '" + d.name + "': ssh_config '" + d.ssh_config.string() +
                                "' sets UserKnownHostsFile: ignored; fanoutd checks host keys "
                                "itself (--known-hosts, --host-key-policy)");
        d.ip = entry.hostname;
        d.port = entry.port;
        if (!entry.proxy_command) return;
        if (!d.jump.empty())
            fail(d,
                 "gives a ProxyCommand or ProxyJump, and the entry has its own \"jump\": "
                 "keep one of them");
        if (auto hops = proxy_jump_hops(*entry.proxy_command)) {
            for (const auto& hop : *hops) d.jump.push_back(bastion_for(d, hop));
            return;
        }
        try {
            d.proxy_command = expand_proxy_command(*entry.proxy_command, d.ip, d.port, d.username,
                                                   d.ssh_config_host);
        } catch (const ssh_config_error& e) {
            fail(d, e.what());
        }
    }

    std::string bastion_for(const device& router, const jump_hop& hop) {
        auto entry = lookup(router, hop.host, hop.port.value_or(22));
        if (entry.proxy_command)
            fail(router, "gives ProxyJump hop '" + hop.host +
                             "' a ProxyCommand or ProxyJump of its own; fanoutd takes the whole "
                             "chain from the router's ProxyJump (add \"ProxyJump none\" to the "
                             "hop's Host block)");
        device b;
        b.username = !hop.user.empty() ? hop.user : entry.user.value_or(router.username);
        b.ip = entry.hostname;
        b.port = hop.port.value_or(entry.port);
        b.name = b.username + "@" + b.ip + ":" + std::to_string(b.port);
        b.bastion = true;
        b.ssh_config = router.ssh_config;
        b.ssh_config_host = hop.host;
        if (entry.identity_file) {
            b.auth = device::auth_type::ssh_key;
            b.private_key_path = *entry.identity_file;
        } else if (router.auth == device::auth_type::password) {
            // A bastion must never see a router's password.
            fail(router, "names ProxyJump hop '" + hop.host +
                             "' with no IdentityFile in the file, and the router logs in by "
                             "password, which fanoutd never sends to a bastion: give the hop's "
                             "Host block an IdentityFile, or declare the bastion in the "
                             "inventory (\"role\": \"bastion\")");
        } else {
            b.auth = router.auth;  // the router's key: proving it reveals nothing to the bastion
            b.private_key_path = router.private_key_path;
            b.passphrase = router.passphrase;
        }
        if (const device* listed = loaded_.find(b.name)) {
            if (!listed->bastion)
                fail(router, "names ProxyJump hop '" + b.name +
                                 "', which the inventory holds as a router, not a bastion");
            return b.name;
        }
        auto [it, added] = made_.emplace(b.name, b);
        if (!added && !same_auth(it->second, b))
            fail(router, "names ProxyJump hop '" + b.name + "' that router '" +
                             first_user_[b.name] +
                             "' reaches with other credentials (this hop has no IdentityFile in "
                             "the file, so each router's own auth is used): give the hop's Host "
                             "block an IdentityFile");
        if (added) first_user_[b.name] = router.name;
        return b.name;
    }

    const inventory& loaded_;
    std::map<std::string, device> made_;
    std::map<std::string, std::string> first_user_;
    std::vector<std::string> warnings_;
};

}  // namespace

resolved_inventory resolve_ssh_configs(const inventory& loaded) {
    return resolver(loaded).run();
}

}  // namespace fanout::daemon
