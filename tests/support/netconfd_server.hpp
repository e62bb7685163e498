// A real NETCONF server we did not write, for the NETCONF transport's tests: Debian's netconfd
// (yuma123) behind Debian's sshd (sshd_server.hpp) as `Subsystem netconf`, on a free loopback
// port.
//
// Contract: needs root, like sshd_server (root is the SSH user and netconfd's superuser).
// netconfd runs with --no-startup (an empty running configuration), and in a private temp dir
// that holds its socket and its transaction id file, so tests never share a server or its state.
// sshd runs `/usr/sbin/netconf-subsystem --ncxserver-sockname=PORT@SOCKET`: netconf-subsystem
// tells netconfd the server port it finds
// in SSH_CONNECTION, and netconfd accepts only ports it was started with (--port), so both
// are the sshd port. The constructor returns once netconfd is ready to accept sessions;
// exec commands on the same sshd still reach sshd_server's Junos script. The destructor stops
// both.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/sshd_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace fanout::testing {

class netconfd_server {
  public:
    // `gated`: the subsystem is netconf_subsystem_gate.py around netconf-subsystem (see
    // wait_until_active); otherwise netconf-subsystem itself, as a router would run it.
    explicit netconfd_server(bool gated = false);
    ~netconfd_server();
    netconfd_server(const netconfd_server&) = delete;
    netconfd_server& operator=(const netconfd_server&) = delete;

    sshd_server& sshd() { return *sshd_; }
    std::uint16_t port() const { return sshd_->port(); }
    // How many netconf subsystem sessions sshd started (one per SSH connection that asked).
    std::size_t subsystem_sessions() const;
    // Reads netconfd's log (stdout, --log-level=info) until a line contains `needle`; returns
    // that line, or throws after `timeout`. Lines already read are in log_lines(). netconfd
    // starts each message with a newline ("\nSession 1 closed"), so a message is a whole line
    // only once the next one is logged: wait for a message that something later follows.
    std::string wait_for_log(std::string_view needle,
                             std::chrono::milliseconds timeout = std::chrono::seconds(20));
    const std::vector<std::string>& log_lines() const { return netconfd_->lines(); }
    // Waits until netconfd has taken session `id`'s hello ("Session N for root@127.0.0.1 now
    // active", logged at once); throws after `timeout`. yuma123's netconfd leaves a message
    // unanswered when it reaches netconfd in one read with the one before (the client's hello
    // with the first <rpc>, or with netconf-subsystem's ncx-connect), so a test that must not
    // depend on that timing sends its first RPC after this, on a gated server.
    void wait_until_active(int id, std::chrono::milliseconds timeout = std::chrono::seconds(20));

  private:
    temp_dir dir_;  // netconfd's socket
    std::string socket_path_;
    std::unique_ptr<sshd_server> sshd_;
    std::unique_ptr<child_process> netconfd_;
};

}  // namespace fanout::testing
