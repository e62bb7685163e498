// One router as the inventory describes it: where it is, who logs in, and how.
//
// Contract: plain data, immutable once the inventory is loaded. Passwords and passphrases are
// held in `secret`, which never formats its value (logs print "***"). The transports (ssh/)
// read a device; they never see the inventory file it came from. `transport` is resolved when
// the inventory is loaded (inventory.hpp): a device never leaves it to be guessed later.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fanout::daemon {

class secret {
  public:
    secret() = default;
    explicit secret(std::string value) : value_(std::move(value)) {}
    const std::string& reveal() const { return value_; }
    bool empty() const { return value_.empty(); }

  private:
    std::string value_;
};

// Per-router SSH algorithm lists (libssh names, comma-separated, preferred first). An empty
// list means the daemon's default (transport_options).
struct ssh_algorithms {
    std::string key_exchange;  // "kex_algorithms"
    std::string host_keys;     // "host_key_algorithms"
    std::string ciphers;       // "ciphers", both directions
    std::string macs;          // "macs", both directions
};

// How a router's commands are run: SSH exec, or NETCONF <command> RPCs over the SSH `netconf`
// subsystem (issue 11).
enum class transport_kind { ssh, netconf };

// "ssh" or "netconf", as in the inventory and in router results.
inline const char* transport_name(transport_kind kind) {
    return kind == transport_kind::netconf ? "netconf" : "ssh";
}

struct device {
    enum class auth_type { password, ssh_key };

    std::string name;
    std::string ip;
    std::uint16_t port = 22;
    std::string username;
    auth_type auth = auth_type::password;
    secret password;                  // auth_type::password
    std::string private_key_path;     // auth_type::ssh_key
    secret passphrase;                // optional, for an encrypted private key
    ssh_algorithms algorithms;        // optional "ssh" block
    std::vector<std::string> groups;  // optional "groups" (fanout only), for `fanoutctl -r @g`
    transport_kind transport = transport_kind::ssh;

    // Reaching the router (issue 12). `jump`: the bastion chain, first hop first, each the name
    // of a bastion device in the same inventory (an entry with "role": "bastion", or one the
    // inventory made from an inline hop or an ssh_config ProxyJump). Empty: dialled directly.
    std::vector<std::string> jump;
    // True for a bastion: it carries other routers' connections, and jobs cannot target it.
    bool bastion = false;
    // The devices.json `ssh_config` path (junos-mcp-server's key), `~` expanded; empty: none.
    std::filesystem::path ssh_config;
    // The name that file's Host and Match blocks apply to: the inventory's "ip" as written
    // (`ip` and `port` then hold the file's HostName and Port, when it gives them).
    std::string ssh_config_host;
    // From that file: a ProxyCommand to run per connection (its stdio is the SSH stream), and
    // a ConnectTimeout replacing --connect-timeout for this router.
    std::string proxy_command;
    std::optional<std::chrono::milliseconds> connect_timeout;
};

}  // namespace fanout::daemon
