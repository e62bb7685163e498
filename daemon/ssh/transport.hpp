// The SSH transports on libssh: connect, verify the host key, authenticate, then run commands
// by SSH exec or, for a device whose transport is netconf, as NETCONF <command> RPCs.
//
// Design (issue 11): one pooled session type for both transports. A device's `transport`
// decides, once, in open(): exec runs each command on a new channel; netconf opens the
// `netconf` subsystem channel right after authentication, exchanges hellos (under the connect
// timeout) and keeps that channel for the session's life, one RPC at a time. The NETCONF codec
// (daemon/netconf/, pure, tier 1) frames and parses; the channel I/O lives in ssh/detail/
// (subsystem_channel: bytes under a deadline; netconf_channel: hello and RPCs), so libssh stays
// inside this library and the pool, serve() and their retry rules see one Session type.
//
// Contract: an ssh_connection is used by one thread at a time (a worker). Nothing here
// throws for router behaviour: refused connections, timeouts, bad host keys, failed auth,
// dropped channels and non-zero exits all come back as values carrying a router_error.
// Exceptions are reserved for programming errors. No libssh type appears in this header.
//
// Error kinds from open(): connect (refused, unreachable, banner or key exchange failure,
// no common algorithm), timeout (connect_timeout expired anywhere in TCP connect, banner,
// key exchange, authentication or, for netconf, the hello exchange), host_key, auth
// (including an unreadable private key), channel (netconf: the subsystem was refused, or the
// server's hello was missing or invalid).
// When `cancelled` is set, open() returns kind connect with a message starting "cancelled";
// the caller checks its own flag to report the router as cancelled. A router's own algorithm
// lists (device::algorithms) replace the transport_options defaults for that router.
// Secrets (passwords, passphrases, key material) never appear in messages or logs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "daemon/admission/device.hpp"
#include "daemon/ssh/transport_options.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

namespace ssh {
struct session_access;  // detail/session_access.hpp: a bastion's tunnel takes the session
}

// How far open() got before it failed, so a caller can tell a transient failure from one
// that would repeat: `transport` is TCP connect, banner or key exchange I/O; `negotiation`
// is "no algorithm in common", which the same lists would hit again.
// `netconf`: the subsystem or the hello failed after authentication (not retried).
enum class connect_stage { setup, transport, negotiation, host_key, authentication, netconf };

// What one command produced. `error` is set when status is failed:
//   exit_status: the command ran and exited non-zero ("exit status N") or was killed by a
//                signal ("terminated by signal X"); output is still captured.
//   timeout:     the command's timeout passed (also when EOF never came, even after an
//                exit status); the output gathered so far is kept.
//   channel:     no channel or exec (see `started`), or the connection or channel dropped
//                before an exit status arrived; netconf: the channel closed, a broken frame
//                or a reply out of step (the session is then no longer alive()).
//   rpc_error:   netconf: the reply held an <rpc-error> of severity error; output is kept
//                and the session stays usable.
// A netconf success has no exit_status; stderr_output stays empty.
// Cancelled: status cancelled, no error, output gathered so far.
// Output cap: once stdout + stderr exceed max_output_bytes, reading stops at the cap, the
// channel is closed and the outcome is status success, truncated, exit_status empty.
struct command_outcome {
    protocol::router_status status = protocol::router_status::failed;
    std::string output;
    std::string stderr_output;
    std::optional<int> exit_status;
    std::optional<protocol::router_error> error;
    bool truncated = false;
    // False when the command never reached the router (channel open refused or failed, exec
    // refused by the router, or the session was already dead): retrying on a fresh
    // connection is safe. True as soon as the exec request may have been sent, even when the
    // connection then dropped before the router answered.
    bool started = false;
};

class ssh_connection {
  public:
    // Opens, verifies and authenticates a session. `cancelled` is polled where libssh allows.
    // On failure, `*failed_at` (when given) says at which stage.
    // `connected_socket`, when not -1, is a stream already connected to the router's SSH
    // server (a bastion channel's socketpair end, a ProxyCommand's stdio): no TCP connect is
    // made, and open() owns the descriptor from the call on (closed on failure, and with the
    // session).
    static std::variant<ssh_connection, protocol::router_error> open(
        const device& target, const transport_options& options, const std::atomic<bool>& cancelled,
        connect_stage* failed_at = nullptr, int connected_socket = -1);

    ssh_connection(ssh_connection&&) noexcept;
    ssh_connection& operator=(ssh_connection&&) noexcept;
    // A netconf session sends <close-session/> first, best effort, without waiting.
    ~ssh_connection();

    // Runs one command (exec: on a new channel; netconf: a <command format="..."> RPC).
    // Returns within `timeout` (plus a little) even when the router stalls; returns early with
    // status cancelled when `cancelled` becomes true. `format` is for netconf only (exec runs
    // `command` as given: the caller appends Junos's `| display json|xml`): json gives the
    // reply's JSON text, xml its elements as XML text, text the <output> text.
    command_outcome run(const std::string& command, std::chrono::milliseconds timeout,
                        const std::atomic<bool>& cancelled,
                        protocol::output_format format = protocol::output_format::text);
    // Netconf only: sends `operation_xml` (one element, e.g. <get-config>...) as an <rpc> and
    // returns the reply's elements as XML text in `output`, with run()'s rules. On an exec
    // session: failed, kind internal, not started.
    command_outcome run_operation(const std::string& operation_xml,
                                  std::chrono::milliseconds timeout,
                                  const std::atomic<bool>& cancelled);
    transport_kind transport() const;

    // False once the session is known to be dead (disconnect, protocol error) or was left in
    // an unknown state (a timeout or cancel while a channel was being opened; netconf: a
    // command that did not end with a whole reply, or the router closed the channel).
    bool alive() const;

    // For a pooled, idle session: alive() and the socket shows no end of stream or error
    // (netconf: nor has the router closed the channel). Never blocks.
    bool usable();
    // Sends an OpenSSH keepalive (a global request the router must answer) and processes the
    // packets already received, without blocking; a dead peer then shows in usable(). At
    // most one keepalive is outstanding.
    void send_keepalive();

  private:
    friend struct ssh::session_access;
    struct impl;
    explicit ssh_connection(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

}  // namespace fanout::daemon
