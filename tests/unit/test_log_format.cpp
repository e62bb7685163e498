// Log lines carry client, router and file text: escaping_formatter keeps each event on one line.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "daemon/log_format.hpp"

namespace fanout::daemon {
namespace {

// Logs `text` through the formatter fanoutd uses and returns what reached the sink.
std::string logged(const std::string& text) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    spdlog::logger logger("test", sink);
    logger.set_formatter(
        std::make_unique<escaping_formatter>(std::make_unique<spdlog::pattern_formatter>("%l %v")));
    logger.info("job {} router {}: done", "j1", text);
    logger.flush();
    return out.str();
}

TEST(log_format, a_newline_in_client_text_cannot_forge_a_log_line) {
    auto line = logged("r1\n2026-12-06T00:00:00.000 error forged");
    EXPECT_EQ(line, "info job j1 router r1\\n2026-12-06T00:00:00.000 error forged: done\n");
}

TEST(log_format, every_control_character_and_unicode_line_break_is_escaped) {
    EXPECT_EQ(escape_for_log("a\rb\tc\x1b[31md\x7f"), "a\\rb\\tc\\x1b[31md\\x7f");
    EXPECT_EQ(escape_for_log(std::string("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(escape_for_log("a\xc2\x85"
                             "b\xe2\x80\xa8"
                             "c\xe2\x80\xa9"),
              "a\\u0085b\\u2028c\\u2029");
    EXPECT_EQ(escape_for_log("a\xc2\x9b"
                             "2Jb\xe2\x80\xae"
                             "c\xe2\x81\xa6"
                             "d"),
              "a\\u009b2Jb\\u202ec\\u2066d");
    auto line = logged("x\xe2\x80\xa8y");
    EXPECT_EQ(line.find("\xe2\x80\xa8"), std::string::npos) << line;
}

TEST(log_format, ordinary_text_and_utf8_pass_unchanged) {
    EXPECT_EQ(escape_for_log("show interfaces terse | match ge-0/0/0"),
              "show interfaces terse | match ge-0/0/0");
    EXPECT_EQ(escape_for_log("Zürich-pe1 \xe2\x80\x94 ok"), "Zürich-pe1 \xe2\x80\x94 ok");
    EXPECT_EQ(logged("r1"), "info job j1 router r1: done\n");
}

}  // namespace
}  // namespace fanout::daemon
