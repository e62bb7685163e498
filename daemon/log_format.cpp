#include "daemon/log_format.hpp"

#include <cstdio>

#include <spdlog/details/log_msg.h>

namespace fanout::daemon {
namespace {

// The length of the Unicode line break (NEL, LS, PS) in UTF-8 at `i`, or 0.
std::size_t line_break_at(std::string_view text, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    if (byte(i) == 0xc2 && i + 1 < text.size() && byte(i + 1) == 0x85) return 2;
    if (byte(i) == 0xe2 && i + 2 < text.size() && byte(i + 1) == 0x80 &&
        (byte(i + 2) == 0xa8 || byte(i + 2) == 0xa9))
        return 3;
    return 0;
}

bool needs_escape(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto u = static_cast<unsigned char>(text[i]);
        if (u < 0x20 || u == 0x7f || line_break_at(text, i)) return true;
    }
    return false;
}

}  // namespace

std::string escape_for_log(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto u = static_cast<unsigned char>(text[i]);
        if (std::size_t n = line_break_at(text, i)) {
            out +=
                n == 2 ? "\\u0085" : (u == 0xe2 && text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029");
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
}

std::unique_ptr<spdlog::formatter> escaping_formatter::clone() const {
    return std::make_unique<escaping_formatter>(inner_->clone());
}

}  // namespace fanout::daemon
