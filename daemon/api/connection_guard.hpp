// connection_guard: caps the connections ZeroMQ accepts on each of fanoutd's listening
// sockets (--max-connections), so that a flood of clients can neither exhaust fanoutd's
// descriptors (libzmq aborts the process when accept() fails with EMFILE on an ipc://
// listener) nor take the descriptors that SSH connections need.
//
// Contract:
// - watch() must run on a socket before its owner thread uses it (it attaches a ZeroMQ
//   socket monitor), and before start(). The guard's thread reads the monitors' ACCEPTED and
//   DISCONNECTED events and counts each listener's open connections.
// - A connection accepted beyond the cap is shut down at once (shutdown(2) on its descriptor;
//   libzmq then closes it as it closes any connection its peer dropped). The client sees its
//   connection closed before any reply; ZeroMQ clients reconnect, and get in once the count
//   is below the cap again. A refused connection is logged at most every 10 s.
// - Before shutting a descriptor down the guard checks it is still a socket accepted on that
//   listener's address: the descriptor may have been closed and reused meanwhile, and never
//   must an SSH connection or a file be touched.
// - Accepted connections hold one descriptor each until they close, so fanoutd reserves
//   descriptors for (number of listeners x cap) of them (open_files.hpp). Connections that
//   never finish the ZeroMQ handshake are closed after handshake_timeout, and ZeroMQ
//   heartbeats close connections whose peer stopped answering (heartbeat_interval, _timeout).
// - Best effort, not a guarantee: the guard acts after libzmq accepted, from its own thread,
//   and a connection over the cap may get a request in before it is closed (its reply is
//   then lost: clients retry). internal_descriptors leaves room for that lag; a starved guard
//   thread facing a very fast connect loop could still let libzmq hit the open-file limit.
// - stop() joins the thread; the destructor calls it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

namespace fanout::daemon {

inline constexpr std::chrono::milliseconds handshake_timeout{10'000};
inline constexpr std::chrono::milliseconds heartbeat_interval{30'000};
inline constexpr std::chrono::milliseconds heartbeat_timeout{90'000};

class connection_guard {
  public:
    connection_guard(zmq::context_t& context, std::size_t max_connections);
    connection_guard(const connection_guard&) = delete;
    connection_guard& operator=(const connection_guard&) = delete;
    ~connection_guard();

    // `name` names the socket in logs ("jobs", "results"); its bound endpoint is read from
    // the socket (ZMQ_LAST_ENDPOINT). The owner sets handshake_timeout (and the heartbeats)
    // before binding: listeners copy socket options at bind time.
    void watch(zmq::socket_t& socket, const std::string& name);
    void start();
    void stop();

    std::size_t max_connections() const { return max_connections_; }

  private:
    struct listener;
    void run();
    void on_event(listener& l, std::uint16_t event, std::int32_t fd);

    zmq::context_t& context_;
    const std::size_t max_connections_;
    std::vector<std::unique_ptr<listener>> listeners_;
    std::chrono::steady_clock::time_point last_warning_{};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace fanout::daemon
