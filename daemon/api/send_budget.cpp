#include "daemon/api/send_budget.hpp"

namespace fanout::daemon {

bool send_budget::try_reserve(const std::string& peer, std::size_t bytes) {
    std::lock_guard guard(mutex_);
    auto it = held_.find(peer);
    const std::size_t peer_held = it == held_.end() ? 0 : it->second;
    const bool peer_fits = peer_held == 0 || peer_held + bytes <= per_peer_limit_;
    const bool total_fits = total_ == 0 || total_ + bytes <= total_limit_;
    if (!peer_fits || !total_fits) return false;
    held_[peer] += bytes;
    total_ += bytes;
    return true;
}

void send_budget::force_reserve(const std::string& peer, std::size_t bytes) {
    std::lock_guard guard(mutex_);
    held_[peer] += bytes;
    total_ += bytes;
}

void send_budget::release(const std::string& peer, std::size_t bytes) {
    std::lock_guard guard(mutex_);
    auto it = held_.find(peer);
    if (it == held_.end()) return;  // never reserved: nothing to give back
    const std::size_t given = bytes < it->second ? bytes : it->second;
    it->second -= given;
    total_ -= given;
    if (it->second == 0) held_.erase(it);
}

std::size_t send_budget::held(const std::string& peer) const {
    std::lock_guard guard(mutex_);
    auto it = held_.find(peer);
    return it == held_.end() ? 0 : it->second;
}

std::size_t send_budget::total() const {
    std::lock_guard guard(mutex_);
    return total_;
}

}  // namespace fanout::daemon
