// The direct-tcpip channels a bastion session is opening (tunnel.hpp has the design): the
// callers' forward requests, and the opens their callers gave up on. Internal to fanout_ssh;
// used by the tunnel's pump thread only (forward_request and deliver() also by forward()).
//
// Why abandoned opens are kept: libssh 0.10 cannot close a channel whose open the server has
// not answered yet. Freeing it (ssh_channel_free) only forgets it locally, so when the
// bastion's SSH_MSG_CHANNEL_OPEN_CONFIRMATION arrives later the channel stays open on the
// bastion, with its TCP connection to the router, for the life of the session.
//
// Contract: add() sends no channel open for a request already given up (abandoned while
// queued, or its deadline passed): it gets its timeout error at once and its slot is released.
// step() resolves what it can. A request whose channel opened is delivered to its
// caller and handed back to the pump; one refused gets its error. A request still waiting at
// its deadline gets a timeout error then (never later), and one whose caller gave up
// (abandoned) is not answered; either way its channel stays here as abandoned until the
// bastion answers: opened, it is closed at once (EOF and close); refused, it is freed. An
// abandoned open keeps its slot for at most `abandoned_limit`; after that it is an orphan: its
// slot is freed (release_slot), and it is still closed if it opens, until the session ends.
// Each slot is released exactly once. fail_all() ends everything when the session goes away.
#pragma once

#include <libssh/libssh.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/ssh/detail/channel_pump.hpp"
#include "daemon/ssh/tunnel.hpp"

namespace fanout::daemon::ssh {

// One forward() call, shared by the caller and the pump thread (under its own lock).
struct forward_request {
    std::string host;
    std::uint16_t port = 0;
    std::chrono::steady_clock::time_point deadline;
    std::mutex mutex;
    std::condition_variable done_signal;
    bool done = false;
    bool abandoned = false;  // the caller gave up (cancel): nobody takes the result
    forward_result result;
};

// Hands `result` over; false when the caller had abandoned it (its fd is then closed here).
bool deliver(forward_request& request, forward_result result);

class channel_opens {
  public:
    channel_opens(std::string bastion, std::chrono::milliseconds abandoned_limit,
                  std::function<void()> release_slot);

    // Starts opening a channel for `request` (whose slot is reserved) on `session`, unless
    // the request was given up already (see above).
    void add(ssh_session session, std::shared_ptr<forward_request> request);
    // Steps every open; returns the channels that opened for a caller who took them.
    std::vector<std::unique_ptr<channel_pump>> step();
    // Opens in progress, a caller's or abandoned (the pump polls sooner while there are any).
    bool any() const { return !opens_.empty(); }
    std::size_t abandoned() const;
    // The session is gone: callers still waiting get session_lost, every channel is dropped
    // and every slot still held released.
    void fail_all();

  private:
    struct open {
        std::unique_ptr<channel_pump> channel;
        std::string target;                        // "host:port", for messages
        std::shared_ptr<forward_request> request;  // null once abandoned
        std::chrono::steady_clock::time_point keep_slot_until{};
        bool holds_slot = true;
    };
    static bool gave_up(forward_request& request, std::chrono::steady_clock::time_point now);

    std::string bastion_;
    std::chrono::milliseconds abandoned_limit_;
    std::function<void()> release_slot_;
    std::list<open> opens_;
};

}  // namespace fanout::daemon::ssh
