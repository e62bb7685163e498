// An authenticated SSH session to a bastion that carries TCP streams to routers as
// `direct-tcpip` channels (issue 12), each handed to its user as one end of a socketpair.
//
// Design: libssh 0.10 cannot run a session over a channel, and a libssh session must never be
// used from two threads. So one pump thread owns the bastion session and all its channels:
// forward() asks it (through a queue and a wake-up pipe) to open a channel with
// ssh_channel_open_forward (non-blocking); once the bastion accepts, the thread makes a
// socketpair, keeps one end and returns the other, on which the caller runs its own
// end-to-end SSH session (ssh_connection::open with connected_socket): the bastion only
// forwards encrypted bytes and never sees router credentials or output.
// The thread then moves bytes both ways in one poll(2) loop. Backpressure, never unbounded
// buffers: each direction holds at most pump_buffer_bytes per channel; it stops reading the
// socket while the channel's send window (the router side's flow control) is closed or the
// buffer is full, and stops reading the channel while the socket is full (libssh then holds at
// most the channel's receive window, which it only grows when we read).
//
// Contract: thread-safe (forward, alive, channels from any thread). A channel ends when either
// side closes: the router's stream closing (EOF or error) closes the socket end, the user
// closing its end closes the channel. When the bastion session dies (EOF, error, or keepalives
// unanswered for 3 rounds: a frozen bastion), every socket end is closed at once, so every session
// over it sees end of stream; pending forwards fail with session_lost. A keepalive goes out
// every keepalive_interval. The destructor stops the thread and closes everything (non-
// blocking). Slots: try_reserve() counts a channel against a cap before forward(); the slot is
// freed (and on_slot_free called, from the pump thread) when that channel ends or its open
// fails. An open still unanswered when forward() returns (its timeout, or a cancel) is not
// dropped: libssh cannot close a channel before the bastion answers, and a channel it forgot
// would stay open on the bastion (with its connection to the router) for the session's life.
// The pump keeps it, still holding its slot, until the bastion answers: opened, it closes it
// at once; refused, it frees it; then the slot is freed. After abandoned_open_limit without an
// answer the slot is freed anyway (the channel is still closed if it opens later, or with the
// session). The caller gets its error at once either way. A forward given up before the pump
// thread sent its open (time spent, or cancelled while queued) sends none. No libssh type
// appears here.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/ssh/transport.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

// Bytes a pump buffers per channel per direction, at most.
inline constexpr std::size_t pump_buffer_bytes = 64 * 1024;

struct tunnel_settings {
    std::string name;  // the bastion's name, for messages and logs
    std::chrono::milliseconds keepalive_interval{30'000};  // 0: none
    std::function<void()> on_slot_free;                    // may be empty
    // How long an abandoned open (see above) keeps its slot at most (--connect-timeout).
    std::chrono::milliseconds abandoned_open_limit{10'000};
};

struct forward_result {
    int fd = -1;  // the caller's end of the stream, when opened; the caller owns it
    std::optional<protocol::router_error> error;
    // The bastion session was gone before the channel opened: nothing reached the target, so
    // another session may try again.
    bool session_lost = false;
};

class ssh_tunnel {
  public:
    // Takes over an open, authenticated session (an exec ssh_connection to the bastion) and
    // starts its pump thread.
    static std::unique_ptr<ssh_tunnel> start(ssh_connection bastion, tunnel_settings settings);
    ~ssh_tunnel();
    ssh_tunnel(const ssh_tunnel&) = delete;
    ssh_tunnel& operator=(const ssh_tunnel&) = delete;

    // Counts one channel against `max_channels`; false when full or dead.
    bool try_reserve(std::size_t max_channels);
    // Gives back a slot reserved and not forwarded.
    void release();
    // After try_reserve(): opens a channel to host:port through the bastion. Errors: kind
    // connect (the bastion refused the channel, e.g. it cannot reach the target; or the
    // session is gone), timeout (no answer within `timeout`), connect "cancelled ...". After
    // a timeout or cancel the slot stays taken until the bastion answers (see above).
    forward_result forward(const std::string& host, std::uint16_t port,
                           std::chrono::milliseconds timeout, const std::atomic<bool>& cancelled);

    bool alive() const;
    std::size_t channels() const;  // reserved, opening (abandoned ones too, see above) and open
    // When the session last had no channel (start, or the last channel's end).
    std::chrono::steady_clock::time_point idle_since() const;

    struct state;

  private:
    explicit ssh_tunnel(std::shared_ptr<state> s);
    std::shared_ptr<state> state_;
};

}  // namespace fanout::daemon
