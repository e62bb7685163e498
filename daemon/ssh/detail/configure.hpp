// A libssh client session's options for one router, and the connect of a router that has an
// ssh_config file.
//
// Contract: internal to fanout_ssh. configure() sets, in this order: fanoutd's settings
// (--connect-timeout, the default algorithm lists, no libssh config or ~/.ssh, no libssh
// known_hosts), then the router's ssh_config file through libssh's parser (its ConnectTimeout
// and algorithm lists replace fanoutd's; its Host/Match blocks see the `ip` as written), then
// what the file must never decide (host and port as resolved at load, the inventory's user,
// /dev/null host-key files, no ProxyCommand of libssh's own), then the router's own "ssh"
// lists, which win over the file. connect_with_ssh_config() runs libssh's connect (TCP, or the
// given stream, banner, key exchange) in blocking mode, the only mode in which libssh 0.10
// applies the ConnectTimeout it holds but cannot report; a cancel waits for that bound.
#pragma once

#include <libssh/libssh.h>

#include <optional>
#include <string>

#include "daemon/admission/device.hpp"
#include "daemon/ssh/transport.hpp"
#include "daemon/ssh/transport_options.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon::ssh {

std::optional<protocol::router_error> configure(ssh_session session, const device& target,
                                                const transport_options& options,
                                                const std::string& host);

std::optional<protocol::router_error> connect_with_ssh_config(ssh_session session,
                                                              const device& target,
                                                              const std::string& host,
                                                              connect_stage& stage);

}  // namespace fanout::daemon::ssh
