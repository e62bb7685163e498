// Opening one router connection (daemon/ssh/transport.hpp) in a transport test, and saying
// what a command's outcome was, for assertion messages.
//
// Contract: connect_ok returns the open connection or throws std::runtime_error naming the
// error kind and message (a test that needs the connection cannot go on without it);
// message_of is "KIND: message", or "(no error)".
#pragma once

#include <atomic>
#include <stdexcept>
#include <string>
#include <variant>

#include "daemon/ssh/transport.hpp"

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

inline std::string message_of(const daemon::command_outcome& out) {
    return out.error ? std::string(protocol::to_string(out.error->kind)) + ": " + out.error->message
                     : std::string("(no error)");
}

}  // namespace fanout::testing
