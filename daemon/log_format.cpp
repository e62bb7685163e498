#include "daemon/log_format.hpp"

#include <cstdio>

#include <spdlog/details/log_msg.h>

namespace fanout::daemon {
namespace {

// The length in UTF-8 of the code point at `i` when it must be escaped: a C1 control
// (U+0080..U+009F: NEL breaks lines, CSI drives terminals), a line or paragraph separator
// (U+2028, U+2029) or a bidirectional override or isolate (U+202A..U+202E, U+2066..U+2069,
// which reorder what a reader sees); else 0.
std::size_t unicode_escape_at(std::string_view text, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    if (byte(i) == 0xc2 && i + 1 < text.size() && byte(i + 1) < 0xa0 && byte(i + 1) >= 0x80)
        return 2;
    if (byte(i) == 0xe2 && i + 2 < text.size()) {
        unsigned code = 0x2000 | ((byte(i + 1) & 0x3fu) << 6) | (byte(i + 2) & 0x3fu);
        if (code == 0x2028 || code == 0x2029 || (code >= 0x202a && code <= 0x202e) ||
            (code >= 0x2066 && code <= 0x2069))
            return 3;
    }
    return 0;
}

// The code point of the 2- or 3-byte UTF-8 sequence at `i`.
unsigned code_point_at(std::string_view text, std::size_t i, std::size_t length) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    if (length == 2) return ((byte(i) & 0x1fu) << 6) | (byte(i + 1) & 0x3fu);
    return ((byte(i) & 0x0fu) << 12) | ((byte(i + 1) & 0x3fu) << 6) | (byte(i + 2) & 0x3fu);
}

bool needs_escape(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto u = static_cast<unsigned char>(text[i]);
        if (u < 0x20 || u == 0x7f || unicode_escape_at(text, i)) return true;
    }
    return false;
}

}  // namespace

std::string escape_for_log(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto u = static_cast<unsigned char>(text[i]);
        if (std::size_t n = unicode_escape_at(text, i)) {
            char code[8];
            std::snprintf(code, sizeof code, "\\u%04x", code_point_at(text, i, n));
            out += code;
            i += n - 1;
        } else if (u == '\n') {
            out += "\\n";
        } else if (u == '\r') {
            out += "\\r";
        } else if (u == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", u);
            out += hex;
        } else {
            out += text[i];
        }
    }
    return out;
}

escaping_formatter::escaping_formatter(std::unique_ptr<spdlog::formatter> inner)
    : inner_(std::move(inner)) {}

void escaping_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    std::string_view text(msg.payload.data(), msg.payload.size());
    if (!needs_escape(text)) return inner_->format(msg, dest);
    std::string escaped = escape_for_log(text);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(escaped.data(), escaped.size());
    inner_->format(copy, dest);
    // The colour sinks read where the level's colour starts and ends from the message they
    // passed in (mutable fields the pattern formatter sets).
    msg.color_range_start = copy.color_range_start;
    msg.color_range_end = copy.color_range_end;
}

std::unique_ptr<spdlog::formatter> escaping_formatter::clone() const {
    return std::make_unique<escaping_formatter>(inner_->clone());
}

}  // namespace fanout::daemon
