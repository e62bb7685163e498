// What an OpenSSH client config file (devices.json's `ssh_config`) says about one host, read
// with libssh's own parser (ssh_options_parse_config): fanout has no ssh_config parser.
//
// Contract: lookup_ssh_config() applies the file's Host and Match blocks to `host` exactly as
// libssh 0.10 does (first value wins, as in OpenSSH; Match host sees the HostName) and returns
// what libssh can report back. It throws ssh_config_error when the file is missing, unreadable,
// not a regular file, or refused by libssh; it never connects and never runs a command.
// What libssh cannot report (ConnectTimeout, the algorithm lists) is applied to the real
// session at connect by apply_ssh_config() (transport.cpp calls it before its own settings).
// proxy_jump_hops() recognises the one ProxyCommand form libssh 0.10.6 makes of a ProxyJump
// (tests/unit/test_ssh_config.cpp pins it against the real libssh). expand_proxy_command()
// does OpenSSH's %-expansion for ProxyCommand.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fanout::daemon {

class ssh_config_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct ssh_config_entry {
    std::string hostname;             // HostName, else the host looked up
    std::uint16_t port = 22;          // Port, else the port given
    std::optional<std::string> user;  // User
    std::optional<std::string>
        identity_file;  // IdentityFile (the last one that applies), `~` expanded
    // ProxyCommand as written (%-tokens unexpanded), or the one libssh made of a ProxyJump;
    // nullopt without one, or with "none".
    std::optional<std::string> proxy_command;
    bool sets_known_hosts_file = false;  // UserKnownHostsFile applies to this host
};

ssh_config_entry lookup_ssh_config(const std::filesystem::path& file, const std::string& host,
                                   std::uint16_t port);

// Parses `file` into a libssh session whose host is already set (ssh_session, as void* so that
// this header stays libssh-free). Throws ssh_config_error when libssh refuses it.
void apply_ssh_config(void* session, const std::filesystem::path& file);

// One ProxyJump hop: [user@]host[:port].
struct jump_hop {
    std::string user;  // empty: not given
    std::string host;
    std::optional<std::uint16_t> port;
};

// The hops, first hop first (OpenSSH's order), of the ProxyJump that libssh 0.10.6 turned into
// `command` ("ssh[ -l U][ -p P][ -J REST] -W '[%h]:%p' FIRST"); nullopt for any other command.
// libssh's command itself would run the hops in the wrong order (REST first); fanout does not
// run it.
std::optional<std::vector<jump_hop>> proxy_jump_hops(const std::string& command);

// OpenSSH's ProxyCommand tokens: %h host (after HostName), %p port, %r remote user, %n the host
// as the inventory wrote it, %% a '%'. Throws ssh_config_error on any other token, and when a
// value holds a character a shell would read (the command runs under /bin/sh -c).
std::string expand_proxy_command(const std::string& command, const std::string& host,
                                 std::uint16_t port, const std::string& user,
                                 const std::string& original_host);

}  // namespace fanout::daemon
