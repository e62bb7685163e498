// Opening one router connection (daemon/ssh/transport.hpp) in a transport test, and saying
// what a command's outcome was, for assertion messages.
//
// Contract: connect_ok returns the open connection or throws std::runtime_error naming the
// error kind and message (a test that needs the connection cannot go on without it);
// message_of is "KIND: message", or "(no error)"; sshd_device is a router at a test sshd
// (127.0.0.1, its port) that logs in as root with the key at `key_path`.
#pragma once

#include <atomic>
#include <stdexcept>
#include <string>
#include <variant>

#include "daemon/ssh/transport.hpp"
#include "tests/support/sshd_server.hpp"

namespace fanout::testing {

inline const std::atomic<bool> not_cancelled{false};

inline daemon::ssh_connection connect_ok(const daemon::device& target,
                                         const daemon::transport_options& options) {
    auto opened = daemon::ssh_connection::open(target, options, not_cancelled);
    if (auto* error = std::get_if<protocol::router_error>(&opened))
        throw std::runtime_error("open failed (" + std::string(protocol::to_string(error->kind)) +
                                 "): " + error->message);
    return std::move(std::get<daemon::ssh_connection>(opened));
}

inline daemon::device sshd_device(const sshd_server& server, std::string name,
                                  const std::string& key_path,
                                  daemon::transport_kind transport = daemon::transport_kind::ssh) {
    daemon::device target;
    target.name = std::move(name);
    target.ip = "127.0.0.1";
    target.port = server.port();
    target.username = "root";
    target.auth = daemon::device::auth_type::ssh_key;
    target.private_key_path = key_path;
    target.transport = transport;
    return target;
}

inline std::string message_of(const daemon::command_outcome& out) {
    return out.error ? std::string(protocol::to_string(out.error->kind)) + ": " + out.error->message
                     : std::string("(no error)");
}

}  // namespace fanout::testing
