// The files fleetsim writes for its clients: devices.json (junos-mcp-server format),
// known_hosts (OpenSSH format) and, when some router uses key auth, the client key pair.
// A netconf-only router's entry gets the fanout key "transport": "netconf" unless its port is
// 830, where fanoutd (like junos-mcp-server's inventory) infers NETCONF from the port.
// Bastions come first in devices.json, as {"role": "bastion", "ip", "port", "username",
// "auth"} entries; a router behind one gets "jump": ["<bastion name>"]. Each bastion's own
// host key is in known_hosts under its [ip]:port.
//
// Contract: every file is written to a temporary name in the same directory and renamed into
// place, so a reader sees either the old file or the complete new one. The private key is
// created with mode 0600. Throws std::runtime_error naming the path on any I/O failure.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fanout::fleetsim {

struct router_entry {
    std::string name;
    std::string ip = "127.0.0.1";
    std::uint16_t port = 0;
    bool key_auth = false;
    bool netconf_only = false;
    std::string jump;  // the bastion it sits behind; empty: direct
};

struct bastion_entry {
    std::string name;
    std::string ip = "127.0.0.1";
    std::uint16_t port = 0;
    bool key_auth = false;
    std::string host_key_line;  // the key the bastion should have
};

struct fleet_files {
    std::filesystem::path out_dir;
    std::string username;
    std::string password;
    std::vector<bastion_entry> bastions;  // written first, in this order
    std::vector<router_entry> routers;    // written in this order
    std::string host_key_line;            // "ssh-ed25519 AAAA...": the key routers should have
    std::string client_private_key;       // OpenSSH private key text; empty: no key files
    std::string client_public_line;       // "ssh-ed25519 AAAA... fleetsim-client"
};

inline constexpr const char* client_key_file_name = "client_ed25519";

void write_fleet_files(const fleet_files& files);

}  // namespace fanout::fleetsim
