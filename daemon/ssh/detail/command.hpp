// One command on a new channel of a connected, non-blocking libssh session.
//
// Contract: internal to fanout_ssh; implements ssh_connection::run() as documented in
// daemon/ssh/transport.hpp (timeout, cancel, output cap, exit status). Never blocks past
// the deadline by more than one poll interval. Sets `session_lost` when the session must
// not be used again.
#pragma once

#include <libssh/libssh.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

#include "daemon/ssh/transport.hpp"

namespace fanout::daemon::ssh {

command_outcome run_command(ssh_session session, const std::string& command,
                            std::chrono::milliseconds timeout, std::size_t max_output_bytes,
                            const std::atomic<bool>& cancelled, bool& session_lost);

}  // namespace fanout::daemon::ssh
