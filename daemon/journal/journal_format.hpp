// The journal's record format on disk, and reading one segment back.
//
// Contract:
// - A record is [u32 body length][u32 CRC32 of type byte + body][u8 type][body], little endian.
// - parse_segment() never throws on content and allocates no more than the records it returns.
//   A record is good when it is complete and its CRC matches. A bad record with nothing good
//   after it is a torn tail (a crash during a write leaves one): it is dropped with a warning.
//   A bad record with good records after it is corruption, never a torn tail: the bytes up to
//   the next good record are skipped (found through the bad record's length when that is
//   intact, else by a bounded scan for a CRC-checked record followed by another one or by the
//   end), logged as an error, and marked by one `unreadable_record` in the returned records,
//   at the place of the lost ones, so that recovery knows where it cannot trust the journal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::daemon {

inline constexpr char snapshot_marker = 'M';
// Never written: stands for bytes of a segment that could not be read (body: where, how many).
inline constexpr char unreadable_record = '\0';

struct journal_record {
    char type = 0;
    std::string body;
};

struct parsed_segment {
    std::vector<journal_record> records;
    bool has_marker = false;
    std::uint64_t unreadable_bytes = 0;  // corrupt bytes with good records after them
    std::uint64_t torn_bytes = 0;        // the torn tail dropped at the end
};

std::uint32_t crc32(std::string_view bytes);
// One framed record as it is written to disk (exposed for tests that damage files).
std::string frame_record(char type, std::string_view body);
// `name` only labels the log lines.
parsed_segment parse_segment(std::string_view data, const std::string& name);

}  // namespace fanout::daemon
