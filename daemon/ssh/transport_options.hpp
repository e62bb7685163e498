// The SSH transport's settings (--connect-timeout, --known-hosts, --host-key-policy, the
// algorithm lists, --max-output-bytes, --connect-retries), apart from the transport so that the
// daemon's configuration needs nothing else of it.
//
// Contract: plain data. transport.hpp documents what each setting does to a connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

namespace fanout::daemon {

// strict: the key must be in the known_hosts file. accept_new: an unknown host's key is
// appended to the file (a changed key is still refused). off: nothing is checked.
enum class host_key_policy { strict, accept_new, off };

// libssh algorithm names, comma-separated, preferred first. Cheap key exchanges first; the
// diffie-hellman ones remain for older routers (group14-sha1 / ssh-rsa must be added
// explicitly for very old ones).
inline constexpr const char* default_key_exchange =
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp521,diffie-hellman-group14-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256";
inline constexpr const char* default_host_key_algorithms =
    "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,"
    "rsa-sha2-256";

struct transport_options {
    // One budget for TCP connect + banner + key exchange + authentication.
    std::chrono::milliseconds connect_timeout{10'000};
    std::filesystem::path known_hosts;  // OpenSSH known_hosts format
    host_key_policy host_keys = host_key_policy::strict;
    std::size_t max_output_bytes = 8 * 1024 * 1024;  // per command, stdout + stderr together
    std::string key_exchange = default_key_exchange;
    std::string host_key_algorithms = default_host_key_algorithms;  // reordered per host
    std::string ciphers;                                            // empty: libssh's default list
    std::string macs;                                               // empty: libssh's default list
    // Connect retries (daemon/ssh/connect_retry.hpp): further attempts after a failed connect,
    // and the wait before the first of them, doubling after each (with jitter).
    unsigned connect_retries = 2;
    std::chrono::milliseconds connect_backoff{500};
    // Not a setting: set per attempt from the router's time budget (time_budget.hpp). No phase
    // of one open() (TCP connect to the NETCONF hello) waits past it; max(): no such bound.
    std::chrono::steady_clock::time_point not_after = std::chrono::steady_clock::time_point::max();
};

}  // namespace fanout::daemon
