// An append-only journal of framed records in a state directory, with group commit.
//
// Contract:
// - On disk: segment files `journal-<n>.log` of records (journal_format.hpp). A segment is
//   valid once it holds a `snapshot_marker` record: the records before the marker are a
//   snapshot of the state, the ones after it are changes. Start-up replays the newest segment
//   that has a marker; a newer one without it is a compaction that crashed, and is passed over
//   (when it also holds unreadable bytes, its marker may be what was lost: an
//   `unreadable_record` then ends the replayed records). With no marker anywhere, the newest
//   segment is replayed as it is. A torn tail is dropped; corruption inside a segment is
//   skipped and marked (journal_format.hpp). Start-up never fails on journal content.
// - A segment that could not be read completely is never deleted: once the next snapshot is
//   durable it is renamed `journal-<n>.log.corrupt-<UTC time>` in the state directory (never
//   read again), and the error log names it.
// - Writing: append() writes with write(2) and returns a ticket; sync(ticket) blocks until
//   every record up to that ticket is on stable storage. Concurrent sync() calls share one
//   fdatasync (group commit). append() is cheap enough to call under another lock; sync() is not.
// - A failed write (disk full) loses no record and leaves no partial one: the segment is cut
//   back to its last whole record, and the records not written are held in memory, in order,
//   and written as soon as a write succeeds again (append() and written() try; a waiting
//   sync() tries every retry interval). written(ticket) tells whether a record is in the file
//   (it then survives a crash of the process). sync() waits for held records until they are
//   written, or returns false: after stop_waiting(), or before the first snapshot is durable
//   (so a start-up that cannot write fails instead of hanging). Logged once per episode.
// - An fdatasync error turns the journal off (logged once): fanoutd keeps serving without
//   crash safety; nothing is appended any more (ticket 0) and sync() returns at once.
// - Compaction: begin_snapshot() opens the next segment (appends go there from then on; false
//   when it cannot, or while records are held), the caller appends the snapshot,
//   end_snapshot() appends the marker, and finish_snapshot() (without any caller lock) makes it
//   durable and removes the older segments (false, and they stay, when it is not durable).
// - Two processes cannot share a state directory (flock); the second throws. The directory
//   must be private to fanoutd (state_dir.hpp); the constructor throws otherwise.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/journal/journal_format.hpp"

namespace fanout::daemon {

class journal {
  public:
    // Creates `dir` (0700) if needed, locks it and reads the newest valid segment. Throws
    // std::runtime_error when the directory cannot be used or is locked by another process.
    explicit journal(std::filesystem::path dir,
                     std::uint64_t compact_bytes = std::uint64_t{64} << 20,
                     std::chrono::milliseconds retry_interval = std::chrono::seconds(1));
    journal(const journal&) = delete;
    journal& operator=(const journal&) = delete;
    ~journal();

    // The records replayed at start-up (moved out; empty on the second call).
    std::vector<journal_record> take_replayed();

    // Writes one record to the current segment; dropped (ticket 0) before the first snapshot.
    std::uint64_t append(char type, std::string_view body);
    // Blocks until every record appended up to `ticket` is on stable storage; false when it
    // stopped waiting for records held back by a failed write.
    bool sync(std::uint64_t ticket);
    // The record of `ticket` and all before it are in the file (held ones are tried first).
    bool written(std::uint64_t ticket);
    // From now on sync() does not wait for held records (shutdown).
    void stop_waiting();
    // The ticket of the last record appended.
    std::uint64_t last_ticket() const;

    bool begin_snapshot();
    std::uint64_t end_snapshot(std::string_view marker_body);
    bool finish_snapshot(std::uint64_t marker_ticket);
    // The current segment has grown past max(compact_bytes, 2 x its snapshot).
    bool wants_compaction() const;

    const std::filesystem::path& directory() const { return dir_; }

  private:
    struct segment;
    void replay();
    void fail_locked(const std::string& what);
    bool write_held_locked();
    void move_aside(const std::filesystem::path& path);

    const std::filesystem::path dir_;
    const std::uint64_t compact_bytes_;
    const std::chrono::milliseconds retry_interval_;
    int lock_fd_ = -1;
    int dir_fd_ = -1;
    std::vector<journal_record> replayed_;
    std::vector<std::filesystem::path> old_segments_;  // removed by finish_snapshot
    std::vector<std::filesystem::path> unreadable_;    // moved aside by finish_snapshot
    std::uint64_t next_index_ = 1;

    mutable std::mutex mutex_;
    std::condition_variable synced_cv_;
    std::shared_ptr<segment> current_;
    std::shared_ptr<segment> previous_;  // during a snapshot: syncs stop at its end
    bool in_snapshot_ = false;
    bool broken_ = false;
    bool dir_dirty_ = false;
    bool syncing_ = false;
    bool started_ = false;          // a first snapshot is durable
    bool stop_waiting_ = false;     // sync() no longer waits for held records
    bool holding_ = false;          // a write failed; logged once per episode
    std::deque<std::string> held_;  // framed records not written yet, oldest first
    std::uint64_t held_bytes_ = 0;
    std::uint64_t appended_ = 0;  // tickets are byte counts across segments
    std::uint64_t synced_ = 0;
    std::uint64_t snapshot_begin_ = 0;
    std::uint64_t segment_bytes_ = 0, snapshot_bytes_ = 0;
};

}  // namespace fanout::daemon
