// The bastion hub's reaper thread and figures (hub.hpp's contract): idle and dead sessions
// closed, unused entries erased.
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/jump/hub.hpp"
#include "daemon/jump/hub_entry.hpp"

namespace fanout::daemon::jump {

using steady = std::chrono::steady_clock;

// Nothing left in the entry worth keeping: no session, nobody opening, waiting on or holding
// it, and no failure or open back-off to remember. A later stream() makes a fresh one.
bool hub::unused(const entry& e, steady::time_point now) {
    return e.links.empty() && e.opening == 0 && e.waiting == 0 && e.users == 0 &&
           (!e.memo || now >= e.memo_until) && now >= e.no_open_until;
}

std::size_t hub::entries() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

hub_figures hub::figures() const {
    std::lock_guard lock(mutex_);
    auto f = totals_;
    for (const auto& [key, e] : entries_)
        for (const auto& held : e->links) {
            if (!held->alive()) continue;
            ++f.sessions;
            f.channels += held->channels();
        }
    return f;
}

void hub::reap() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        reaper_wake_.wait_for(lock, std::chrono::seconds(1));
        if (stopping_) break;
        std::vector<std::shared_ptr<link>> closing;
        const auto now = steady::now();
        for (auto& [key, e] : entries_) {
            for (auto it = e->links.begin(); it != e->links.end();) {
                auto& held = *it;
                const bool dead = !held->alive();
                const bool idle =
                    held->channels() == 0 && now - held->idle_since() >= options_.idle_timeout;
                if (!dead && !idle) {
                    ++it;
                    continue;
                }
                ++(dead ? totals_.dropped : totals_.expired);
                if (!dead) spdlog::debug("bastion {}: idle session closed", e->name);
                closing.push_back(std::move(held));
                it = e->links.erase(it);
            }
        }
        std::erase_if(entries_, [now](const auto& item) { return unused(*item.second, now); });
        lock.unlock();
        closing.clear();
        lock.lock();
    }
}

}  // namespace fanout::daemon::jump
