// The router inventory: junos-mcp-server's devices.json format, read once at start-up.
//
// Contract: load() validates the whole file and throws inventory_error naming the router
// and the field at fault; a loaded inventory is immutable and safe to share across threads.
// Passwords are held in `secret`, which never formats its value (logs print "***").
// load() reads only a regular file of at most max_inventory_bytes (a FIFO or a device is
// refused at once, never waited on). Router names are unique (a repeated key is an error, not
// "the last one wins") and hold no control characters.
//
// Format: a JSON object keyed by router name. Each value has `ip` (string), `port`
// (integer, default 22), `username` (string) and either
//   "auth": {"type": "password", "password": "..."}   or
//   "auth": {"type": "ssh_key", "private_key_path": "...", "passphrase": "..."?}
// or, the legacy form, a top-level "password". Optionally "ssh": {"kex_algorithms",
// "host_key_algorithms", "ciphers", "macs"}: comma-separated SSH algorithm names (preferred
// first) that replace the daemon's defaults for this router; any other key inside "ssh" is an
// error. Optionally "groups": a list of group names (1-64 characters of [A-Za-z0-9_.-] each,
// at most 64, no repeats), fanout's own key, which fanoutctl selects with `-r @name`.
// Optionally "transport": "ssh" or "netconf" (fanout's own key); without it, netconf when
// `port` is 830 (Junos's NETCONF port, which serves nothing else) and otherwise the daemon's
// default (--default-transport, given to load() and parse()). Optionally "ssh_config"
// (junos-mcp-server's key): a path to an OpenSSH client config, `~/` expanded, stored in
// device::ssh_config (with the `ip` as written in ssh_config_host); the file is read and applied
// by resolve_ssh_configs() (daemon/ssh/ssh_config_resolve.hpp), where the precedence is: the
// file's HostName and Port win over `ip` and `port`, the entry's `username` and `auth` win over
// User and IdentityFile, ConnectTimeout wins over --connect-timeout, the entry's "ssh" lists win
// over the file's, and the file's host-key settings are ignored (PyEZ's precedence, which
// junos-mcp-server uses). Unknown top-level keys are accepted and ignored, so an existing
// junos-mcp-server file loads unchanged.
// Bastions (fanout's own keys, issue 12): "role": "bastion" marks an entry as a jump host
// (ip, port, username and auth as a router's; always SSH; no "jump" of its own). Jobs cannot
// target it: the daemon refuses it like an unknown router, and `routers` does not list it.
// "role": "router" is the default. "jump": [hop, ...] on a router is its bastion chain, first
// hop first, 1-4 hops (max_jump_hops), no hop twice; each hop is the name of a bastion entry,
// or an inline {"host": "user@host:port", "auth": {...}} that becomes a bastion named
// "user@host:port" (inline hops with the same host share one bastion; the same host with other
// credentials is an error). Unknown hop names and hops naming a router are errors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/admission/device.hpp"

namespace fanout::daemon {

// The largest devices.json load() reads: about 200,000 routers of ordinary size.
inline constexpr std::uintmax_t max_inventory_bytes = 64u << 20;

class inventory_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class inventory {
  public:
    inventory() = default;

    // Throws inventory_error (unreadable file, bad JSON, bad router entry).
    static inventory load(const std::filesystem::path& path,
                          transport_kind default_transport = transport_kind::ssh);
    static inventory parse(std::string_view json_text, std::string_view source = "devices.json",
                           transport_kind default_transport = transport_kind::ssh);

    // An inventory of `devices` as given (names unique, else inventory_error): for a step that
    // resolves a loaded inventory further (ssh_config files, bastion chains).
    static inventory from_devices(std::vector<device> devices);

    // nullptr when the router is not in the inventory.
    const device* find(std::string_view name) const;
    // Sorted by name.
    const std::vector<device>& devices() const { return devices_; }
    bool holds_passwords() const;

  private:
    std::vector<device> devices_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace fanout::daemon
