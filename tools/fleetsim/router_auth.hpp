// The authentication phase of a fake router's SSH session.
//
// Contract: authenticate() answers auth requests on an already key-exchanged session until
// one succeeds (true) or the client leaves or fails too often (false). Accepted methods:
// password and keyboard-interactive (one "Password:" prompt, no echo) for ordinary routers;
// keyboard-interactive only for kbdint_only; publickey with the fleet client key only for
// key_auth routers; nothing for auth_fail.
#pragma once

#include <libssh/libssh.h>

#include "tools/fleetsim/options.hpp"
#include "tools/fleetsim/router_server.hpp"

namespace fanout::fleetsim {

// The methods to advertise before key exchange (ssh_set_auth_methods).
int auth_methods_for(const router_spec& router);

bool authenticate(ssh_session session, const router_spec& router, const server_settings& settings);

}  // namespace fanout::fleetsim
