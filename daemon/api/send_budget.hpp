// send_budget: how many bytes of outgoing messages ZeroMQ holds on fanoutd's behalf, per peer
// and in all, so that peers that never read cannot make fanoutd hold unbounded memory.
//
// Contract:
// - try_reserve(peer, n) reserves n bytes and returns true when they fit: the peer's held
//   bytes stay within per_peer_limit and the total within total_limit. So that every reply
//   and result can be delivered at all, one message always fits when nothing is held: by the
//   peer (for the per-peer limit) or by anyone (for the total). Held bytes therefore stay
//   below max(limit, one message) per peer, and below max(total_limit, one message) in all.
// - force_reserve(peer, n) reserves without checking: for the small substitutes sent instead
//   of what did not fit (their number is bounded by the socket's high-water mark).
// - release(peer, n) gives back a reservation: ZeroMQ calls it, from its I/O thread, when
//   the message has been written out or dropped (zero_copy_frame.hpp). A peer holding
//   nothing is forgotten, so the budget keeps no per-peer state beyond what is held.
// - Thread-safe; no ZeroMQ in it, so it is unit-tested alone.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace fanout::daemon {

class send_budget {
  public:
    send_budget(std::size_t per_peer_limit, std::size_t total_limit)
        : per_peer_limit_(per_peer_limit), total_limit_(total_limit) {}

    bool try_reserve(const std::string& peer, std::size_t bytes);
    void force_reserve(const std::string& peer, std::size_t bytes);
    void release(const std::string& peer, std::size_t bytes);

    std::size_t held(const std::string& peer) const;
    std::size_t total() const;
    std::size_t per_peer_limit() const { return per_peer_limit_; }
    std::size_t total_limit() const { return total_limit_; }

  private:
    const std::size_t per_peer_limit_;
    const std::size_t total_limit_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> held_;
    std::size_t total_ = 0;
};

}  // namespace fanout::daemon
