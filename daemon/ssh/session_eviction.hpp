// The session pool's idle sessions, ordered for eviction, and the demand that orders them: which
// idle session a miss at --max-sessions closes (issue 16).
//
// Contract: not thread-safe; basic_session_pool calls it under its lock. All O(log n) but
// take_if (the reaper's O(n) pass).
// - Demand: add_demand/remove_demand count, per session key, the router tasks not finished yet
//   (queued or running) that will lease a session with that key; the scheduler reports them
//   through the daemon's wiring. Counts of keys with no idle session are kept too.
// - Every idle session is in exactly one queue: `wanted` when its key's demand is above zero,
//   `spare` otherwise. A session moves when its key's demand crosses zero, joining the newest
//   end of its new queue. spare is in last-use order; wanted in the order sessions became
//   wanted, which is the order the scheduler was asked for their routers.
// - evict() picks the victim: the most recently used spare session (MRU); only when every idle
//   session is wanted, the one that became wanted last, i.e. the one needed latest. MRU, not
//   LRU: a miss at the cap means more routers are in use than the cap holds, typically a job
//   that scans the fleet; LRU then closes exactly the session the next scan needs first, while
//   MRU keeps (cap - workers) sessions of the last scan for the next one. Demand overrides
//   recency for every router a queued or running job still has to serve.
// - recent_evictions remembers, for --session-idle, which keys lost an idle session to the cap,
//   so a miss on such a key counts as `reopened` (a connection the cap cost).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fanout::daemon {

template <class Session>
class idle_sessions {
  public:
    using time_point = std::chrono::steady_clock::time_point;
    struct entry {
        std::string key;
        Session session;
        time_point last_used;
        time_point last_keepalive;
        std::uint64_t order = 0;  // position in its queue; 0: not queued yet
        bool wanted = false;      // the queue it was in when taken out
    };

    std::size_t size() const { return spare_.size() + wanted_.size(); }
    bool empty() const { return size() == 0; }

    // A session given back after use: the newest end of its queue.
    void put(entry e) {
        e.order = 0;
        insert(std::move(e));
    }
    // A session taken out by take_if and now going back: its old place, unless its key's
    // demand crossed zero meanwhile.
    void put_back(entry e) { insert(std::move(e)); }

    // The most recently used idle session with this key, taken out.
    std::optional<Session> take(const std::string& key) {
        auto k = keys_.find(key);
        if (k == keys_.end() || k->second.idle.empty()) return std::nullopt;
        auto& queue = queue_of(k->second);
        auto newest = std::max_element(k->second.idle.begin(), k->second.idle.end(),
                                       [&](std::uint64_t a, std::uint64_t b) {
                                           return queue.at(a).last_used < queue.at(b).last_used;
                                       });
        return std::move(remove(k, queue.find(*newest)).session);
    }

    // The victim of a miss at the cap (see the contract), taken out; nullopt when none is idle.
    std::optional<entry> evict() {
        auto& queue = spare_.empty() ? wanted_ : spare_;
        if (queue.empty()) return std::nullopt;
        auto last = std::prev(queue.end());
        return remove(keys_.find(last->second.key), last);
    }

    // Like evict(), among the idle sessions whose key satisfies `pick` only: the most recently
    // used spare one, else the one wanted last. O(n).
    template <class Pick>
    std::optional<entry> evict_if(Pick pick) {
        for (auto* queue : {&spare_, &wanted_})
            for (auto it = queue->rbegin(); it != queue->rend(); ++it)
                if (pick(std::as_const(it->second.key))) {
                    auto where = std::prev(it.base());
                    return remove(keys_.find(where->second.key), where);
                }
        return std::nullopt;
    }

    void add_demand(const std::string& key) {
        auto& k = keys_[key];
        if (k.demand++ == 0) move_idle(k, spare_, wanted_);
    }
    void remove_demand(const std::string& key) {
        auto it = keys_.find(key);
        if (it == keys_.end() || it->second.demand == 0) return;  // never reported: ignore
        if (--it->second.demand == 0) move_idle(it->second, wanted_, spare_);
        if (it->second.demand == 0 && it->second.idle.empty()) keys_.erase(it);
    }
    std::size_t demand(const std::string& key) const {
        auto it = keys_.find(key);
        return it == keys_.end() ? 0 : it->second.demand;
    }

    // Takes out every idle session for which `pick(entry)` is true (the reaper's pass).
    template <class Pick>
    std::vector<entry> take_if(Pick pick) {
        std::vector<entry> taken;
        for (auto* queue : {&spare_, &wanted_}) {
            for (auto it = queue->begin(); it != queue->end();) {
                auto next = std::next(it);
                if (pick(std::as_const(it->second)))
                    taken.push_back(remove(keys_.find(it->second.key), it));
                it = next;
            }
        }
        return taken;
    }

  private:
    using queue_type = std::map<std::uint64_t, entry>;
    struct key_state {
        std::size_t demand = 0;
        std::vector<std::uint64_t> idle;  // orders of its idle sessions, all in one queue
    };

    queue_type& queue_of(const key_state& k) { return k.demand > 0 ? wanted_ : spare_; }

    void insert(entry e) {
        auto& k = keys_[e.key];
        const bool wanted = k.demand > 0;
        if (e.order == 0 || e.wanted != wanted) e.order = ++next_order_;
        e.wanted = wanted;
        k.idle.push_back(e.order);
        auto order = e.order;
        queue_of(k).emplace(order, std::move(e));
    }

    entry remove(typename std::unordered_map<std::string, key_state>::iterator k,
                 typename queue_type::iterator where) {
        auto& idle = k->second.idle;
        idle.erase(std::find(idle.begin(), idle.end(), where->first));
        entry e = std::move(where->second);
        queue_of(k->second).erase(where);
        if (k->second.demand == 0 && idle.empty()) keys_.erase(k);
        return e;
    }

    void move_idle(key_state& k, queue_type& from, queue_type& to) {
        for (auto& order : k.idle) {
            auto node = from.extract(order);
            order = ++next_order_;
            node.key() = order;
            node.mapped().order = order;
            node.mapped().wanted = &to == &wanted_;
            to.insert(std::move(node));
        }
    }

    queue_type spare_;   // no unfinished task needs them; oldest use first
    queue_type wanted_;  // some unfinished task needs them; first wanted first
    std::unordered_map<std::string, key_state> keys_;
    std::uint64_t next_order_ = 0;
};

// Keys that lost an idle session to the cap within the last `window`, so that a miss on one of
// them can be counted as reopened. Keys are kept as hashes: the figure tolerates a collision.
class recent_evictions {
  public:
    using time_point = std::chrono::steady_clock::time_point;

    void evicted(const std::string& key, time_point now, std::chrono::milliseconds window) {
        forget_older_than(now - window);
        auto h = std::hash<std::string>{}(key);
        at_[h] = now;
        order_.emplace_back(now, h);
    }
    // True (and forgotten) when `key` was evicted within `window` before `now`.
    bool reopened(const std::string& key, time_point now, std::chrono::milliseconds window) {
        forget_older_than(now - window);
        return at_.erase(std::hash<std::string>{}(key)) > 0;
    }

  private:
    void forget_older_than(time_point oldest) {
        while (!order_.empty() && order_.front().first < oldest) {
            auto it = at_.find(order_.front().second);
            if (it != at_.end() && it->second == order_.front().first) at_.erase(it);
            order_.pop_front();
        }
    }

    std::unordered_map<std::size_t, time_point> at_;
    std::deque<std::pair<time_point, std::size_t>> order_;  // eviction order, for forgetting
};

}  // namespace fanout::daemon
