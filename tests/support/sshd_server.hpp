// A real OpenSSH server (Debian's /usr/sbin/sshd) on a free loopback port, for tests of the
// SSH transport.
//
// Contract: needs root (it serves the root user, by key only). Everything lives in a temp
// directory: an ed25519 host key, a client key pair authorised for root, sshd_config, and a
// ForceCommand script emulating a tiny Junos CLI on $SSH_ORIGINAL_COMMAND:
//   show version, show system uptime   Junos-like text, exit 0
//   sleep N        a dot every 0.2 s for N s (dies of SIGPIPE once the channel closes)
//   flood N        N bytes of 'x' on stdout
//   exit N         "exiting with N" on stderr, exit N
//   drop           "partial output", then kills its sshd session process (connection drops)
//   /usr/sbin/netconf-subsystem ..., /bin/bash .../netconf-fault.sh   (a `Subsystem` line's
//                  command) run as it is
//   anything else  a Junos-style syntax error on stderr, exit 1
// Every command is logged first with the client's TCP port (commands_run()), so tests can
// prove a command ran once and count the connections it took.
// The known_hosts file is written at start for the current host key. The destructor stops
// sshd; nothing is left behind.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/child_process.hpp"

namespace fanout::testing {

class sshd_server {
  public:
    // `extra_config`: sshd_config lines added to the defaults (e.g. "MaxSessions 1"); "{port}"
    // in a line becomes the port sshd listens on.
    explicit sshd_server(std::vector<std::string> extra_config = {});
    ~sshd_server();
    sshd_server(const sshd_server&) = delete;
    sshd_server& operator=(const sshd_server&) = delete;

    std::uint16_t port() const { return port_; }
    // "[127.0.0.1]:PORT ssh-ed25519 AAAA..." lines for the host key sshd started with.
    const std::string& known_hosts_path() const { return known_hosts_path_; }
    // A private key (no passphrase) in root's authorised keys.
    const std::string& client_key_path() const { return client_key_path_; }
    // The known_hosts line for the current host key.
    std::string host_key_line() const;
    // "SHA256:..." of the current host key, as ssh-keygen -l prints it.
    std::string host_key_fingerprint() const;

    // Restarts sshd on the same port with a fresh host key; the known_hosts file is left as
    // it was, so it now records a changed key.
    void replace_host_key();

    // Kills every process sshd forked (one group per client connection), so each open
    // connection drops as if the router had restarted; the listener stays up. Returns how
    // many processes it killed.
    int drop_connections();
    // Stops (SIGSTOP) every process sshd forked: each open connection goes silent, its TCP
    // connection still up, as a frozen host or a firewall dropping packets looks. Returns how
    // many it stopped; drop_connections() or the destructor ends them (the destructor continues
    // them first, SIGCONT, then SIGTERM: a stopped process ignores SIGTERM).
    int freeze_connections();
    // The processes sshd forked for its connections (their pids), children first or not.
    std::vector<pid_t> connection_processes() const;
    struct command_record {
        std::string client_port;  // one per TCP connection
        std::string command;
    };
    // The commands the ForceCommand script was started with, in order.
    std::vector<command_record> commands_run() const;

    // Logins sshd accepted since it started ("Accepted publickey" in its log): one per SSH
    // connection that authenticated. Reads the log sshd wrote so far (waits up to `settle`
    // for more).
    std::size_t logins(std::chrono::milliseconds settle = std::chrono::milliseconds(300));

    // Generates another ed25519 key pair in the temp dir (not authorised); returns its path.
    std::string generate_key(std::string_view name, std::string_view passphrase = "") const;
    // A path inside the temp dir.
    std::string file(std::string_view name) const { return dir_.file(name); }

  private:
    // Every process below sshd (one group per client connection).
    void write_files();
    void start();

    temp_dir dir_;
    std::vector<std::string> extra_config_;
    std::unique_ptr<child_process> sshd_;
    std::uint16_t port_ = 0;
    std::string known_hosts_path_;
    std::string client_key_path_;
};

// Runs argv to completion; throws std::runtime_error unless it exits 0 within 30 s.
// Returns its standard output.
std::string run_tool(std::vector<std::string> argv);

}  // namespace fanout::testing
