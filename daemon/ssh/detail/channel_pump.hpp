// One direct-tcpip channel of a bastion session and the socket end it is pumped to
// (tunnel.hpp has the design). Internal to fanout_ssh; used by the tunnel's pump thread only.
//
// Contract: step() opens the channel (while opening) or moves bytes both ways, each
// direction through a buffer of at most pump_buffer_bytes, writing to the channel no more
// than its send window. It never blocks on the socket (non-blocking end) and only on libssh as
// far as a non-blocking session flushes. finished() once either side has closed and what it
// sent has been passed on (or cannot be).
#pragma once

#include <libssh/libssh.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/ssh/detail/handles.hpp"

namespace fanout::daemon::ssh {

class channel_pump {
  public:
    enum class phase { opening, open, finished };
    // What an opening step found: still waiting, opened (socket_end_for_user() is set), or
    // refused (error() says why).
    enum class open_status { waiting, opened, refused };

    channel_pump(ssh_session session, std::string host, std::uint16_t port);
    ~channel_pump();
    channel_pump(const channel_pump&) = delete;
    channel_pump& operator=(const channel_pump&) = delete;

    open_status step_open();
    // The user's end after `opened`, taken once (-1 afterwards).
    int take_user_end();
    const std::string& error() const { return error_; }

    // Moves what can move without blocking; true when any byte moved.
    bool step();
    phase state() const { return phase_; }
    // The socket end to poll and the events it waits for (0: none).
    int socket_end() const { return mine_; }
    short wanted_events() const;
    // Ends the channel now (the session is going away or the user gave up).
    void finish();

  private:
    ssh_session session_;
    channel_ptr channel_;
    std::string host_;
    std::uint16_t port_;
    phase phase_ = phase::opening;
    int mine_ = -1, theirs_ = -1;
    std::string to_user_, to_router_;
    bool router_done_ = false, user_done_ = false;
    std::string error_;
};

}  // namespace fanout::daemon::ssh
