// fanoutd's log lines: one event per line, whatever the text in it.
//
// Contract: escaping_formatter wraps a pattern formatter and rewrites the message text before
// it is formatted: control characters (below 0x20, and DEL) become \n, \r, \t or \xNN, and the
// Unicode line breaks U+0085, U+2028 and U+2029 become \u0085, \u2028 and \u2029, so text from
// clients, routers or files (job ids, router names, commands, error messages) can neither forge
// a log line nor hide part of one. Messages without such characters pass through unchanged
// and uncopied. escape_for_log() is the same rewrite on its own.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>

namespace fanout::daemon {

std::string escape_for_log(std::string_view text);

class escaping_formatter final : public spdlog::formatter {
  public:
    explicit escaping_formatter(std::unique_ptr<spdlog::formatter> inner);
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    std::unique_ptr<spdlog::formatter> clone() const override;

  private:
    std::unique_ptr<spdlog::formatter> inner_;
};

}  // namespace fanout::daemon
