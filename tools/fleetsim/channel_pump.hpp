// One direct-tcpip channel of a bastion session joined to a TCP connection to a router: bytes
// from the client's channel go to the socket, bytes from the socket go to the channel.
//
// Contract: every call happens on the thread that owns the channel's session (libssh allows
// one thread per session). step() moves whatever can move without blocking and returns false
// once the pump is finished; the owner then destroys it. Each direction buffers at most
// pump_buffer_bytes: a full buffer stops reading that side (the router's socket, or the
// channel, whose SSH window then stops growing), so a slow reader holds its writer back
// instead of growing memory. The client's EOF becomes a TCP half-close (SHUT_WR) towards the
// router once its bytes are written; the router's EOF (or a reset) becomes EOF and close on
// the channel once its bytes are sent, even when writing to the router failed first (a router
// that reset its connection); the client closing the channel or a failed connect finishes the
// pump at once. The destructor closes the socket and sends close
// on the channel if that was not done, then frees the channel.
#pragma once

#include <libssh/libssh.h>

#include <cstddef>
#include <string>

namespace fanout::fleetsim {

inline constexpr std::size_t pump_buffer_bytes = 64 * 1024;

class channel_pump {
  public:
    // Takes ownership of `channel` and `socket_fd` (non-blocking; `connecting`: its connect()
    // is still in progress).
    channel_pump(ssh_channel channel, int socket_fd, bool connecting);
    ~channel_pump();
    channel_pump(const channel_pump&) = delete;
    channel_pump& operator=(const channel_pump&) = delete;

    bool step();

    // True when bytes wait for the client and its window has room: step() can move them now.
    bool can_send() const;

    // poll(2) events the socket should be watched for now (0: none).
    short socket_events() const;
    int socket_fd() const { return fd_; }

  private:
    bool finish_connect();
    bool client_to_router();
    bool router_to_client();
    void finish();

    ssh_channel channel_;
    int fd_;
    bool connecting_;
    bool client_eof_ = false;
    bool router_eof_ = false;
    bool shut_write_ = false;
    bool router_gone_ = false;  // writing to the router failed: client bytes are dropped
    bool done_ = false;
    std::string to_router_;
    std::string to_client_;
};

}  // namespace fanout::fleetsim
