// The hub's links as daemon/ssh's ssh_tunnel: a bastion session opened with the same host key
// check, authentication and connect retries as a router's (ssh_connection::open), then handed
// to its pump thread.
//
// Contract: the opener connects directly (with options.connect_retries) when fd is -1, and
// over `fd` (owned from the call on, one attempt) otherwise, each attempt within the caller's
// time budget (connect_retry.hpp). Errors come back as the open
// found them (connect, timeout, host_key, auth).
#pragma once

#include <chrono>

#include "daemon/jump/hub.hpp"
#include "daemon/ssh/transport_options.hpp"

namespace fanout::daemon::jump {

hub::link_opener ssh_link_opener(transport_options options,
                                 std::chrono::milliseconds keepalive_interval);

}  // namespace fanout::daemon::jump
