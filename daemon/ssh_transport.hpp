// SSH exec transport on libssh: connect, verify the host key, authenticate, run commands.
//
// Contract: an ssh_connection is used by one thread at a time (a worker). Nothing here
// throws for router behaviour: refused connections, timeouts, bad host keys, failed auth,
// dropped channels and non-zero exits all come back as values carrying a router_error.
// Exceptions are reserved for programming errors. No libssh type appears in this header.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "daemon/inventory.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

enum class host_key_policy { strict, accept_new, off };

struct transport_options {
    std::chrono::milliseconds connect_timeout{10'000};  // TCP connect + banner + key exchange + auth
    std::filesystem::path known_hosts;                   // OpenSSH known_hosts format
    host_key_policy host_keys = host_key_policy::strict;
    std::size_t max_output_bytes = 8 * 1024 * 1024;     // per command, stdout + stderr together
};

// What one command produced. `error` is set when status is not success: a non-zero exit is
// error_kind::exit_status with the output still captured.
struct command_outcome {
    protocol::router_status status = protocol::router_status::failed;
    std::string output;
    std::string stderr_output;
    std::optional<int> exit_status;
    std::optional<protocol::router_error> error;
    bool truncated = false;
};

class ssh_connection {
public:
    // Opens, verifies and authenticates a session. `cancelled` is polled where libssh allows.
    static std::variant<ssh_connection, protocol::router_error> open(
        const device& target, const transport_options& options,
        const std::atomic<bool>& cancelled);

    ssh_connection(ssh_connection&&) noexcept;
    ssh_connection& operator=(ssh_connection&&) noexcept;
    ~ssh_connection();

    // Runs one command on a new channel. Returns within `timeout` (plus a little) even when
    // the router stalls; returns early with status cancelled when `cancelled` becomes true.
    command_outcome run(const std::string& command, std::chrono::milliseconds timeout,
                        const std::atomic<bool>& cancelled);

    // False once the session is known to be dead (disconnect, protocol error).
    bool alive() const;

private:
    struct impl;
    explicit ssh_connection(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

}  // namespace fanout::daemon
