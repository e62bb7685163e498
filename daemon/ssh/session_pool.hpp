// A pool of authenticated SSH sessions, reused across router tasks and jobs.
//
// Contract: thread-safe. A session is either idle in the pool or owned by exactly one lease
// (one worker), never both, so one libssh session is never used by two threads at once.
// - acquire() hands out the most recently used idle session with the same router name and
//   connection identity (ip, port, user, auth, key path, secrets, algorithm lists, transport,
//   ssh_config file and Host, ProxyCommand, ConnectTimeout, bastion chain) if it still looks alive
//   (a hit), or opens a new one outside the lock (a miss). An idle session found dead is
//   closed and counted as dropped.
// - A lease gives its session back when it goes away: kept idle only when keep() was called,
//   the session still looks alive, reuse is on (idle_timeout > 0) and the pool holds no more
//   than max_sessions open sessions; otherwise the session is closed.
// - max_sessions counts sessions in use plus idle. A miss at the cap first evicts one idle
//   session, chosen by session_eviction.hpp: never one that an unfinished router task still
//   needs (add_demand/remove_demand, fed by the scheduler) while another is idle; among the
//   others the most recently used (scan-resistant); only if every idle session is needed, the
//   one needed latest. Sessions in use are never closed, so open can exceed the cap only by
//   sessions in use (at most one per worker).
// - A miss on a key that lost an idle session to the cap within idle_timeout counts as
//   `reopened`: a connection that a larger cap would have saved (thrash).
// - A reaper thread closes sessions idle for longer than idle_timeout and, every
//   keepalive_interval (0 = off), sends a keepalive on each idle session, closing the ones
//   that turn out dead; the others go back to their place in the eviction order. The
//   destructor joins it and closes every idle session; every lease must be gone by then.
//   Closing is a non-blocking disconnect.
// Session requirements: movable; `bool usable()` (non-blocking liveness check) and
// `void send_keepalive()` (non-blocking); its destructor closes the connection.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "daemon/admission/device.hpp"
#include "daemon/ssh/session_eviction.hpp"
#include "daemon/ssh/session_options.hpp"
#include "daemon/ssh/time_budget.hpp"
#include "daemon/ssh/transport.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

// The identity a pooled session is keyed by: router name plus everything that shapes the
// connection. Secrets enter only as a hash, so the key can never leak them.
std::string session_key_of(const device& target);
// The end of the session key of a router behind the bastion chain `jump` (empty for a router
// dialled directly): idle sessions through one chain are found by it.
std::string via_key_part(const std::vector<std::string>& jump);

template <class Session>
class basic_session_pool {
  public:
    using open_result = std::variant<Session, protocol::router_error>;
    // The router_limits bound the open's time (time_budget.hpp); default: none.
    using opener =
        std::function<open_result(const device&, const std::atomic<bool>&, const router_limits&)>;

    class lease {
      public:
        lease(lease&& other) noexcept
            : pool_(std::exchange(other.pool_, nullptr)),
              key_(std::move(other.key_)),
              session_(std::move(other.session_)),
              reused_(other.reused_),
              keep_(other.keep_) {}
        lease& operator=(lease&& other) noexcept {
            if (this == &other) return *this;
            give_back();
            pool_ = std::exchange(other.pool_, nullptr);
            key_ = std::move(other.key_);
            session_ = std::move(other.session_);
            reused_ = other.reused_;
            keep_ = other.keep_;
            return *this;
        }
        ~lease() { give_back(); }

        Session& operator*() { return *session_; }
        Session* operator->() { return session_.get(); }
        // True when the session came from the pool rather than being opened for this lease.
        bool reused() const { return reused_; }
        // The session ended in a clean state and may be used again.
        void keep() { keep_ = true; }

      private:
        friend class basic_session_pool;
        lease(basic_session_pool* pool, std::string key, Session session, bool reused)
            : pool_(pool),
              key_(std::move(key)),
              session_(std::make_unique<Session>(std::move(session))),
              reused_(reused) {}
        void give_back() {
            if (pool_ && session_) pool_->release(key_, std::move(*session_), keep_);
            session_.reset();
            pool_ = nullptr;
        }

        basic_session_pool* pool_ = nullptr;
        std::string key_;
        std::unique_ptr<Session> session_;  // not std::optional: GCC 12 warns falsely on it
        bool reused_ = false;
        bool keep_ = false;
    };

    basic_session_pool(session_pool_options options, opener open)
        : options_(options), open_(std::move(open)) {
        if (options_.max_sessions == 0) options_.max_sessions = 1;
        if (options_.idle_timeout.count() > 0) reaper_ = std::thread([this] { reap(); });
    }
    basic_session_pool(const basic_session_pool&) = delete;
    basic_session_pool& operator=(const basic_session_pool&) = delete;
    ~basic_session_pool() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (reaper_.joinable()) reaper_.join();
    }

    std::variant<lease, protocol::router_error> acquire(const device& target,
                                                        const std::atomic<bool>& cancelled,
                                                        const router_limits& limits = {}) {
        std::string key = session_key_of(target);
        for (;;) {
            std::optional<Session> found = take_idle(key);
            if (!found) break;
            if (found->usable()) {
                std::lock_guard lock(mutex_);
                ++figures_.hits;
                return lease(this, std::move(key), std::move(*found), true);
            }
            discard(std::move(*found));  // dead while idle: try the next one, or open
        }
        return open(std::move(key), target, cancelled, limits);
    }

    // Closes the lease's session (counted as dropped) and opens a fresh one in its place.
    // On failure the lease is left empty and the error is returned.
    std::optional<protocol::router_error> replace(lease& held, const device& target,
                                                  const std::atomic<bool>& cancelled,
                                                  const router_limits& limits = {}) {
        std::string key = held.key_;
        if (held.session_) discard(std::move(*held.session_));
        held.session_.reset();
        held.pool_ = nullptr;
        auto opened = open(std::move(key), target, cancelled, limits);
        if (auto* error = std::get_if<protocol::router_error>(&opened)) return *error;
        held = std::move(std::get<lease>(opened));
        return std::nullopt;
    }

    session_pool_figures figures() const {
        std::lock_guard lock(mutex_);
        auto f = figures_;
        f.idle = idle_.size();
        return f;
    }

    // Closes one idle session whose key satisfies `pick` (chosen as at the cap: spare before
    // wanted), counted as evicted; false when none is idle. For the bastion hub, which needs
    // the channel such a session holds (session_key_of: via_key_part).
    template <class Pick>
    bool close_idle_if(Pick pick) {
        std::optional<idle_entry> closing;  // closed on return, outside the lock
        {
            std::lock_guard lock(mutex_);
            closing = idle_.evict_if(pick);
            if (!closing) return false;
            --figures_.open;
            ++figures_.evicted;
        }
        return true;
    }

    // Demand: each key once per unfinished router task (queued or running) that will lease a
    // session with it, added when the task is accepted and removed when it finishes or is
    // cancelled; session_key_of() gives the keys. Idle sessions with demand are evicted last.
    void add_demand(const std::vector<std::string>& keys) {
        std::lock_guard lock(mutex_);
        for (const auto& key : keys) idle_.add_demand(key);
    }
    void remove_demand(const std::vector<std::string>& keys) {
        std::lock_guard lock(mutex_);
        for (const auto& key : keys) idle_.remove_demand(key);
    }

  private:
    using idle_entry = typename idle_sessions<Session>::entry;

    // Reserves a slot (evicting an idle session at the cap), then opens outside the lock.
    std::variant<lease, protocol::router_error> open(std::string key, const device& target,
                                                     const std::atomic<bool>& cancelled,
                                                     const router_limits& limits) {
        std::optional<idle_entry> evicted;
        {
            std::lock_guard lock(mutex_);
            auto now = std::chrono::steady_clock::now();
            ++figures_.misses;
            if (evictions_.reopened(key, now, options_.idle_timeout)) ++figures_.reopened;
            if (figures_.open >= options_.max_sessions && !idle_.empty()) {
                evicted = idle_.evict();
                evictions_.evicted(evicted->key, now, options_.idle_timeout);
                ++figures_.evicted;
            } else {
                ++figures_.open;
            }
        }
        evicted.reset();  // closes it, outside the lock
        open_result opened = open_(target, cancelled, limits);
        if (auto* error = std::get_if<protocol::router_error>(&opened)) {
            std::lock_guard lock(mutex_);
            --figures_.open;
            return *error;
        }
        return lease(this, std::move(key), std::move(std::get<Session>(opened)), false);
    }

    void release(const std::string& key, Session session, bool keep) {
        if (options_.idle_timeout.count() == 0) return discard(std::move(session), false);
        if (!keep || !session.usable()) return discard(std::move(session));
        std::lock_guard lock(mutex_);
        auto now = std::chrono::steady_clock::now();
        if (stopping_ || figures_.open > options_.max_sessions) {
            --figures_.open;
            ++figures_.evicted;
            if (!stopping_) evictions_.evicted(key, now, options_.idle_timeout);
            return;  // `session` closes as it goes out of scope (a cheap non-blocking close)
        }
        idle_.put(idle_entry{key, std::move(session), now, now});
    }

    // Closes a session that was in use. `dead`: counted as dropped.
    void discard(Session /*closed on return*/, bool dead = true) {
        std::lock_guard lock(mutex_);
        --figures_.open;
        if (dead) ++figures_.dropped;
        // `session` closes after the lock is released: locals die in reverse order.
    }

    // The most recently used idle session for `key`, taken out of the pool.
    std::optional<Session> take_idle(const std::string& key) {
        std::lock_guard lock(mutex_);
        return idle_.take(key);
    }

    void reap();

    session_pool_options options_;
    opener open_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    idle_sessions<Session> idle_;
    recent_evictions evictions_;
    session_pool_figures figures_;
    std::thread reaper_;  // last: joined before the members it uses go away
};

// Expires idle sessions and keeps the others alive, without ever holding the lock while a
// session does I/O: due sessions are taken out, checked, and put back.
template <class Session>
void basic_session_pool<Session>::reap() {
    using std::chrono::milliseconds;
    auto tick = std::min(milliseconds(1000), options_.idle_timeout / 2);
    if (options_.keepalive_interval.count() > 0)
        tick = std::min(tick, options_.keepalive_interval / 2);
    tick = std::max(tick, milliseconds(10));
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, tick, [this] { return stopping_; });
        if (stopping_) break;
        auto now = std::chrono::steady_clock::now();
        std::vector<idle_entry> expired, due;
        for (auto& entry : idle_.take_if([&](const idle_entry& e) {
                 return now - e.last_used >= options_.idle_timeout ||
                        (options_.keepalive_interval.count() > 0 &&
                         now - e.last_keepalive >= options_.keepalive_interval);
             })) {
            if (now - entry.last_used >= options_.idle_timeout) {
                --figures_.open;
                ++figures_.expired;
                expired.push_back(std::move(entry));
            } else {
                entry.last_keepalive = now;
                due.push_back(std::move(entry));
            }
        }
        lock.unlock();
        expired.clear();
        std::vector<bool> alive;
        for (auto& entry : due) {
            entry.session.send_keepalive();
            alive.push_back(entry.session.usable());
        }
        std::vector<idle_entry> dead;
        lock.lock();
        for (std::size_t i = 0; i < due.size(); ++i) {
            if (!alive[i] || stopping_) {
                dead.push_back(std::move(due[i]));
                --figures_.open;
                if (!stopping_) ++figures_.dropped;
                continue;
            }
            idle_.put_back(std::move(due[i]));  // its old place in the eviction order
        }
        lock.unlock();
        dead.clear();
        due.clear();
        lock.lock();
    }
}

// The daemon's pool: libssh sessions opened with `options`.
using session_pool = basic_session_pool<ssh_connection>;
session_pool::opener ssh_session_opener(transport_options options);

}  // namespace fanout::daemon
