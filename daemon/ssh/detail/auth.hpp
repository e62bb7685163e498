// Authentication of a connected, host-verified session with a device's credentials.
//
// Contract: internal to fanout_ssh. Password devices try "password", then
// keyboard-interactive, answering echo-off prompts with the password and echo-on prompts
// with the username (Junos often offers only keyboard-interactive). Key devices try
// "publickey". Failures are kind auth and name the methods tried and offered; no secret
// (password, passphrase, key material) is ever logged or put in a message.
#pragma once

#include <libssh/libssh.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <variant>

#include "daemon/admission/device.hpp"
#include "daemon/ssh/detail/handles.hpp"
#include "daemon/ssh/detail/wait.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon::ssh {

// Reads the private key of an ssh_key device (with its passphrase, when it has one).
std::variant<key_ptr, protocol::router_error> load_private_key(const device& target);

// nullopt on success. `key` is the loaded private key for ssh_key devices, else nullptr.
// `budget` only names the timeout in messages; `deadline` is what bounds the waiting.
std::optional<protocol::router_error> authenticate(ssh_session session, const device& target,
                                                   ssh_key key, clock::time_point deadline,
                                                   std::chrono::milliseconds budget,
                                                   const std::atomic<bool>& cancelled);

}  // namespace fanout::daemon::ssh
