// An append-only journal of framed records in a state directory, with group commit.
//
// Contract:
// - On disk: segment files `journal-<n>.log`; each record is [u32 body length][u32 CRC32 of
//   type byte + body][u8 type][body], little endian. A segment is valid once it holds a
//   `snapshot_marker` record: the records before the marker are a snapshot of the state, the
//   ones after it are changes. Start-up replays the newest valid segment; a torn or corrupt
//   record ends the replay of that segment with a warning (the rest is ignored, never a crash).
// - Writing: append() writes with write(2) and returns a ticket; sync(ticket) blocks until
//   every record up to that ticket is on stable storage. Concurrent sync() calls share one
//   fdatasync (group commit). append() is cheap enough to call under another lock; sync() is not.
// - Compaction: begin_snapshot() opens the next segment (appends go there from then on),
//   the caller appends the snapshot, end_snapshot() appends the marker, and finish_snapshot()
//   (without any caller lock) makes it durable and removes the older segments.
// - A write error is logged once and turns the journal off (fanoutd keeps serving, without
//   crash safety). Two processes cannot share a state directory (flock); the second throws.
//   The directory must be private to fanoutd (state_dir.hpp); the constructor throws otherwise.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::daemon {

inline constexpr char snapshot_marker = 'M';

struct journal_record {
    char type = 0;
    std::string body;
};

std::uint32_t crc32(std::string_view bytes);
// One framed record as it is written to disk (exposed for tests that damage files).
std::string frame_record(char type, std::string_view body);

class journal {
  public:
    // Creates `dir` (0700) if needed, locks it and reads the newest valid segment. Throws
    // std::runtime_error when the directory cannot be used or is locked by another process.
    explicit journal(std::filesystem::path dir,
                     std::uint64_t compact_bytes = std::uint64_t{64} << 20);
    journal(const journal&) = delete;
    journal& operator=(const journal&) = delete;
    ~journal();

    // The records replayed at start-up (moved out; empty on the second call).
    std::vector<journal_record> take_replayed();

    // Writes one record to the current segment; dropped (ticket 0) before the first snapshot.
    std::uint64_t append(char type, std::string_view body);
    // Blocks until every record appended up to `ticket` is on stable storage.
    void sync(std::uint64_t ticket);
    // The ticket of the last record appended.
    std::uint64_t last_ticket() const;

    void begin_snapshot();
    std::uint64_t end_snapshot(std::string_view marker_body);
    void finish_snapshot(std::uint64_t marker_ticket);
    // The current segment has grown past max(compact_bytes, 2 x its snapshot).
    bool wants_compaction() const;

    const std::filesystem::path& directory() const { return dir_; }

  private:
    struct segment;
    void replay();
    void fail_locked(const std::string& what);

    const std::filesystem::path dir_;
    const std::uint64_t compact_bytes_;
    int lock_fd_ = -1;
    int dir_fd_ = -1;
    std::vector<journal_record> replayed_;
    std::vector<std::filesystem::path> old_segments_;  // removed by finish_snapshot
    std::uint64_t next_index_ = 1;

    mutable std::mutex mutex_;
    std::condition_variable synced_cv_;
    std::shared_ptr<segment> current_;
    std::shared_ptr<segment> previous_;  // during a snapshot: syncs stop at its end
    bool in_snapshot_ = false;
    bool broken_ = false;
    bool dir_dirty_ = false;
    bool syncing_ = false;
    std::uint64_t appended_ = 0;  // tickets are byte counts across segments
    std::uint64_t synced_ = 0;
    std::uint64_t snapshot_begin_ = 0;
    std::uint64_t segment_bytes_ = 0, snapshot_bytes_ = 0;
};

}  // namespace fanout::daemon
