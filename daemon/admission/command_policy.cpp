// Matching commands against the policy: splitting into words and pipe stages, Junos
// abbreviations, the verdict.
#include "daemon/admission/command_policy.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <variant>

namespace fanout::daemon {
namespace {

// Junos operational-mode top-level commands (the `?` listing at the `>` prompt, plus the
// `edit` and `exit` aliases). Allow rules use it to refuse ambiguous abbreviations.
constexpr std::array<std::string_view, 22> top_level_commands{
    "clear",  "configure", "edit",  "exit",   "file",    "help",      "load", "monitor",
    "mtrace", "op",        "ping",  "quit",   "request", "restart",   "save", "set",
    "show",   "ssh",       "start", "telnet", "test",    "traceroute"};

// Junos pipe commands (what `show version | ?` lists).
constexpr std::array<std::string_view, 16> pipe_commands{
    "append", "compare", "count",   "display", "except",  "find", "hold", "last",
    "match",  "no-more", "refresh", "request", "resolve", "save", "tee",  "trim"};

using words = std::vector<std::string>;

struct split_command {
    std::vector<words> stages;        // [0] the command, then each pipe stage
    std::vector<words> naive_stages;  // split at every `|`, quotes or not (for deny rules)
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Splits on `|` outside double quotes, then on blanks outside quotes; quotes are removed from
// the words. With `ignore_quotes`, quotes are dropped and group nothing (the naive reading).
std::vector<words> split_stages(std::string_view command, bool ignore_quotes) {
    std::vector<words> stages(1);
    std::string word;
    bool in_word = false, quoted = false;
    auto end_word = [&] {
        if (in_word) stages.back().push_back(lower(word));
        word.clear();
        in_word = false;
    };
    for (char c : command) {
        if (c == '"') {
            if (ignore_quotes) continue;
            quoted = !quoted;
            in_word = true;  // `""` is a word
        } else if (c == '|' && !quoted) {
            end_word();
            stages.emplace_back();
        } else if ((c == ' ' || c == '\t') && !quoted) {
            end_word();
        } else {
            word += c;
            in_word = true;
        }
    }
    end_word();
    return stages;
}

std::string hex(unsigned value, int digits) {
    static const char digit[] = "0123456789ABCDEF";
    std::string out(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i, value >>= 4)
        out[static_cast<std::size_t>(i)] = digit[value & 15];
    return out;
}

// U+XXXX notation: at least four hex digits.
std::string code_point_hex(char32_t cp) {
    int digits = 4;
    while (digits < 6 && (cp >> (4 * digits)) != 0) ++digits;
    return hex(cp, digits);
}

// The code point of the UTF-8 sequence at `at` and its length, or nullopt when the bytes there
// are not well-formed UTF-8 (overlong forms, surrogates and values above U+10FFFF included).
struct decoded {
    char32_t code_point;
    std::size_t length;
};
std::optional<decoded> decode_utf8(std::string_view s, std::size_t at) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char lead = byte(at);
    std::size_t length = lead < 0x80             ? 1
                         : (lead & 0xE0) == 0xC0 ? 2
                         : (lead & 0xF0) == 0xE0 ? 3
                         : (lead & 0xF8) == 0xF0 ? 4
                                                 : 0;
    if (length == 0 || at + length > s.size()) return std::nullopt;
    char32_t cp = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (byte(at + i) & 0x3F);
    }
    static constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < smallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return std::nullopt;
    return decoded{cp, length};
}

// The ASCII rule: only printable ASCII (0x20-0x7e) is sent. The reason names the first other
// character by code point and byte offset (from 0), never by the character itself.
std::optional<std::string> not_printable_ascii(std::string_view command) {
    for (std::size_t at = 0; at < command.size(); ++at) {
        auto c = static_cast<unsigned char>(command[at]);
        if (c >= 0x20 && c < 0x7f) continue;
        std::string at_byte = " at byte " + std::to_string(at);
        if (c < 0x20 || c == 0x7f)
            return "holds a control character, which is not printable ASCII (U+" + hex(c, 4) +
                   at_byte + "): control characters may chain commands, send one command per entry";
        if (auto d = decode_utf8(command, at))
            return "holds a character that is not printable ASCII (U+" +
                   code_point_hex(d->code_point) + at_byte + ")";
        return "holds a byte that is not printable ASCII (0x" + hex(c, 2) + at_byte +
               ", not UTF-8)";
    }
    return std::nullopt;
}

// What a Unix shell would run as a second command. Junos's CLI is not a shell, but an account
// whose login shell is one would: `;` and command substitution anywhere (a shell expands `$(`
// and backquotes inside double quotes too), `&`, `<` and `>` outside double quotes (inside them
// they are Junos match text, such as `match ">"`). With `\"` or an odd number of quotes the
// command is refused anyway, whatever this makes of the quoting.
std::optional<std::string> shell_syntax(std::string_view command) {
    if (command.find(';') != std::string_view::npos)
        return std::string("a `;` may chain commands: send one command per entry");
    if (command.find('`') != std::string_view::npos)
        return std::string("a backquote is command substitution in a Unix shell, not Junos syntax");
    if (command.find("$(") != std::string_view::npos)
        return std::string("`$(` is command substitution in a Unix shell, not Junos syntax");
    bool quoted = false;
    for (char c : command) {
        if (c == '"') quoted = !quoted;
        if (!quoted && (c == '&' || c == '<' || c == '>'))
            return std::string("`") + c +
                   "` outside double quotes is a Unix shell operator, not Junos syntax (quote "
                   "it in a match pattern: `match \"" +
                   c + "\"`)";
    }
    return std::nullopt;
}

std::variant<split_command, std::string> split(std::string_view command) {
    if (auto bad = not_printable_ascii(command)) return *bad;
    if (auto shell = shell_syntax(command)) return *shell;
    if (command.find("\\\"") != std::string_view::npos)
        return std::string("`\\\"` makes the quoting ambiguous");
    if (std::count(command.begin(), command.end(), '"') % 2 != 0)
        return std::string("unbalanced double quote");
    split_command out{split_stages(command, false), split_stages(command, true)};
    if (out.stages[0].empty()) return std::string("empty command");
    for (std::size_t i = 1; i < out.stages.size(); ++i)
        if (out.stages[i].empty()) return std::string("empty pipe stage");
    return out;
}

template <std::size_t N>
bool unambiguous(std::string_view word, std::string_view keyword,
                 const std::array<std::string_view, N>& siblings) {
    if (word == keyword) return true;
    return std::none_of(siblings.begin(), siblings.end(), [&](std::string_view s) {
        return s != keyword && s.substr(0, word.size()) == word;
    });
}

// Deny rules take any prefix (even the empty word `""`); allow rules need a non-empty one,
// unambiguous among the known first words when `strict_first`.
bool word_matches(const std::string& word, const std::vector<std::string>& alternatives, bool allow,
                  bool strict_first, bool pipe) {
    if (allow && word.empty()) return false;
    for (const auto& keyword : alternatives) {
        if (keyword == "*") return true;
        if (word.size() > keyword.size() || keyword.compare(0, word.size(), word) != 0) continue;
        if (!strict_first) return true;
        if (pipe ? unambiguous(word, keyword, pipe_commands)
                 : unambiguous(word, keyword, top_level_commands))
            return true;
    }
    return false;
}

bool rule_matches(const policy_rule& rule, const words& stage) {
    if (stage.size() < rule.words.size()) return false;
    if (!rule.open_ended && stage.size() != rule.words.size()) return false;
    bool allow = rule.action == policy_rule::verdict::allow;
    for (std::size_t i = 0; i < rule.words.size(); ++i)
        if (!word_matches(stage[i], rule.words[i], allow, allow && i == 0, rule.pipe)) return false;
    return true;
}

std::string named(const policy_rule& rule) {
    return "rule `" + rule.text + "` (" + rule.origin + ")";
}

}  // namespace

std::optional<std::string> command_policy::check(std::string_view command) const {
    auto parsed = split(command);
    if (auto* malformed = std::get_if<std::string>(&parsed)) return *malformed;
    const auto& c = std::get<split_command>(parsed);
    bool allow_commands = false, allow_pipes = false;
    for (const auto& rule : rules_) {
        if (rule.action == policy_rule::verdict::allow) {
            (rule.pipe ? allow_pipes : allow_commands) = true;
            continue;
        }
        // Deny rules see both readings, so quoting can hide nothing from them.
        for (const auto* stages : {&c.stages, &c.naive_stages}) {
            if (!rule.pipe && rule_matches(rule, (*stages)[0])) return "matches " + named(rule);
            for (std::size_t i = 1; rule.pipe && i < stages->size(); ++i)
                if (rule_matches(rule, (*stages)[i])) return "pipe matches " + named(rule);
        }
    }
    auto allowed = [&](const words& stage, bool pipe) {
        return std::any_of(rules_.begin(), rules_.end(), [&](const policy_rule& r) {
            return r.action == policy_rule::verdict::allow && r.pipe == pipe &&
                   rule_matches(r, stage);
        });
    };
    if (allow_commands && !allowed(c.stages[0], false))
        return std::string(
            "matches no allow rule (abbreviations must be unambiguous under an allow list)");
    if (allow_pipes)
        for (std::size_t i = 1; i < c.stages.size(); ++i)
            if (!allowed(c.stages[i], true))
                return "pipe stage " + std::to_string(i) + " matches no `allow |` rule";
    return std::nullopt;
}

std::string command_excerpt(std::string_view command, std::size_t max_bytes) {
    bool cut = command.size() > max_bytes;
    if (cut) {
        std::size_t end = max_bytes;
        // Back up to the start of a UTF-8 sequence (never split one).
        while (end > 0 && (static_cast<unsigned char>(command[end]) & 0xC0) == 0x80) --end;
        command = command.substr(0, end);
    }
    std::string out = "`";
    for (std::size_t at = 0; at < command.size();) {
        auto c = static_cast<unsigned char>(command[at]);
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
            ++at;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
            ++at;
        } else if (auto d = c >= 0x80 ? decode_utf8(command, at) : std::nullopt) {
            out += d->code_point > 0xFFFF ? "\\U" + lower(hex(d->code_point, 8))
                                          : "\\u" + lower(code_point_hex(d->code_point));
            at += d->length;
        } else {
            out += "\\x" + lower(hex(c, 2));
            ++at;
        }
    }
    return out + (cut ? "...`" : "`");
}

}  // namespace fanout::daemon
