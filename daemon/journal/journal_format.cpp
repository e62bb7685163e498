#include "daemon/journal/journal_format.hpp"

#include <array>
#include <optional>
#include <stdexcept>

#include <spdlog/spdlog.h>

namespace fanout::daemon {
namespace {

constexpr std::size_t header_bytes = 9;  // length, CRC32, type
constexpr std::uint32_t max_body_bytes = std::uint32_t{1} << 31;
constexpr std::size_t no_position = std::string_view::npos;

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

// Finds records in one segment's bytes. The scan for the next good record after a bad one
// checks CRCs at every offset; `scan_budget` bounds the bytes it may hash, so a hostile or
// unlucky segment cannot make start-up quadratic.
class segment_reader {
  public:
    explicit segment_reader(std::string_view data)
        : data_(data), scan_budget_(4 * data.size() + (std::uint64_t{64} << 20)) {}

    // The body length of a complete record at `at` whose CRC matches.
    std::optional<std::uint32_t> good_at(std::size_t at, bool scanning = false) {
        if (data_.size() - at < header_bytes) return std::nullopt;
        auto length = get_u32(data_.data() + at);
        if (length > max_body_bytes || length > data_.size() - at - header_bytes)
            return std::nullopt;
        if (scanning) {
            if (scan_budget_ < length + 1u) {
                scan_budget_ = 0;
                return std::nullopt;
            }
            scan_budget_ -= length + 1u;
        }
        if (crc32(data_.substr(at + 8, length + 1)) != get_u32(data_.data() + at + 4))
            return std::nullopt;
        return length;
    }

    // Where reading goes on after a bad record at `at`: the next good record, or the end
    // (the rest is lost); no_position when nothing good follows (a torn tail).
    std::size_t resume_after(std::size_t at) {
        std::size_t cut_off = no_position;
        if (data_.size() - at >= header_bytes) {
            auto length = get_u32(data_.data() + at);
            if (length <= data_.size() - at - header_bytes) {
                auto next = at + header_bytes + length;
                // The length is intact and the record is the last one: a torn or bad tail.
                if (next == data_.size()) return no_position;
                if (chain_at(next)) return next;
                if (cut_off_at(next)) cut_off = next;
            }
        }
        for (std::size_t p = at + 1; p + header_bytes <= data_.size(); ++p) {
            if (chain_at(p)) return p;
            if (scan_budget_ == 0) return data_.size();  // gave up: the rest is unreadable
        }
        // A whole bad record, then a cut-off one: corruption, then a torn tail.
        return cut_off;
    }

  private:
    // A record cut off by the end of the data: what a write interrupted by a crash leaves.
    bool cut_off_at(std::size_t at) const {
        if (data_.size() - at < header_bytes) return true;
        return get_u32(data_.data() + at) > data_.size() - at - header_bytes;
    }

    // A good record at `at` followed by the end, another good record, or a cut-off one: one
    // matching CRC alone is too weak a sign inside megabytes of data.
    bool chain_at(std::size_t at) {
        auto length = good_at(at, true);
        if (!length) return false;
        auto next = at + header_bytes + *length;
        return next == data_.size() || cut_off_at(next) || good_at(next, true).has_value();
    }

    std::string_view data_;
    std::uint64_t scan_budget_;
};

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

parsed_segment parse_segment(std::string_view data, const std::string& name) {
    parsed_segment out;
    segment_reader reader(data);
    std::size_t at = 0;
    while (at < data.size()) {
        if (auto length = reader.good_at(at)) {
            journal_record r{data[at + 8], std::string(data.substr(at + header_bytes, *length))};
            out.has_marker = out.has_marker || r.type == snapshot_marker;
            out.records.push_back(std::move(r));
            at += header_bytes + *length;
            continue;
        }
        auto next = reader.resume_after(at);
        if (next == no_position) {
            out.torn_bytes = data.size() - at;
            spdlog::warn(
                "journal {}: torn record at byte {}; ignoring its last {} bytes "
                "(a crash during a write leaves this)",
                name, at, out.torn_bytes);
            break;
        }
        auto lost = next - at;
        out.unreadable_bytes += lost;
        auto where = name + " bytes " + std::to_string(at) + ".." + std::to_string(next);
        spdlog::error(
            "journal {}: {} bytes cannot be read (corruption, not a torn write: {}); the records "
            "there are lost, reading goes on after them",
            where, lost,
            next < data.size() ? "good records follow" : "no good record could be found after");
        out.records.push_back({unreadable_record, std::move(where)});
        at = next;
    }
    return out;
}

}  // namespace fanout::daemon
