// Host key verification of a freshly connected session, by transport_options policy.
//
// Contract: internal to fanout_ssh. strict: the server key must be recorded for the host in
// the known_hosts file. accept_new: an unknown host's key is appended to the file first.
// Both refuse a changed or @revoked key (kind host_key; the message says which and shows the
// server key's SHA256 fingerprint). off: nothing is checked; the key is logged at debug.
#pragma once

#include <libssh/libssh.h>

#include <optional>
#include <string>
#include <vector>

#include "daemon/ssh/transport.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon::ssh {

// `allowed` (comma-separated host key algorithms) reordered so that algorithms for key types
// already recorded for the host come first, as OpenSSH does; otherwise a host recorded with
// only an RSA key would be reported as changed when it also offers ed25519.
std::string order_host_key_algorithms(const std::string& allowed,
                                      const std::vector<std::string>& known_types);

// Key types recorded for `host` ("[ip]:port" form) under the options' policy and file.
std::vector<std::string> known_key_types(const std::string& host, const transport_options& options);

// nullopt when the server's key is acceptable.
std::optional<protocol::router_error> verify_host_key(ssh_session session, const std::string& host,
                                                      const transport_options& options);

}  // namespace fanout::daemon::ssh
