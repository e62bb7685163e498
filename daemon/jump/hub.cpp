#include "daemon/jump/hub.hpp"

#include <algorithm>
#include <optional>

#include <spdlog/spdlog.h>

#include "daemon/jump/hub_entry.hpp"
#include "daemon/ssh/session_pool.hpp"

namespace fanout::daemon::jump {

using protocol::error_kind;
using protocol::router_error;
using steady = std::chrono::steady_clock;

hub::hub(hub_options options, link_opener opener, std::shared_ptr<const inventory> devices)
    : options_(options), opener_(std::move(opener)), devices_(std::move(devices)) {
    if (options_.channels_per_session == 0) options_.channels_per_session = 1;
    if (options_.sessions_per_bastion == 0) options_.sessions_per_bastion = 1;
    reaper_ = std::thread([this] { reap(); });
}

hub::~hub() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    reaper_wake_.notify_all();
    reaper_.join();
    std::map<std::string, std::unique_ptr<entry>> closing;
    {
        std::lock_guard lock(mutex_);
        closing.swap(entries_);
    }
}

void hub::replace_inventory(std::shared_ptr<const inventory> devices) {
    std::lock_guard lock(mutex_);
    devices_ = std::move(devices);
}

void hub::set_reclaimer(reclaimer reclaim) {
    std::lock_guard lock(mutex_);
    reclaim_ = std::move(reclaim);
}

stream_result hub::stream(const device& target, const std::atomic<bool>& cancelled,
                          const time_budget& budget) {
    std::shared_ptr<const inventory> devices;  // keeps the hops alive
    {
        std::lock_guard lock(mutex_);
        devices = devices_;
    }
    chain hops;
    for (const auto& name : target.jump) {
        const device* hop = devices ? devices->find(name) : nullptr;
        if (!hop || !hop->bastion)
            return connect_failure{
                router_error{error_kind::connect, "bastion " + name + " is not in the inventory"},
                connect_stage::setup};
        hops.push_back(hop);
    }
    if (hops.empty())
        return connect_failure{router_error{error_kind::internal, "no bastion chain"},
                               connect_stage::setup};
    return stream_via(hops, hops.size(), target.ip, target.port, cancelled, budget);
}

hub::entry& hub::entry_for(const chain& hops, std::size_t depth) {
    std::string key;
    for (std::size_t i = 0; i < depth; ++i) key += session_key_of(*hops[i]) + '\x1e';
    auto& slot = entries_[key];
    if (!slot) {
        std::string name = hops[depth - 1]->name;
        if (depth > 1) {
            name += " (via ";
            for (std::size_t i = 0; i + 1 < depth; ++i) name += (i ? " > " : "") + hops[i]->name;
            name += ")";
        }
        slot = std::make_unique<entry>(std::move(name), options_.connect_rate);
    }
    return *slot;
}

stream_result hub::stream_via(const chain& hops, std::size_t depth, const std::string& host,
                              std::uint16_t port, const std::atomic<bool>& cancelled,
                              const time_budget& budget) {
    entry* e = nullptr;
    {
        std::lock_guard lock(mutex_);
        e = &entry_for(hops, depth);
        ++e->users;  // the reaper keeps it while this call runs
    }
    struct in_use {
        hub& owner;
        entry& used;
        ~in_use() {
            std::lock_guard lock(owner.mutex_);
            --used.users;
        }
    } use{*this, *e};
    for (int attempt = 0;; ++attempt) {
        auto reserved = reserve(*e, hops, depth, cancelled, budget);
        if (auto* failure = std::get_if<connect_failure>(&reserved)) return *failure;
        auto held = std::get<std::shared_ptr<link>>(std::move(reserved));
        if (!e->rate.take(cancelled, budget.until())) {
            held->release();  // reserved, never forwarded
            if (cancelled.load())
                return connect_failure{router_error{error_kind::connect, "cancelled"},
                                       connect_stage::setup};
            return connect_failure{
                router_error{error_kind::timeout,
                             budget.exhausted_message(
                                 "connect", "waiting for --bastion-connect-rate on " + e->name)},
                connect_stage::setup};
        }
        auto forwarded =
            held->forward(host, port,
                          std::max(std::chrono::milliseconds(1),
                                   budget.cap(options_.connect_timeout, steady::now())),
                          cancelled);
        if (forwarded.fd >= 0) return forwarded.fd;
        if (forwarded.session_lost && attempt < 2 && !cancelled.load()) continue;
        return connect_failure{
            forwarded.error.value_or(router_error{error_kind::connect, "no channel"}),
            connect_stage::transport};
    }
}

std::variant<std::shared_ptr<link>, connect_failure> hub::reserve(
    entry& e, const chain& hops, std::size_t depth, const std::atomic<bool>& cancelled,
    const time_budget& budget) {
    std::vector<std::shared_ptr<link>> closing;  // destroyed after the lock is released
    std::unique_lock lock(mutex_);
    for (;;) {
        for (auto it = e.links.begin(); it != e.links.end();) {
            if ((*it)->alive()) {
                ++it;
                continue;
            }
            ++totals_.dropped;
            closing.push_back(std::move(*it));
            it = e.links.erase(it);
        }
        if (stopping_ || cancelled.load())
            return connect_failure{
                router_error{error_kind::connect, "cancelled while waiting for bastion " + e.name},
                connect_stage::setup};
        const auto now = steady::now();
        if (budget.expired(now))
            return connect_failure{
                router_error{error_kind::timeout,
                             budget.exhausted_message(
                                 "connect", "waiting for a channel on bastion " + e.name)},
                connect_stage::setup};
        if (e.links.empty() && e.memo && now < e.memo_until) {
            ++totals_.memo_failures;
            return connect_failure{*e.memo, connect_stage::setup};
        }
        for (auto& held : e.links)
            if (held->try_reserve(options_.channels_per_session)) return held;
        // The first session opens alone (single flight: a dead bastion costs one attempt);
        // once one is up, a few more may open at once, far below OpenSSH's MaxStartups.
        const bool may_open =
            e.links.size() + e.opening < options_.sessions_per_bastion &&
            (e.links.empty() ? e.opening == 0
                             : e.opening < parallel_opens && now >= e.no_open_until &&
                                   // only as many as the callers waiting (this one too) need
                                   e.opening * options_.channels_per_session < e.waiting + 1);
        if (!may_open) {
            if (reclaim_ && e.opening == 0) {
                // Every channel is taken; some may be held by idle pooled router sessions.
                std::vector<std::string> names;
                for (std::size_t i = 0; i < depth; ++i) names.push_back(hops[i]->name);
                auto reclaim = reclaim_;
                lock.unlock();
                reclaim(names);
                lock.lock();
            }
            ++e.waiting;
            changed_.wait_for(lock, std::chrono::milliseconds(50));
            --e.waiting;
            continue;
        }
        ++e.opening;
        lock.unlock();
        // Over the previous hop's stream for a later hop; directly for the first.
        const device& bastion = *hops[depth - 1];
        std::variant<std::unique_ptr<link>, connect_failure> opened =
            connect_failure{router_error{error_kind::internal, "not opened"}, connect_stage::setup};
        int fd = -1;
        bool inner_failed = false;
        if (depth > 1) {
            auto inner = stream_via(hops, depth - 1, bastion.ip, bastion.port, cancelled, budget);
            if (auto* failure = std::get_if<connect_failure>(&inner)) {
                opened = *failure;
                inner_failed = true;
            } else {
                fd = std::get<int>(inner);
            }
        }
        if (!inner_failed) {
            // An exception (no thread for the pump: EAGAIN under TasksMax, bad_alloc) must not
            // leave `opening` counted, which would block this bastion for good: it is a failed
            // open like any other.
            try {
                opened = opener_(
                    bastion, fd, cancelled, [this] { changed_.notify_all(); }, budget);
            } catch (const std::exception& e) {
                opened = connect_failure{
                    router_error{error_kind::internal,
                                 std::string("cannot open a bastion session: ") + e.what()},
                    connect_stage::setup};
            }
        }
        lock.lock();
        --e.opening;
        changed_.notify_all();
        if (auto* made = std::get_if<std::unique_ptr<link>>(&opened)) {
            ++totals_.opened;
            e.memo.reset();
            e.links.push_back(std::shared_ptr<link>(std::move(*made)));
            spdlog::info("bastion {}: session {} open", e.name, e.links.size());
            continue;
        }
        auto failure = std::get<connect_failure>(std::move(opened));
        failure.stage = connect_stage::setup;  // the open had its own retries
        if (!inner_failed)
            failure.error.message = "bastion " + e.name + ": " + failure.error.message;
        // Not remembered: another caller, with its own budget, tries again.
        if (cancelled.load() || budget.expired(steady::now())) return failure;
        ++totals_.failed;
        spdlog::warn("{} ({})", failure.error.message, protocol::to_string(failure.error.kind));
        if (!e.links.empty()) {
            e.no_open_until = steady::now() + options_.failure_memo;
            continue;  // the live sessions will free slots
        }
        e.memo = failure.error;
        e.memo_until = steady::now() + options_.failure_memo;
        return failure;
    }
}

}  // namespace fanout::daemon::jump
