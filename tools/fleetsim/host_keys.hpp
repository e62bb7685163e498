// Key material of the fleet, generated in memory at start: the host key the routers serve,
// a different one for wrong_host_key routers, and the client key for key_auth routers.
//
// Contract: make_server_bind() returns an ssh_bind (never listening: fleetsim owns the
// sockets) that serves `host_key` with modern algorithms only (curve25519 / ecdh kex, no DH
// group16/18, ssh-ed25519 host key). Functions throw std::runtime_error on libssh failures.
#pragma once

#include <string>

#include "tools/fleetsim/ssh_handles.hpp"

namespace fanout::fleetsim {

key_ptr generate_ed25519();

// "ssh-ed25519 AAAA..." (the known_hosts / authorized_keys form, without a comment).
std::string public_key_line(ssh_key key);

// OpenSSH-format unencrypted private key text.
std::string private_key_text(ssh_key key);

bind_ptr make_server_bind(ssh_key host_key);

}  // namespace fanout::fleetsim
