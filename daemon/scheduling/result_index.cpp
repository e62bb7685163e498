#include "daemon/scheduling/result_index.hpp"

#include "protocol/limits.hpp"

namespace fanout::daemon {

namespace {

// What a result adds to an encoded reply, near enough: its variable fields plus the keys and
// fixed-size values.
std::size_t approximate_size(const protocol::router_result& r) {
    std::size_t size = 256 + r.output.size() + r.stderr_output.size() + r.command.size() +
                       r.job_id.size() + r.router_name.size();
    if (r.error) size += r.error->message.size();
    return size;
}

}  // namespace

replay_page::replay_page(std::uint64_t since_seq, std::size_t limit) : limit_(limit) {
    reply_.next_seq = since_seq;
}

bool replay_page::offer(const protocol::router_result& r) {
    const std::size_t size = approximate_size(r);
    const bool full = reply_.results.size() >= limit_ ||
                      (!reply_.results.empty() && bytes_ + size > protocol::max_replay_bytes);
    if (full) {
        reply_.more = true;
        return false;
    }
    bytes_ += size;
    reply_.results.push_back(r);
    reply_.next_seq = r.seq;
    return true;
}

protocol::replay_reply replay_page::finish(std::uint64_t oldest_seq, std::uint64_t last_seq) && {
    reply_.oldest_seq = oldest_seq;
    reply_.last_seq = last_seq;
    return std::move(reply_);
}

void result_index::add(std::uint64_t seq, const std::string& job_id, std::size_t position) {
    entries_.insert_or_assign(seq, location{job_id, position});
}

void result_index::add_job(const std::string& job_id,
                           const std::vector<protocol::router_result>& results) {
    for (std::size_t i = 0; i < results.size(); ++i) add(results[i].seq, job_id, i);
}

void result_index::add_job(const std::string& job_id,
                           const std::vector<std::optional<protocol::router_result>>& results) {
    for (std::size_t i = 0; i < results.size(); ++i)
        if (results[i]) add(results[i]->seq, job_id, i);
}

void result_index::remove(std::uint64_t seq) {
    entries_.erase(seq);
}

std::uint64_t result_index::oldest_seq() const {
    return entries_.empty() ? 0 : entries_.begin()->first;
}

void result_index::fill(replay_page& page, std::uint64_t since_seq, const resolver& find) const {
    for (auto it = entries_.upper_bound(since_seq); it != entries_.end(); ++it) {
        const protocol::router_result* r = find(it->second);
        if (r != nullptr && !page.offer(*r)) return;
    }
}

}  // namespace fanout::daemon
