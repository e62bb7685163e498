// fleetsim's bastion (jump) hosts: their host keys, the router addresses they may forward to,
// their counts, and one bastion's side of one accepted SSH connection.
//
// Contract: a bastion authenticates like a router (password and keyboard-interactive, or
// publickey only with the fleet client key for key_auth bastions), then serves only
// `direct-tcpip` channels whose destination is one of the allowed "ip:port" router addresses
// (the dotted address as devices.json writes it): it connects to the router without blocking
// and pumps bytes both ways (channel_pump). Other destinations, session channels (exec,
// shell, subsystems) and every other request are refused (administratively prohibited, as
// libssh's default reply); so is a router whose connect fails at once, while one whose connect
// fails later gets its channel closed. An open to a slow_forward router is answered (as above)
// only settings.slow_forward after it arrived, while the session serves everything else; it
// is counted in `channels` once accepted. One thread serves one session and all its channels
// (libssh's one thread per session rule), polling the session and the routers' sockets
// together through one ssh_event. The bastion's fault applies (see bastion_options.hpp).
// serve() blocks until the client leaves, the fault drops the session, or the fleet stops
// (the fleet shuts the socket down and sets settings.stopping); it never frees the session.
// Counts are thread-safe.
#pragma once

#include <libssh/libssh.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "tools/fleetsim/bastion_options.hpp"
#include "tools/fleetsim/router_server.hpp"
#include "tools/fleetsim/ssh_handles.hpp"

namespace fanout::fleetsim {

struct bastion_count {
    std::string name;
    std::uint64_t connections = 0;    // TCP connections accepted
    std::uint64_t sessions = 0;       // authenticated SSH sessions
    std::uint64_t channels = 0;       // direct-tcpip channels opened (accepted)
    std::uint64_t channels_open = 0;  // of those, still open now
};

class bastion_hosts {
  public:
    // Generates one ed25519 host key per bastion; throws std::runtime_error on libssh failure.
    explicit bastion_hosts(const std::vector<bastion_spec>& bastions);
    ~bastion_hosts();
    bastion_hosts(const bastion_hosts&) = delete;
    bastion_hosts& operator=(const bastion_hosts&) = delete;

    // The bind serving `bastion`'s own host key (`wrong_bind` for changed_key).
    ssh_bind bind_for(const bastion_spec& bastion, ssh_bind wrong_bind) const;
    // "ssh-ed25519 AAAA..." of the key known_hosts should hold for `bastion`.
    std::string host_key_line(const bastion_spec& bastion) const;

    // Before any serve(): a router address bastions may forward to; with `slow_forward` (the
    // router's slow_forward fault) they answer each open to it settings.slow_forward late.
    void allow(const std::string& ip, std::uint16_t port, bool slow_forward = false);

    void count_connection(const bastion_spec& bastion);
    void serve(ssh_session session, const bastion_spec& bastion, const server_settings& settings);
    std::vector<bastion_count> counts() const;

  private:
    struct counters {
        std::atomic<std::uint64_t> connections{0};
        std::atomic<std::uint64_t> sessions{0};
        std::atomic<std::uint64_t> channels{0};
        std::atomic<std::int64_t> channels_open{0};
    };
    friend class bastion_connection;

    const std::vector<bastion_spec>& bastions_;
    std::vector<key_ptr> keys_;
    std::vector<bind_ptr> binds_;
    std::unique_ptr<counters[]> counters_;
    std::unordered_set<std::string> allowed_;       // "ip:port"
    std::unordered_set<std::string> slow_forward_;  // "ip:port" of slow_forward routers
};

}  // namespace fanout::fleetsim
