// Applies each router's `ssh_config` file (devices.json, junos-mcp-server's key) to the
// inventory, once per load (start-up and SIGHUP).
//
// Contract: resolve_ssh_configs() returns the inventory with, for every router that names a
// file (looked up with libssh's parser, daemon/ssh/ssh_config.hpp, for the router's `ip`):
//   ip, port       <- the file's HostName and Port when it gives them (PyEZ: the file wins)
//   username, auth    the inventory's own, always (PyEZ: Device(user=...) and
//                     ssh_private_key_file win; the file's User/IdentityFile are used for hops)
//   proxy_command  <- ProxyCommand, %h %p %r %n %% expanded (shell-unsafe values refused)
//   jump           <- ProxyJump, mapped onto fanout's own jump hosts: one bastion device per
//                     hop, named "user@host:port" (an inventory entry of that name is used as
//                     it is); its user, port, HostName and IdentityFile come from the same file's
//                     block for the hop, else the hop's own user@host:port, else the router's
//                     username, port 22 and the router's own auth. Routers whose hop is the same
//                     name must then agree on its auth.
// ConnectTimeout and the algorithm lists are applied at connect (transport.cpp), where libssh
// can set them but not report them. The file's host-key settings (StrictHostKeyChecking,
// UserKnownHostsFile) are ignored, never obeyed: fanoutd checks host keys itself
// (--known-hosts, --host-key-policy); each use gives one warning, returned for the caller to
// log. A file that is missing, unreadable, refused by libssh, or whose ProxyCommand/ProxyJump
// conflicts with the entry's "jump" throws inventory_error naming the router and the file.
#pragma once

#include <string>
#include <vector>

#include "daemon/admission/inventory.hpp"

namespace fanout::daemon {

struct resolved_inventory {
    inventory devices;
    std::vector<std::string> warnings;  // one line each, naming the router(s) and the file
};

resolved_inventory resolve_ssh_configs(const inventory& loaded);

}  // namespace fanout::daemon
