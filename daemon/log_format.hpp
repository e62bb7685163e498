// fanoutd's log lines: one event per line, whatever the text in it.
//
// Contract: escaping_formatter wraps a pattern formatter and rewrites the message text before
// it is formatted: control characters (below 0x20, and DEL) become \n, \r, \t or \xNN; C1
// controls (U+0080..U+009F, NEL among them), the separators U+2028 and U+2029 and the
// bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069) become \uXXXX. So text
// from clients, routers or files (job ids, router names, commands, error messages) can neither
// forge a log line nor hide or reorder part of one. Messages without such characters pass through
// unchanged and uncopied. escape_for_log() is the same rewrite on its own.
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
