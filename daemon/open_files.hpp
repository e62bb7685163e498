// fanoutd's file descriptor budget: the soft RLIMIT_NOFILE is raised to the hard limit at start,
// and the default --max-sessions is what that leaves after a fixed reserve.
//
// Contract: each pooled SSH session, in use or idle, holds one descriptor (its TCP socket).
// Everything else fanoutd opens fits in reserved_descriptors(): internal_descriptors for
// stdio and the log, the journal's segment and directory, ZeroMQ's context (epoll, mailboxes,
// I/O and reaper threads) and its listeners, a file read at a time (inventory or command
// policy on SIGHUP, known_hosts, a private key while authenticating) and the connections
// accepted over the cap in the moment before the connection guard closes them; plus the two
// listening sockets' ZeroMQ connections, at most --max-connections each (connection_guard).
// So a flood of clients never takes the descriptors that SSH connects need.
// raise_open_file_limit() never lowers a limit and never fails: a refused setrlimit leaves
// the limit as it was.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fanout::daemon {

constexpr std::size_t internal_descriptors = 128;

// internal_descriptors + 2 x max_connections (the jobs and the results socket).
constexpr std::size_t reserved_descriptors(std::size_t max_connections) {
    return internal_descriptors + 2 * max_connections;
}

struct open_file_limit {
    std::uint64_t soft_before = 0;  // at start
    std::uint64_t soft = 0;         // after raising
    std::uint64_t hard = 0;
};

open_file_limit raise_open_file_limit();

// The default --max-sessions for a soft limit: soft - reserved_descriptors(max_connections), at
// least 1 and at most 1,000,000 (the option's range).
std::size_t sessions_for_open_file_limit(std::uint64_t soft, std::size_t max_connections);

}  // namespace fanout::daemon
