#include "daemon/journal/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "daemon/journal/state_dir.hpp"
#include "daemon/metrics/daemon_metrics.hpp"

namespace fanout::daemon {
namespace {

std::string errno_text() {
    return std::strerror(errno);
}

std::string segment_name(std::uint64_t index) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "journal-%010llu.log", static_cast<unsigned long long>(index));
    return buf;
}

// The index of a segment file name, 0 for any other file.
std::uint64_t segment_index(const std::string& name) {
    if (name.size() != 22 || name.rfind("journal-", 0) != 0 || name.substr(18) != ".log") return 0;
    std::uint64_t index = 0;
    for (char c : name.substr(8, 10)) {
        if (c < '0' || c > '9') return 0;
        index = index * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return index;
}

}  // namespace

struct journal::segment {
    std::filesystem::path path;
    int fd = -1;
    std::uint64_t bytes = 0;  // whole records written
    ~segment() {
        if (fd >= 0) ::close(fd);
    }
};

journal::journal(std::filesystem::path dir, std::uint64_t compact_bytes,
                 std::chrono::milliseconds retry_interval)
    : dir_(std::move(dir)), compact_bytes_(compact_bytes), retry_interval_(retry_interval) {
    prepare_state_dir(dir_);
    dir_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd_ < 0) throw std::runtime_error("--state-dir " + dir_.string() + ": " + errno_text());
    auto lock_path = dir_ / "lock";
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        std::string why = errno == EWOULDBLOCK ? "in use by another fanoutd" : errno_text();
        if (lock_fd_ >= 0) ::close(lock_fd_);
        ::close(dir_fd_);
        throw std::runtime_error("--state-dir " + dir_.string() + ": " + why);
    }
    replay();
}

journal::~journal() {
    {
        std::lock_guard guard(mutex_);
        current_.reset();
        previous_.reset();
    }
    ::close(lock_fd_);
    ::close(dir_fd_);
}

void journal::replay() {
    std::vector<std::pair<std::uint64_t, std::filesystem::path>> segments;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
        if (auto index = segment_index(entry.path().filename().string()))
            segments.emplace_back(index, entry.path());
    }
    std::sort(segments.rbegin(), segments.rend());
    if (!segments.empty()) next_index_ = segments.front().first + 1;
    bool found = false;
    bool newer_unreadable = false;  // a newer segment passed over may have lost its marker
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const auto& path = segments[i].second;
        if (found) {
            old_segments_.push_back(path);
            continue;
        }
        std::ifstream in(path, std::ios::binary);
        std::stringstream data;
        data << in.rdbuf();
        if (!in) throw std::runtime_error("cannot read " + path.string());
        auto parsed = parse_segment(data.str(), path.string());
        bool unreadable = parsed.unreadable_bytes > 0;
        if (!parsed.has_marker && i + 1 < segments.size()) {
            if (unreadable) {
                spdlog::error(
                    "journal {}: no snapshot marker and {} bytes unreadable: using the previous "
                    "segment; the changes this one held after its snapshot, if any, are lost",
                    path.string(), parsed.unreadable_bytes);
                unreadable_.push_back(path);
                newer_unreadable = true;
            } else {
                spdlog::warn(
                    "journal {}: no complete snapshot (a compaction or start-up that did not "
                    "finish); using the previous segment",
                    path.string());
                old_segments_.push_back(path);
            }
            continue;
        }
        if (!parsed.has_marker && !parsed.records.empty()) {
            spdlog::error(
                "journal {}: no snapshot marker and no older segment: its {} readable records "
                "are used as they are, and the segment is moved aside once a new snapshot is "
                "durable",
                path.string(), parsed.records.size());
            unreadable = true;
        }
        if (newer_unreadable)
            parsed.records.push_back({unreadable_record, "a newer segment that was passed over"});
        spdlog::info("journal {}: {} records replayed", path.string(), parsed.records.size());
        if (parsed.unreadable_bytes > 0)
            spdlog::error(
                "journal {}: {} bytes could not be read; jobs recorded only there may be lost "
                "(see the lines above and below); the segment is moved aside once a new snapshot "
                "is durable",
                path.string(), parsed.unreadable_bytes);
        (unreadable ? unreadable_ : old_segments_).push_back(path);
        replayed_ = std::move(parsed.records);
        found = true;
    }
}

std::vector<journal_record> journal::take_replayed() {
    return std::move(replayed_);
}

void journal::fail_locked(const std::string& what) {
    if (!broken_)
        spdlog::error("journal in {}: {}: {}; crash safety is off until fanoutd restarts",
                      dir_.string(), what, errno_text());
    broken_ = true;
    held_.clear();  // nothing is written any more: waiting for them would wait forever
    held_bytes_ = 0;
    synced_cv_.notify_all();
}

namespace {

bool write_all(int fd, const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) errno = ENOSPC;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

// Writes the held records in order; on a failure cuts the segment back to its last whole
// record and keeps the rest held. Returns whether none is left.
bool journal::write_held_locked() {
    if (broken_ || !current_) return held_.empty();
    while (!held_.empty()) {
        const auto& frame = held_.front();
        if (!write_all(current_->fd, frame)) {
            auto why = errno_text();
            if (::ftruncate(current_->fd, static_cast<off_t>(current_->bytes)) != 0) {
                fail_locked("cut " + current_->path.string() + " back to its last whole record");
                return true;
            }
            if (!holding_)
                spdlog::error(
                    "journal {}: cannot write: {}; records are held in memory, in order, until a "
                    "write succeeds: meanwhile no router starts and no job is reported ended",
                    current_->path.string(), why);
            holding_ = true;
            return false;
        }
        current_->bytes += frame.size();
        held_bytes_ -= frame.size();
        held_.pop_front();
    }
    if (holding_) {
        spdlog::warn("journal {}: written again; no record was lost", current_->path.string());
        holding_ = false;
        synced_cv_.notify_all();
    }
    return true;
}

std::uint64_t journal::append(char type, std::string_view body) {
    std::lock_guard guard(mutex_);
    if (broken_ || !current_) return 0;
    held_.push_back(frame_record(type, body));
    held_bytes_ += held_.back().size();
    appended_ += held_.back().size();
    metrics::record_journal_bytes(held_.back().size());
    segment_bytes_ += held_.back().size();
    write_held_locked();
    return appended_;
}

bool journal::written(std::uint64_t ticket) {
    std::lock_guard guard(mutex_);
    if (!held_.empty()) write_held_locked();
    return ticket <= appended_ - held_bytes_;
}

void journal::stop_waiting() {
    std::lock_guard guard(mutex_);
    stop_waiting_ = true;
    synced_cv_.notify_all();
}

std::uint64_t journal::last_ticket() const {
    std::lock_guard guard(mutex_);
    return appended_;
}

bool journal::sync(std::uint64_t ticket) {
    std::unique_lock guard(mutex_);
    while (!broken_ && synced_ < ticket) {
        if (appended_ - held_bytes_ < ticket && !write_held_locked()) {
            if (stop_waiting_ || !started_) return false;
            synced_cv_.wait_for(guard, retry_interval_);
            continue;
        }
        // During a snapshot only the old segment's records can be made durable.
        if (syncing_ || (in_snapshot_ && synced_ >= snapshot_begin_)) {
            synced_cv_.wait(guard);
            continue;
        }
        auto target = in_snapshot_ ? snapshot_begin_ : appended_ - held_bytes_;
        auto file = in_snapshot_ ? previous_ : current_;
        bool with_dir = dir_dirty_ && !in_snapshot_;
        if (with_dir) dir_dirty_ = false;
        syncing_ = true;
        guard.unlock();
        const auto sync_started = std::chrono::steady_clock::now();  // metrics
        bool ok = !file || ::fdatasync(file->fd) == 0;
        ok = ok && (!with_dir || ::fsync(dir_fd_) == 0);
        metrics::record_journal_sync(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - sync_started).count());
        guard.lock();
        syncing_ = false;
        if (!ok)
            fail_locked("fdatasync");
        else
            synced_ = std::max(synced_, target);
        synced_cv_.notify_all();
    }
    return true;
}

bool journal::begin_snapshot() {
    std::lock_guard guard(mutex_);
    if (broken_ || !held_.empty()) return false;
    auto next = std::make_shared<segment>();
    next->path = dir_ / segment_name(next_index_);
    next->fd =
        ::open(next->path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (next->fd < 0) {
        auto what = "journal: cannot create " + next->path.string() + ": " + errno_text();
        // At start-up there is no segment to go on with: fanoutd must not run without one.
        if (!current_) throw std::runtime_error(what);
        spdlog::warn("{}; compaction skipped", what);
        return false;
    }
    ++next_index_;
    previous_ = std::move(current_);
    current_ = std::move(next);
    in_snapshot_ = true;
    snapshot_begin_ = appended_;
    segment_bytes_ = 0;
    return true;
}

std::uint64_t journal::end_snapshot(std::string_view marker_body) {
    auto ticket = append(snapshot_marker, marker_body);
    std::lock_guard guard(mutex_);
    if (previous_) old_segments_.push_back(previous_->path);
    previous_.reset();
    in_snapshot_ = false;
    dir_dirty_ = true;
    snapshot_bytes_ = segment_bytes_;
    synced_cv_.notify_all();
    return ticket;
}

bool journal::finish_snapshot(std::uint64_t marker_ticket) {
    if (marker_ticket == 0 || !sync(marker_ticket)) return false;
    std::vector<std::filesystem::path> obsolete, unreadable;
    {
        std::lock_guard guard(mutex_);
        if (broken_) return false;
        started_ = true;
        std::swap(obsolete, old_segments_);
        std::swap(unreadable, unreadable_);
    }
    for (const auto& path : obsolete) {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            spdlog::warn("journal: cannot remove {}: {}", path.string(), errno_text());
    }
    for (const auto& path : unreadable) move_aside(path);
    ::fsync(dir_fd_);
    return true;
}

// A segment recovery could not read completely: kept as evidence, out of the way of replay.
void journal::move_aside(const std::filesystem::path& path) {
    char stamp[32];
    auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    auto target = path;
    target += std::string(".corrupt-") + stamp;
    if (::rename(path.c_str(), target.c_str()) == 0)
        spdlog::error(
            "journal: {} could not be read completely; moved aside to {} (kept for inspection, "
            "never read again)",
            path.string(), target.string());
    else
        spdlog::error(
            "journal: {} could not be read completely and cannot be moved aside ({}); "
            "it stays where it is",
            path.string(), errno_text());
}

bool journal::wants_compaction() const {
    std::lock_guard guard(mutex_);
    return !broken_ && current_ && !in_snapshot_ && held_.empty() &&
           segment_bytes_ > std::max(compact_bytes_, 2 * snapshot_bytes_);
}

}  // namespace fanout::daemon
