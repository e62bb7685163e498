// The command policy: which CLI commands fanoutd agrees to send to routers.
//
// Contract:
// - A policy is an ordered list of rules written in a small pattern language (docs/security.md,
//   "Command policy"): `deny PATTERN`, `allow PATTERN`, a leading `|` for rules on pipe
//   stages, `(a|b)` alternatives, `*` for one word, a trailing `...` for any further words.
// - check() is pure: it splits the command into words and pipe stages and answers nullopt
//   (allowed) or the reason it is refused. A command word matches a keyword when it is a
//   non-empty prefix of it, compared case-insensitively (Junos accepts unique abbreviations).
//   Deny rules match any such prefix and everything after the pattern (the conservative
//   side). Allow rules match the whole command, and their first word must be an unambiguous
//   abbreviation among the Junos top-level commands (or pipe commands).
// - Before any rule, and whatever the rules say (`defaults off` too), check() refuses:
//   anything but printable ASCII (0x20-0x7e: control characters and tab, look-alike letters,
//   NBSP, U+2028, U+0085, fullwidth forms, bytes that are not UTF-8), named by code point (or
//   byte) and byte offset from 0, never echoed raw; what a Unix shell would run as a second
//   command (`;`, a backquote or `$(` anywhere; `&`, `<`, `>` outside double quotes); `\"`,
//   unbalanced quotes, an empty command or pipe stage.
// - The built-in deny list (command_policy_defaults.cpp) denies whole families where every
//   command changes the router, and names the writing subcommands of mixed families (file,
//   clear); docs/security.md's table mirrors it row for row (a unit test checks).
// - parse() and load() throw command_policy_error naming the source and line.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::daemon {

class command_policy_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

inline constexpr std::size_t max_policy_rules = 1000;
inline constexpr std::size_t max_policy_line_bytes = 1000;
inline constexpr std::size_t max_policy_file_bytes = 1 << 20;

struct policy_rule {
    enum class verdict { deny, allow };
    verdict action = verdict::deny;
    bool pipe = false;  // applies to each `| stage` rather than to the command
    // One entry per word position; each holds the accepted keywords (lower case) or "*".
    std::vector<std::vector<std::string>> words;
    bool open_ended = false;  // trailing `...` (implied for deny rules)
    std::string text;         // the rule as written, for messages
    std::string origin;       // "built-in" or "FILE:LINE"
};

class command_policy {
  public:
    // The built-in default deny list (default_policy_text).
    static command_policy builtin();
    // Parses policy text; `source` names it in errors ("FILE:LINE: ..."). Unless the text
    // says `defaults off`, the built-in rules come first.
    static command_policy parse(std::string_view text, const std::string& source);
    // Reads and parses a policy file; a missing or unreadable file is an error too.
    static command_policy load(const std::filesystem::path& file);

    // nullopt when the command may be sent; else why not (names the rule that refused it).
    std::optional<std::string> check(std::string_view command) const;

    const std::vector<policy_rule>& rules() const { return rules_; }
    // One line for the start-up log, e.g. "built-in default: 20 deny rules (20 built-in), ...".
    std::string describe() const;

  private:
    std::vector<policy_rule> rules_;
    std::string source_ = "built-in default";
};

// The default rules, one per line, in the pattern language (command_policy_defaults.cpp; also
// shown in docs/security.md).
extern const std::string_view default_policy_text;

// At most `max_bytes` of `command` (cut on a UTF-8 boundary, "..." appended when cut), in
// backticks, with everything but printable ASCII escaped (`\n`, `\x1b`, `\u0435`, `\xff` for a
// byte that is not UTF-8): safe to put in an error message or a log line.
std::string command_excerpt(std::string_view command, std::size_t max_bytes = 80);

}  // namespace fanout::daemon
