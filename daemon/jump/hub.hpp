// The bastion hub (issue 12): streams to routers through their bastion chains, over a few
// pooled, authenticated bastion sessions that each carry many routers as direct-tcpip
// channels.
//
// Design: one entry per bastion per chain prefix that reaches it (b1, then b1>b2 for the
// second hop), each with up to sessions_per_bastion sessions (links), each carrying up to
// channels_per_session channels. stream() takes a channel slot on the oldest session with
// room; when all are full and the cap allows, it opens one more. A session for hop k is
// opened over a stream from hop k-1's entry, so multi-hop is the same mechanism applied twice.
// Each link owns one pump thread (tunnel.hpp), so no libssh session is shared by threads.
//
// Contract: thread-safe.
// - Single flight: while an entry has no live session, at most one open is in progress;
//   concurrent callers wait for it and share its result. Once a session is up, at most
//   parallel_opens (3) more open at once, which keeps fanoutd far below OpenSSH's MaxStartups
//   (10 unauthenticated connections at once) while a large wave fills its sessions quickly.
// - Failure memo: when an entry has no live session and its open fails (down, auth, host
//   key, timeout), every caller waiting on it, and every caller for failure_memo afterwards,
//   gets that error at once (kind as the open found it; the message names the bastion, never
//   the router), with stage setup so connect retries do not repeat it per router. An open that
//   fails while the entry still has live sessions fails nobody: callers wait for a slot, and
//   no new open is tried for failure_memo. A cancelled open is not remembered.
// - Waiting for a slot (every session full, at the cap) has no deadline: slots free as other
//   routers finish; a cancelled job stops waiting at once (checked every 50 ms). Idle pooled
//   router sessions keep their channels, so at the cap a waiter first has the reclaimer close
//   one idle router session through the same chain (once per 50 ms wait); without that, a
//   fleet larger than the caps would wait forever behind its own idle sessions.
// - A session that dies fails only the streams it carried (they see end of stream); later
//   callers get a new session. A forward on a session found dead meanwhile is retried on
//   another one (nothing reached the router), twice at most.
// - connect_rate: each channel open through an entry first takes a slot of that entry's
//   rate limiter.
// - Idle sessions (no channel for idle_timeout) are closed by a reaper thread every second;
//   dead ones are removed there too. The destructor closes every session.
// - Entries do not pile up (SIGHUP inventory changes, many bastions): the reaper also erases
//   an entry with no session, no open in progress, no caller waiting on or using it (a
//   stream() call counts itself in the entry while it runs, so no caller ever holds an erased
//   one), and no failure memo or open back-off still running. A later stream() through that
//   chain starts a fresh entry (its rate limiter full, nothing remembered).
// - Time budget (issue 13): stream() is given the router's time_budget. A caller waiting for a
//   slot gives up when it is spent (kind timeout, "deadline of 5 s hit during connect: waiting
//   for a channel on bastion b1"); its rate-limiter wait, the bastion session open it runs
//   (min(connect timeout, budget left) per attempt) and the channel open are capped by it. A
//   bastion open that fails because the caller's budget ran out is not remembered (like a
//   cancelled one): another caller, with its own budget, tries again.
// - Bastions are looked up by name in the inventory given last (replace_inventory: SIGHUP); a
//   name not found fails with kind connect.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "daemon/admission/inventory.hpp"
#include "daemon/jump/jump_options.hpp"
#include "daemon/jump/link.hpp"
#include "daemon/jump/rate_limiter.hpp"
#include "daemon/ssh/connect_retry.hpp"

namespace fanout::daemon::jump {

// Bastion sessions of one entry opened at once, once one is up (see the contract).
inline constexpr std::size_t parallel_opens = 3;

// A stream to the target (a socket descriptor the caller owns), or why not.
using stream_result = std::variant<int, connect_failure>;

class hub {
  public:
    // Opens a session to `bastion`, over `fd` (a stream from the previous hop) or, when -1,
    // directly. `on_slot_free` is for the link to call when a channel slot frees.
    using link_opener = std::function<std::variant<std::unique_ptr<link>, connect_failure>(
        const device& bastion, int fd, const std::atomic<bool>& cancelled,
        std::function<void()> on_slot_free, const time_budget& budget)>;

    hub(hub_options options, link_opener opener, std::shared_ptr<const inventory> devices);
    ~hub();
    hub(const hub&) = delete;
    hub& operator=(const hub&) = delete;

    void replace_inventory(std::shared_ptr<const inventory> devices);
    // Closes one idle pooled router session whose stream runs through exactly `chain` (bastion
    // names, first hop first), freeing its channel; false when there is none. Set once, before
    // the first stream().
    using reclaimer = std::function<bool(const std::vector<std::string>& chain)>;
    void set_reclaimer(reclaimer reclaim);
    // A stream to target.ip:port through target.jump.
    stream_result stream(const device& target, const std::atomic<bool>& cancelled,
                         const time_budget& budget = {});
    hub_figures figures() const;
    // Entries (bastion chain prefixes) kept now: sessions, waiters or a failure memo each.
    std::size_t entries() const;

  private:
    struct entry;
    using chain = std::vector<const device*>;
    stream_result stream_via(const chain& hops, std::size_t depth, const std::string& host,
                             std::uint16_t port, const std::atomic<bool>& cancelled,
                             const time_budget& budget);
    std::variant<std::shared_ptr<link>, connect_failure> reserve(entry& e, const chain& hops,
                                                                 std::size_t depth,
                                                                 const std::atomic<bool>& cancelled,
                                                                 const time_budget& budget);
    // Both under mutex_.
    entry& entry_for(const chain& hops, std::size_t depth);
    static bool unused(const entry& e, std::chrono::steady_clock::time_point now);
    void reap();

    hub_options options_;
    link_opener opener_;
    reclaimer reclaim_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;      // a slot freed, an open ended
    std::condition_variable reaper_wake_;  // stopping
    std::shared_ptr<const inventory> devices_;
    std::map<std::string, std::unique_ptr<entry>> entries_;
    hub_figures totals_;
    bool stopping_ = false;
    std::thread reaper_;  // last: joined before the members it uses go away
};

}  // namespace fanout::daemon::jump
