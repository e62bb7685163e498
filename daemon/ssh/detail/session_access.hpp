// Access to the libssh session inside an ssh_connection, for the other users of an
// authenticated session in fanout_ssh (tunnel.cpp: a bastion session). Internal to fanout_ssh.
//
// Contract: take() moves the session out; the connection is then dead (alive() false) and
// only fit to be destroyed.
#pragma once

#include "daemon/ssh/detail/handles.hpp"
#include "daemon/ssh/transport.hpp"

namespace fanout::daemon::ssh {

struct session_access {
    static owned_session take(ssh_connection& connection);
};

}  // namespace fanout::daemon::ssh
