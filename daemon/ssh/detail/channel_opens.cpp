#include "daemon/ssh/detail/channel_opens.hpp"

#include <unistd.h>

#include <utility>

#include <spdlog/spdlog.h>

namespace fanout::daemon::ssh {

using protocol::error_kind;
using protocol::router_error;
using steady = std::chrono::steady_clock;

bool deliver(forward_request& request, forward_result result) {
    std::lock_guard lock(request.mutex);
    if (request.abandoned) {
        if (result.fd >= 0) ::close(result.fd);
        return false;
    }
    request.result = std::move(result);
    request.done = true;
    request.done_signal.notify_all();
    return true;
}

channel_opens::channel_opens(std::string bastion, std::chrono::milliseconds abandoned_limit,
                             std::function<void()> release_slot)
    : bastion_(std::move(bastion)),
      abandoned_limit_(abandoned_limit),
      release_slot_(std::move(release_slot)) {}

void channel_opens::add(ssh_session session, std::shared_ptr<forward_request> request) {
    std::string target = request->host + ":" + std::to_string(request->port);
    if (gave_up(*request, steady::now())) {
        // Given up while queued, or queued with its time already spent: no channel open goes
        // out (it would only be closed again when the bastion answers).
        forward_result late;
        late.error = router_error{error_kind::timeout, "no time was left to open a channel to " +
                                                           target + " through bastion " + bastion_};
        release_slot_();  // first: the caller may look at the slots once it has its answer
        deliver(*request, std::move(late));  // nobody takes it when abandoned
        return;
    }
    opens_.push_back({std::make_unique<channel_pump>(session, request->host, request->port),
                      std::move(target), std::move(request)});
}

bool channel_opens::gave_up(forward_request& request, steady::time_point now) {
    std::lock_guard lock(request.mutex);
    return request.abandoned || now >= request.deadline;
}

std::size_t channel_opens::abandoned() const {
    std::size_t n = 0;
    for (const auto& o : opens_) n += o.request ? 0 : 1;
    return n;
}

std::vector<std::unique_ptr<channel_pump>> channel_opens::step() {
    std::vector<std::unique_ptr<channel_pump>> opened;
    const auto now = steady::now();
    for (auto it = opens_.begin(); it != opens_.end();) {
        auto& o = *it;
        const auto status = o.channel->step_open();
        const bool waiting = status == channel_pump::open_status::waiting;
        if (!o.request) {  // abandoned: only the bastion's answer (or the session's end) ends it
            if (waiting) {
                if (o.holds_slot && now >= o.keep_slot_until) {
                    o.holds_slot = false;
                    release_slot_();
                    spdlog::info(
                        "bastion {}: the channel open to {} is still unanswered {} ms after its "
                        "caller gave up; its slot is freed (it is closed if it opens later)",
                        bastion_, o.target, abandoned_limit_.count());
                }
                ++it;
                continue;
            }
            o.channel->finish();  // opened: EOF and close; refused: freed
            if (o.holds_slot) release_slot_();
            spdlog::debug(
                "bastion {}: abandoned channel to {} {}", bastion_, o.target,
                status == channel_pump::open_status::opened ? "opened, now closed" : "refused");
            it = opens_.erase(it);
            continue;
        }
        if (waiting && !gave_up(*o.request, now)) {
            ++it;
            continue;
        }
        forward_result result;
        if (status == channel_pump::open_status::opened) {
            result.fd = o.channel->take_user_end();
        } else if (waiting) {
            result.error = router_error{
                error_kind::timeout,
                "bastion " + bastion_ + " did not open a channel to " + o.target + " in time"};
        } else {
            result.error = router_error{error_kind::connect,
                                        "bastion " + bastion_ + " cannot open a channel to " +
                                            o.target + ": " + o.channel->error()};
        }
        const bool taken = deliver(*o.request, std::move(result));
        if (taken && status == channel_pump::open_status::opened) {
            spdlog::debug("bastion {}: channel to {} open", bastion_, o.target);
            opened.push_back(std::move(o.channel));  // its slot goes with it
            it = opens_.erase(it);
            continue;
        }
        if (waiting) {
            // Timed out or given up: libssh cannot close it yet, so it waits here for the
            // bastion's answer, still counted in the slots.
            o.request.reset();
            o.keep_slot_until = now + abandoned_limit_;
            ++it;
            continue;
        }
        o.channel->finish();  // refused, or opened for a caller who left
        release_slot_();
        it = opens_.erase(it);
    }
    return opened;
}

void channel_opens::fail_all() {
    std::vector<std::shared_ptr<forward_request>> waiting;
    for (auto& o : opens_) {
        o.channel->finish();
        if (o.holds_slot) release_slot_();
        if (o.request) waiting.push_back(std::move(o.request));
    }
    opens_.clear();
    for (auto& request : waiting) {
        forward_result lost;
        lost.session_lost = true;
        lost.error =
            router_error{error_kind::connect, "the session to bastion " + bastion_ + " closed"};
        deliver(*request, std::move(lost));
    }
}

}  // namespace fanout::daemon::ssh
