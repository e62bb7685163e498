// The audit trail's file (--audit-log): an append-only JSON Lines file, one record per line,
// each on stable storage before append() returns (issue 14; schema in docs/audit.md).
//
// Contract:
// - The constructor opens FILE with O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC|O_NOFOLLOW, creating it
//   with mode 0600; an existing file is appended to (it survives restarts). It throws
//   audit_log_error, naming the file and the fix, when FILE is a symlink or not a regular file,
//   when its mode gives group or others any permission (chmod 600, as for key files), or when it
//   cannot be opened.
// - append(record) writes the record (one JSON object; a newline is added) and fdatasyncs it.
//   Records are whole lines: a failed write or fdatasync (disk full, EFBIG, EIO) cuts the file
//   back to its last whole record, and the records not written are held in memory, in order,
//   and written first by the next append() or writable() (the journal's disk-full model,
//   daemon/journal/journal.hpp). At most max_held records are held; beyond that the oldest
//   droppable one is dropped and counted (append(record, false): never dropped, held beyond
//   max_held; job_ends, bounded by the jobs that end while submits are refused), and once writing
//   works again an `audit_records_lost` record with the count is written before the held ones. Each
//   failure episode is logged once at error, its end at warn. Never throws after construction.
// - append() returns true when the record and every record before it are on stable storage.
//   writable() tries the held records and returns true when none is held back.
// - reopen() (SIGHUP, for logrotate) opens FILE again by its path, with the constructor's
//   checks, and writes every later record there. It takes the same mutex as append(), so a
//   concurrent append() lands wholly in the old file (before) or wholly in the new one (after):
//   every record is in exactly one of them. Records held back (disk full) are written to the new
//   file, first. When the new open fails (bad mode, symlink, missing directory, ...) it logs an
//   error naming the fix, keeps writing to the descriptor it had, and returns false: a failed
//   reopen loses no record and never throws.
// - Thread-safe: intake and the publisher thread append concurrently; each append is one
//   write(2) under a mutex, so lines never interleave.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>

namespace fanout::daemon {

class audit_log_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class audit_log {
  public:
    explicit audit_log(std::filesystem::path file, std::size_t max_held = 10000);
    audit_log(const audit_log&) = delete;
    audit_log& operator=(const audit_log&) = delete;
    ~audit_log();

    // droppable false: never one of the records dropped beyond max_held (a job_end, which the
    // journal reports written once append() says so).
    bool append(std::string record, bool droppable = true);
    bool writable();
    bool reopen();

    const std::filesystem::path& path() const { return path_; }

  private:
    bool flush_locked();

    const std::filesystem::path path_;
    const std::size_t max_held_;
    int fd_ = -1;
    std::mutex mutex_;
    struct held_record {
        std::string line;  // with its newline
        bool droppable = true;
    };
    std::deque<held_record> held_;  // records not written yet, oldest first
    std::uint64_t lost_ = 0;        // records dropped from held_ since the last flush
    bool failing_ = false;          // a failure episode is in progress (logged once)
};

}  // namespace fanout::daemon
