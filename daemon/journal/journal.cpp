#include "daemon/journal/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "daemon/journal/state_dir.hpp"

namespace fanout::daemon {
namespace {

constexpr std::size_t header_bytes = 9;  // length, CRC32, type
constexpr std::uint32_t max_body_bytes = std::uint32_t{1} << 31;

std::array<std::uint32_t, 256> make_crc_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}

std::uint32_t crc32_update(std::uint32_t crc, std::string_view bytes) {
    static const auto table = make_crc_table();
    for (unsigned char b : bytes) crc = table[(crc ^ b) & 0xff] ^ (crc >> 8);
    return crc;
}

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t get_u32(const char* p) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
    return v;
}

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

// Parses framed records; stops at the first torn or corrupt one and reports where.
std::vector<journal_record> parse_records(const std::string& data, const std::string& name,
                                          bool& has_marker) {
    std::vector<journal_record> records;
    std::size_t offset = 0;
    while (offset < data.size()) {
        std::size_t left = data.size() - offset;
        bool intact = left >= header_bytes;
        std::uint32_t length = intact ? get_u32(data.data() + offset) : 0;
        intact = intact && length <= max_body_bytes && length <= left - header_bytes;
        if (intact) {
            std::string_view typed(data.data() + offset + 8, length + 1);
            intact = crc32(typed) == get_u32(data.data() + offset + 4);
        }
        if (!intact) {
            spdlog::warn(
                "journal {}: torn or corrupt record at byte {}; ignoring its last {} bytes "
                "(a crash during a write leaves this)",
                name, offset, left);
            break;
        }
        journal_record r{data[offset + 8], data.substr(offset + header_bytes, length)};
        if (r.type == snapshot_marker) has_marker = true;
        records.push_back(std::move(r));
        offset += header_bytes + length;
    }
    return records;
}

}  // namespace

std::uint32_t crc32(std::string_view bytes) {
    return crc32_update(0xffffffffu, bytes) ^ 0xffffffffu;
}

std::string frame_record(char type, std::string_view body) {
    if (body.size() > max_body_bytes) throw std::length_error("journal record too large");
    std::string out;
    out.reserve(header_bytes + body.size());
    put_u32(out, static_cast<std::uint32_t>(body.size()));
    std::string typed(1, type);
    typed.append(body);
    put_u32(out, crc32(typed));
    out.append(typed);
    return out;
}

struct journal::segment {
    std::filesystem::path path;
    int fd = -1;
    ~segment() {
        if (fd >= 0) ::close(fd);
    }
};

journal::journal(std::filesystem::path dir, std::uint64_t compact_bytes)
    : dir_(std::move(dir)), compact_bytes_(compact_bytes) {
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
    for (const auto& [index, path] : segments) {
        old_segments_.push_back(path);
        if (found) continue;
        std::ifstream in(path, std::ios::binary);
        std::stringstream data;
        data << in.rdbuf();
        if (!in) throw std::runtime_error("cannot read " + path.string());
        bool has_marker = false;
        auto records = parse_records(data.str(), path.string(), has_marker);
        if (!has_marker) {
            spdlog::warn(
                "journal {}: no complete snapshot (a crash during compaction); "
                "using the previous segment",
                path.string());
            continue;
        }
        spdlog::info("journal {}: {} records replayed", path.string(), records.size());
        replayed_ = std::move(records);
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
    synced_cv_.notify_all();
}

std::uint64_t journal::append(char type, std::string_view body) {
    std::lock_guard guard(mutex_);
    if (broken_ || !current_) return 0;
    std::string frame = frame_record(type, body);
    std::size_t done = 0;
    while (done < frame.size()) {
        ssize_t n = ::write(current_->fd, frame.data() + done, frame.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            fail_locked("write to " + current_->path.string());
            return 0;
        }
        done += static_cast<std::size_t>(n);
    }
    appended_ += frame.size();
    segment_bytes_ += frame.size();
    return appended_;
}

std::uint64_t journal::last_ticket() const {
    std::lock_guard guard(mutex_);
    return appended_;
}

void journal::sync(std::uint64_t ticket) {
    std::unique_lock guard(mutex_);
    while (!broken_ && synced_ < ticket) {
        // During a snapshot only the old segment's records can be made durable.
        if (syncing_ || (in_snapshot_ && synced_ >= snapshot_begin_)) {
            synced_cv_.wait(guard);
            continue;
        }
        auto target = in_snapshot_ ? snapshot_begin_ : appended_;
        auto file = in_snapshot_ ? previous_ : current_;
        bool with_dir = dir_dirty_ && !in_snapshot_;
        if (with_dir) dir_dirty_ = false;
        syncing_ = true;
        guard.unlock();
        bool ok = !file || ::fdatasync(file->fd) == 0;
        ok = ok && (!with_dir || ::fsync(dir_fd_) == 0);
        guard.lock();
        syncing_ = false;
        if (!ok)
            fail_locked("fdatasync");
        else
            synced_ = std::max(synced_, target);
        synced_cv_.notify_all();
    }
}

void journal::begin_snapshot() {
    std::lock_guard guard(mutex_);
    if (broken_) return;
    auto next = std::make_shared<segment>();
    next->path = dir_ / segment_name(next_index_);
    next->fd =
        ::open(next->path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (next->fd < 0) {
        fail_locked("create " + next->path.string());
        return;
    }
    ++next_index_;
    previous_ = std::move(current_);
    current_ = std::move(next);
    in_snapshot_ = true;
    snapshot_begin_ = appended_;
    segment_bytes_ = 0;
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

void journal::finish_snapshot(std::uint64_t marker_ticket) {
    sync(marker_ticket);
    std::vector<std::filesystem::path> obsolete;
    {
        std::lock_guard guard(mutex_);
        if (broken_) return;
        std::swap(obsolete, old_segments_);
    }
    for (const auto& path : obsolete) {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            spdlog::warn("journal: cannot remove {}: {}", path.string(), errno_text());
    }
    ::fsync(dir_fd_);
}

bool journal::wants_compaction() const {
    std::lock_guard guard(mutex_);
    return !broken_ && current_ && !in_snapshot_ &&
           segment_bytes_ > std::max(compact_bytes_, 2 * snapshot_bytes_);
}

}  // namespace fanout::daemon
